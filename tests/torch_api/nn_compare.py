"""One helper for the layer tests: build the same computation on gradrepl and on real PyTorch,
then compare the output, the grad_fn name and every leaf's gradient, bit for bit or to a bound.

``build(torch)`` returns ``(output, leaves)``; the upstream gradient is drawn from the seeded
generator, so both sides see the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest


def run(lib, build, seed=0):
    lib.manual_seed(seed)
    out, leaves = build(lib)
    result = {"out": out.detach().numpy().copy(),
              "name": out.grad_fn.name() if out.grad_fn is not None else None, "grads": []}
    if out.requires_grad:
        lib.manual_seed(1)
        out.backward(lib.randn(*out.shape) if out.dim() else None)
        result["grads"] = [None if x.grad is None else x.grad.numpy().copy() for x in leaves]
    return result


def differences(expected, actual, ulps=0):
    """The mismatches, as text: exact when ulps == 0, else within ``ulps`` of the larger value."""
    problems = []
    if expected["name"] != actual["name"]:
        problems.append(f"grad_fn {actual['name']} != {expected['name']}")
    pairs = [("out", expected["out"], actual["out"])]
    pairs += [(f"grad {i}", e, a) for i, (e, a) in
              enumerate(zip(expected["grads"], actual["grads"]))]
    for what, e, a in pairs:
        if e is None or a is None:
            if (e is None) != (a is None):
                problems.append(f"{what}: one side has no gradient")
            continue
        if e.dtype != a.dtype or e.shape != a.shape:
            problems.append(f"{what}: {a.dtype}{a.shape} != {e.dtype}{e.shape}")
            continue
        same = (e == a) | (np.isnan(e) & np.isnan(a))
        if ulps:
            scale = np.spacing(np.maximum(np.abs(e), np.abs(a)).max().astype(e.dtype)) * ulps
            same |= np.abs(e.astype(np.float64) - a.astype(np.float64)) <= scale
        if not same.all():
            problems.append(f"{what}: {(~same).sum()} of {same.size} differ")
    return problems


def compare(real_torch, build, ulps=0, seed=0):
    import gradrepl.torch as gt

    problems = differences(run(real_torch, build, seed), run(gt, build, seed), ulps)
    assert not problems, "; ".join(problems)


def leaf(lib, *shape, scale=1.0, dtype=None):
    x = lib.randn(*shape, dtype=dtype) * scale
    return x.requires_grad_()


def same_error(real_torch, call, gradrepl_torch, normalise=str):
    """``call(torch)`` raises on real PyTorch; gradrepl raises the same type with the same text
    (after ``normalise``, for texts whose order torch's build decides)."""
    with pytest.raises(Exception) as expected:
        call(real_torch)
    with pytest.raises(type(expected.value)) as actual:
        call(gradrepl_torch)
    assert normalise(str(actual.value)) == normalise(str(expected.value))
