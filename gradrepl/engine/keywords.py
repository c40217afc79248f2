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

    if isinstance(value, (Tensor, _Self)):
        return "Tensor"
    if isinstance(value, dtype):
        return "torch.dtype"
    kind = type(value)
    if kind.__name__ in ("device", "Generator"):
        return f"torch.{kind.__name__}"
    from gradrepl.engine.errors import python_type_name

    return python_type_name(value)  # numpy.ndarray, as CPython names a C type


def invalid_combination(name: str, args: tuple, kwargs: dict) -> str:
    from gradrepl.engine.torch_signatures import SIGNATURES

    got = ", ".join([_type_name(a) for a in args]
                    + [f"{key}={_type_name(value)}" for key, value in kwargs.items()])
    options = "".join(f" * {signature}\n" for signature in SIGNATURES[name])
    return (f"{name}() received an invalid combination of arguments - got ({got}), but expected "
            f"one of:\n{options}")


class _Param:
    """One parameter of a listed overload, as torch's FunctionSignature holds it."""

    __slots__ = ("type", "name", "optional", "none_ok", "keyword_only")

    def __init__(self, text: str, keyword_only: bool):
        declared, _, default = text.partition(" = ")
        self.type, _, self.name = declared.rpartition(" ")
        self.optional, self.none_ok = bool(default), default == "None"
        self.keyword_only = keyword_only


def _params(signature: str) -> list:
    params, keyword_only = [], False
    for text in signature[1:-1].split(", "):
        if text == "*":
            keyword_only = True
        elif text:
            params.append(_Param(text, keyword_only))
    return params


def _counts(signature: str) -> tuple:
    """(fewest, most) arguments a listed signature takes, keywords and out= included."""
    params = _params(signature)
    return sum(not p.optional for p in params), len(params)


class _Self:
    """The tensor a method was called on, where only its type is known: torch.<name>'s first
    argument when a method's refusal is said in the function's words."""


_SELF = _Self()
# the numpy names torch's parser takes for these two parameters of every native function
_NUMPY_NAMES = {"dim": "axis", "keepdim": "keepdims"}


def _matches(kind: str, value) -> bool:
    """Whether torch's parser takes ``value`` for a parameter of this type (the types the
    listed overloads use; any other is left to the op)."""
    from gradrepl.engine.dtypes import dtype
    from gradrepl.engine.tensor import Tensor

    if isinstance(value, _Self):
        return kind == "Tensor"
    if kind == "Tensor":
        return isinstance(value, Tensor)
    if kind in ("int", "tuple of ints"):
        if isinstance(value, Tensor):  # a 0-d integer tensor is an index
            return value.ndim == 0 and value._data.dtype.kind in "iu"
        if _is_index(value):
            return True
        return kind == "tuple of ints" and isinstance(value, (tuple, list)) and all(
            _is_index(v) for v in value)
    if kind == "bool":
        return type(value) is bool or type(value).__name__ == "bool_"
    if kind == "float":  # a real Python or numpy number, or a 0-d tensor that needs no grad
        import numpy as np

        if isinstance(value, Tensor):
            return value.ndim == 0 and not value.requires_grad
        return isinstance(value, (int, float, np.integer, np.floating, np.bool_))
    if kind == "torch.dtype":
        return isinstance(value, dtype)
    if kind == "Number":  # a Python or numpy number, or a tensor of one element
        import numpy as np

        if isinstance(value, Tensor):
            return value.numel() == 1
        return isinstance(value, (int, float, complex, np.number, np.bool_))
    return True


def _takes(param: _Param, value) -> bool:
    """_matches for a listed parameter: a ``size`` (an int list of no fixed length) takes no
    single int, where a ``dim`` (``int[1]``, listed alike) does."""
    if param.name == "size" and param.type == "tuple of ints" and _is_index(value):
        return False
    return _matches(param.type, value)


