"""Turning an exception raised by a cell into an error output in the user's terms.

The traceback keeps only frames from the user's cells (``Cell In[3], line 2``, as IPython 8 labels
them) and from the user's own files, never gradrepl's, numpy's or the standard library's, so a
learner sees where *their* code went wrong. Three exceptions are translated:

- numpy's "Unable to allocate 37.3 GiB ..." MemoryError from a huge tensor request made through the
  engine becomes the one-line RuntimeError PyTorch raises for it;
- ``CellTimeout`` becomes ``TimeoutError``;
- ``KeyboardInterrupt`` stays ``KeyboardInterrupt`` with an empty value, as in Jupyter;
- an AttributeError or TypeError about a gradrepl function that real torch writes in C
  (``x.exp.sum()``, ``x.size[0]``: the parentheses forgotten) names torch's type,
  'builtin_function_or_method', not Python's 'function' or 'method' (``torch_types.py``).

``unsupported`` names the torch feature behind the failure when gradrepl lacks it: the engine's
``UnsupportedError`` (found by class name so this module does not import the engine), the session's
ImportError for a missing ``torch.X`` module, or an AttributeError on a torch module or tensor.
"""

from __future__ import annotations

import functools
import os
import re
import traceback
from types import ModuleType
from typing import Callable, Optional

from gradrepl.session.magics import UsageError
from gradrepl.session.outputs import ErrorInfo
from gradrepl.session.timeout import CellTimeout

_GRADREPL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.lru_cache(maxsize=1)
def _library_dirs() -> tuple[str, ...]:
    """The standard library and site-packages: frames there are not the learner's code."""
    import sysconfig

    paths = sysconfig.get_paths()
    dirs = {os.path.abspath(paths[key]) for key in ("stdlib", "purelib", "platlib") if paths.get(key)}
    return (_GRADREPL_DIR,) + tuple(sorted(dirs))


def _is_library_file(filename: str) -> bool:
    path = os.path.abspath(filename)
    return any(path.startswith(directory + os.sep) for directory in _library_dirs())


def _ename(exc: BaseException) -> str:
    return type(exc).__name__


def _message(exc: BaseException) -> str:
    """``str(exc)``, or Python's own words when a cell's exception cannot say what it is."""
    try:
        return str(exc)
    except BaseException:
        return "<exception str() failed>"


_NUMPY_ALLOCATION = re.compile(r"Unable to allocate [\d.]+ \w+ for an array with shape \((?P<shape>[^)]*)\) "
                               r"and data type (?P<dtype>\w+)")
_ENGINE_DIRS = tuple(os.path.join(_GRADREPL_DIR, part) + os.sep for part in ("engine", "torch"))


def _engine_allocation_error(exc: BaseException) -> Optional[str]:
    """PyTorch's words for a tensor the engine could not allocate, or None.

    numpy says "Unable to allocate 37.3 GiB for an array with shape (10000000000,) and data type
    float32"; PyTorch 2.13 on Linux says the RuntimeError below, which is what a lesson recorded on
    real PyTorch shows. Only allocations made inside gradrepl's engine are translated: a learner's
    own numpy call keeps numpy's message, as in Jupyter.
    """
    if not isinstance(exc, MemoryError):
        return None
    match = _NUMPY_ALLOCATION.search(str(exc))
    frames = traceback.extract_tb(exc.__traceback__)
    if not match or not any(os.path.abspath(f.filename).startswith(_ENGINE_DIRS) for f in frames):
        return None
    import numpy

    numel = 1
    for part in match["shape"].split(","):
        if part.strip():
            numel *= int(part)
    size = numel * numpy.dtype(match["dtype"]).itemsize
    return ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
            f"you tried to allocate {size} bytes. Error code 12 (Cannot allocate memory)")


