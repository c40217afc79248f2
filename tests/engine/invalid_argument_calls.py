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

# torch.mm's two overloads (with out_dtype or without) both take three arguments with out=
MM_CALLS = [
    "torch.mm(torch.ones(2, 2), None, out=torch.empty(2, 2))",
    "torch.mm(None, torch.ones(2, 2), out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), 3, out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2, requires_grad=True), None, out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), out=torch.empty(2, 2))",
    "torch.mm(torch.ones(2, 2), None)",
]
