"""Lets the engine tests import their helpers (op_helper, op_cases, scenarios) by name, and
resets the global state the engine keeps (grad mode, default dtype, print options) per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _fresh_engine_state():
    yield
    from gradrepl.engine import dtypes, grad_mode

    grad_mode._set(True)
    dtypes.set_default_dtype(dtypes.float32)
