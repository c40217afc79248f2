"""sum and mean agree with torch bit for bit, checked against values recorded from torch 2.13
(tests/goldens/summation.json, by scripts/record_summation_goldens.py): no torch needed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from op_helper import GOLDENS_DIR
from summation_cases import SPECS, digest, run

import gradrepl.torch as gtorch
from gradrepl.engine.ops.summation import float_sum

GOLDENS = json.loads((GOLDENS_DIR / "summation.json").read_text())["cases"]


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_matches_recorded_torch(spec):
    assert digest(run(gtorch, spec)) == GOLDENS[spec.id]


def test_every_spec_has_a_golden():
    missing = [s.id for s in SPECS if s.id not in GOLDENS]
    assert not missing, f"re-record with scripts/record_summation_goldens.py: {missing[:10]}"


def test_five_elements_from_the_lesson():
    # the case that showed the problem: numpy's pairwise sum gives 5.666144847869873
    x = gtorch.tensor([1.5409960746765137, 0.293428897857666, 2.1787893772125244,
                       0.568431019783020, 1.0845])
    assert x.sum().item() == 5.666145324707031


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_negative_zero_sums_to_positive_zero(dtype):
    # torch adds the sum into an output filled with 0, so -0.0 never comes out
    for x in (np.array(-0.0, dtype), np.full(5, -0.0, dtype), np.full((3, 4), -0.0, dtype)):
        assert np.signbit(float_sum(x)).any() == False  # noqa: E712
        if x.ndim:
            assert not np.signbit(float_sum(x, (0,))).any()


def test_reversed_strides_sum_like_the_copy_torch_would_hold():
    x = np.random.default_rng(1).standard_normal(1000).astype(np.float32)
    assert float_sum(x[::-1]) == float_sum(np.ascontiguousarray(x[::-1]))


def test_empty_and_dtype_argument():
    assert float_sum(np.zeros((0, 3), np.float32)) == 0
    assert float_sum(np.zeros((0, 3), np.float32), (0,)).shape == (3,)
    x = np.random.default_rng(2).standard_normal(37).astype(np.float32)
    assert float_sum(x, dtype=np.float64) == float_sum(x.astype(np.float64))
