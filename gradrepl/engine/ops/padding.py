"""Padding rows: constant (``ConstantPadNdBackward0``), reflection and replication
(``ReflectionPad{1,2,3}DBackward0``, ``ReplicationPad{1,2,3}DBackward0``).

``pads`` is in torch's order: (left, right) of the last dim first, then of the one before, ...
Constant padding accepts negative amounts (cropping); its backward is the same op with the
pads negated and value 0, exactly torch's formula, so it runs on both backends and a gradient
taken with create_graph=True is itself a ConstantPadNdBackward0 node.

Reflection and replication gather each output element from one input element; their backward
adds every output gradient into its source in output order, the order of ATen's CPU loop
(aten/src/ATen/native/cpu/PaddingKernel.cpp), so sums of two or more contributions round alike.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.nn_double_backward import linear_in_grad
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.registry import register


def _dims_of(pads, ndim):
    """(dim, before, after) for each padded dim, innermost last as in the array."""
    out = []
    for k in range(len(pads) // 2):
        out.append((ndim - 1 - k, pads[2 * k], pads[2 * k + 1]))
    return out[::-1]


def _constant_pad(a, pads, value):
    shape = list(a.shape)
    source = [slice(None)] * a.ndim
    target = [slice(None)] * a.ndim
    for dim, before, after in _dims_of(pads, a.ndim):
        size = a.shape[dim]
        shape[dim] = size + before + after
        # negative amounts crop the input instead of padding it
        source[dim] = slice(max(-before, 0), size - max(-after, 0))
        target[dim] = slice(max(before, 0), max(before, 0) + max(size - max(-before, 0) - max(-after, 0), 0))
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"The input size {a.shape[_dims_of(pads, a.ndim)[0][0]]}, plus negative padding "
            f"{pads[0]} and {pads[1]} resulted in a negative output size, which is invalid. "
            "Check dimension of your input.")
    out = np.full(shape, value, dtype=a.dtype)
    out[tuple(target)] = a[tuple(source)]
    return out


def _constant_pad_backward(F, grad, pad):
    # derivatives.yaml: constant_pad_nd_backward(grad, pad), the same op with the pads negated
    negated = tuple(-p for p in pad)
    if F is arrays:
        return _constant_pad(np.asarray(grad), negated, 0)
    return apply(CONSTANT_PAD, (grad,), (negated, 0))


CONSTANT_PAD = Primitive("constant_pad_nd", "ConstantPadNdBackward0", _constant_pad,
                         inputs=("self",), params=("pad", "value"),
                         derivatives={"self": _constant_pad_backward})


# reflection / replication: one source index per output position, per padded dim -------------

def _reflect_index(size, before, after):
    i = np.arange(-before, size + after)
    i = np.abs(i)
    return np.where(i > size - 1, 2 * (size - 1) - i, i)


def _replicate_index(size, before, after):
    return np.clip(np.arange(-before, size + after), 0, size - 1)


def _gather_index(shape, pads, index_of):
    """The advanced index that picks each output element's source, broadcast over the padded dims."""
    padded = _dims_of(pads, len(shape))
    lead = len(shape) - len(padded)
    index = [slice(None)] * lead
    for k, (dim, before, after) in enumerate(padded):
        vector = index_of(shape[dim], before, after)
        index.append(vector.reshape((-1,) + (1,) * (len(padded) - 1 - k)))
    return tuple(index)


def _mode_row(mode, index_of):
    def forward(a, pads):
        return a[_gather_index(a.shape, pads, index_of)]

    def backward(g, inputs, out, params, needs):
        a = inputs[0]
        grad = np.zeros(a.shape, dtype=a.dtype)
        # np.add.at adds in the order of the output's elements, as the CPU kernel loops
        np.add.at(grad, _gather_index(a.shape, params[0], index_of), np.asarray(g, dtype=a.dtype))
        return (grad,)

    rows = {}
    for n in (1, 2, 3):
        # derivatives.yaml: the backward's grad_output gets the padding op itself on grad
        _, recorded = linear_in_grad(
            f"{mode}_pad{n}d_backward", f"{mode.capitalize()}Pad{n}DBackwardBackward0", backward,
            lambda F, gg, a, padding, n=n: F.apply(rows[n], (gg,), (padding,)), ("padding",))
        # torch's reflection/replication_pad backward reads self (its formula names it)
        rows[n] = Primitive(f"{mode}_pad{n}d", f"{mode.capitalize()}Pad{n}DBackward0", forward,
                            twice(backward, recorded), inputs=("self",), params=("padding",),
                            saves=("self",))
    return rows


REFLECTION_PAD = _mode_row("reflection", _reflect_index)
REPLICATION_PAD = _mode_row("replication", _replicate_index)


def constant_pad_nd(input, pad, value=0):
    """Pads (or, with negative amounts, crops) the last dims: ``pad`` is (left, right) of the last
    dim first, then of the one before; new elements are ``value``."""
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pads)}")
    if len(pads) > 2 * input.dim():
        # torch's message, missing spaces included
        raise RuntimeError(
            "Length of pad should be no more than twice the number of dimensions of the input. "
            f"Pad length is {len(pads)}while the input has {input.dim()}dimensions.")
    return apply(CONSTANT_PAD, (input,), (pads, value))


register("constant_pad_nd", constant_pad_nd, section="shape", method=False, rows=(CONSTANT_PAD,))
