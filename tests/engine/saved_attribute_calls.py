"""``grad_fn._saved_*`` reads as lessons print them, as source text run against gradrepl and torch
(shared by test_saved_attributes.py, recorded, and test_saved_attributes_torch.py, live)."""

SETUP = ("x = torch.tensor([1., 2., 3.], requires_grad=True); "
         "w = torch.tensor([4., 5., 6.], requires_grad=True); ")
READS = [
    "(x * w).grad_fn._saved_self", "(x * w).grad_fn._saved_other",
    "(x * w).grad_fn._saved_self is x", "(x * w).grad_fn._saved_other is w",
    "(x * 2).grad_fn._saved_other", "(x * 2).grad_fn._saved_self", "(x * 2.5).grad_fn._saved_other",
    "(2 * x).grad_fn._saved_other", "(x / 2).grad_fn._saved_other", "(x / w).grad_fn._saved_self",
    "(x.detach() * w).grad_fn._saved_self", "(x.detach() * w).grad_fn._saved_other",
    "(x ** 2).grad_fn._saved_exponent", "(x ** 2.5).grad_fn._saved_exponent",
    "(x ** 2).grad_fn._saved_self", "(x ** w).grad_fn._saved_exponent", "(2 ** x).grad_fn._saved_self",
    "(2 ** x).grad_fn._saved_exponent", "(2 ** x).grad_fn._saved_result",
    "x.exp().grad_fn._saved_result", "x.tanh().grad_fn._saved_result",
    "x.sigmoid().grad_fn._saved_result", "x.relu().grad_fn._saved_result",
    "x.exp().grad_fn._saved_result is x", "x.log().grad_fn._saved_self", "x.sin().grad_fn._saved_self",
    "torch.dot(x, w).grad_fn._saved_tensor", "torch.vdot(x, w).grad_fn._saved_other",
    "(x.view(3, 1) @ w.view(1, 3)).grad_fn._saved_mat2",
    "torch.mv(torch.ones(2, 3), x).grad_fn._saved_vec",
    "[k for k in dir((x * w).grad_fn) if k.startswith('_saved')]",
    "[k for k in dir(x.exp().grad_fn) if k.startswith('_saved')]",
    "[k for k in dir((x ** 2).grad_fn) if k.startswith('_saved')]",
    "(x * w).grad_fn._saved_exponent", "(x * w).grad_fn._saved_result",
    "((x * 1) * w).grad_fn._saved_self",
]
AFTER_BACKWARD = [
    "y = x * w; y.sum().backward(); y.grad_fn._saved_self",
    "y = x * w; y.sum().backward(); y.grad_fn._saved_other",
    "y = x ** 2; y.sum().backward(); y.grad_fn._saved_exponent",
    "y = x ** 2; y.sum().backward(); y.grad_fn._saved_self",
    "y = x.exp(); y.sum().backward(); y.grad_fn._saved_result",
    "y = x.tanh(); y.sum().backward(retain_graph=True); y.grad_fn._saved_result",
]


def outcome(torch, code: str, setup: str = SETUP) -> str:
    """What running ``code`` (statements joined by "; ", the last one's repr shown) after
    ``setup`` prints, or the error it raises as "Type: message"."""
    namespace = {"torch": torch}
    exec(setup, namespace)
    *statements, last = code.split("; ")
    try:
        for statement in statements:
            exec(statement, namespace)
        return repr(eval(last, namespace))
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
