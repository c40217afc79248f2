"""Keyword arguments as torch checks them: a misspelt keyword (``requires_gard=True``) is an error.

Most factories say so in Python's own words (``zeros() got an unexpected keyword argument
'requires_gard'``), which their explicit signatures give for free. The ones torch parses against
several overloads list them instead; ``torch_keywords`` gives those that message, from the
signatures recorded in torch_signatures.py. Keywords torch takes and gradrepl has no use for
(``layout``, ``pin_memory``, ``memory_format``) are accepted; ``out=`` is not supported yet.
"""

from __future__ import annotations

import functools

from gradrepl.engine.errors import UnsupportedError

IGNORED = ("layout", "pin_memory", "memory_format")


def check_out(out, name: str) -> None:
    if out is not None:
        raise UnsupportedError(f"the out= argument of torch.{name}")


def _type_name(value) -> str:
    """The type as torch's argument parser names it."""
    from gradrepl.engine.dtypes import dtype
    from gradrepl.engine.tensor import Tensor

    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, dtype):
        return "torch.dtype"
    kind = type(value)
    if kind.__name__ in ("device", "Generator"):
        return f"torch.{kind.__name__}"
    return kind.__name__


def invalid_combination(name: str, args: tuple, kwargs: dict) -> str:
    from gradrepl.engine.torch_signatures import SIGNATURES

    got = ", ".join([_type_name(a) for a in args]
                    + [f"{key}={_type_name(value)}" for key, value in kwargs.items()])
    options = "".join(f" * {signature}\n" for signature in SIGNATURES[name])
    return (f"{name}() received an invalid combination of arguments - got ({got}), but expected "
            f"one of:\n{options}")


def _counts(signature: str) -> tuple:
    """(fewest, most) arguments a listed signature takes, keywords and out= included."""
    params = [p for p in signature[1:-1].split(", ") if p and p != "*"]
    return sum(" = " not in p for p in params), len(params)


def _missing(signature: str, given: int) -> str:
    """The first required argument a call with ``given`` positional arguments left out."""
    params = [p for p in signature[1:-1].split(", ") if p and p != "*"]
    required = [p.rsplit(" ", 1)[-1] for p in params if " = " not in p]
    return required[given] if given < len(required) else required[-1]


class InvalidArguments(TypeError):
    """Arguments none of an op's overloads takes, in the words of torch's argument parser: when
    exactly one overload takes that many arguments, it names what that one misses, else it lists
    them all ("received an invalid combination of arguments"). Raised in the method's words
    (``x.sum(keepdim=True)``: self is not counted); ``of_function()`` is torch.<name>'s."""

    def __init__(self, name: str, args: tuple, kwargs: dict, method: bool = True):
        self.name, self.method = name, method
        self.args_ = [a if type(a) is str else _type_name(a) for a in args]  # as torch names them
        self.kwargs = {key: v if type(v) is str else _type_name(v) for key, v in kwargs.items()}
        super().__init__(self._message())

    def _message(self) -> str:
        from gradrepl.engine.torch_signatures import SIGNATURES

        options = SIGNATURES[("Tensor." if self.method else "") + self.name]
        given = len(self.args_) + len(self.kwargs)
        plausible = [o for o in options if _counts(o)[0] <= given <= _counts(o)[1]]
        if len(plausible) == 1:
            return (f'{self.name}() missing 1 required positional arguments: '
                    f'"{_missing(plausible[0], len(self.args_))}"')
        got = ", ".join(self.args_ + [f"{key}={value}" for key, value in self.kwargs.items()])
        if self.method and not self.args_:
            got += ", "  # torch's method form ends its keywords so
        listed = "".join(f" * {signature}\n" for signature in options)
        return (f"{self.name}() received an invalid combination of arguments - got ({got}), but "
                f"expected one of:\n{listed}")

    def of_function(self) -> "InvalidArguments":
        if not self.method:
            return self
        return InvalidArguments(self.name, ("Tensor", *self.args_), self.kwargs, False)


