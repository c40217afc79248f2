"""addcmul, addcdiv and lerp (engine/ops/fused.py): torch's fused rounding, values, gradients and
grad_fn names; the optimizers' arithmetic is built from the same formulas."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.ops import fused


def _lesson(torch):
    torch.manual_seed(0)
    a = torch.randn(5, requires_grad=True)
    b = torch.randn(5, requires_grad=True)
    c = torch.rand(5, requires_grad=True) + 0.5
    for out in [torch.addcmul(a, b, c, value=0.3), torch.addcdiv(a, b, c, value=-2),
                torch.lerp(a, b, 0.3), torch.lerp(a, b, 0.7), torch.lerp(a, b, c),
                a.addcmul(b, c), a.addcdiv(b, c), a.lerp(b, 0.25)]:
        print(out)
        print(torch.autograd.grad(out.sum(), [a, b, c], allow_unused=True))
    x, y, z = torch.randn(1000), torch.randn(1000), torch.rand(1000) + 0.1
    with torch.no_grad():
        results = [x.clone().addcmul_(y, z, value=0.01), x.clone().addcdiv_(y, z, value=-0.01),
                   x.clone().lerp_(y, 0.1), x.clone().lerp_(y, 0.9), x.clone().lerp_(y, z)]
    print([r.sum().item() for r in results], [r[-3:].tolist() for r in results])
    # an Adam step written by hand, as lessons write it
    p, m, v = torch.randn(300, requires_grad=True), torch.zeros(300), torch.zeros(300)
    for _ in range(20):
        grad = torch.randn(300)
        with torch.no_grad():
            m.lerp_(grad, 0.1)
            v.mul_(0.999).addcmul_(grad, grad, value=0.001)
            p.addcdiv_(m, v + 1e-8, value=-0.01)
    print(p[:4].tolist(), p.sum().item())


@pytest.mark.torch
def test_fused_ops_match_torch(same_output):
    same_output(_lesson)


@pytest.mark.torch
def test_add_and_sub_with_alpha_are_fused_as_in_torch(same_output):
    """A hand-written SGD step, ``p.add_(grad, alpha=-lr)``: torch's add kernel fuses it."""
    def lesson(torch):
        torch.manual_seed(0)
        for dtype in (torch.float32, torch.float64):
            a, b = torch.randn(1037, dtype=dtype), torch.randn(1037, dtype=dtype)
            outs = [torch.add(a, b, alpha=-0.01), torch.sub(a, b, alpha=0.3),
                    a.clone().add_(b, alpha=0.7), a.clone().sub_(b, alpha=1e-3),
                    torch.add(a[:5, None], b[None, :4], alpha=2.5)]
            print([o.sum().item() for o in outs], outs[4][0].tolist())
        p = torch.randn(300)
        for _ in range(30):
            p.add_(torch.randn(300), alpha=-0.01)
        print(p.sum().item(), p[:3].tolist())
        x, y = torch.randn(3, requires_grad=True), torch.randn(3, requires_grad=True)
        z = torch.add(x, y, alpha=2)
        print(z, torch.autograd.grad(z.sum(), [x, y]))
    same_output(lesson)


def _exact_rounding(value: Fraction) -> np.float32:
    """``value`` rounded once to float32 (to nearest, ties to even), from the exact rational."""
    candidate = np.float32(float(value))  # at most two roundings away: check the neighbours
    best = min((candidate, np.nextafter(candidate, np.float32(np.inf)),
                np.nextafter(candidate, np.float32(-np.inf))),
               key=lambda c: (abs(Fraction(float(c)) - value), int(np.float32(c).view(np.uint32)) & 1))
    return np.float32(best)


finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite, st.sampled_from([0.001, -0.01, 0.3, 1.0]))
def test_addcmul_rounds_once(a, t1, t2, value):
    a, t1, t2 = (np.array([x], np.float32) for x in (a, t1, t2))
    v = np.float32(value)
    exact = Fraction(float(v * t1[0])) * Fraction(float(t2[0])) + Fraction(float(a[0]))
    assert fused.addcmul_values(a, t1, t2, value)[0] == _exact_rounding(exact)


@settings(max_examples=200, deadline=None)
@given(finite, finite, st.sampled_from([0.1, 0.25, 0.49, 0.5, 0.9]))
def test_lerp_rounds_once_per_side(start, end, weight):
    s, e = np.array([start], np.float32), np.array([end], np.float32)
    w = np.float32(weight)
    diff = Fraction(float(e[0] - s[0]))
    exact = (Fraction(float(w)) * diff + Fraction(float(s[0])) if weight < 0.5
             else Fraction(float(w - np.float32(1))) * diff + Fraction(float(e[0])))
    assert fused.lerp_values(s, e, weight)[0] == _exact_rounding(exact)


def test_grad_fn_names():
    a = gt.ones(2, requires_grad=True)
    assert gt.addcmul(a, a, a).grad_fn.name() == "AddcmulBackward0"
    assert gt.addcdiv(a, a, a).grad_fn.name() == "AddcdivBackward0"
    assert gt.lerp(a, a, 0.5).grad_fn.name() == "LerpBackward0"
    assert gt.lerp(a, a, a).grad_fn.name() == "LerpBackward1"


def test_lerp_gradient_matches_the_formula():
    start = gt.tensor([1.0, 2.0], dtype=gt.float64, requires_grad=True)
    end = gt.tensor([3.0, -1.0], dtype=gt.float64, requires_grad=True)
    weight = gt.tensor([0.2, 0.8], dtype=gt.float64, requires_grad=True)
    gt.lerp(start, end, weight).sum().backward()
    assert start.grad.tolist() == [0.8, 0.19999999999999996]
    assert end.grad.tolist() == [0.2, 0.8] and weight.grad.tolist() == [2.0, -3.0]
