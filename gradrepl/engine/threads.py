"""torch.set_num_threads / get_num_threads and their inter-op twins.

Lessons call them to make timings or results repeatable. gradrepl computes on one thread and
emulates the bits of torch's intra-op split for the thread count the reference outputs were
recorded with (ops.summation.THREADS), so the settings are kept and reported but change no
arithmetic: after `torch.set_num_threads(1)` torch sums 32768+ elements in one part, gradrepl
still in two (docs/floats.md). What is checked, and in which words, is torch's
(torch/csrc/Module.cpp: THPModule_setNumThreads, THPUtils_unpackInt).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.summation import THREADS

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_num_threads = THREADS
# torch's default inter-op pool size is the machine's hardware concurrency (2 where recorded)
_num_interop_threads = THREADS
_interop_set = False


def _c_type_name(value) -> str:
    """Py_TYPE(value)->tp_name: a Python class's bare name, a C type's dotted one."""
    kind = type(value)
    if kind.__module__ == "builtins" or kind.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


def _unpack_int(value, name: str) -> int:
    """THPUtils_checkLong (an int or a numpy integer, never a bool), then the C int conversion."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise RuntimeError(f"{name} expects an int, but got {_c_type_name(value)}")
    number = int(value)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    if not _INT32_MIN <= number <= _INT32_MAX:
        raise ValueError("Overflow when unpacking long")
    if number <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return number


def _one_argument(name: str, args: tuple, kwargs: dict):
    if kwargs:
        raise TypeError(f"torch.{name}() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"torch.{name}() takes exactly one argument ({len(args)} given)")
    return args[0]


def _no_arguments(name: str, args: tuple, kwargs: dict) -> None:
    if kwargs:
        raise TypeError(f"torch.{name}() takes no keyword arguments")
    if args:
        raise TypeError(f"torch.{name}() takes no arguments ({len(args)} given)")


def set_num_threads(*args, **kwargs) -> None:
    """Sets the number of threads used for intraop parallelism on CPU (kept, not used)."""
    global _num_threads
    _num_threads = _unpack_int(_one_argument("set_num_threads", args, kwargs), "set_num_threads")


def get_num_threads(*args, **kwargs) -> int:
    """Returns the number of threads used for parallelizing CPU operations."""
    _no_arguments("get_num_threads", args, kwargs)
    return _num_threads


def set_num_interop_threads(*args, **kwargs) -> None:
    """Sets the number of threads used for interop parallelism; once only, as in torch."""
    global _num_interop_threads, _interop_set
    value = _one_argument("set_num_interop_threads", args, kwargs)
    number = _unpack_int(value, "set_num_interop_threads")
    if _interop_set:
        # gradrepl never starts an inter-op pool, so only a second call can trip this
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _num_interop_threads, _interop_set = number, True


def get_num_interop_threads(*args, **kwargs) -> int:
    """Returns the number of threads used for inter-op parallelism on CPU."""
    _no_arguments("get_num_interop_threads", args, kwargs)
    return _num_interop_threads
