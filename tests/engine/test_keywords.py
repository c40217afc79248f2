"""Factories and random functions refuse keywords they do not take, in torch's words."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch
from gradrepl.engine.errors import UnsupportedError
from op_helper import live_torch

CALLS = {
    "zeros": lambda T, **k: T.zeros(2, **k),
    "zeros_sizes": lambda T, **k: T.zeros(2, 3, **k),
    "ones": lambda T, **k: T.ones(2, **k),
    "empty": lambda T, **k: T.empty(2, **k),
    "full": lambda T, **k: T.full((2,), 1.0, **k),
    "zeros_like": lambda T, **k: T.zeros_like(T.ones(2), **k),
    "ones_like": lambda T, **k: T.ones_like(T.ones(2), **k),
    "empty_like": lambda T, **k: T.empty_like(T.ones(2), **k),
    "full_like": lambda T, **k: T.full_like(T.ones(2), 1.0, **k),
    "tensor": lambda T, **k: T.tensor([1.0], **k),
    "as_tensor": lambda T, **k: T.as_tensor([1.0], **k),
    "eye": lambda T, **k: T.eye(2, **k),
    "arange": lambda T, **k: T.arange(2, **k),
    "linspace": lambda T, **k: T.linspace(0, 1, 3, **k),
    "rand": lambda T, **k: T.rand(2, **k),
    "randn": lambda T, **k: T.randn(2, 3, **k),
    "randint": lambda T, **k: T.randint(0, 5, (2,), **k),
    "randperm": lambda T, **k: T.randperm(4, **k),
    "rand_like": lambda T, **k: T.rand_like(T.ones(2), **k),
    "randn_like": lambda T, **k: T.randn_like(T.ones(2), **k),
    "normal": lambda T, **k: T.normal(0.0, 1.0, (2,), **k),
}


def _message(T, call, **kwargs):
    with pytest.raises(TypeError) as error:
        call(T, **kwargs)
    return str(error.value)


def test_a_misspelt_keyword_is_an_error():
    assert _message(gtorch, CALLS["zeros"], requires_gard=True) == \
        "zeros() got an unexpected keyword argument 'requires_gard'"
    assert _message(gtorch, CALLS["randn"], requires_gard=True).startswith(
        "randn() received an invalid combination of arguments - got (int, int, requires_gard=bool)")


@pytest.mark.parametrize("name", CALLS)
def test_keywords_torch_takes_are_accepted(name):
    assert CALLS[name](gtorch, dtype=gtorch.float64).dtype is gtorch.float64


def test_out_is_not_supported_yet():
    with pytest.raises(UnsupportedError, match="out="):
        gtorch.zeros(2, out=gtorch.ones(2))


@pytest.mark.torch
@pytest.mark.parametrize("name", CALLS)
def test_unknown_keyword_message_is_torch_s(name):
    torch = live_torch()
    if torch is None:
        pytest.skip("torch is not installed")
    call = CALLS[name]
    assert _message(gtorch, call, requires_gard=True) == _message(torch, call, requires_gard=True)
