"""``grad_fn._saved_*`` against live torch (the reads of saved_attribute_calls.py)."""

import pytest
from saved_attribute_calls import AFTER_BACKWARD, READS, outcome

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("code", READS + AFTER_BACKWARD)
def test_saved_attributes_match_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)