def _is_index(value) -> bool:
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _parse_failure(name: str, signature: str, args: tuple, kwargs: dict):
    """What torch's parser says of a call to the one overload that takes that many arguments
    (FunctionSignature::parse): too many positional arguments, a missing one, one of the wrong
    type, an unknown keyword; None when that overload takes the call."""
    params = _params(signature)
    positional = sum(not p.keyword_only for p in params)
    if len(args) > positional:
        fewest = sum(not p.optional for p in params)
        if fewest != positional:
            return (f"{name}() takes from {fewest} to {positional} positional arguments but "
                    f"{len(args)} were given")
        return (f"{name}() takes {positional} positional argument{'' if positional == 1 else 's'}"
                f" but {len(args)} {'was' if len(args) == 1 else 'were'} given")
    for i, param in enumerate(params):
        keyword = i >= len(args)
        if keyword:
            value = kwargs.get(param.name, kwargs.get(_NUMPY_NAMES.get(param.name), _ABSENT))
        elif param.name in kwargs:
            return f"{name}() got multiple values for argument '{param.name}'"
        else:
            value = args[i]
        if (value is _ABSENT and param.optional) or (value is None and param.none_ok):
            continue
        if value is _ABSENT:
            missing = [f'"{p.name}"' for p in params[i:] if not p.optional]
            # torch's own plural: "missing 1 required positional arguments"
            return (f"{name}() missing {len(missing)} required positional "
                    f"argument{'s' if len(missing) == 1 else ''}: {', '.join(missing)}")
        if not _takes(param, value):
            where = "" if keyword else f" (position {i + 1})"
            return (f"{name}(): argument '{param.name}'{where} must be {param.type}, not "
                    f"{_type_name(value)}")
    names = {p.name for p in params} | {_NUMPY_NAMES[p.name] for p in params if p.name in _NUMPY_NAMES}
    for key in kwargs:
        if key not in names:
            return f"{name}() got an unexpected keyword argument '{key}'"
    return None


def _listed_option(option: str, args: list, kwargs: dict) -> str:
    """Why a listed overload did not match, when it takes as many arguments as given
    (format_invalid_args): torch reads each ``type name`` by its last space, so ``*`` counts as
    an argument and a defaulted one (``bool keepdim = False``) is named ``False``."""
    parts = option[1:-1].split(", ")
    names = [part.rpartition(" ")[2] for part in parts]
    types = [part.rpartition(" ")[0] if " " in part else part for part in parts]
    if len(parts) != len(args) + len(kwargs):
        return ""
    start = max(0, len(parts) - len(kwargs))
    wrong = [key for key in kwargs if key not in names[start:]]
    if wrong:
        return f"      didn't match because some of the keywords were incorrect: {', '.join(wrong)}\n"
    described = []
    for i, value in enumerate([*args, *(kwargs[n] for n in names[len(args):])]):
        text = (f"{names[i]}=" if i >= len(args) else "") + _described(value)
        described.append(text if _names_match(types[i], value) else f"!{text}!")
    joined = ", ".join(described) + (", " if not args and described else "")
    return f"      didn't match because some of the arguments have invalid types: ({joined})\n"


def _names_match(kind: str, value) -> bool:
    """torch's test in its error listing: the value's type name against the listed type."""
    accepted = {"float": ("float", "int"), "int": ("int",)}.get(kind, (kind,))
    return _type_name(value) in accepted


def _described(value) -> str:
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_type_name(v) for v in value)
        if isinstance(value, tuple):
            return f"tuple of ({inner}{',' if len(value) == 1 else ''})"
        return f"list of [{inner}]"
    return _type_name(value)


