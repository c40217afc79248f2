"""``torch.nn.functional.scaled_dot_product_attention`` as torch 2.13 runs it on a CPU.

torch picks one of two paths (``sdp_utils_cpp``'s checks, measured against 2.13):

- **the flash-attention CPU kernel** (``_scaled_dot_product_flash_attention_for_cpu``, node
  ``ScaledDotProductFlashAttentionForCpuBackward0`` with edges to query, key and value) when all
  three are 4-D, ``dropout_p`` is not above 0, their batch sizes are equal, their head counts
  equal (or, with ``enable_gqa``, key's and value's divide query's), their head sizes equal,
  their last dims contiguous, both sequence lengths non-zero, and a mask, if any, does not
  require grad and is 2-D or 4-D with each dim its full size or 1;
- **the math path** otherwise (``_scaled_dot_product_attention_math``): ``q * sqrt(scale)`` and
  ``k.transpose(-2, -1) * sqrt(scale)`` multiplied (``matmul``), the mask added, ``_safe_softmax``
  (``SafeSoftmaxBackward0``: a softmax whose fully masked rows are 0), dropout, ``matmul`` with
  value: gradrepl runs those very ops, so its graph's top node is torch's (``UnsafeViewBackward0``
  for batched inputs, ``MmBackward0`` for 2-D ones) and the softmax and dropout are torch's bits.

The flash kernel's values cannot be torch's bits: it multiplies with MKL's sgemm (an order not
emulated for these layouts) and exponentiates the vector part of each row with ATen's
``exp_u20`` approximation; gradrepl follows its arithmetic otherwise (the scale applied after
the product, the running max and sum per 512-key block, the sum's reciprocal times the product
with value) in the input's dtype (float32 accumulation for half). docs/nn.md has the figures.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import ops
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.ops.primitive import apply, apply_unary
from gradrepl.engine.ops.softmax import SOFTMAX, _softmax_whole
from gradrepl.engine.tensor import Tensor, new_tensor
from gradrepl.engine.dtypes import bool_, float16, float32, float64

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _c_name(dtype) -> str:
    return _C_NAMES.get(str(dtype).replace("torch.", ""), str(dtype))


# -- _safe_softmax -----------------------------------------------------------------------------

def _safe_softmax_forward(a, dim):
    out = SOFTMAX.forward(a, dim)
    masked = np.all(np.asarray(a) == -np.inf, axis=dim, keepdims=True)
    if masked.any():
        out = np.where(masked, np.zeros((), out.dtype), out)
    return out


SAFE_SOFTMAX = Primitive("_safe_softmax", "SafeSoftmaxBackward0", _safe_softmax_forward,
                         _softmax_whole, inputs=("self",), saves=("result",))


def _safe_softmax(x: Tensor, dim: int) -> Tensor:
    return apply_unary(SAFE_SOFTMAX, x, (dim % x.ndim,))


# -- the flash-attention CPU kernel -------------------------------------------------------------

_KV_SPLIT = 512


def _scale_of(head_size: int, scale) -> float:
    return 1.0 / math.sqrt(head_size) if scale is None else float(scale)


def _flash_parts(q, k, v, mask, is_causal, scale):
    """(output, logsumexp) of torch's CPU flash forward, in its order of operations, for arrays
    (B, H, L, E), key and value (B, Hk, S, E) (grouped heads repeated), mask (B|1, H|1, L, S)."""
    acc = np.float32 if q.dtype == np.float16 else q.dtype.type
    q, k, v = (np.asarray(x, acc) for x in (q, k, v))
    batch, heads, length, _ = q.shape
    size = k.shape[2]
    factor = acc(_scale_of(q.shape[-1], scale))
    qk_max = np.full((batch, heads, length, 1), -np.inf, acc)
    qk_sum = np.zeros((batch, heads, length, 1), acc)
    dst = np.zeros((batch, heads, length, v.shape[-1]), acc)
    rows = np.arange(length)[:, None]
    for n in range(0, size, _KV_SPLIT):
        block = slice(n, min(n + _KV_SPLIT, size))
        qk = np.matmul(q, np.swapaxes(k[:, :, block], -1, -2))
        if is_causal:
            cols = np.arange(block.start, block.stop)[None, :]
            qk = np.where(cols > rows, acc(-np.inf), qk)
        if mask is not None:
            qk = (qk * factor + mask[..., block].astype(acc)).astype(acc)
        else:
            qk = (qk * factor).astype(acc)
        new_max = np.maximum(qk_max, qk.max(axis=-1, keepdims=True))
        dead = new_max == -np.inf
        with np.errstate(invalid="ignore"):
            p = np.where(dead, acc(0), np.exp(qk - new_max)).astype(acc)
            correction = np.where(dead, acc(1), np.exp(qk_max - new_max)).astype(acc)
        qk_sum = np.where(dead, qk_sum, p.sum(axis=-1, keepdims=True) + correction * qk_sum)
        product = np.matmul(p, v[:, :, block])
        dst = np.where(dead, dst, dst * correction + product if n else product).astype(acc)
        qk_max = np.where(dead, qk_max, new_max)
    qk_max = np.where(qk_max == -np.inf, acc(0), qk_max)
    qk_sum = np.where(qk_sum == 0, acc(1), qk_sum)
    out = (dst * (acc(1) / qk_sum)).astype(acc)
    lse = (qk_max + np.log(qk_sum)).astype(acc)
    return out, lse


def _expand_mask(mask, shape):
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype == np.bool_:
        mask = np.where(mask, np.float32(0), np.float32(-np.inf))
    return np.broadcast_to(mask, shape[:2] + mask.shape[-2:] if mask.ndim == 4 else
                           (1, 1) + mask.shape)


def _grouped(x, heads):
    return x if x.shape[1] == heads else np.repeat(x, heads // x.shape[1], axis=1)


def _flash_forward(q, k, v, mask, dropout_p, is_causal, scale):
    heads = q.shape[1]
    out, _ = _flash_parts(q, _grouped(k, heads), _grouped(v, heads), _expand_mask(mask, q.shape),
                          is_causal, scale)
    return out.astype(q.dtype)


def _flash_backward(F, g, inputs, out, params, needs):
    """torch's CPU flash backward: attn = exp(q k^T scale + mask - lse), grad_v = attn^T g,
    grad_attn = g v^T, grad_s = attn * (grad_attn - rowsum(g * out)), grad_q = grad_s k scale,
    grad_k = grad_s^T q scale; grouped heads' key and value gradients summed per group."""
    from gradrepl.engine.ops.backends import arrays
    from gradrepl.engine.tensor import data_of

    mask, _, is_causal, scale = params
    q, k, v = (np.asarray(data_of(x)) for x in inputs)
    dtype, heads = q.dtype, q.shape[1]
    acc = np.float32 if dtype == np.float16 else dtype.type
    kk, vv = _grouped(k, heads).astype(acc), _grouped(v, heads).astype(acc)
    qq = q.astype(acc)
    grad = np.asarray(data_of(g)).astype(acc)
    emask = _expand_mask(mask, q.shape)
    output, lse = _flash_parts(q, kk, vv, emask, is_causal, scale)
    factor = acc(_scale_of(q.shape[-1], scale))
    scores = np.matmul(qq, np.swapaxes(kk, -1, -2)) * factor
    if emask is not None:
        scores = scores + emask.astype(acc)
    if is_causal:
        length, size = scores.shape[-2:]
        scores = np.where(np.arange(size)[None, :] > np.arange(length)[:, None], -np.inf, scores)
    with np.errstate(invalid="ignore", over="ignore"):
        attn = np.exp(scores - lse).astype(acc)
    grad_v = np.matmul(np.swapaxes(attn, -1, -2), grad)
    grad_attn = np.matmul(grad, np.swapaxes(vv, -1, -2))
    rowsum = np.sum(grad * output, axis=-1, keepdims=True)
    grad_s = attn * (grad_attn - rowsum)
    grad_q = np.matmul(grad_s, kk) * factor
    grad_k = np.matmul(np.swapaxes(grad_s, -1, -2), qq) * factor

    def ungroup(x, like):
        groups = heads // like.shape[1]
        if groups == 1:
            return x
        return x.reshape(x.shape[0], like.shape[1], groups, *x.shape[2:]).sum(axis=2)

    grads = (grad_q, ungroup(grad_k, k), ungroup(grad_v, v))
    grads = tuple(x.astype(dtype) if need else None for x, need in zip(grads, needs))
    if F is not arrays:
        grads = tuple(None if x is None else new_tensor(x) for x in grads)
    return grads


