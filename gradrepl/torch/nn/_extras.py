"""``torch.nn.functional``'s helpers beyond the layers: one_hot, pad, normalize,
cosine_similarity, pairwise_distance and interpolate (nearest, bilinear).

Each builds the graph torch builds: normalize is ``input / norm.clamp_min(eps).expand_as(input)``
as in torch/nn/functional.py; cosine_similarity and pairwise_distance follow ATen's Distance.cpp.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import ops as _ops
from gradrepl.engine.ops.distance import cosine_similarity, pairwise_distance  # noqa: F401
from gradrepl.engine.ops import padding as _padding
from gradrepl.engine.ops import upsample as _upsample
from gradrepl.engine.ops.primitive import apply_unary
from gradrepl.engine.ops.registry import refusing_non_tensors
from gradrepl.engine.tensor import new_tensor

__all__ = ["cosine_similarity", "interpolate", "normalize", "one_hot", "pad",
           "pairwise_distance"]


@refusing_non_tensors
def one_hot(tensor, num_classes=-1):
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size and data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if data.size and data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(data.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, data[..., None], 1, axis=-1)
    return new_tensor(out)


_NON_CONSTANT = {"reflect": _padding.REFLECTION_PAD, "replicate": _padding.REPLICATION_PAD}
_PAD_SIZES = """
Supported combinations for non-constant padding:
  - 2D or 3D input: padding size = 2 (pads last dimension)
  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)
  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"""


def pad(input, pad, mode="constant", value=None):
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length "
                           f"{len(pads)} and input of dimension {input.dim()}")
    if mode == "constant":
        return apply_unary(_padding.CONSTANT_PAD, input, (pads, 0.0 if value is None else value))
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode not in _NON_CONSTANT and mode != "circular":
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    n = len(pads) // 2
    if input.dim() not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {input.dim()}D input tensor.{_PAD_SIZES}")
    if mode == "circular":
        from gradrepl.torch.nn._circular import pad_circular

        return pad_circular(input, pads)
    if mode == "reflect":
        for k in range(n):
            dim = input.dim() - 1 - k
            if pads[2 * k] >= input.shape[dim] or pads[2 * k + 1] >= input.shape[dim]:
                raise RuntimeError(
                    "Argument #4: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({pads[2 * k]}, {pads[2 * k + 1]}) at dimension "
                    f"{dim} of input {list(input.shape)}")
    _check_output_size(mode, input.shape, pads)
    return apply_unary(_NON_CONSTANT[mode][n], input, (pads,))


def _check_output_size(mode, shape, pads):
    """ATen's reflection/replication kernels' checks on the padded size, in their words: "too
    small" only when every padded dim comes out empty, else the allocation's own error."""
    n = len(pads) // 2
    sizes = list(shape[-n:])
    outs = [size + pads[2 * (n - 1 - k)] + pads[2 * (n - 1 - k) + 1] for k, size in enumerate(sizes)]
    if all(out < 1 for out in outs):
        names = "DHW"[3 - n:]
        given = " ".join(f"{name}: {size}" for name, size in zip(names, sizes))
        if n > 1:  # "D: 4 H: 5, W: 4": a comma only before W
            given = given[:given.rindex(" W:")] + "," + given[given.rindex(" W:"):]
        if n == 2 and mode == "replicate":
            given += " "
        calculated = " ".join(f"{name}: {out}" for name, out in zip(names, outs))
        raise RuntimeError(f"input ({given}) is too small. Calculated output {calculated}")
    if any(out < 0 for out in outs):
        if n == 2 and mode == "reflect":
            raise RuntimeError("numel: integer multiplication overflow")
        full = list(shape[:-n]) + outs
        negative = next(out for out in outs if out < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: {full}")


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    if out is not None:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.nn.functional.normalize(out=...)")
    denom = _ops.expand_as(_ops.clamp_min(_ops.norm(input, p, dim, keepdim=True), eps), input)
    return _ops.div(input, denom)


def _output_sizes(input, size, scale_factor, n):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * n
        if len(sizes) != n:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                f"{sizes}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                "output size in (o1, o2, ...,oK) format.")
        return [int(s) for s in sizes], [None] * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * n
    sizes = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(n)]
    return sizes, [float(s) for s in scales]


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if mode not in ("nearest", "bilinear") or antialias:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.nn.functional.interpolate(mode={mode!r}"
                               f"{', antialias=True' if antialias else ''})")
    if align_corners is not None and mode == "nearest":
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    n = input.dim() - 2
    sizes, scales = _output_sizes(input, size, scale_factor, max(n, 1))
    if recompute_scale_factor:
        scales = [None] * len(scales)
    if mode == "nearest" and n in (1, 2):
        return apply_unary(_upsample.UPSAMPLE_NEAREST[n], input, (tuple(sizes), tuple(scales)))
    if mode == "bilinear" and n == 2:
        return apply_unary(_upsample.UPSAMPLE_BILINEAR, input,
                           (tuple(sizes), bool(align_corners), tuple(scales)))
    if mode == "bilinear":
        raise NotImplementedError(f"Got {input.dim()}D input, but bilinear mode needs 4D input")
    from gradrepl.engine.errors import UnsupportedError

    raise UnsupportedError(f"torch.nn.functional.interpolate on a {input.dim()}D input")
