"""Helpers for the torch.nn / optim / utils.data / save-load tests.

``same_output(lesson)`` runs ``lesson(torch)`` once with gradrepl's torch and once with real
PyTorch (skipping without it) and compares everything printed, with object addresses masked.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

_ADDRESS = re.compile(r"0x[0-9a-f]+")


@pytest.fixture(autouse=True)
def _fresh_engine_state():
    yield
    from gradrepl.engine import dtypes, grad_mode

    grad_mode._set_inference(False)
    grad_mode._set(True)
    dtypes.set_default_dtype(dtypes.float32)


def printed(lesson, torch_module) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        lesson(torch_module)
    return _ADDRESS.sub("0x...", out.getvalue())


@pytest.fixture
def real_torch():
    return pytest.importorskip("torch")


@pytest.fixture
def same_output(real_torch):
    import gradrepl.torch as gt

    def check(lesson):
        expected = printed(lesson, real_torch)
        assert printed(lesson, gt) == expected
        return expected
    return check
