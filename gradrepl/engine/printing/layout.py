"""Summarising and laying out a non-empty tensor's elements: torch's ``_tensor_str`` body.

The work is split in two passes over numpy data:
1. ``shown_elements`` picks the elements torch will show (all of them, or each long dimension's
   edge items when summarising) as one smaller array;
2. after the formatter has written those, ``join_blocks`` nests the strings into brackets, puts
   ``...`` where dimensions were cut, and wraps 1-D rows at the line width.
"""

from __future__ import annotations

import math

import numpy as np

ELLIPSIS_ROW = "..."  # stands for the hidden rows/blocks of a cut dimension
ELLIPSIS_ITEM = " ..."  # stands for the hidden items of a cut row; torch pads it by one space


def shown_elements(arr: np.ndarray, summarize: bool, edgeitems) -> tuple[np.ndarray, tuple]:
    """The sub-array of elements that will be printed, and which axes were cut.

    torch formats only the edge items when summarising, so the formatter's width and mode must
    come from this sub-array, never from the whole tensor.
    """
    cut = tuple(summarize and n > 2 * edgeitems for n in arr.shape)
    if not any(cut):
        return arr, cut
    if arr.ndim == 1:
        # torch slices here (self[:e], self[-e:]), which a negative edgeitems also goes through
        return np.concatenate((arr[:edgeitems], arr[-edgeitems:])), cut
    if edgeitems <= 0:
        # torch shows only "[...]" (edgeitems 0) or fails stacking nothing (negative edgeitems)
        if edgeitems < 0:
            raise RuntimeError("stack expects a non-empty TensorList")
        return arr[(slice(0, 0),) * arr.ndim], cut
    # One gather of the kept positions along every axis: ``take`` would first copy the whole of a
    # non-contiguous array, which for an expanded view (torch.zeros(10**8).expand(10**8, 10**8),
    # stride 0) is petabytes that torch never allocates to print it.
    keep = [np.r_[0:edgeitems, n - edgeitems : n] if is_cut else np.arange(n)
            for n, is_cut in zip(arr.shape, cut)]
    return arr[np.ix_(*keep)], cut


def join_blocks(strings: list, shape: tuple, cut: tuple, layout: "Layout") -> str:
    """The bracketed text of a tensor of ``shape`` whose row-major element strings are given."""
    if cut and cut[0] and layout.edgeitems == 0:
        # nothing of a cut tensor survives edgeitems=0: torch prints just the ellipsis
        return "[" + ELLIPSIS_ROW + "]"
    return _block(strings, 0, shape, cut, layout.indent, layout)


class Layout:
    """What the joining needs besides the strings: indent of the first bracket and the options."""

    __slots__ = ("indent", "width", "linewidth", "edgeitems", "full_shape")

    def __init__(self, indent: int, width: int, linewidth, edgeitems, full_shape: tuple):
        self.indent = indent
        self.width = width  # the formatter's width, which decides how many items fit on a line
        self.linewidth = linewidth
        self.edgeitems = edgeitems
        self.full_shape = full_shape  # before summarising: a cut row's length places its ellipsis


def _block(strings: list, start: int, shape: tuple, cut: tuple, indent: int, layout: Layout) -> str:
    dim = len(shape)
    if dim == 1:
        items = strings[start : start + shape[0]]
        if cut[0]:
            head = _head_length(layout.full_shape[-1], layout.edgeitems)
            items = items[:head] + [ELLIPSIS_ITEM] + items[head:]
        return _wrap_row(items, indent, layout)
    step = math.prod(shape[1:])
    rows = [
        _block(strings, start + i * step, shape[1:], cut[1:], indent + 1, layout)
        for i in range(shape[0])
    ]
    if cut[0]:
        rows.insert(layout.edgeitems, ELLIPSIS_ROW)
    # each dimension beyond the second adds one blank line between its blocks
    separator = "," + "\n" * (dim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _head_length(n: int, edgeitems) -> int:
    # how many items torch's self[:edgeitems] keeps (Python slice rules, so negative works too)
    return len(range(n)[:edgeitems])


def _wrap_row(items: list, indent: int, layout: Layout) -> str:
    """A 1-D row, wrapped so each line holds as many ``width + ", "`` items as fit the line width.

    The count uses the formatter's width even for items written wider (nan beside "1."), which is
    why such rows can overshoot the line width slightly, as they do in torch.
    """
    per_line = max(1, math.floor((layout.linewidth - indent) / (layout.width + 2)))
    if len(items) <= per_line:
        return "[" + ", ".join(items) + "]"
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
