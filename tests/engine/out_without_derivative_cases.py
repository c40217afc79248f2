"""Ops torch has no derivative for: their out= takes inputs that require grad (torch's autograd
refusal is for differentiable ops only), and a wrong-sized out is resized with the warning."""

CALLS = {
    "argmax": "torch.argmax(x, out=out_long)", "argmax_dim": "torch.argmax(x, 1, out=out_long)",
    "argmin": "torch.argmin(x, 0, out=out_long)",
    "eq": "torch.eq(x, y, out=out_bool)", "ne": "torch.ne(x, y, out=out_bool)",
    "lt": "torch.lt(x, y, out=out_bool)", "le": "torch.le(x, 1.0, out=out_bool)",
    "gt": "torch.gt(x, y, out=out_bool)", "ge": "torch.ge(y, x, out=out_bool)",
    "nonzero": "torch.nonzero(x, out=out_long)",
    "logical_and": "torch.logical_and(x, y, out=out_bool)",
    "logical_or": "torch.logical_or(x, y, out=out_bool)",
    "logical_xor": "torch.logical_xor(x, y, out=out_bool)",
    "logical_not": "torch.logical_not(x, out=out_bool)",
    "all": "torch.all(x, out=out_bool)", "any_dim": "torch.any(x, 1, out=out_bool)",
    # recorded without a derivative (grad_fn <NotImplemented>): out= takes that node; an out
    # that requires grad is refused in aten::'s words
    "floor_divide": "torch.floor_divide(x, y, out=out_float)",
    "floor_divide_other": "torch.floor_divide(y, x, out=out_float)",
    "floor_divide_into_grad": "torch.floor_divide(y, 2.0, out=out_float_grad)",
    "heaviside": "torch.heaviside(x, y, out=out_float)",
    "heaviside_into_grad": "torch.heaviside(x, y, out=out_float_grad)",
    # differentiable ops still refuse
    "floor": "torch.floor(x, out=out_float)", "sign": "torch.sign(x, out=out_float)",
}


def outcome(torch, call: str) -> tuple:
    import warnings

    x = torch.tensor([[1.0, 3.0, 2.0], [0.5, -1.0, 0.0]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0, 2.0], [0.5, 2.0, 4.0]])
    outs = {"out_long": torch.zeros(5, dtype=torch.long), "out_bool": torch.zeros(5, dtype=torch.bool),
            "out_float": torch.zeros(6), "out_float_grad": torch.zeros(6, requires_grad=True)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = eval(call, {"torch": torch, "x": x, "y": y, **outs})
        except RuntimeError as error:
            return ("error", str(error))
    out = result
    # torch's warnings (numpy's floating-point RuntimeWarnings, which "always" lets through, are not out='s)
    warned = [str(w.message)[:60] for w in caught if not issubclass(w.category, RuntimeWarning)]
    return (repr(out), out.requires_grad, out.grad_fn is None, warned)
