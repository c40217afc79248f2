"""out= with inputs that require grad, for ops without a derivative, against live torch."""

import pytest
from out_without_derivative_cases import CALLS, outcome

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("name", CALLS)
def test_out_of_an_op_without_derivative_matches_torch(name):
    assert outcome(gtorch, CALLS[name]) == outcome(torch, CALLS[name])