# as NotAnOperand: where it reaches the user, it is the TypeError it is
InvalidArguments.__name__ = InvalidArguments.__qualname__ = "TypeError"
InvalidArguments.__module__ = "builtins"


def _fits(signature: str, args: tuple, kwargs: dict) -> bool:
    """Whether a listed overload takes these arguments: their number, keywords it names, every
    required one given, and a tensor wherever it wants one (the rest is the op's to check)."""
    params = [p for p in signature[1:-1].split(", ") if p]
    star = params.index("*") if "*" in params else len(params)
    positional, named = params[:star], [p for p in params if p != "*"]
    names = {p.split(" = ")[0].rsplit(" ", 1)[-1]: p for p in named}
    if len(args) > len(positional) or any(key not in names for key in kwargs):
        return False
    for i, param in enumerate(named):
        name = param.split(" = ")[0].rsplit(" ", 1)[-1]
        value = args[i] if i < len(args) and i < star else kwargs.get(name, _ABSENT)
        if value is _ABSENT:
            if " = " not in param:
                return False
        elif param.startswith("Tensor ") and _type_name(value) != "Tensor" and not (
                value is None and param.endswith(" = None")):
            return False
    return True


_ABSENT = object()


def check_overloads(name: str, args: tuple, kwargs: dict) -> None:
    """torch.<name>'s parser on a call it lists overloads for: its error when none fits and more
    than one takes that many arguments (``torch.mm(a, None, out=t)``) or the one that does
    misses an argument (``torch.mm(a, out=t)``); that one's type errors are left to the op."""
    from gradrepl.engine.torch_signatures import SIGNATURES

    options = SIGNATURES[name]
    if any(_fits(o, args, kwargs) for o in options):
        return
    given = len(args) + len(kwargs)
    plausible = [o for o in options if _counts(o)[0] <= given <= _counts(o)[1]]
    if len(plausible) != 1 or _misses(plausible[0], args, kwargs):
        raise InvalidArguments(name, args, kwargs, method=False)


def _misses(signature: str, args: tuple, kwargs: dict) -> bool:
    required = [p.rsplit(" ", 1)[-1] for p in signature[1:-1].split(", ")
                if p and p != "*" and " = " not in p]
    return any(i >= len(args) and key not in kwargs for i, key in enumerate(required))


class Omitted:
    """A default that torch's parser tells apart from the same value passed: ``x.sum(keepdim=
    True)`` matches no overload where ``x.sum(None, True)`` does. It is what it stands for in
    truth tests and reprs."""

    def __init__(self, value):
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return repr(self.value)


NO_DIM, NO_KEEPDIM = Omitted(None), Omitted(False)


def dim_and_keepdim(name: str, dim, keepdim, dtype=None):
    """A reduction's dim and keepdim as given, None and False where omitted.

    keepdim without dim matches none of torch's overloads: its argument parser's error.
    """
    if keepdim is NO_KEEPDIM:  # the common call: plain False from here on, no __bool__
        return (None if dim is NO_DIM else dim), False
    if dim is NO_DIM:
        kwargs = {"keepdim": keepdim} if dtype is None else {"keepdim": keepdim, "dtype": dtype}
        raise InvalidArguments(name, (), kwargs)
    return dim, keepdim


def torch_keywords(name: str):
    """Check a function's keywords as torch's overload parser does (see the module docstring)."""
    def decorate(function):
        import inspect

        accepted = {p.name for p in inspect.signature(function).parameters.values()
                    if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}

        @functools.wraps(function)
        def checked(*args, **kwargs):
            for key in kwargs:
                if key not in accepted and key not in IGNORED and key != "out":
                    raise TypeError(invalid_combination(name, args, kwargs))
            for key in IGNORED:
                kwargs.pop(key, None)
            check_out(kwargs.pop("out", None), name)
            return function(*args, **kwargs)
        return checked
    return decorate
