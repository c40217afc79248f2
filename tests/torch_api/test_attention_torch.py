"""``F.scaled_dot_product_attention`` against live torch 2.13: which path torch takes (the CPU
flash kernel's node ``ScaledDotProductFlashAttentionForCpuBackward0`` or the math path's ops),
the math path's outputs and gradients bit for bit (dropout's mask included), the flash path's
within a few float32 ulps (MKL's sgemm and ``exp_u20``: docs/nn.md), and torch's errors; plus
matmul's shape errors for batched operands, which the math path raises."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

BOOL, FLOAT, DEAD = "bool", "float", "dead"
MATH = [  # (shapes of query, key, value, keywords): bit for bit
    ([(3, 4, 8), (3, 5, 8), (3, 5, 6)], {}),
    ([(3, 4, 8), (3, 5, 8), (3, 5, 6)], {"is_causal": True}),
    ([(3, 4, 8), (3, 5, 8), (3, 5, 6)], {"attn_mask": BOOL}),
    ([(3, 4, 8), (3, 5, 8), (3, 5, 6)], {"attn_mask": FLOAT, "scale": -0.5}),
    ([(4, 8), (5, 8), (5, 8)], {"attn_mask": BOOL, "dropout_p": 0.2}),
    ([(2, 2, 3, 4, 8)] * 3, {}),
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)], {"dropout_p": 0.3}),
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)], {}),
    ([(6, 4, 8), (3, 5, 8), (3, 5, 8)], {"enable_gqa": True}),
    ([(1, 3, 8), (1, 3, 8), (1, 3, 8)], {"attn_mask": DEAD}),
]
FLASH = [  # the CPU flash kernel: names exact, values close
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)], {}),
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)], {"is_causal": True}),
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)], {"attn_mask": BOOL}),
    ([(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)], {"attn_mask": FLOAT, "scale": 0.3}),
    ([(2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 8)], {"enable_gqa": True}),
    ([(1, 2, 3, 8), (1, 2, 3, 8), (1, 2, 3, 8)], {"attn_mask": DEAD}),
    ([(1, 1, 3, 16), (1, 1, 600, 16), (1, 1, 600, 16)], {}),  # two blocks of keys
]


def _run(lib, shapes, keywords):
    lib.manual_seed(0)
    inputs = [lib.randn(*shape, requires_grad=True) for shape in shapes]
    keywords = dict(keywords)
    length, size = shapes[0][-2], shapes[1][-2]
    mask = keywords.get("attn_mask")
    if mask == BOOL:
        keywords["attn_mask"] = lib.rand(length, size) > 0.3
    elif mask == FLOAT:
        keywords["attn_mask"] = lib.randn(length, size)
    elif mask == DEAD:  # a row masked out entirely: 0, not NaN
        keywords["attn_mask"] = lib.tensor([[True, True, True], [False] * 3, [True, False, True]])
    out = lib.nn.functional.scaled_dot_product_attention(*inputs, **keywords)
    out.backward(lib.randn(*out.shape))
    edges = [None if n is None else n.name() for n, _ in out.grad_fn.next_functions]
    values = [np.array(t.tolist(), np.float32) for t in [out.detach()] + [x.grad for x in inputs]]
    return out.grad_fn.name(), edges if "Flash" in out.grad_fn.name() else None, values


@pytest.mark.parametrize("shapes,keywords", MATH)
def test_math_path_matches_torch_bit_for_bit(shapes, keywords):
    name, _, ours = _run(gtorch, shapes, keywords)
    real_name, _, theirs = _run(torch, shapes, keywords)
    assert name == real_name
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shapes,keywords", FLASH)
def test_flash_path_matches_torch(shapes, keywords):
    name, edges, ours = _run(gtorch, shapes, keywords)
    assert (name, edges) == _run(torch, shapes, keywords)[:2]
    assert name == "ScaledDotProductFlashAttentionForCpuBackward0"
    for a, b in zip(ours, _run(torch, shapes, keywords)[2]):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6)


def _outcomes(lib):
    F = lib.nn.functional
    out = []

    def r(*shape):
        return lib.randn(*shape, requires_grad=True)

    def tr(f):
        try:
            o = f()
            flash = o.grad_fn is not None and "Flash" in o.grad_fn.name()
            out.append((None if o.grad_fn is None else o.grad_fn.name(), tuple(o.shape),
                        [n and n.name() for n, _ in o.grad_fn.next_functions] if flash else None))
        except Exception as e:  # noqa: BLE001 (compared with torch's)
            out.append(f"{type(e).__name__}: {e}")

    q, k = (2, 3, 4, 8), (2, 3, 5, 8)
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(1, 3, 5, 8), r(1, 3, 5, 8)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(2, 1, 5, 8), r(2, 1, 5, 8)))
    tr(lambda: F.scaled_dot_product_attention(r(2, 3, 8, 4).transpose(-1, -2), r(2, 3, 4, 8),
                                              r(2, 3, 4, 8)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), attn_mask=lib.randn(2, 3, 4, 5)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), attn_mask=r(4, 5)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), attn_mask=lib.randn(3, 4, 5)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), attn_mask=lib.randn(1, 1, 4, 5)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k),
                                              attn_mask=lib.ones(4, 5, dtype=lib.long)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k),
                                              attn_mask=lib.ones(4, 5, dtype=lib.float64)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k).double(), r(*k)))
    tr(lambda: F.scaled_dot_product_attention(r(8), r(8), r(8)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), is_causal=True,
                                              attn_mask=lib.ones(4, 5, dtype=lib.bool)))
    tr(lambda: F.scaled_dot_product_attention(r(3, 4, 8), r(3, 5, 8), r(3, 5, 8), is_causal=True,
                                              attn_mask=lib.ones(4, 5, dtype=lib.bool)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(2, 2, 5, 8), r(2, 2, 5, 8), enable_gqa=True))
    tr(lambda: F.scaled_dot_product_attention(r(2, 4, 4, 8), r(2, 2, 5, 8), r(2, 2, 5, 8)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(2, 3, 5, 7), r(*k)))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k), r(*k), dropout_p=-0.5))
    tr(lambda: F.scaled_dot_product_attention(r(*q), r(*k).detach(), r(*k)))
    tr(lambda: F.scaled_dot_product_attention(lib.randn(*q), lib.randn(*k), lib.randn(*k)))
    tr(lambda: F.scaled_dot_product_attention(r(*q).double(), r(*k).double(), r(*k).double()))
    for a, b in [((2, 3, 4, 8), (2, 3, 7, 5)), ((4, 8), (2, 7, 5)), ((2, 4, 8), (7, 5)),
                 ((8,), (2, 7, 5)), ((2, 4, 8), (7,)), ((1, 3, 4, 8), (2, 1, 7, 5))]:
        tr(lambda: lib.matmul(lib.randn(*a), lib.randn(*b)))
    return out


def test_paths_and_errors_match_torch():
    assert _outcomes(gtorch) == _outcomes(torch)
