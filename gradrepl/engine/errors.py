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


def python_type_name(value) -> str:
    """A value's type as CPython's ``tp_name`` prints it in torch's messages: a class defined in
    Python by its bare name (``Tensor``, ``Foo``), a built-in one too (``list``), and one defined
    in C by an extension its module-qualified name (``numpy.ndarray``, ``numpy.float64``)."""
    kind = type(value)
    if kind.__flags__ & _HEAP_TYPE or kind.__module__ == "builtins":
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE


class NotAnOperand(TypeError):
    """An op argument that is neither a tensor nor a number (``x / None``, ``x.mul(x.sum)``).

    An operator answers it with NotImplemented, so Python tries the other operand and then says
    "unsupported operand type(s) for /: 'Tensor' and 'NoneType'" as it does for torch; a function
    or method names the argument as torch's argument parser does (ops/arithmetic_functions.py)."""

    def __init__(self, value, op: str = "", argument: str = "other", position: int = 1):
        self.value, self.op, self.argument, self.position = value, op, argument, position
        if op:
            message = (f"{op}(): argument '{argument}' (position {position}) must be Tensor, "
                       f"not {python_type_name(value)}")
        else:
            message = f"unsupported operand type: '{type(value).__name__}'"
        super().__init__(message)

    def of_op(self, op: str, input) -> "NotAnOperand":
        """Named as Tensor.<op> names it (x.mul(None): 'other' is argument 1)."""
        if self.value is input:
            return NotAnOperand(input, op, "input", 1)
        return NotAnOperand(self.value, op, "other", 1)

    def of_function(self) -> "NotAnOperand":
        """Named as torch.<op> names it (torch.mul(x, None): 'other' is argument 2, the method
        counting from the argument after self)."""
        if not self.op or self.argument == "input":
            return self
        return NotAnOperand(self.value, self.op, self.argument, self.position + 1)


# Where it reaches the user (an op without torch's argument message yet), it is the TypeError it
# is: tracebacks and the session name it by these.
NotAnOperand.__name__ = NotAnOperand.__qualname__ = "TypeError"
NotAnOperand.__module__ = "builtins"


# a Python int becomes torch's Scalar as an int64, or failing that as a uint64 (PyLong's
# conversions), so only ints outside [-2**63, 2**64) are refused, with PyLong's messages
SCALAR_INT_MIN, SCALAR_INT_MAX = -(1 << 63), (1 << 64) - 1


def raise_scalar_overflow(x: int):
    """torch's OverflowError for a Python int no Scalar holds (``t * 2**70``, ``arange(2**64)``)."""
    if x < 0:
        raise OverflowError("can't convert negative int to unsigned")
    raise OverflowError("int too big to convert")
