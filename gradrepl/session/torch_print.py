"""``print`` in a gradrepl session: torch's C built-ins print as torch prints them.

A learner who forgets the parentheses, ``print(x.item)``, sees on PyTorch
``<built-in method item of Tensor object at 0x7f...>``; gradrepl's methods are Python functions and
would print ``<bound method ...>``. The session owns its namespace, so its ``print`` shows those
arguments as torch does (gradrepl/torch/_builtins.py) and hands everything else to Python's print
untouched. ``import gradrepl.torch`` in a plain script keeps Python's print: a library leaves the
host's builtins alone.
"""

from __future__ import annotations

import builtins
import types

_CALLABLES = (types.MethodType, types.FunctionType)


class _Shown:
    """An argument that prints as the given text."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


def _as_torch_prints(value):
    if type(value) not in _CALLABLES:
        return value
    from gradrepl.torch._builtins import builtin_look

    look = builtin_look(value)
    if look is None:
        return value
    return _Shown(look.repr(id(getattr(value, "__self__", value))))


def make_print(real_print=builtins.print):
    """The session's ``print``: Python's, with torch's text for gradrepl's stand-ins of torch built-ins."""

    def print(*args, sep=" ", end="\n", file=None, flush=False):
        if any(type(a) in _CALLABLES for a in args):
            args = [_as_torch_prints(a) for a in args]
        real_print(*args, sep=sep, end=end, file=file, flush=flush)

    print.__doc__ = real_print.__doc__
    return print
