"""nn.init: the same bits as torch after manual_seed (differential), and the formulas without it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradrepl.torch as gt
import gradrepl.torch.nn as gnn

SHAPES = [(3, 5), (16, 4), (7, 2, 3), (40, 40)]
INITS = [
    ("uniform_", {"a": -0.3, "b": 0.7}), ("normal_", {"mean": 0.5, "std": 0.1}),
    ("xavier_uniform_", {}), ("xavier_normal_", {"gain": 2.0}), ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}), ("kaiming_normal_", {"mode": "fan_out",
                                                                     "nonlinearity": "relu"}),
    ("trunc_normal_", {}), ("trunc_normal_", {"std": 0.02, "a": -0.04, "b": 0.04}),
    ("trunc_normal_", {"a": -0.1, "b": 0.1}), ("constant_", {"val": 0.3}), ("ones_", {}),
    ("zeros_", {}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs", INITS, ids=[f"{n}{k}" for n, k in INITS])
@pytest.mark.parametrize("shape", SHAPES)
def test_init_matches_torch_bit_for_bit(real_torch, name, kwargs, shape):
    results = []
    for torch in (real_torch, gt):
        torch.manual_seed(3)
        tensor = torch.empty(*shape)
        getattr(torch.nn.init if torch is real_torch else gnn.init, name)(tensor, **kwargs)
        results.append(np.array(tensor.tolist(), dtype=np.float32))
    np.testing.assert_array_equal(results[1], results[0])


@pytest.mark.torch
@pytest.mark.parametrize("gain", [1.0, 3.0])
@pytest.mark.parametrize("shape", SHAPES + [(5, 3)])
def test_orthogonal_matches_torch_to_float32_rounding(real_torch, shape, gain):
    """The normal draws are torch's bits; the QR is numpy's LAPACK, not MKL's, so the last bit of
    a value can differ."""
    results = []
    for torch, init in ((real_torch, real_torch.nn.init), (gt, gnn.init)):
        torch.manual_seed(3)
        results.append(np.array(init.orthogonal_(torch.empty(*shape), gain=gain).tolist()))
    np.testing.assert_allclose(results[1], results[0], rtol=0, atol=2e-6 * gain)


@pytest.mark.torch
@pytest.mark.parametrize("args", [("linear",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",), ("sigmoid",)])
def test_calculate_gain_matches_torch(real_torch, args):
    assert gnn.init.calculate_gain(*args) == real_torch.nn.init.calculate_gain(*args)


@pytest.mark.torch
def test_eye_matches_torch(same_output):
    same_output(lambda torch: print(torch.nn.init.eye_(torch.empty(3, 5))))


def test_kaiming_uniform_bound():
    gt.manual_seed(0)
    w = gnn.init.kaiming_uniform_(gt.empty(200, 50), nonlinearity="relu")
    bound = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(50)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.9 * bound


def test_trunc_normal_stays_inside_the_bounds():
    gt.manual_seed(0)
    for a, b in ((-2.0, 2.0), (-0.1, 0.1)):
        w = gnn.init.trunc_normal_(gt.empty(500), a=a, b=b)
        assert float(w.min()) >= a and float(w.max()) <= b


def test_orthogonal_rows_are_orthonormal():
    gt.manual_seed(0)
    w = gnn.init.orthogonal_(gt.empty(4, 6)).double()
    assert gt.allclose(w @ w.t(), gt.eye(4, dtype=gt.float64), atol=1e-6)


def test_init_errors_are_torchs():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        gnn.init.xavier_uniform_(gt.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        gnn.init.calculate_gain("foo")


DIRAC = [((4, 3, 5), 1), ((6, 2, 3, 3), 2), ((3, 5, 4, 4), 1), ((4, 2, 3, 2, 3), 2),
         ((6, 4, 3), 3), ((2, 4, 2, 2), 1)]
DIRAC_ERRORS = [((3, 4), 1), ((5, 2, 3), 2), ((2, 2, 2, 2, 2, 2), 1)]


def _dirac(lib, shape, groups, name="dirac_"):
    import warnings

    weight = lib.nn.Parameter(lib.full(shape, 0.5))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(lib.nn.init, name)(weight, groups)
    except ValueError as e:
        return str(e)
    return (out is weight, weight.tolist(), weight._version, weight.requires_grad,
            [str(w.message) for w in caught])


@pytest.mark.torch
@pytest.mark.parametrize("shape,groups", DIRAC + DIRAC_ERRORS)
def test_dirac_matches_torch(real_torch, shape, groups):
    """The identity kernels per group, the version count (a zero_ and one write per 1), the
    errors; ``nn.init.dirac`` warns that it is deprecated."""
    assert _dirac(gt, shape, groups) == _dirac(real_torch, shape, groups)
    assert _dirac(gt, shape, groups, "dirac") == _dirac(real_torch, shape, groups, "dirac")