FLASH = Primitive("_scaled_dot_product_flash_attention_for_cpu",
                  "ScaledDotProductFlashAttentionForCpuBackward0", _flash_forward, _flash_backward,
                  inputs=("query", "key", "value"),
                  params=("attn_mask", "dropout_p", "is_causal", "scale"),
                  saves=("query", "key", "value", "result"))


# -- the surface ---------------------------------------------------------------------------------

def _validate(query, key, value, attn_mask):
    if not (query.dtype is key.dtype and query.dtype is value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c_name(query.dtype)} key.dtype: {_c_name(key.dtype)} and value.dtype: "
            f"{_c_name(value.dtype)} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None and not (attn_mask.dtype is bool_ or attn_mask.dtype is float32
                                      or attn_mask.dtype is query.dtype):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {_c_name(attn_mask.dtype)} and  query.dtype: "
            f"{_c_name(query.dtype)} instead.")


def _mask_fits(mask, batch, heads, length, size) -> bool:
    if mask.dim() == 2:
        wanted = (length, size)
    elif mask.dim() == 4:
        wanted = (batch, heads, length, size)
    else:
        return False
    return all(m in (w, 1) for m, w in zip(mask.shape, wanted))


def _takes_flash(query, key, value, attn_mask, dropout_p, enable_gqa) -> bool:
    if not (query.dim() == key.dim() == value.dim() == 4) or dropout_p > 0.0:
        return False
    if query.dtype not in (float32, float64, float16):
        return False
    batch, heads, length, head_size = query.shape
    if key.shape[0] != batch or value.shape[0] != batch:
        return False
    if enable_gqa:
        if key.shape[1] != value.shape[1] or heads % key.shape[1]:
            return False
    elif key.shape[1] != heads or value.shape[1] != heads:
        return False
    if key.shape[-1] != head_size or value.shape[-1] != head_size:
        return False
    if any(x.stride(-1) != 1 for x in (query, key, value)):
        return False
    if length == 0 or key.shape[2] == 0 or value.shape[2] == 0:
        return False
    if attn_mask is not None and (attn_mask.requires_grad or not _mask_fits(
            attn_mask, batch, heads, length, key.shape[2])):
        return False
    return True


