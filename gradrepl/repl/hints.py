"""One-line hints for the classic autograd mistakes, kept in one table.

Each row pairs a fragment of PyTorch's own error message with the advice a tutor would give.
The fragments are copied from real PyTorch 2.13, so a hint fires on the engine's error and on real
torch's alike.
"""

from __future__ import annotations

# (exception name, fragment of the message, hint)
HINTS: tuple[tuple[str, str, str], ...] = (
    (
        "RuntimeError",
        "Trying to backward through the graph a second time",
        "the graph is freed by the first backward(); call backward(retain_graph=True) "
        "the first time if you need to backward through it again",
    ),
    (
        "RuntimeError",
        "does not require grad and does not have a grad_fn",
        "nothing in this computation tracks gradients; create the input leaf with "
        "requires_grad=True (e.g. torch.tensor(2.0, requires_grad=True))",
    ),
    (
        "RuntimeError",
        "a leaf Variable that requires grad is being used in an in-place operation",
        "update a leaf inside `with torch.no_grad():`, or work on a copy made with .clone()",
    ),
    (
        "RuntimeError",
        "grad can be implicitly created only for scalar outputs",
        "reduce the output to a scalar first (e.g. out.sum().backward()) "
        "or pass gradient=torch.ones_like(out)",
    ),
    (
        # torch.tensor(..., requires_grad=True) says "Only Tensors of floating point and complex dtype",
        # t.requires_grad_() "only Tensors of floating point dtype": one fragment matches all of them
        "RuntimeError",
        "Tensors of floating point",
        "use float values, e.g. torch.tensor([1., 2.], requires_grad=True) or dtype=torch.float",
    ),
    (
        "RuntimeError",
        "has been modified by an inplace operation",
        "a tensor saved for backward was changed in place afterwards (+=, *=, add_, x[i] = ...); "
        "use the out-of-place form (y = y * 2) or change a .clone()",
    ),
    (
        "AttributeError",
        "'NoneType' object has no attribute 'zero_'",
        "a leaf's .grad is None until a backward() fills it; zero it after backward, "
        "or guard with `if x.grad is not None:`",
    ),
)


def hint_for(ename: str, evalue: str) -> str | None:
    """The hint for an error, or None when it is not one of the classic mistakes."""
    for name, fragment, hint in HINTS:
        if ename == name and fragment in evalue:
            return hint
    return None
