"""Upsampling rows: nearest (1-d and 2-d: ``UpsampleNearest{1,2}DBackward0``) and bilinear
(``UpsampleBilinear2DBackward0``), with the index and weight arithmetic of ATen's CPU kernels
(aten/src/ATen/native/UpSample.h, cpu/UpSampleKernel.cpp, cpu/UpSampleMoreKernel.cpp).

Scales are what ``F.interpolate`` passes on: the user's scale_factor (a double) when given and not
recomputed, else None, in which case the kernel uses input_size / output_size in float.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.nn_double_backward import linear_in_grad
from gradrepl.engine.ops.primitive import Primitive

_f32 = np.float32


def _scale(input_size, output_size, scale):
    """compute_scales_value<float>: 1 / scale when a positive scale was given, else in / out."""
    if scale is not None and scale > 0:
        return _f32(1.0 / scale)
    return _f32(input_size) / _f32(output_size)


# nearest ----------------------------------------------------------------------------------------

def nearest_index(input_size, output_size, scale):
    """nearest_idx: the source of each output position (floor of position * scale, clamped)."""
    positions = np.arange(output_size)
    if output_size == input_size:
        return positions
    if output_size == 2 * input_size:
        return positions >> 1
    ratio = _scale(input_size, output_size, scale)
    source = np.floor(positions.astype(_f32) * ratio).astype(np.int64)
    return np.minimum(source, input_size - 1)


def _nearest_gather(in_shape, out_sizes, scales):
    n = len(out_sizes)
    index = [slice(None)] * (len(in_shape) - n)
    for k, (size, scale) in enumerate(zip(out_sizes, scales)):
        vector = nearest_index(in_shape[len(in_shape) - n + k], size, scale)
        index.append(vector.reshape((-1,) + (1,) * (n - 1 - k)))
    return tuple(index)


def _nearest_forward(a, out_sizes, scales):
    return a[_nearest_gather(a.shape, out_sizes, scales)]


def _nearest_backward(g, inputs, out, params, needs):
    a = inputs[0]
    grad = np.zeros(a.shape, dtype=a.dtype)
    # output order, as cpu_upsample_nearest_backward accumulates
    np.add.at(grad, _nearest_gather(a.shape, *params), np.asarray(g, dtype=a.dtype))
    return (grad,)


def _nearest_rows():
    rows = {}
    for n in (1, 2):
        # derivatives.yaml: the backward's grad_output gets upsample_nearest on grad
        _, recorded = linear_in_grad(
            f"upsample_nearest{n}d_backward", f"UpsampleNearest{n}DBackwardBackward0",
            _nearest_backward, lambda F, gg, a, *params, n=n: F.apply(rows[n], (gg,), params),
            ("output_size", "scales"), saves=(), self_is_input=False)
        rows[n] = Primitive(f"upsample_nearest{n}d", f"UpsampleNearest{n}DBackward0",
                            _nearest_forward, twice(_nearest_backward, recorded),
                            inputs=("self",), params=("output_size", "scales"), saves=())
    return rows


UPSAMPLE_NEAREST = _nearest_rows()


# bilinear ---------------------------------------------------------------------------------------
# Measured against torch 2.13 on x86 (AVX2/AVX512 builds, whose compilers fuse a * b + c into one
# FMA): the source index is fma(ratio, i + 0.5, -0.5); small outputs (H + W <= 128, ATen's
# _use_vectorized_kernel_cond_2d) run the channels-last kernel, which sums the four weighted
# corners as one FMA chain per element, in one order for channels in whole 8-float vectors and
# another for the leftover channels; larger outputs run the generic kernel (rows first), whose
# weights gradrepl does not yet reproduce bit for bit (docs/nn.md).

_VECTOR_LANES = 8  # this kernel's Vectorized<float> holds 8 floats even under AVX512 (measured)
_SMALL_OUTPUT = 128


def linear_weights(input_size, output_size, align_corners, scale):
    """compute_source_index_and_lambda for every output position, in float as ATen does.

    Returns (index0, index1, lambda0, lambda1) vectors."""
    from gradrepl.engine.vector_math import fma

    positions = np.arange(output_size)
    if output_size == input_size:
        ones = np.ones(output_size, dtype=_f32)
        return positions, positions, ones, np.zeros(output_size, dtype=_f32)
    if align_corners:
        ratio = _f32(input_size - 1) / _f32(output_size - 1) if output_size > 1 else _f32(0)
        real = ratio * positions.astype(_f32)
    else:
        ratio = _scale(input_size, output_size, scale)
        real = fma(ratio, positions.astype(_f32) + _f32(0.5), _f32(-0.5))
        real = np.where(real < 0, _f32(0), real)
    index0 = np.minimum(np.floor(real).astype(np.int64), input_size - 1)
    lambda1 = np.minimum(np.maximum(real - index0.astype(_f32), _f32(0)), _f32(1))
    index1 = index0 + (index0 < input_size - 1)
    return index0, index1, _f32(1) - lambda1, lambda1


def _corners(a_shape, out_size, align_corners, scales):
    """The four (row index, column index, weight) corners, in ATen's order 00, 01, 10, 11."""
    h0, h1, hl0, hl1 = linear_weights(a_shape[-2], out_size[0], align_corners, scales[0])
    w0, w1, wl0, wl1 = linear_weights(a_shape[-1], out_size[1], align_corners, scales[1])
    return [(hi, wi, np.multiply.outer(hl, wl)) for hi, hl in ((h0, hl0), (h1, hl1))
            for wi, wl in ((w0, wl0), (w1, wl1))]