def _gqa_check(query, key, value):
    if query.dim() < 3 or key.shape[-3] == 0 or value.shape[-3] == 0 \
            or query.shape[-3] % key.shape[-3] or query.shape[-3] % value.shape[-3]:
        raise RuntimeError(
            "Number of heads in key and value must divide the number of heads in ")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False) -> Tensor:
    """``softmax(query @ key.transpose(-2, -1) * scale + mask) @ value`` (scale 1/sqrt(E) by
    default) over the last two dims: query (..., L, E), key (..., S, E), value (..., S, Ev); a
    bool ``attn_mask`` is True where to attend, a float one is added; ``is_causal`` masks the
    keys after each query; ``dropout_p`` drops attention weights (pass 0.0 when evaluating)."""
    _validate(query, key, value, attn_mask)
    if enable_gqa:
        _gqa_check(query, key, value)
    if _takes_flash(query, key, value, attn_mask, dropout_p, enable_gqa):
        if dropout_p != 0.0:
            raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not "
                               "support dropout > 0")
        mask = None if attn_mask is None or attn_mask.numel() == 0 else attn_mask._data
        return apply(FLASH, (query, key, value), (mask, 0.0, bool(is_causal), scale))
    return _math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)


def _math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    from gradrepl.engine.ops.nn_layers import dropout

    negative = scale is not None and scale < 0.0
    factor = math.sqrt(_scale_of(query.shape[-1], abs(scale) if negative else scale))
    if enable_gqa and query.dim() >= 3:
        heads = query.shape[-3]
        if key.shape[-3] != heads:
            key = ops.repeat_interleave(key, heads // key.shape[-3], -3)
        if value.shape[-3] != heads:
            value = ops.repeat_interleave(value, heads // value.shape[-3], -3)
    scaled = query * (0.0 - factor if negative else factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        length, size = query.shape[-2], key.shape[-2]
        allowed = np.tril(np.ones((length, size), dtype=bool))
        attn_mask = new_tensor(np.where(allowed, np.zeros((), query._data.dtype),
                                        np.array(-np.inf, query._data.dtype)))
    elif attn_mask is not None and attn_mask.dtype is bool_:
        attn_mask = new_tensor(np.where(attn_mask._data, np.zeros((), query._data.dtype),
                                        np.array(-np.inf, query._data.dtype)))
    attn = ops.matmul(scaled, ops.transpose(key, -2, -1) * factor)
    if attn_mask is not None:
        attn = attn + attn_mask
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return ops.matmul(attn, value)