def unsupported_feature(exc: BaseException, torch_target: Optional[str]) -> Optional[str]:
    """The torch feature gradrepl lacks that caused ``exc``, if that is what happened.

    ``torch_target`` is the module ``import torch`` means in the session (None on real torch).
    """
    for cls in type(exc).__mro__:
        if cls.__name__ == "UnsupportedError" and cls.__module__.startswith("gradrepl"):
            return getattr(exc, "feature", None) or str(exc)
    marked = getattr(exc, "gradrepl_unsupported", None)
    if marked:
        return marked
    if torch_target and isinstance(exc, AttributeError):
        obj, name = getattr(exc, "obj", None), getattr(exc, "name", None)
        if name is None:
            return None
        if isinstance(obj, ModuleType) and (obj.__name__ + ".").startswith(torch_target + "."):
            return "torch" + obj.__name__[len(torch_target):] + "." + name
        cls = type(obj)
        if getattr(cls, "_missing_attributes_are_user_errors", False):
            return None  # a module's attributes are the user's own names (model.fc3), as in torch
        if cls.__module__.split(".")[0] in ("torch", "gradrepl"):
            return f"{cls.__name__}.{name}"
    return None


def _frame_label(filename: str, cell_labels: Callable[[str], Optional[str]]) -> str:
    label = cell_labels(filename)
    return label if label is not None else f'File "{filename}"'


def format_user_traceback(exc: BaseException, cell_labels: Callable[[str], Optional[str]]) -> list[str]:
    """Traceback lines for frames in cells or user files; the last line is ``ename: evalue``."""
    lines = ["Traceback (most recent call last):"]
    frames = traceback.extract_tb(exc.__traceback__)
    shown = 0
    for frame in frames:
        if cell_labels(frame.filename) is None and _is_library_file(frame.filename):
            continue
        where = _frame_label(frame.filename, cell_labels)
        function = "" if frame.name == "<module>" else f", in {frame.name}"
        lines.append(f"  {where}, line {frame.lineno}{function}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
        shown += 1
    if shown == 0:
        lines = []
    return lines


def format_syntax_error(exc: SyntaxError, cell_labels: Callable[[str], Optional[str]]) -> list[str]:
    where = _frame_label(exc.filename or "<unknown>", cell_labels)
    lines = [f"  {where}, line {exc.lineno}"]
    if exc.text:
        text = exc.text.rstrip("\n")
        stripped = text.lstrip()
        lines.append(f"    {stripped}")
        if exc.offset:
            caret_at = max(exc.offset - 1 - (len(text) - len(stripped)), 0)
            end = exc.end_offset if (exc.end_offset and exc.end_lineno == exc.lineno) else exc.offset + 1
            lines.append("    " + " " * caret_at + "^" * max(end - exc.offset, 1))
    return lines


def error_info(exc: BaseException, cell_labels: Callable[[str], Optional[str]],
               torch_target: Optional[str]) -> ErrorInfo:
    """Everything the session reports about an exception raised by a cell."""
    if isinstance(exc, CellTimeout):
        ename, evalue = "TimeoutError", str(exc)
    elif _engine_allocation_error(exc):
        ename, evalue = "RuntimeError", _engine_allocation_error(exc)
    else:
        ename, evalue = _ename(exc), _message(exc)
        if torch_target and isinstance(exc, (AttributeError, TypeError)):
            from gradrepl.session.torch_types import torch_type_message

            evalue = torch_type_message(exc, evalue, lambda f: cell_labels(f) is not None) or evalue
    if isinstance(exc, SyntaxError):
        frames = format_syntax_error(exc, cell_labels)
    elif isinstance(exc, (CellTimeout, KeyboardInterrupt, UsageError)):
        # IPython shows a UsageError as its one line, never with a traceback.
        frames = []
    else:
        frames = format_user_traceback(exc, cell_labels)
    last = f"{ename}: {evalue}" if evalue else ename
    text = "\n".join(frames + [last])
    exit_status, exit_message = _exit(exc)
    return ErrorInfo(ename=ename, evalue=evalue, traceback=text, unsupported=unsupported_feature(exc, torch_target),
                     exit_status=exit_status, exit_message=exit_message)


def _exit(exc: BaseException) -> tuple[Optional[int], Optional[str]]:
    """For SystemExit, what ``python script.py`` does when it ends the script: the exit status,
    and the message it prints (``sys.exit("bye")``); (None, None) for any other exception."""
    if not isinstance(exc, SystemExit):
        return None, None
    if exc.code is None:
        return 0, None
    if isinstance(exc.code, int):
        return exc.code & 0xFF, None  # as the OS truncates it: sys.exit(256) exits 0, sys.exit(-1) 255
    return 1, _message(exc)
