"""Functional forms of the layers with weights or windows: convolution, pooling, normalisation,
embedding, bilinear, prelu and dropout, with torch's argument checks and messages.

``torch.nn.functional`` re-exports them; those torch also has as ``torch.X`` are registered here
(with torch's own argument order where it differs from the functional one: ``torch.batch_norm``,
``torch.embedding``, ``torch.dropout``)."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import arithmetic_functions as _arith
from gradrepl.engine.ops import convolution as _conv
from gradrepl.engine.ops import embedding as _emb
from gradrepl.engine.ops import nn_activation as _act
from gradrepl.engine.ops import normalization as _norm
from gradrepl.engine.ops import pooling as _pool
from gradrepl.engine.ops import reductions as _red
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.primitive import apply
from gradrepl.engine.ops.registry import refusing_non_tensors, register
from gradrepl.engine.tensor import new_tensor

__all__ = ["adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "bilinear", "conv1d", "conv2d",
           "dropout", "embedding", "layer_norm", "max_pool2d", "prelu"]


def _tuple(value, n):
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value) if len(value) == n else tuple(int(value[0]) for _ in range(n))
    return (int(value),) * n


def _sizes(shape):
    return ", ".join(str(s) for s in shape)


def _conv_padding(padding, kernel, dilation, stride, n):
    if padding == "valid":
        return ((0, 0),) * n
    if padding == "same":
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in total)
    if isinstance(padding, str):
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    return tuple((p, p) for p in _tuple(padding, n))


def _pad_the_odd_element(input, pads):
    """padding='same' with an odd total padding: torch pads the input's right side by the odd
    element first (a ConstantPadNdBackward0 node when it requires grad) and convolves with the
    symmetric rest, once warning that it copies (ATen's _convolution_mode)."""
    from gradrepl.engine.ops.padding import constant_pad_nd
    from gradrepl.engine.warn import warn_user_once

    warn_user_once("Using padding='same' with even kernel lengths and odd dilation may require a "
                   "zero-padded copy of the input be created (Triggered internally at "
                   "/__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)")
    extra = [p for lo, hi in reversed(pads) for p in (0, hi - lo)]  # last dim first, as F.pad
    return constant_pad_nd(input, extra), tuple((lo, lo) for lo, _ in pads)


def _convolution(n, input, weight, bias, stride, padding, dilation, groups):
    unbatched = input.dim() == n + 1
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to conv{n}d, but got input "
            f"of size: [{_sizes(input.shape)}]")
    if unbatched:
        input = _shape.unsqueeze(input, 0)
    stride, dilation = _tuple(stride, n), _tuple(dilation, n)
    kernel = tuple(weight.shape[2:])
    pads = _conv_padding(padding, kernel, dilation, stride, n)
    if any(lo != hi for lo, hi in pads):
        input, pads = _pad_the_odd_element(input, pads)
    channels = input.shape[1]
    if channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size [{_sizes(weight.shape)}], expected "
            f"input[{_sizes(input.shape)}] to have {weight.shape[1] * groups} channels, but got "
            f"{channels} channels instead")
    padded = [s + lo + hi for s, (lo, hi) in zip(input.shape[2:], pads)]
    if any(p < d * (k - 1) + 1 for p, d, k in zip(padded, dilation, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(str(p) for p in padded)}). "
            f"Kernel size: ({' x '.join(str(d * (k - 1) + 1) for d, k in zip(dilation, kernel))}). "
            "Kernel size can't be greater than actual input size")
    out = apply(_conv.CONVOLUTION, (input, weight, bias), (stride, pads, dilation, int(groups)))
    return _shape.squeeze(out, 0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(2, input, weight, bias, stride, padding, dilation, groups)


def _pool_input(input, name):
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D tensor, but got [{_sizes(input.shape)}]")


def _pool_output_check(input, out_shape):
    if any(s < 1 for s in out_shape):
        raise RuntimeError(
            f"Given input size: ({'x'.join(str(s) for s in input.shape[-3:])}). Calculated output "
            f"size: ({'x'.join(str(s) for s in (input.shape[-3],) + tuple(out_shape))}). Output "
            "size is too small")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    _pool_input(input, "max_pool2d")
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == [] else _tuple(stride, 2)
    padding, dilation = _tuple(padding, 2), _tuple(dilation, 2)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError("pad should be at most half of effective kernel size, but got "
                           f"pad={padding[0]}, kernel_size={kernel[0]} and dilation={dilation[0]}")
    out = [_pool.pooled_size(input.shape[-2 + a], kernel[a], stride[a], padding[a], dilation[a],
                             ceil_mode) for a in range(2)]
    _pool_output_check(input, out)
    params = (kernel, stride, padding, dilation, bool(ceil_mode))
    output = apply(_pool.MAX_POOL2D, (input,), params)
    if return_indices:
        # each maximum's flat position in its H x W plane, as torch's indices (computed again
        # only when asked for)
        return output, new_tensor(_pool._max_pool_forward(input._data, *params)[1])
    return output


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    _pool_input(input, "avg_pool2d")
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == [] else _tuple(stride, 2)
    padding = _tuple(padding, 2)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError("pad should be at most half of effective kernel size, but got "
                           f"pad={padding[0]}, kernel_size={kernel[0]} and dilation=1")
    out = [_pool.pooled_size(input.shape[-2 + a], kernel[a], stride[a], padding[a], 1, ceil_mode)
           for a in range(2)]
    _pool_output_check(input, out)
    return apply(_pool.AVG_POOL2D, (input,), (kernel, stride, padding, bool(ceil_mode),
                                              bool(count_include_pad), divisor_override))


def adaptive_avg_pool2d(input, output_size):
    _pool_input(input, "adaptive_avg_pool2d")
    size = _tuple(output_size, 2) if output_size is not None else None
    size = tuple(input.shape[-2 + a] if (output_size[a] if isinstance(output_size, (tuple, list))
                                         else output_size) is None else size[a] for a in range(2))
    if size == (1, 1):
        return _red.mean(input, (-1, -2), keepdim=True)  # torch takes the mean here
    return apply(_pool.ADAPTIVE_AVG_POOL2D, (input,), (size,))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel by the batch's statistics (training) or the running ones; in
    training the running buffers are updated in place, as torch does."""
    if training:
        size = input.numel() // input.shape[1] if input.dim() > 1 else 0
        if size == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.size()}")
    channels = input.shape[1] if input.dim() > 1 else None
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        # a layer built for another channel count (BatchNorm1d(3) on 4 features)
        if buffer is not None and channels is not None and buffer.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {buffer.numel()}")
    if _norm.follows_torch_kernels(input._data, running_mean, running_var):
        return _norm.batch_norm_as_torch(input, weight, bias, running_mean, running_var,
                                         training, momentum, eps)
    if training:
        mean, invstd, unbiased = _norm.batch_stats(input._data, eps)
        if running_mean is not None:
            _blend(running_mean, mean, momentum)
        if running_var is not None:
            _blend(running_var, unbiased, momentum)
    else:
        # torch's eval transform works in the buffers' dtype: 1 / sqrt(var + eps) in float
        var = running_var._data
        mean = running_mean._data
        invstd = var.dtype.type(1) / np.sqrt(var + var.dtype.type(eps))
    return apply(_norm.BATCH_NORM, (input, weight, bias), (mean, invstd, bool(training), invstd))


def _blend(buffer, value, momentum):
    # running = momentum * batch + (1 - momentum) * running, outside the graph
    data = buffer._data
    data[...] = (momentum * value + (1 - momentum) * data.astype(np.float64)).astype(data.dtype)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = _tuple(normalized_shape, len(normalized_shape)) if isinstance(
        normalized_shape, (tuple, list)) else (int(normalized_shape),)
    if tuple(input.shape[input.dim() - len(shape):]) != shape or input.dim() < len(shape):
        raise RuntimeError(
            f"Given normalized_shape=[{_sizes(shape)}], expected input with shape "
            f"[*, {_sizes(shape)}], but got input of size[{_sizes(input.shape)}]")
    return apply(_norm.LAYER_NORM, (input, weight, bias), (len(shape), float(eps)))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if scale_grad_by_freq or sparse:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.nn.functional.embedding with scale_grad_by_freq or sparse")
    indices = input._data
    if indices.dtype not in (np.int64, np.int32):
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES, bool_

        # torch's checkScalarTypes prints the legacy name, which for bool is its C++ type's
        got = "CPUBoolType" if input.dtype is bool_ else LEGACY_TYPE_NAMES.get(input.dtype, input.dtype)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {got} "
            "instead (while checking arguments for embedding)")
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    return apply(_emb.EMBEDDING, (weight,), (indices.astype(np.int64), padding_idx))


def _renorm_rows(weight, rows, max_norm, norm_type):
    """ATen's embedding_renorm_, in place and unrecorded: each looked-up row whose norm exceeds
    max_norm is multiplied by max_norm / (norm + 1e-7), computed in double, applied in the
    weight's dtype."""
    from gradrepl.engine.grad_mode import no_grad

    with no_grad():
        for row in rows.tolist():
            norm = float(weight[row].norm(norm_type))
            if norm > max_norm:
                weight[row] *= max_norm / (norm + 1e-7)


def bilinear(input1, input2, weight, bias=None):
    out = _shape.view(apply(_emb.TRILINEAR, (input1, input2, weight)), (input1.shape[0], -1))
    return out if bias is None else _arith.add(out, bias)


def prelu(input, weight):
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if input.dim() == 0 or weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}.")
    # torch views the weight so that it broadcasts along the channel dim (the ViewBackward0 edge)
    shape = [1] * max(input.dim(), 1)
    if weight.numel() != 1 and input.dim() >= 2:
        shape[1] = weight.numel()
    elif weight.numel() != 1:
        shape[0] = weight.numel()
    return apply(_act.PRELU, (input, _shape.view(weight, tuple(shape))))


