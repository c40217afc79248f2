"""Calls that match none of an op's overloads (or exactly one, which then names what it misses),
as source text run against gradrepl and torch: shared by the recorded and live-torch tests."""

CALLS = [
    "x.{op}(keepdim=True)", "torch.{op}(x, keepdim=True)", "x.{op}(keepdim=False)",
    "x.{op}(dtype=torch.float64, keepdim=True)", "torch.{op}(x, dtype=torch.float64, keepdim=True)",
    "torch.{op}(x, keepdim=True, out=torch.empty(()))", "torch.{op}(x, out=torch.empty(()))",
]
ACCEPTED = ["x.{op}(None, keepdim=True)", "torch.{op}(x, None, True)", "x.{op}(0, True)"]
OPS = ["sum", "mean", "prod"]


def outcome(torch, call: str) -> str:
    x = torch.ones(2, 3)
    try:
        result = eval(call, {"torch": torch, "x": x})
    except TypeError as error:
        return f"{type(error).__name__}: {error}"
    return f"shape {tuple(result.shape)}"

# ops refused in the words of torch's parser (keywords.torch_parsed): keepdim without dim,
# dim=None where torch's overloads want an int, unknown and numpy-named keywords, extra arguments
PARSED_OPS = ["max", "min", "median", "cumsum", "cumprod", "count_nonzero", "logsumexp", "prod",
              "mode", "aminmax"]
PARSED_CALLS = [
    "x.{op}()", "torch.{op}(x)", "x.{op}(None)", "torch.{op}(x, None)", "x.{op}(dim=None)",
    "torch.{op}(x, dim=None)", "x.{op}(keepdim=True)", "torch.{op}(x, keepdim=True)",
    "x.{op}(keepdim=False)", "x.{op}(None, True)", "torch.{op}(x, None, True)",
    "x.{op}(None, keepdim=True)", "torch.{op}(x, None, keepdim=True)",
    "x.{op}(dim=None, keepdim=True)", "torch.{op}(x, dim=None, keepdim=True)",
    "x.{op}(keepdim=True, dim=None)", "x.{op}(0, True)", "torch.{op}(x, 0, keepdim=True)",
    "x.{op}(keepdim=True, dim=1)", "x.{op}(not_an_argument=1)", "torch.{op}(x, not_an_argument=1)",
    "x.{op}(0, not_an_argument=1)", "x.{op}(keepdims=True)", "torch.{op}(x, axis=None, keepdims=True)",
    "torch.{op}(x, keepdim=True, out=torch.empty(0))", "torch.{op}(x, dim=None, out=torch.empty(0))",
    "x.{op}(1.5)", "x.{op}(0, 1)", "x.{op}(True)", "x.{op}((0,))", "x.{op}(0, 1, 2)",
    "torch.{op}(x, 0, True, 1)", "x.{op}(a=1, b=2, c=3)", "x.{op}(dim=0, keepdim=1, out=None)",
]


# transpose, einsum's subscript sizes, mean's dtype
MORE_CALLS = [
    "x.transpose(0, 1, 2)", "x.transpose()", "torch.transpose(x, 0)", "x.transpose(dim0=0)",
    "x.transpose(0)", "torch.transpose(x)", "torch.transpose(x, 0, 1, 2)", "x.transpose(0, 1.5)",
    "x.transpose(0, dim2=1)", "x.transpose(1, 0)", "torch.einsum('ii', x[:, :1].expand(2, 3))",
    "torch.einsum('iij', torch.ones(2, 3, 4))", "torch.einsum('ij,jj', x, x)", "torch.einsum('ij,kk', x, torch.ones(2, 3))",
    "torch.einsum('ij,jk', x, x)", "x.mean(dtype=torch.int64)", "x.long().mean()",
    "x.long().mean(0, dtype=torch.int32)",
]


def parsed_outcome(torch, call: str) -> str:
    """outcome(), any exception and its words, the result's values"""
    x = torch.tensor([[1., 0.], [3., 4.]])
    try:
        result = eval(call, {"torch": torch, "x": x})
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
    return repr(result)


# torch.mm's two overloads (with out_dtype or without) both take three arguments with out=
MM_CALLS = [
    "torch.mm(torch.ones(2, 2), None, out=torch.empty(2, 2))",
    "torch.mm(None, torch.ones(2, 2), out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), 3, out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2, requires_grad=True), None, out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), None)",
]
