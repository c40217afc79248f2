"""Cases for the layout (strides, contiguity) of the gradients a hook sees and of a leaf's .grad,
shared by the unit tests (expectations recorded from torch 2.13) and the live-torch test."""

from __future__ import annotations

# (name, leaf shape, a function of (lib, x) giving the loss)
REDUCTIONS = {
    "sum": lambda lib, x: x.sum(),
    "mean": lambda lib, x: x.mean(),
    "sum0": lambda lib, x: x.sum(0).sum(),
    "sum_last_keepdim": lambda lib, x: x.sum(-1, keepdim=True).sum(),
    "mean0": lambda lib, x: x.mean(0).sum(),
    "times_two": lambda lib, x: (x * 2).sum(),
    "transposed": lambda lib, x: x.t().sum() if x.ndim == 2 else x.sum(),
}
SHAPES = [(1,), (3,), (2, 1), (1, 3), (2, 3), (20000,), (2, 20000)]


def seen_by_hook(lib, shape, loss, leaf=None):
    """(the hook's gradient strides and contiguity, the leaf's .grad strides and contiguity)."""
    x = (leaf(lib) if leaf else lib.ones(shape)).requires_grad_(True)
    seen = []
    x.register_hook(lambda g: seen.append((g.stride(), g.is_contiguous())))
    loss(lib, x).backward()
    return seen[0], (x.grad.stride(), x.grad.is_contiguous())


# leaves whose layout is not the default: torch gives .grad the leaf's strides when the leaf is
# dense (a transposed weight's gradient is transposed), contiguous strides otherwise
LEAVES = {
    "transposed": lambda lib: lib.ones(2, 3).t().detach(),
    "every_other_row": lambda lib: lib.ones(4, 3)[::2].detach(),
    "permuted": lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1).detach(),
}
