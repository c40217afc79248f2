"""gradrepl's stand-ins for torch's C built-ins show as torch's do where the session shows them
(print, the displayed value, an AttributeError), and a plain ``import gradrepl.torch`` leaves
Python's print alone. Live torch checks every registered op's method and function surfaces."""

from __future__ import annotations

import builtins
import re
import subprocess
import sys
import types

import pytest

import gradrepl.torch as T
from gradrepl.engine.torch_names import BUILTIN_FUNCTIONS, TENSOR_METHODS, TENSOR_PYTHON_METHODS
from gradrepl.session import Session
from gradrepl.session.pretty import pretty
from gradrepl.torch._builtins import builtin_look

_ADDRESS = re.compile(r"0x[0-9a-f]+")


def _outputs(source: str, engine: str) -> list:
    result = Session(engine=engine, allow_stdin=False).run_cell(source)
    shown = []
    for output in result.outputs:
        if output["output_type"] == "stream":
            shown.append(_ADDRESS.sub("0x", output["text"]))
        elif output["output_type"] == "error":
            shown.append(f"{output['ename']}: {output['evalue']}")
        else:
            shown.append(_ADDRESS.sub("0x", output["data"]["text/plain"]))
    return shown


def test_session_shows_gradrepl_methods_as_torch_builtins():
    source = "import torch\nx = torch.ones(2)\nprint(x.exp, torch.exp, torch.linalg.inv, sep='|')\n(x.sum, torch.exp)"
    assert _outputs(source, "gradrepl") == [
        "<built-in method exp of Tensor object at 0x>|<built-in method exp of type object at 0x>|"
        "<built-in function linalg_inv>\n",
        "(<function Tensor.sum>, <function torch._VariableFunctionsClass.exp>)"]


@pytest.mark.parametrize("source,message", [
    ("torch.ones(2).exp.sum()", "'builtin_function_or_method' object has no attribute 'sum'"),
    ("torch.exp.foo", "'builtin_function_or_method' object has no attribute 'foo'"),
    # torch writes F.relu and Tensor.backward in Python: Python's words stand
    ("torch.nn.functional.relu.foo", "'function' object has no attribute 'foo'"),
    ("torch.ones(1).backward.foo", "'function' object has no attribute 'foo'"),
])
def test_attribute_error_on_a_method_names_torch_type(source, message):
    assert _outputs("import torch\n" + source, "gradrepl") == [f"AttributeError: {message}"]


TYPE_ERRORS = ["x.size[0]", "x.exp + 1", "float(x.mean)", "len(x.size)", "-x.sum", "list(x.exp)",
               "x.sum < 1", "torch.exp[0]", "torch.nn.functional.relu + 1", "x.backward + 1",
               "def f(): pass\nf + 1", "import operator\noperator.add(x.exp, 1)", "class A:\n    def size(self): pass\nA().size[0]",
               # torch's argument parser names the type too, unquoted
               "torch.exp(x.exp)", "torch.sigmoid(x.mean)", "x.mul(x.sum)", "torch.matmul(x, x.t)",
               "torch.nn.functional.relu(x.exp)", "torch.cat([x, x.exp])", "def f(t):\n    return torch.tanh(t)\nf(x.abs)"]


@pytest.mark.parametrize("source", TYPE_ERRORS)
def test_type_error_on_a_method_matches_torch(source):
    """The same slips on real torch: torch's type names where torch's are C built-ins only."""
    pytest.importorskip("torch")
    cell = "import torch\nx = torch.ones(3)\n" + source
    assert _outputs(cell, "gradrepl") == _outputs(cell, "torch")


def _ours_and_theirs(torch):
    """(our callable, torch's) for every name both surfaces have, methods bound to a tensor."""
    ours_x, torch_x = T.ones(2), torch.ones(2)
    for name, value in vars(T.Tensor).items():
        if isinstance(value, types.FunctionType) and name in TENSOR_METHODS and not name.startswith("_"):
            yield f"Tensor.{name}", getattr(ours_x, name), getattr(torch_x, name)
    import gradrepl.torch.linalg
    import gradrepl.torch.nn.functional
    import torch.nn.functional

    for prefix, ours, theirs in (("torch", T, torch), ("torch.linalg", gradrepl.torch.linalg, torch.linalg),
                                 ("torch.nn.functional", gradrepl.torch.nn.functional, torch.nn.functional)):
        for name, value in vars(ours).items():
            if isinstance(value, types.FunctionType) and not name.startswith("_") and hasattr(theirs, name):
                yield f"{prefix}.{name}", value, getattr(theirs, name)


@pytest.mark.torch
def test_every_stand_in_prints_and_displays_as_torch():
    torch = pytest.importorskip("torch")
    from gradrepl.torch._builtins import _index

    index, wrong = _index(), []
    for where, ours, theirs in _ours_and_theirs(torch):
        if id(ours) in index.python or len(index.functions.get(id(ours), ())) > 1:
            continue  # one function for two torch callables (F.max_pool2d and torch.max_pool2d): Python's look
        look = builtin_look(ours)
        if type(theirs) is not types.BuiltinFunctionType:
            if look is not None:
                wrong.append(f"{where}: torch's is a Python function")
            continue
        if look is None:
            wrong.append(f"{where}: no look")
            continue
        owner = getattr(ours, "__self__", ours)
        if _ADDRESS.sub("0x", look.repr(id(owner))) != _ADDRESS.sub("0x", repr(theirs)):
            if where.rpartition(".")[2] == look.name:  # an alias (absolute) shows its op's name
                wrong.append(f"{where}: {look.repr(0)} != {repr(theirs)}")
        elif pretty(ours) != pretty(theirs):
            wrong.append(f"{where}: {pretty(ours)} != {pretty(theirs)}")
    assert not wrong, wrong[:20]


def test_recorded_names_are_consistent():
    assert TENSOR_PYTHON_METHODS <= TENSOR_METHODS
    assert all(key.startswith("torch.") for key in BUILTIN_FUNCTIONS)
