"""The shape, indexing and linear-algebra ops of issue 7 (op_cases_shape.py) against torch:
live when installed, else tests/goldens/engine_ops_shape.json."""

from __future__ import annotations

import pytest

from op_cases_shape import CASES
from op_helper import case_param, helper_test_op, live_torch, load_goldens, stale_goldens

GOLDENS = load_goldens("engine_ops_shape.json")


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_op_matches_torch(case):
    helper_test_op(case, GOLDENS)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_case_has_a_golden():
    missing = [c.id for c in CASES if c.id not in GOLDENS]
    assert not missing, f"re-record with scripts/record_engine_goldens.py: {missing[:10]}"


@pytest.mark.torch
def test_goldens_match_live_torch():
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    stale = stale_goldens(torch, CASES, GOLDENS)
    assert not stale, stale[:10]