class InvalidArguments(TypeError):
    """Arguments none of an op's overloads takes, in the words of torch's argument parser
    (PythonArgParser::print_error): when exactly one overload takes that many arguments (or the
    op has one), that one's complaint (what it misses, which argument has the wrong type), else
    the list of overloads with why each that takes as many arguments did not match. Raised in
    the method's words (``x.sum(keepdim=True)``: self is not counted); ``of_function()`` is
    torch.<name>'s. Keywords are given in the call's order; torch lists them from a hash map,
    which gives them in the reverse order."""

    def __init__(self, name: str, args: tuple, kwargs: dict, method: bool = True):
        self.name, self.method = name, method
        self.args_, self.kwargs = list(args), dict(kwargs)
        super().__init__(self._message())

    def _message(self) -> str:
        from gradrepl.engine.torch_signatures import SIGNATURES

        options = SIGNATURES[("Tensor." if self.method else "") + self.name]
        given = len(self.args_) + len(self.kwargs)
        plausible = [o for o in options if _counts(o)[0] <= given <= _counts(o)[1]]
        if len(options) == 1 or len(plausible) == 1:
            failure = _parse_failure(self.name, (plausible or options)[0], self.args_, self.kwargs)
            if failure:
                return failure
        listed = dict(reversed(list(self.kwargs.items())))  # torch's hash map's order
        got = ", ".join([_type_name(a) for a in self.args_]
                        + [f"{key}={_type_name(value)}" for key, value in listed.items()])
        if not self.args_ and listed:
            got += ", "  # torch's listing ends keywords so when no positional argument came first
        reasons = "".join(f" * {o}\n" + _listed_option(o, self.args_, listed) for o in options)
        return (f"{self.name}() received an invalid combination of arguments - got ({got}), but "
                f"expected one of:\n{reasons}")

    def of_function(self) -> "InvalidArguments":
        if not self.method:
            return self
        return InvalidArguments(self.name, (_SELF, *self.args_), self.kwargs, False)


# as NotAnOperand: where it reaches the user, it is the TypeError it is
InvalidArguments.__name__ = InvalidArguments.__qualname__ = "TypeError"
InvalidArguments.__module__ = "builtins"


class Unmatched(Exception):
    """Raised by an op declared with ``torch_parsed`` on arguments that match none of torch's
    overloads; the wrapper, which has the call as written, raises torch's words for it."""


def check_types(*pairs) -> None:
    """``Unmatched`` unless torch's parser takes each (type, value) pair, an omitted value
    (``NO_DIM``, ``NO_KEEPDIM``) being taken."""
    for kind, value in pairs:
        if not isinstance(value, Omitted) and not _matches(kind, value):
            raise Unmatched


def torch_parsed(name: str, method: bool = True):
    """An op whose refusals are torch's argument parser's: when it raises ``Unmatched`` or
    Python refuses the call itself (an unknown keyword, too many arguments), the call as written
    is matched against torch's recorded overloads (SIGNATURES["Tensor.<name>"]) and refused in
    their words, the method's (``with_out`` turns them into torch.<name>'s); ``method=False``:
    torch.<name>'s own, for an op without out= (whose function is not with_out's)."""
    def decorate(function):
        @functools.wraps(function)
        def parsed(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Unmatched:
                pass
            except TypeError as error:
                if error.__traceback__.tb_next is not None or not args:
                    raise  # from inside the op: its own words
            if method:
                raise InvalidArguments(name, args[1:], kwargs) from None
            raise InvalidArguments(name, args, kwargs, method=False) from None
        parsed.__torch_parsed__ = function
        return parsed
    return decorate


def _fits(signature: str, args: tuple, kwargs: dict) -> bool:
    """Whether a listed overload takes these arguments: their number, keywords it names, every
    required one given, each of a type it takes (None where its default is None)."""
    params = _params(signature)
    positional = sum(not p.keyword_only for p in params)
    names = {p.name for p in params}
    if len(args) > positional or any(key not in names for key in kwargs):
        return False
    for i, param in enumerate(params):
        value = args[i] if i < len(args) else kwargs.get(param.name, _ABSENT)
        if value is _ABSENT:
            if not param.optional:
                return False
        elif not (value is None and param.none_ok) and not _takes(param, value):
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
    if len(plausible) != 1 or _parse_failure(name, plausible[0], args, kwargs):
        raise InvalidArguments(name, args, kwargs, method=False)


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
        # the call's order is not known here: dtype= first, as torch lists (dtype, keepdim)
        # in the reverse order
        kwargs = {"keepdim": keepdim} if dtype is None else {"dtype": dtype, "keepdim": keepdim}
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
            given = dict(kwargs)
            for key in IGNORED:
                kwargs.pop(key, None)
            check_out(kwargs.pop("out", None), name)
            try:
                return function(*args, **kwargs)
            except Unmatched:
                pass
            except TypeError as error:
                if error.__traceback__.tb_next is not None:
                    raise  # from inside the function: its own words
            # too few or too many arguments (Python refused the call), or the function's
            # Unmatched: torch's parser's words for the call as written
            raise InvalidArguments(name, args, given, method=False) from None
        return checked
    return decorate
