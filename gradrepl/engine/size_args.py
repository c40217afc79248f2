"""A factory's ``size`` as torch's argument parser reads it, and its words for one it refuses.

``torch.zeros(2, 3)``, ``torch.zeros((2, 3))`` and ``torch.zeros(size=(2, 3))`` are one
``IntArrayRef size`` to torch's parser. It checks only the first element's type before choosing
the form, then unpacks the elements one by one, each as a C ``long long``: so ``torch.randn(n / 2)``
is "must be tuple of ints, not float", ``torch.zeros(2, 2.5)`` "failed to unpack the object at
pos 2", and ``torch.zeros(2**63)`` an overflow while unpacking, never a storage-size error.
(torch's overflow message goes on with a C++ backtrace of its build; only its first line, closed
by its quote, is kept here, as ``expand`` and ``view`` do.)
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import Unmatched

NO_SIZE = object()  # the default of a ``size=`` keyword that was not given

_LONG_LONG = range(-2**63, 2**63)


def type_name(value) -> str:
    """Py_TYPE(value)->tp_name, as torch's parser prints it: a C type's dotted name."""
    from gradrepl.engine.tensor import Tensor

    kind = type(value)
    if isinstance(value, Tensor):
        return "Tensor"
    if kind.__module__ == "builtins" or kind.__flags__ & (1 << 9):  # a class defined in Python
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


def is_int(value, bool_ok: bool) -> bool:
    """An int as torch's parser takes one in a list of ints: a Python or numpy integer, or a
    one-element integer tensor; a bool only where the parser unpacks (not where it checks)."""
    if type(value) is int or isinstance(value, np.integer):
        return True
    if isinstance(value, bool):
        return bool_ok
    if isinstance(value, int):
        return True
    from gradrepl.engine.tensor import Tensor

    return (isinstance(value, Tensor) and value.numel() == 1
            and value.dtype.numpy.kind in "iu")


def unpacked(items, name: str, param: str = "size", start: int = 0) -> tuple:
    """The ints of a list whose first element passed the parser's check, unpacked in order: the
    first element that is no int, or does not fit a long long, is the error (counted from 1)."""
    size = []
    for i, item in enumerate(items):
        if i >= start and not is_int(item, bool_ok=True):
            raise TypeError(f"{name}(): argument '{param}' failed to unpack the object at pos {i + 1} "
                            f"with error \"type must be tuple of ints,but got {type_name(item)}\"")
        n = int(item)
        if n not in _LONG_LONG:
            raise TypeError(f"{name}(): argument '{param}' failed to unpack the object at pos {i + 1} "
                            f"with error \"Overflow when unpacking long long\"")
        size.append(n)
    return tuple(size)


def factory_size(name: str, args: tuple, size=NO_SIZE, *, varargs: bool = True,
                 many_overloads: bool = False) -> tuple:
    """The shape of ``name(*args)`` or ``name(size=size)``.

    ``varargs``: the sizes may come one by one (``zeros(2, 3)``); ``full`` takes one sequence.
    ``many_overloads``: a call no overload takes raises ``Unmatched`` (torch lists the overloads)
    where a single-signature function says "takes 1 positional argument".
    """
    if size is NO_SIZE and varargs:
        # the usual call, torch.zeros(2, 3) or torch.zeros((2, 3)): ints that fit, taken as they are
        plain = args[0] if len(args) == 1 and type(args[0]) is tuple else args
        for n in plain:
            if type(n) is not int or not -2**63 <= n < 2**63:
                break
        else:
            if plain:
                return plain
    if size is not NO_SIZE:
        if args:
            if many_overloads:
                raise Unmatched
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        if isinstance(size, (tuple, list)) and (not size or is_int(size[0], bool_ok=False)):
            return unpacked(size, name)
        raise TypeError(f"{name}(): argument 'size' must be tuple of ints, not {type_name(size)}")
    if not args:
        if many_overloads:
            raise Unmatched
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    first = args[0]
    if len(args) > 1:
        if not varargs or not is_int(first, bool_ok=False):
            if many_overloads:
                raise Unmatched
            raise TypeError(f"{name}() takes 1 positional argument but {len(args)} were given")
        return unpacked(args, name)
    if isinstance(first, (tuple, list)):
        if first and not is_int(first[0], bool_ok=False):
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, but found "
                            f"element of type {type_name(first[0])} at pos 0")
        return unpacked(first, name)
    if varargs and is_int(first, bool_ok=False):
        return unpacked(args, name)
    raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not {type_name(first)}")
