"""``torch.autograd.function``: custom autograd Functions."""

from gradrepl.engine.function import (  # noqa: F401
    BackwardCFunction,
    Function,
    FunctionCtx,
    FunctionMeta,
    once_differentiable,
)


def __getattr__(name):
    if name in ("InplaceFunction", "NestedIOFunction"):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.autograd.function.{name}")
    raise AttributeError(f"module 'torch.autograd.function' has no attribute '{name}'")
