"""``nn.MultiheadAttention`` against live torch 2.13: its repr, parameters (names, order and
initial bits after ``manual_seed``), outputs, attention weights, grad_fn names and gradients in
training mode, and its fast path (``_native_multi_head_attention``: eval, no grad, batch_first
self-attention) in eval mode; bit for bit except where a path runs through the CPU flash kernel
(``need_weights=False`` on the general path), which is within float32 ulps (docs/nn.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

CONFIGS = [  # (module keywords, forward keywords, inputs, through the flash kernel in train/eval)
    (dict(embed_dim=8, num_heads=2), {}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2, batch_first=True), {}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2, kdim=3, vdim=5), {}, "kv", (False, False)),
    (dict(embed_dim=8, num_heads=4, bias=False), {}, "cross", (False, False)),
    (dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True),
     {"key_padding_mask": "kpm"}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2), {"key_padding_mask": "kpm", "attn_mask": "mask"}, "self",
     (False, False)),
    (dict(embed_dim=8, num_heads=2), {"attn_mask": "fmask"}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2), {"average_attn_weights": False}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2), {"need_weights": False}, "self", (True, True)),
    (dict(embed_dim=8, num_heads=2, batch_first=True),
     {"need_weights": False, "key_padding_mask": "kpm"}, "self", (True, False)),
    (dict(embed_dim=8, num_heads=2, dropout=0.3), {}, "self", (False, False)),
    (dict(embed_dim=8, num_heads=2), {}, "unbatched", (False, False)),
    (dict(embed_dim=8, num_heads=2), {"attn_mask": "causal", "is_causal": True,
                                      "need_weights": False}, "self", (True, True)),
]


def _run(lib, module_kw, forward_kw, kind, mode):
    lib.manual_seed(0)
    module = lib.nn.MultiheadAttention(**module_kw)
    length, batch, embed = 3, 2, module_kw["embed_dim"]
    shape = (batch, length, embed) if module_kw.get("batch_first") else (length, batch, embed)
    x = lib.randn(*shape, requires_grad=mode == "train")
    q = k = v = x
    if kind == "cross":
        k = v = lib.randn(*shape)
    elif kind == "kv":
        k, v = lib.randn(length, batch, module_kw["kdim"]), lib.randn(length, batch,
                                                                      module_kw["vdim"])
    elif kind == "unbatched":
        q = k = v = lib.randn(length, embed, requires_grad=True)
    forward_kw = dict(forward_kw)
    masks = {"kpm": lambda: lib.tensor([[False, False, True], [False, True, False]]),
             "mask": lambda: lib.tensor([[False, True, False], [False] * 3, [True, False, False]]),
             "fmask": lambda: lib.randn(length, length),
             "causal": lambda: lib.triu(lib.ones(length, length, dtype=lib.bool), 1)}
    for name in ("key_padding_mask", "attn_mask"):
        if name in forward_kw:
            forward_kw[name] = masks[forward_kw[name]]()
    facts = [repr(module), [name for name, _ in module.named_parameters()]]
    arrays = [np.array(p.tolist(), np.float32) for p in module.parameters()]
    if mode == "eval":
        module.eval()
        with lib.no_grad():
            out, weights = module(q, k, v, **forward_kw)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, weights = module(q, k, v, **forward_kw)
        (out.sum() + (0 if weights is None else weights.sum())).backward()
        facts += [out.grad_fn.name(), None if weights is None else weights.grad_fn.name()]
        arrays += [np.array(p.grad.tolist(), np.float32) for p in module.parameters()
                   if p.grad is not None]
    facts.append(None if weights is None else tuple(weights.shape))
    arrays += [np.array(out.tolist(), np.float32)]
    if weights is not None:
        arrays.append(np.array(weights.tolist(), np.float32))
    return facts, arrays


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("module_kw,forward_kw,kind,flash", CONFIGS)
def test_multihead_attention_matches_torch(module_kw, forward_kw, kind, flash, mode):
    ours, our_arrays = _run(gtorch, module_kw, forward_kw, kind, mode)
    theirs, their_arrays = _run(torch, module_kw, forward_kw, kind, mode)
    assert ours == theirs
    assert len(our_arrays) == len(their_arrays)
    for a, b in zip(our_arrays, their_arrays):
        if flash[mode == "eval"]:
            np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6)
        else:
            np.testing.assert_array_equal(a, b)


ERRORS = [
    "nn.MultiheadAttention(0, 2)", "nn.MultiheadAttention(6, 4)",
    "m(lib.randn(3, 2, 8), lib.randn(3, 8), lib.randn(3, 8))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), attn_mask=lib.ones(3, 3, dtype=lib.long))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), attn_mask=lib.zeros(2, 3))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), attn_mask=lib.zeros(5, 3, 3))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), key_padding_mask=lib.zeros(3, 3, dtype=lib.bool))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), is_causal=True)",
    "m(lib.randn(3, 2, 6), lib.randn(3, 2, 6), lib.randn(3, 2, 6))",
    "m(lib.randn(3, 2, 8), lib.randn(4, 2, 8), lib.randn(3, 2, 8))",
    "m(lib.randn(2, 3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8))",
    # the operands' ranks, batched and unbatched (one check, two wordings)
    "m(lib.randn(3, 8), lib.randn(1, 3, 8), lib.randn(3, 8))",
    "m(lib.randn(3, 8), lib.randn(3, 8), lib.randn(3, 8), key_padding_mask=lib.zeros(1, 3, dtype=lib.bool))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), key_padding_mask=lib.zeros(3, dtype=lib.bool))",
    "m(lib.randn(3, 8), lib.randn(3, 8), lib.randn(3, 8), attn_mask=lib.zeros(1, 1, 3, 3))",
    "m(lib.randn(3, 8), lib.randn(3, 8), lib.randn(3, 8), attn_mask=lib.zeros(3, 3, 3))",
    "m(lib.randn(3, 2, 8), lib.randn(3, 2, 8), lib.randn(3, 2, 8), attn_mask=lib.zeros(5))",
    "m(lib.randn(8), lib.randn(8), lib.randn(8))",
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_match_torch(call):
    def error(lib):
        m = lib.nn.MultiheadAttention(8, 2)
        try:
            eval(call, {"lib": lib, "nn": lib.nn, "m": m})
        except Exception as e:  # noqa: BLE001 (compared with torch's)
            return f"{type(e).__name__}: {e}"
        return None
    assert error(gtorch) == error(torch)
