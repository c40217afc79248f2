"""The shape, indexing and linear-algebra ops of issue 7 (op_cases_shape.py) against torch:
live when installed, else tests/goldens/engine_ops_shape.json."""

from __future__ import annotations

import pytest

from op_cases_shape import CASES
from op_helper import helper_test_op, live_torch, load_goldens

GOLDENS = load_goldens("engine_ops_shape.json")


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.known)] if case.known else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
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
    from op_helper import differences, run_case

    stale = [c.id for c in CASES if c.id in GOLDENS
             and differences(run_case(torch, c), GOLDENS[c.id], exact=True)]
    assert not stale, stale[:10]
