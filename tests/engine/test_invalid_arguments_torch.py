"""Calls that match none (or exactly one) of an op's overloads, against live torch: the same
error, word for word, or the same result."""

import pytest
from invalid_argument_calls import (ACCEPTED, CALLS, MM_CALLS, MORE_CALLS, OPS, PARSED_CALLS, PARSED_OPS,
                                    outcome, parsed_outcome)

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("call", CALLS + ACCEPTED)
def test_overload_mismatch_matches_torch(op, call):
    call = call.format(op=op)
    assert outcome(gtorch, call) == outcome(torch, call)


@pytest.mark.parametrize("call", MM_CALLS)
def test_mm_overload_mismatch_matches_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)


@pytest.mark.parametrize("op", PARSED_OPS)
@pytest.mark.parametrize("call", PARSED_CALLS)
def test_parsed_op_refuses_as_torch(op, call):
    call = call.format(op=op)
    assert parsed_outcome(gtorch, call) == parsed_outcome(torch, call)


@pytest.mark.parametrize("call", MORE_CALLS)
def test_more_refusals_match_torch(call):
    assert parsed_outcome(gtorch, call) == parsed_outcome(torch, call)