@refusing_non_tensors  # a list for input: torch's TypeError (functional dropout)
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p): torch's CPU
    dropout is ``input * (bernoulli_(1 - p) / (1 - p))``, the mask drawn from the generator."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    multiply = _arith.mul_ if inplace else _arith.mul
    if p == 1:
        return multiply(input, new_tensor(np.zeros((), dtype=input._data.dtype)))
    from gradrepl.engine.bernoulli import bernoulli_values

    data = input._data
    order = _layout_order(data)
    if order is None:
        noise = bernoulli_values(tuple(input.shape), 1 - p, data.dtype)
    else:
        # torch draws the mask into ``empty_like(input)``, which keeps the input's order of dims
        # in memory (dense strides in that order), and bernoulli_ fills it in memory order
        drawn = bernoulli_values(tuple(data.shape[d] for d in order), 1 - p, data.dtype)
        noise = drawn.transpose(np.argsort(order))
    return multiply(input, _arith.div(new_tensor(noise), 1 - p))


def _layout_order(data):
    """The input's dims from outermost to innermost in memory, as ``empty_like`` keeps them
    (``infer_dense_strides``: by decreasing stride), or None for row-major order."""
    if type(data) is not np.ndarray or data.ndim < 2 or data.flags.c_contiguous:
        return None
    order = sorted((d for d in range(data.ndim)),
                   key=lambda d: (-data.strides[d] if data.shape[d] != 1 else 0, d))
    sized = [d for d in order if data.shape[d] != 1]
    if sized == sorted(sized):
        return None
    return order


