"""Errors the engine raises besides PyTorch's own (which use Python's built-in exception types).

``UnsupportedError`` marks the edge of what gradrepl implements: the session and replay report it as
"unsupported: torch.X" rather than as a mismatch, so lesson authors know what to ask for.
"""


class UnsupportedError(AttributeError, NotImplementedError):
    """A torch feature that gradrepl does not implement yet.

    It is an AttributeError so that ``hasattr(torch, "fft")`` stays False and ``getattr`` defaults
    work, and a NotImplementedError because that is what it means. ``feature`` is the user-facing
    name, e.g. ``"torch.fft"`` or ``"Tensor.cumsum"``.
    """

    def __init__(self, feature: str, detail: str = ""):
        self.feature = feature
        message = f"gradrepl does not support {feature} yet"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        # AttributeError's name/obj are left unset so Python does not append "Did you mean" hints.


class NotAnOperand(TypeError):
    """An op argument that is neither a tensor nor a number (``x / None``, ``x.mul(x.sum)``).

    An operator answers it with NotImplemented, so Python tries the other operand and then says
    "unsupported operand type(s) for /: 'Tensor' and 'NoneType'" as it does for torch; a function
    or method names the argument as torch's argument parser does (ops/arithmetic_functions.py)."""

    def __init__(self, value):
        self.value = value
        super().__init__(f"unsupported operand type: '{type(value).__name__}'")


# Where it reaches the user (an op without torch's argument message yet), it is the TypeError it
# is: tracebacks and the session name it by these.
NotAnOperand.__name__ = NotAnOperand.__qualname__ = "TypeError"
NotAnOperand.__module__ = "builtins"
