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
