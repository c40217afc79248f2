"""Every op of the table in op_cases.py against torch: live when installed, else recorded."""

from __future__ import annotations

import pytest

from op_cases import CASES
from op_helper import case_param, helper_test_op, live_torch, load_goldens, stale_goldens

GOLDENS = load_goldens("engine_ops.json")


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_op_matches_torch(case):
    helper_test_op(case, GOLDENS)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_case_has_a_golden():
    # goldens are what the suite checks on machines without torch: they must cover every case
    missing = [c.id for c in CASES if c.id not in GOLDENS]
    assert not missing, f"re-record with scripts/record_engine_goldens.py: {missing[:10]}"


@pytest.mark.torch
def test_goldens_match_live_torch():
    """The recording is current: live torch still answers every case as recorded."""
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    stale = stale_goldens(torch, CASES, GOLDENS)
    assert not stale, stale[:10]


@pytest.mark.parametrize("mine, theirs, alike", [
    ("tensor([-1.0138e-03, 2.0000e+00])", "tensor([-1.0139e-03, 2.0000e+00])", True),
    ("tensor([-6.5997e-03])", "tensor([-6.5995e-03])", True),  # cancellation: within atol
    ("tensor([1.0000, 2.0000])", "tensor([1.0001, 2.0000])", True),  # one printed unit
    ("tensor([1.0000, 2.0000])", "tensor([1.0003, 2.0000])", False),
    ("tensor([1.0000, 2.0000])", "tensor([1.0000, 2.0000], dtype=torch.float64)", False),
    ("tensor(2.5000, grad_fn=<MmBackward0>)", "tensor(2.5000, grad_fn=<MvBackward0>)", False),
])
def test_mkl_cases_print_alike_only_within_the_slack(mine, theirs, alike):
    from op_helper import MKL_PRINT_SLACK, differences

    found = differences({"repr": mine}, {"repr": theirs}, printed=MKL_PRINT_SLACK)
    assert (not found) == alike
