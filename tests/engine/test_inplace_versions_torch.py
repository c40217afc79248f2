"""Version counters and "modified by an inplace operation" errors against live torch (the
scripts of inplace_version_calls.py)."""

import pytest
from inplace_version_calls import BOTH_CHANGED_SCRIPTS, SCRIPTS, outcome

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("script", SCRIPTS + BOTH_CHANGED_SCRIPTS)
def test_versions_and_inplace_errors_match_torch(script):
    assert outcome(gtorch, script) == outcome(torch, script)