def _fused(a, b, c):
    """a * b + c rounded once, as the FMA instruction does on float32; other dtypes (float64,
    not measured bit for bit) round twice."""
    if np.result_type(a, b, c) == _f32:
        from gradrepl.engine.vector_math import fma

        return fma(a, b, c)
    return a * b + c


def _fma_chain(terms, order):
    value, weight = terms[order[0]]
    total = value * weight.astype(value.dtype)
    for k in order[1:]:
        value, weight = terms[k]
        total = _fused(weight.astype(value.dtype), value, total)
    return total


def _bilinear_forward(a, out_size, align_corners, scales):
    corners = _corners(a.shape, out_size, align_corners, scales)
    terms = [(a[..., hi[:, None], wi[None, :]], w) for hi, wi, w in corners]
    if out_size[0] + out_size[1] > _SMALL_OUTPUT:
        return _generic_bilinear(a, out_size, align_corners, scales)
    channels = a.shape[1] if a.ndim == 4 else 1
    vectored = channels - channels % _VECTOR_LANES
    out = _fma_chain(terms, (1, 0, 2, 3))
    if vectored:
        block = [(x[:, :vectored], w) for x, w in terms]
        out[:, :vectored] = _fma_chain(block, (2, 3, 1, 0))
    return out


def _generic_bilinear(a, out_size, align_corners, scales):
    """The generic kernel's shape: interpolate two rows along the width, then between them."""
    h0, h1, hl0, hl1 = linear_weights(a.shape[-2], out_size[0], align_corners, scales[0])
    w0, w1, wl0, wl1 = linear_weights(a.shape[-1], out_size[1], align_corners, scales[1])

    def row(hi):
        rows = a[..., hi, :]
        return _fused(rows[..., w0], wl0, rows[..., w1] * wl1)

    return _fused(row(h0), hl0[:, None], row(h1) * hl1[:, None]).astype(a.dtype, copy=False)


def _bilinear_backward(g, inputs, out, params, needs):
    """cpu_upsample_linear_backward: output pixel by output pixel, each of the four corners
    gets ``grad_input = fma(weight, grad_output, grad_input)``; pixels are visited in order
    because neighbouring ones share corners."""
    a = inputs[0]
    out_size, align_corners, scales = params
    g = np.asarray(g, dtype=a.dtype)
    grad = np.zeros(a.shape, dtype=a.dtype)
    corners = _corners(a.shape, out_size, align_corners, scales)
    for oh in range(out_size[0]):
        for ow in range(out_size[1]):
            upstream = g[..., oh, ow]
            for hi, wi, w in corners:
                i, j = hi[oh], wi[ow]
                grad[..., i, j] = _fused(w[oh, ow].astype(a.dtype), upstream, grad[..., i, j])
    return (grad,)


_, _bilinear_recorded = linear_in_grad(
    "upsample_bilinear2d_backward", "UpsampleBilinear2DBackwardBackward0", _bilinear_backward,
    lambda F, gg, a, *params: F.apply(UPSAMPLE_BILINEAR, (gg,), params),
    ("output_size", "align_corners", "scales"), saves=(), self_is_input=False)
UPSAMPLE_BILINEAR = Primitive("upsample_bilinear2d", "UpsampleBilinear2DBackward0",
                              _bilinear_forward, twice(_bilinear_backward, _bilinear_recorded),
                              inputs=("self",),
                              params=("output_size", "align_corners", "scales"), saves=())
