"""Outcomes session 16 (r-exact) brought in line with torch 2.13, run against live torch: the
grad_fn of every div form, ``_version`` counts of gradients and in-place changes, and saved
attributes. Each case is source text; its repr (object addresses masked) or error must match."""

import re

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SETUP = ("x = torch.tensor([1., 2.], requires_grad=True); "
         "w = torch.tensor([3., 4.], requires_grad=True); ")

DIV = [
    "torch.div(x, w, rounding_mode=None).grad_fn", "x.div(w, rounding_mode=None).grad_fn",
    "x.div(2, rounding_mode=None).grad_fn", "x.div(w, rounding_mode='floor').grad_fn",
    "x.div(2, rounding_mode='trunc').grad_fn", "x.div(2).grad_fn", "x.div(w).grad_fn",
    "torch.true_divide(x, w).grad_fn", "torch.true_divide(x, 2).grad_fn",
    "torch.divide(x, w, rounding_mode=None).grad_fn", "torch.divide(x, 2, rounding_mode='floor').grad_fn",
    "torch.floor_divide(x, w).grad_fn", "(x // w).grad_fn", "(2 / x).grad_fn", "(2 // x).grad_fn",
    "torch.div(2, x).grad_fn", "torch.div(2, x, rounding_mode=None).grad_fn",
    "torch.div(2, x).sum().backward(); x.grad", "torch.div(2, x).grad_fn._saved_self",
    "torch.div(2, torch.tensor([1, 2]))", "torch.div(2, torch.tensor([True, False]))",
    "torch.div(2.5, x.half())", "2.5 / x.half()", "torch.div(2, 3)", "torch.div(2, 3, rounding_mode=None)",
    "y = x * 1; y.div_(w, rounding_mode=None); y.grad_fn", "y = x * 1; y.div_(2, rounding_mode=None); y.grad_fn",
    "y = x * 1; y.div_(2, rounding_mode='floor'); y.grad_fn", "y = x * 1; y.div_(w); y.grad_fn",
    "y = x * 1; y.true_divide_(w); y.grad_fn", "y = x * 1; y.floor_divide_(w); y.grad_fn",
    "y = x * 1; y /= 2; y.grad_fn", "y = x * 1; y //= 2; y.grad_fn",
    "y = x * 1; y.divide_(w, rounding_mode=None); y.grad_fn",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_self",
    "torch.div(x, w.detach(), rounding_mode=None).grad_fn._saved_self",
    "torch.div(x, 2, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, 2.5, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_rounding_mode",
    "torch.div(x, w, rounding_mode='floor').grad_fn._saved_rounding_mode",
    "[k for k in dir(torch.div(x, w, rounding_mode=None).grad_fn) if k.startswith('_saved')]",
    "torch.div(x, w, rounding_mode=None).sum().backward(); (x.grad, w.grad)",
    "torch.div(x.half(), 3, rounding_mode=None).sum().backward(); x.grad",
    "torch.div(x.double(), w, rounding_mode=None)",
    "torch.div(torch.tensor([1, 2]), 2, rounding_mode=None)",
    "torch.div(x, w, rounding_mode=None).grad_fn.next_functions",
    "torch.div(x, 2, rounding_mode=None).grad_fn.next_functions",
    "torch.div(x, w, rounding_mode=None, out=torch.empty(2))",
    "o = torch.empty(2); torch.div(x.detach(), w.detach(), rounding_mode=None, out=o); o",
    "torch.div(x, w, rounding_mode='bad')",
]


def outcome(torch, code: str) -> str:
    namespace = {"torch": torch}
    exec(SETUP, namespace)
    *statements, last = code.split("; ")
    try:
        for statement in statements:
            exec(statement, namespace)
        shown = repr(eval(last, namespace))
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        shown = f"{type(error).__name__}: {error}"
    return re.sub(r" at 0x[0-9a-f]+", " at 0x", shown)


@pytest.mark.parametrize("code", DIV)
def test_div_forms_match_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)
