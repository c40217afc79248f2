"""``repr(tensor)``: the ``tensor(...)`` text with its suffixes, as torch's ``_str_intern`` builds it.

The tensor is read through four attributes only (``_data``, ``dtype``, ``grad_fn``,
``requires_grad``), so this module knows nothing about the Tensor class.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.printing.formatter import format_elements
from gradrepl.engine.printing.layout import Layout, join_blocks, shown_elements
from gradrepl.engine.printing.options import PRINT_OPTS

PREFIX = "tensor("
# Continuation lines line up under the first element, one column right of the opening bracket.
INDENT = len(PREFIX)

# dtypes that torch does not name in the suffix besides the default one: their values show them
# (no dot means int64, True/False means bool)
_IMPLIED_DTYPES = ("int64", "bool")


def format_tensor(t) -> str:
    """What ``repr(t)`` and ``str(t)`` return for a tensor ``t``."""
    arr = np.asarray(t._data)
    suffixes = []
    if arr.size == 0:
        body = _empty_body(arr, t.dtype, suffixes)
    else:
        if not PRINT_OPTS.edgeitems:
            # with no edge items a summary shows nothing, so torch states the size instead
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype.name not in _IMPLIED_DTYPES and t.dtype.name != _default_dtype_name():
            suffixes.append(f"dtype={t.dtype!r}")
        body = tensor_body(arr, t.dtype.is_floating_point, INDENT)
    suffixes.extend(_autograd_suffixes(t))
    return add_suffixes(PREFIX + body, suffixes, INDENT)


def format_parameter(t) -> str:
    """``repr`` of an ``nn.Parameter``: torch prefixes the plain tensor text with a header line."""
    return "Parameter containing:\n" + format_tensor(t)


def tensor_body(arr: np.ndarray, floating: bool, indent: int) -> str:
    """The data part of a non-empty tensor: a number for 0-d, nested brackets otherwise."""
    opts = PRINT_OPTS
    summarize = arr.size > opts.threshold
    shown, cut = shown_elements(arr, summarize, opts.edgeitems)
    strings, width = format_elements(shown.ravel().tolist(), floating, opts.precision, opts.sci_mode)
    if arr.ndim == 0:
        return strings[0]
    layout = Layout(indent, width, opts.linewidth, opts.edgeitems, arr.shape)
    return join_blocks(strings, shown.shape, cut, layout)


def _empty_body(arr: np.ndarray, dtype, suffixes: list) -> str:
    # An empty tensor has no values to hint at its dtype, so every non-default dtype is named,
    # and its shape is named unless it is the plain (0,) that "[]" already says.
    if arr.ndim != 1:
        suffixes.append(f"size={tuple(arr.shape)}")
    if dtype.name != _default_dtype_name():
        suffixes.append(f"dtype={dtype!r}")
    return "[]"


def _autograd_suffixes(t) -> list:
    if t.grad_fn is not None:
        # torch prints the class name; for C++ nodes (Error ...) the last part of name()
        return [f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>"]
    if t.requires_grad:
        return ["requires_grad=True"]
    return []


def _default_dtype_name() -> str:
    # read on every print: torch.set_default_dtype(torch.float64) makes float32 the named one
    return dtypes.get_default_dtype().name


def add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, suffix`` items and the closing bracket, moving a suffix to its own line (indented
    under the data) when it would pass the line width."""
    linewidth = PRINT_OPTS.linewidth
    parts = [text]
    # torch's measure of the last line is two more than its length; kept so wrapping matches
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
