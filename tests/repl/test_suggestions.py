"""A mistyped name gets a `did you mean` hint (Python's REPL suggests one; Jupyter on 3.11 does not,
so the error itself stays Jupyter's), and a customary alias not imported yet gets its import."""

from __future__ import annotations

import pytest

from gradrepl.repl.suggest import closest, suggestion


@pytest.mark.parametrize("typed, meant", [
    ("torhc", "torch"), ("onse", "ones"), ("gard", "grad"), ("Print", "print"), ("weights", "weight"),
    ("Linaer", "Linear"), ("zeros_lik", "zeros_like"), ("backwards", "backward"),
])
def test_closest_finds_the_name_a_typo_was(typed, meant):
    assert closest(typed, ["torch", "ones", "grad", "print", "weight", "Linear", "zeros_like", "backward", "zeros"]) == meant


@pytest.mark.parametrize("typed", ["qqq", "x", "ab", "opt", "gradient_descent"])
def test_closest_suggests_nothing_far_off(typed):
    assert closest(typed, ["torch", "y", "abc", "oct", "grad", "_private"]) is None


def test_private_names_are_suggested_only_for_private_typos():
    assert closest("_privat", ["_private"]) == "_private"
    assert closest("privat", ["_private"]) is None


def test_without_a_namespace_there_is_no_suggestion():
    assert suggestion("NameError", "name 'torhc' is not defined", None) is None


@pytest.mark.parametrize("cell, hint", [
    ("torhc.ones(2)", "hint: did you mean `torch`?"),
    ("torch.onse(3)", "hint: did you mean `ones`?"),
    ("torch.nn.Linaer(2, 1)", "hint: did you mean `Linear`?"),
    ("torch.nn.functional.rleu(x)", "hint: did you mean `relu`?"),
    ("x.gard", "hint: did you mean `grad`?"),
    ("(x * 2).sahpe", "hint: did you mean `shape`?"),
    ("torch.Tensor.gard", "hint: did you mean `grad`?"),
    ("model.weights", "hint: did you mean `weight`?"),  # a parameter, found on the instance
    ("prnit(x)", "hint: did you mean `print`?"),
    ("nn.Linear(2, 1)", "hint: `nn` is not imported yet: import torch.nn as nn"),
    ("F.relu(x)", "hint: `F` is not imported yet: import torch.nn.functional as F"),
])
def test_the_shell_suggests_the_name_meant(driver, cell, hint):
    driver.run("x = torch.ones(2)")
    driver.run("model = torch.nn.Linear(2, 1)")
    screen = driver.run(cell)
    assert screen.splitlines()[-1] == hint
    # the error itself is the one Jupyter shows, unchanged
    assert screen.splitlines()[-2].startswith(("NameError: ", "AttributeError: "))


def test_a_table_hint_wins_and_unknown_names_get_none(driver):
    screen = driver.run("qqq")
    assert screen == "NameError: name 'qqq' is not defined\n"
    driver.run("x = torch.ones(2, requires_grad=True)")
    screen = driver.run("x.exp.sum()")
    assert "call it, as in x.exp().sum()" in screen and "did you mean" not in screen
