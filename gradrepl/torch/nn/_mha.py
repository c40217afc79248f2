"""``F.multi_head_attention_forward`` and ``nn.MultiheadAttention``'s fast path, as torch 2.13
computes them.

The general path is made of the engine's own ops in torch's order (``linear`` projections, the
heads as views, ``baddbmm``/``bmm`` and ``softmax`` when the weights are wanted, else
``scaled_dot_product_attention`` on 4-D heads, then the output projection), so its graph and its
bits are whatever those ops give, as in torch. The fast path (``_native_multi_head_attention``:
eval mode, nothing requiring grad or grad mode off, batch_first self-attention with packed
weights and biases, an even number of heads, no bias_k/zero attention) adds the biases after
one packed product and scales q after its bias, as ATen's kernel does (``fast_path``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from gradrepl.engine import ops
from gradrepl.engine.dtypes import bool_
from gradrepl.engine.factories import zeros
from gradrepl.engine.grad_mode import no_grad
from gradrepl.engine.tensor import new_tensor


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """Whether the call is batched (3-D query) or not (2-D), with torch's errors for the other
    operands' ranks; the two ranks differ only in their words and the expected ranks."""
    if query.dim() not in (2, 3):
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    rank = query.dim()
    if key.dim() != rank or value.dim() != rank:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {rank}-D but found "
            f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != rank - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {rank - 1}-D but "
            f"found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(
                f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return batched


def canonical_mask(mask, name, other_type, other_name, target_type, check_other=True):
    """A bool mask as an additive float one (-inf where True); float masks pass as they are."""
    if mask is None:
        return None
    if mask.dtype is not bool_ and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same "
                      "type for both instead.", stacklevel=3)
    if not mask.is_floating_point():
        data = np.where(mask._data, np.array(-np.inf, target_type.numpy), np.zeros(
            (), target_type.numpy))
        mask = new_tensor(data)
    return mask


def _packed_projection(q, k, v, weight, bias):
    from gradrepl.torch.nn.functional import linear

    embed = q.size(-1)
    if k is v and q is k:
        proj = linear(q, weight, bias)
        proj = proj.unflatten(-1, (3, embed)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return proj[0], proj[1], proj[2]
    if k is v:
        w_q, w_kv = weight.split([embed, embed * 2])
        b_q, b_kv = (None, None) if bias is None else bias.split([embed, embed * 2])
        kv = linear(k, w_kv, b_kv)
        kv = kv.unflatten(-1, (2, embed)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = weight.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if bias is None else bias.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _separate_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v):
    from gradrepl.torch.nn.functional import linear

    e_q, e_k, e_v = q.size(-1), k.size(-1), v.size(-1)
    for w, shape, name in ((w_q, (e_q, e_q), "query"), (w_k, (e_q, e_k), "key"),
                           (w_v, (e_q, e_v), "value")):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got "
                                 f"{tuple(w.shape)}")
    for b, name in ((b_q, "query"), (b_k, "key"), (b_v, "value")):
        if b is not None and tuple(b.shape) != (e_q,):
            raise AssertionError(f"expecting {name} bias shape of {(e_q,)}, but got "
                                 f"{tuple(b.shape)}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    from gradrepl.engine.ops.nn_layers import dropout
    from gradrepl.torch.nn._attention import scaled_dot_product_attention
    from gradrepl.torch.nn.functional import linear, pad

    batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask",
                                      None if attn_mask is None else attn_mask.dtype,
                                      "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
            "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: sdpa's is_causal
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                   check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _packed_projection(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for weight, name in ((q_proj_weight, "q"), (k_proj_weight, "k"), (v_proj_weight, "v")):
            if weight is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _separate_projection(query, key, value, q_proj_weight, k_proj_weight,
                                       v_proj_weight, *biases)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _static(static_k, bsz * num_heads, head_dim, "k") if static_k is not None else \
        k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = _static(static_v, bsz * num_heads, head_dim, "v") if static_v is not None else \
        v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        shape = (bsz * num_heads, 1, head_dim)
        k = ops.cat([k, zeros(shape, dtype=k.dtype)], dim=1)
        v = ops.cat([v, zeros(shape, dtype=v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        embed = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(embed))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = ops.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = ops.bmm(q_scaled, k.transpose(-2, -1))
        weights = weights.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p, True)
        out = ops.bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.size(1))
    if not batched:
        out = out.squeeze(1)
    return out, None


def _static(static, rows, head_dim, name):
    if static.size(0) != rows:
        raise AssertionError(f"expecting static_{name}.size(0) of {rows}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static


def fast_path(module, query, merged_mask, need_weights, average_attn_weights):
    """``torch._native_multi_head_attention`` on a CPU: one packed product ``x @ W^T``, then
    q = (q + bias_q) / sqrt(head_dim) (the reciprocal rounded to the dtype first), k and v plus
    their biases, heads of ``q @ k^T``, a softmax (masked where the merged mask is nonzero: a row
    masked out entirely gives 0), ``@ v``, the heads put back and the output projection (addmm);
    the weights summed over heads and divided by their number when averaged."""
    from gradrepl.torch.nn.functional import linear

    with no_grad():
        batch, length, embed = query.shape
        heads = module.num_heads
        head_dim = embed // heads
        qkv = query.matmul(module.in_proj_weight.t())
        dtype = query._data.dtype.type
        inv = dtype(1.0 / float(np.sqrt(dtype(head_dim))))
        bias = module.in_proj_bias._data
        data = qkv._data.reshape(batch, length, 3, heads, head_dim)
        parts = [(data[:, :, i] + bias[i * embed:(i + 1) * embed].reshape(heads, head_dim))
                 .transpose(0, 2, 1, 3) for i in range(3)]
        q, k, v = (new_tensor(np.ascontiguousarray(p)) for p in parts)
        q = new_tensor((q._data * inv).astype(dtype))
        scores = q.matmul(k.transpose(-2, -1))
        if merged_mask is not None:
            masked = np.broadcast_to(merged_mask._data != 0, scores.shape)
            weights = new_tensor(_masked_softmax(scores._data, masked))
        else:
            weights = scores.softmax(-1)
        context = weights.matmul(v)
        context = context.permute(0, 2, 1, 3).reshape(batch * length, embed)
        out = linear(context, module.out_proj.weight, module.out_proj.bias).view(
            batch, length, embed)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.sum(1) / heads
        return out, weights


def _masked_softmax(x, masked):
    """ATen's CPU ``_masked_softmax`` (``host_softmax`` with a mask) on the last dim: the max of
    the unmasked values, libm's ``exp`` of each unmasked difference, their sum added one by one
    in double, each value times the double reciprocal, rounded once; a row masked out entirely
    sums to 0 and gives NaN, as torch's does."""
    from gradrepl.engine.float_math import libm

    dtype = x.dtype
    peak = np.where(masked, -np.inf, x).max(axis=-1, keepdims=True)
    shifted = np.where(masked, np.zeros((), dtype), (x - peak).astype(dtype))
    exps = libm.call("exp", shifted.ravel()).reshape(x.shape)
    exps = np.where(masked, np.zeros((), dtype), exps)
    total = np.cumsum(exps.astype(np.float64), axis=-1)[..., -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total == 0, np.nan, 1.0 / total)
        return (exps.astype(np.float64) * scale).astype(dtype)