# ---------------------------------------------------------------------------------------------
# torch.X: the same ops in torch's own argument order where it differs from the functional one


def _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                      cudnn_enabled):
    """torch.batch_norm: the functional batch_norm with the weights first."""
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _torch_embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding: the weight first, padding_idx -1 for none."""
    return embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                     scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def _torch_dropout(input, p, train):
    """torch.dropout(input, p, train)."""
    return dropout(input, p, train)


_NN = "neural network"
register("conv1d", conv1d, section=_NN, rows=(_conv.CONVOLUTION,), method=False)
register("conv2d", conv2d, section=_NN, rows=(_conv.CONVOLUTION,), method=False)
register("max_pool2d", max_pool2d, section=_NN, rows=(_pool.MAX_POOL2D,), method=False)
register("batch_norm", _torch_batch_norm, section=_NN, rows=(_norm.BATCH_NORM,), method=False)
register("layer_norm", layer_norm, section=_NN, rows=(_norm.LAYER_NORM,), method=False)
register("embedding", _torch_embedding, section=_NN, rows=(_emb.EMBEDDING,), method=False)
register("bilinear", bilinear, section=_NN, rows=(_emb.TRILINEAR,), method=False)
register("prelu", prelu, section=_NN, rows=(_act.PRELU,))
register("dropout", _torch_dropout, section=_NN, method=False)
