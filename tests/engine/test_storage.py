"""Storages (engine/storage.py): what lessons on views print and compare, against live torch
where it is installed, and the sharing rules without it."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import gradrepl.torch as gt

CALLS = [
    "u[100]", "u[-1]", "u[1:3]", "type(u[1:3]).__name__", "u[1.5]", "u[::2]", "u.nbytes()",
    "len(u)", "u.size()", "u.element_size()", "u.tolist()[:8]", "u.type()", "u.device",
    "x.storage()[10]", "x.storage()[-1]", "x.storage()[1:2]", "x.storage()[1.0]",
    "x.storage().untyped() is u", "x.untyped_storage() is u", "x.t().untyped_storage() is u",
    "x.detach().untyped_storage() is u", "x.data.untyped_storage() is u",
    "x.storage().type()", "x.storage().element_size()", "x.storage().is_shared()",
    "x.storage().device", "list(x.storage())", "x.storage().nbytes()", "x.storage().size()",
    "x.long().storage()", "torch.tensor(True).storage()", "torch.tensor(3).untyped_storage()",
    "torch.tensor([1.5], dtype=torch.float16).storage()", "torch.tensor([0.1, 2.5]).storage()",
    "torch.tensor([0.1], dtype=torch.float64).storage().tolist()", "str(x.storage()[0])",
    "y.storage_offset()", "y.data_ptr() - x.data_ptr()", "y.storage().size()",
    "len(y.untyped_storage())", "y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()",
    "x.clone().untyped_storage().data_ptr() == u.data_ptr()",
    "x.storage().clone().data_ptr() == u.data_ptr()", "x.storage().clone()",
    "isinstance(x.storage(), torch.TypedStorage)", "isinstance(u, torch.UntypedStorage)",
    "torch.storage.UntypedStorage.__name__", "x.storage().share_memory_().is_shared()",
    "(x.storage().fill_(2), x)[1]", "(x.storage().__setitem__(0, 7), x)[1]",
    "[u.__setitem__(i, b) for i, b in enumerate([0, 0, 128, 63])] and x",
    "u.copy_(torch.ones(4).untyped_storage()) and x", "u.copy_(torch.ones(2).untyped_storage())",
]


def _outcome(torch, call):
    x = torch.arange(4.)
    env = {"torch": torch, "x": x, "u": x.untyped_storage(), "y": x.view(2, 2)[:, 1]}
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            return repr(eval(call, env))
        except Exception as error:  # noqa: BLE001 - the words are what is compared
            return type(error).__name__, str(error)


@pytest.mark.torch
@pytest.mark.parametrize("call", CALLS)
def test_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


_WARNING_SCRIPT = """
import warnings
warnings.simplefilter("default")
import {module} as torch
x = torch.arange(3.)
s = x.storage()
print(len(s), s.size(), s[0])
print(x.untyped_storage().nbytes())
"""


@pytest.mark.torch
def test_the_deprecation_warning_is_torchs_once_per_process():
    pytest.importorskip("torch")
    outputs = [subprocess.run([sys.executable, "-c", _WARNING_SCRIPT.format(module=module)],
                              capture_output=True, text=True, check=True)
               for module in ("gradrepl.torch", "torch")]
    assert outputs[0].stdout == outputs[1].stdout
    assert outputs[0].stderr == outputs[1].stderr
    assert outputs[0].stderr.count("TypedStorage is deprecated") == 1


def test_views_share_one_storage_and_write_through():
    x = gt.arange(6.).view(2, 3)
    y = x.t()[1:]
    assert y.untyped_storage() is x.untyped_storage()
    assert y.untyped_storage().data_ptr() == x.data_ptr()
    assert y.storage_offset() == 1 and y.data_ptr() - x.data_ptr() == 4
    assert x.clone().untyped_storage().data_ptr() != x.data_ptr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = y.storage()
        s[5] = -1.0
        assert x[1, 2].item() == -1.0 and len(s) == 6 and s.tolist()[:2] == [0.0, 1.0]
    u = x.untyped_storage()
    assert u.nbytes() == 24 and u[-1] == 191  # -1.0's last byte (little endian)
    u.share_memory_()
    assert x.is_shared() and y.is_shared() and not gt.ones(2).is_shared()


def test_a_storage_prints_one_value_a_line_under_its_header():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = str(gt.tensor([1, 2]).storage())
    assert text == " 1\n 2\n[torch.storage.TypedStorage(dtype=torch.int64, device=cpu) of size 2]"
    assert str(gt.tensor([True]).untyped_storage()) == (
        " 1\n[torch.storage.UntypedStorage(device=cpu) of size 1]")
