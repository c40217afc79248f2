"""Circular padding as ATen's ``_pad_circular`` builds it (aten/src/ATen/native/PadNd.cpp): an
empty output, the (possibly cropped) input copied into its middle, then per padded dim, last dim
first, the left border copied from the output's right end and the right border from its left
end. Every copy is an in-place ``copy_`` into a slice of the output, so the grad_fn is torch's
chain of ``CopySlices`` over ``SliceBackward0``, and the gradient is routed exactly as torch's
(corners are written more than once when two or more dims are padded, as in torch).
"""

from __future__ import annotations

from gradrepl.engine.factories import empty


def _slice(t, dim, start, end):
    """at::slice: ``t[..., start:end, ...]`` on ``dim``, recorded even when it takes everything."""
    start = max(0, min(start, t.shape[dim]))
    end = max(start, min(end, t.shape[dim]))
    return t.narrow(dim, start, end - start)


def pad_circular(input, pads):
    in_shape = list(input.shape)
    padded = len(pads) // 2
    lead = input.dim() - padded
    out_shape = in_shape[:lead]
    for i in range(padded):
        left, right = pads[2 * (padded - i - 1)], pads[2 * (padded - i - 1) + 1]
        size = in_shape[lead + i]
        out_shape.append(size + left + right)
        if left > size or right > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[-1] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = empty(tuple(out_shape), dtype=input.dtype)
    out_slice, in_slice = out, input
    for i in range(padded):
        dim = padded - i + lead - 1
        left, right = pads[2 * i], pads[2 * i + 1]
        out_slice = _slice(out_slice, dim, max(left, 0), out_shape[dim] - max(right, 0))
        in_slice = _slice(in_slice, dim, max(-left, 0), in_shape[dim] - max(-right, 0))
    out_slice.copy_(in_slice)
    for i in range(padded):
        dim = padded - i + lead - 1
        left, right = pads[2 * i], pads[2 * i + 1]
        if left > 0:
            end = out_shape[dim] - max(right, 0)
            _slice(out, dim, 0, left).copy_(_slice(out, dim, end - left, end))
        if right > 0:
            start = max(left, 0)
            _slice(out, dim, out_shape[dim] - right, out_shape[dim]).copy_(
                _slice(out, dim, start, start + right))
    return out
