"""gradrepl's printing against strings recorded from real PyTorch (scripts/record_printing_goldens.py).

Needs only numpy: each case stores its input array bit for bit, the print options, the autograd
suffix and what torch printed (or the error it raised).
"""

from __future__ import annotations

import base64
import builtins
import json
import types
import zlib
from pathlib import Path

import numpy as np
import pytest

from gradrepl.engine import dtypes
from gradrepl.engine.printing import (
    format_parameter,
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

GOLDENS = json.loads((Path(__file__).parent.parent / "goldens" / "printing.json").read_text())
CASES = {c["name"]: c for c in GOLDENS["cases"]}


class StandInGradFn:
    """The one thing printing asks of a grad_fn: its name."""

    def __init__(self, name: str):
        self._name = name

    def name(self) -> str:
        return self._name


def stand_in(arr, grad_fn=None, requires_grad=False):
    """A tensor as printing sees it, while the real Tensor class is written elsewhere."""
    arr = np.asarray(arr)
    return types.SimpleNamespace(
        _data=arr[()] if arr.ndim == 0 else arr,  # 0-d tensors may hold a numpy scalar
        dtype=dtypes.from_numpy_dtype(arr.dtype),
        grad_fn=StandInGradFn(grad_fn) if grad_fn else None,
        requires_grad=requires_grad,
    )


def decode(encoded: dict) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(encoded["data"]))
    dtype = np.dtype(encoded["dtype"]).newbyteorder("<")
    return np.frombuffer(raw, dtype=dtype).astype(encoded["dtype"]).reshape(encoded["shape"])


@pytest.fixture(autouse=True)
def default_print_state():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")
    dtypes.set_default_dtype(dtypes.float32)


def render(case: dict) -> str:
    """What gradrepl prints for a recorded case, under the case's options and default dtype."""
    if case["default_dtype"]:
        dtypes.set_default_dtype(getattr(dtypes, case["default_dtype"]))
    t = stand_in(decode(case["input"]), case["grad_fn"], case["requires_grad"])
    with printoptions(**(case["options"] or {})):
        return format_parameter(t) if case["parameter"] else format_tensor(t)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_recorded_torch(name):
    case = CASES[name]
    if case["error"]:
        error_type, message = case["error"]
        with pytest.raises(getattr(builtins, error_type), match=message):
            render(case)
    else:
        assert render(case) == case["expected"]


@pytest.mark.parametrize("state", GOLDENS["option_states"], ids=lambda s: repr((s["calls"], s["block"])))
def test_option_state_matches_recorded_torch(state):
    for kwargs in state["calls"]:
        set_printoptions(**kwargs)
    assert get_printoptions() == state["before"]
    if state["block"] is not None:
        with printoptions(**state["block"]):
            assert get_printoptions() == state["inside"]
    assert get_printoptions() == state["after"]


def test_goldens_cover_the_rules():
    # a guard against a shrunken recording: every dtype, every dimension count, summaries, suffixes
    cases = GOLDENS["cases"]
    assert len(cases) >= 500
    assert {c["input"]["dtype"] for c in cases} >= {d.numpy.name for d in dtypes.ALL}
    assert {len(c["input"]["shape"]) for c in cases} >= {0, 1, 2, 3, 4}
    printed = [c["expected"] for c in cases if c["expected"]]
    fragments = ("...", "grad_fn=<", "requires_grad=True", "e+", "e-", "nan", "inf", "size=(", ",\n       ")
    for fragment in fragments:
        assert any(fragment in text for text in printed), fragment
