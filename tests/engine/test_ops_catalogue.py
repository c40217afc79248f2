"""Issue 7's math and reduction catalogue against torch: live when installed, else the goldens
recorded in tests/goldens/engine_ops_catalogue.json (kept apart from engine_ops.json so that
branches adding cases in parallel do not rewrite one file)."""

from __future__ import annotations

import pytest

from op_cases_math import CASES as MATH
import op_cases_reductions  # noqa: E402,F401  (appends its cases to MATH)
from op_helper import case_param, helper_test_op, live_torch, load_goldens, stale_goldens

GOLDENS = load_goldens("engine_ops_catalogue.json")
CASES = MATH


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_catalogue_op_matches_torch(case):
    helper_test_op(case, GOLDENS)


def test_catalogue_case_ids_are_unique_and_recorded():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    missing = [i for i in ids if i not in GOLDENS]
    assert not missing, f"re-record with scripts/record_engine_goldens.py: {missing[:10]}"


@pytest.mark.torch
def test_catalogue_goldens_match_live_torch():
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    stale = stale_goldens(torch, CASES, GOLDENS)
    assert not stale, stale[:10]
