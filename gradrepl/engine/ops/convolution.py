"""convolution (1-d and 2-d, stride, padding, dilation, groups): ConvolutionBackward0.

torch runs float convolutions through oneDNN (MKL-DNN), whose blocked summation order is not
reproducible here; gradrepl sums each output in float64 and rounds once, so results agree with
torch's to the last bit or two (docs/nn.md has the measured figures).

The sums are laid out per kernel offset: for each offset, the strided input window times that
offset's weights, one matmul per group, accumulated into the output.
"""

from __future__ import annotations

import itertools

import numpy as np

from gradrepl.engine.ops import nn_layer_double_backward as _double
from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.primitive import Primitive


def _work(dtype):
    return np.float64 if dtype.kind == "f" else dtype


def _window(spatial_in, offset, stride, dilation, out_size):
    """The slices of the padded input that kernel ``offset`` meets, for every output position."""
    return tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                 for k, d, s, o in zip(offset, dilation, stride, out_size))


def output_size(in_size, kernel, stride, padding, dilation):
    return tuple((i + lo + hi - d * (k - 1) - 1) // s + 1
                 for i, k, s, (lo, hi), d in zip(in_size, kernel, stride, padding, dilation))


def _pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0)) + tuple(padding))


def _forward(x, w, b, stride, padding, dilation, groups):
    n, cin = x.shape[:2]
    cout, cin_g = w.shape[:2]
    kernel = w.shape[2:]
    out_size = output_size(x.shape[2:], kernel, stride, padding, dilation)
    xp = _pad(x.astype(_work(x.dtype)), padding)
    wd = w.astype(_work(w.dtype))
    out = np.zeros((n, cout) + out_size, dtype=_work(x.dtype))
    cout_g = cout // groups
    for offset in itertools.product(*[range(k) for k in kernel]):
        patch = xp[(slice(None), slice(None)) + _window(None, offset, stride, dilation, out_size)]
        for g in range(groups):
            xs = patch[:, g * cin_g:(g + 1) * cin_g]
            ws = wd[(slice(g * cout_g, (g + 1) * cout_g), slice(None)) + offset]
            out[:, g * cout_g:(g + 1) * cout_g] += np.einsum("nc...,oc->no...", xs, ws)
    if b is not None:
        out += b.astype(out.dtype).reshape((1, cout) + (1,) * len(kernel))
    return out.astype(x.dtype)


def _backward(g, inputs, out, params, needs):
    x, w, b = inputs
    stride, padding, dilation, groups = params
    gd = np.asarray(g).astype(_work(x.dtype))
    cout, cin_g = w.shape[:2]
    kernel = w.shape[2:]
    out_size = gd.shape[2:]
    cout_g = cout // groups
    xp = _pad(x.astype(_work(x.dtype)), padding)
    wd = w.astype(_work(w.dtype))
    grad_xp = np.zeros_like(xp) if needs[0] else None
    grad_w = np.zeros(w.shape, dtype=gd.dtype) if needs[1] else None
    for offset in itertools.product(*[range(k) for k in kernel]):
        where = (slice(None), slice(None)) + _window(None, offset, stride, dilation, out_size)
        for grp in range(groups):
            cin_slice = slice(grp * cin_g, (grp + 1) * cin_g)
            cout_slice = slice(grp * cout_g, (grp + 1) * cout_g)
            gs = gd[:, cout_slice]
            if grad_xp is not None:
                ws = wd[(cout_slice, slice(None)) + offset]
                grad_xp[where][:, cin_slice] += np.einsum("no...,oc->nc...", gs, ws)
            if grad_w is not None:
                xs = xp[where][:, cin_slice]
                spatial = tuple(range(2, gs.ndim))
                grad_w[(cout_slice, slice(None)) + offset] = np.tensordot(
                    gs, xs, axes=((0,) + spatial, (0,) + spatial))
    grad_x = None
    if grad_xp is not None:
        inner = tuple(slice(lo, lo + size) for (lo, _), size in zip(padding, x.shape[2:]))
        grad_x = grad_xp[(slice(None), slice(None)) + inner].astype(x.dtype)
    grad_b = None
    if b is not None and needs[2]:
        grad_b = gd.sum(axis=(0,) + tuple(range(2, gd.ndim))).astype(b.dtype)
    return grad_x, None if grad_w is None else grad_w.astype(w.dtype), grad_b


# torch's one formula for all three inputs (convolution_backward) reads the input and the weight
CONVOLUTION = Primitive("convolution", "ConvolutionBackward0", _forward,
                        twice(_backward, _double.convolution_recorded(_backward)),
                        inputs=("input", "weight", "bias"),
                        params=("stride", "padding", "dilation", "groups"),
                        saves=("input", "weight"))
