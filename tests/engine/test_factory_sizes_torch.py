"""The factories' ``size`` read as torch's argument parser reads it (engine/size_args.py), against
live torch: ``torch.zeros(size=(2, 3))``, ``torch.randn(n / 2)``, ``torch.zeros(2, 2.5)``,
``torch.zeros(2**63)``, ``x.new_zeros(...)`` (s-learner, session 17).

torch's overflow message goes on with a C++ backtrace of its own build; only its first line is
compared (gradrepl closes it with its quote, as ``expand`` and ``view`` do).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

FACTORIES = ["torch.zeros", "torch.ones", "torch.empty", "torch.rand", "torch.randn",
             "x.new_zeros", "x.new_ones", "x.new_empty"]
SIZES = [
    "2.5", "2.5, 3", "(2.5, 3)", "[2, 2.5]", "2, 2.5", "torch.tensor(2)", "np.int64(2)", "None",
    "'a'", "True", "2, True", "(True,)", "(2, True)", "2**63", "(2, 2**63)", "2, 2**63",
    "-2**63-1", "torch.tensor(2.)", "torch.tensor([2,3])", "torch.tensor([2])", "2, None",
    "(2, None)", "[]", "()", "2, -1", "-1", "np.float64(2)", "2, (3,)", "(2, (3,))",
    "(2**63, 2.5)", "2, 2**64, 2.5", "np.array([2, 3])", "range(3)", "(2,), (3,)",
    "torch.Size([2, 1])", "", "size=(2, 3)", "size=[2]", "size=()", "size=3", "size=None",
    "size=(2.5,)", "size=[True]", "size=[2, True]", "size=(2, 2**63)", "2, size=(3,)",
    "size=torch.Size([2])", "(np.int32(2),)", "(torch.tensor(2), 3)",
]
OTHER_CALLS = [
    "torch.full(2.5, 1.)", "torch.full((2.5,), 1.)", "torch.full((2, 2.5), 1.)",
    "torch.full(2**63, 1.)", "torch.full((2**63,), 1.)", "torch.full([2, 2**63], 1.)",
    "torch.full(2, 1.)", "torch.full((True,), 1.)", "torch.full((-1,), 1.)",
    "torch.full(size=(2,), fill_value=3.)", "torch.full(np.int64(2), 1.)",
    "torch.randint(0, 5, (2**63,))", "torch.randint(5, (2, 2**63))",
    "torch.normal(0., 1., size=(2**63,))", "torch.normal(0., 1., size=(2.5,))",
    "torch.normal(0., 1., size=(2, 2.5))", "torch.Tensor(2**63)", "torch.FloatTensor(2, 2**63)",
    "torch.Tensor(2, 2.5)", "x.new_full(2, 1.)", "x.new_full((2,), 1.)", "x.new_full((-1,), 1.)",
    "x.new_full((2, 2.5), 1.)", "x.new_full(size=(2,), fill_value=1.)", "x.new_full((2**63,), 1.)",
    # the shape ops' own parser (ops/shape.py) unpacks through the same helper
    "x.view(2**63)", "x.reshape(2**63)", "x.expand(2**63)", "x.view(2, 2**64, 2.5)",
    "x.expand(2, 2**64, 2.5)", "x.reshape((2**63, 2.5))", "x.view(-2**63-1, 1)",
]


def outcome(module, call: str) -> str:
    x = module.zeros(1)
    try:
        result = eval(call, {"torch": module, "np": np, "x": x})
    except Exception as error:  # the first line: torch's overflow message goes on with a backtrace
        first = str(error).split("\n")[0]
        return f"{type(error).__name__}: {first.rstrip(chr(34))}"
    return f"{result.dtype} {tuple(result.shape)}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("factory", FACTORIES)
def test_a_factory_reads_its_size_as_torch(factory, size):
    call = f"{factory}({size})"
    assert outcome(gtorch, call) == outcome(torch, call)


@pytest.mark.parametrize("call", OTHER_CALLS)
def test_full_randint_normal_and_legacy_sizes_as_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)


ELEMENTS = st.one_of(st.integers(-3, 4), st.sampled_from(
    ["2**63", "-2**63-1", "2.5", "True", "None", "np.int64(3)", "torch.tensor(2)", "(2,)"]))


@settings(max_examples=150, deadline=None)
@given(factory=st.sampled_from(FACTORIES + ["torch.full"]), elements=st.lists(ELEMENTS, max_size=4),
       form=st.sampled_from(["varargs", "tuple", "list", "keyword"]))
def test_any_size_is_read_or_refused_as_torch_does(factory, elements, form):
    items = ", ".join(str(e) for e in elements)
    if factory == "torch.full":
        call = f"torch.full(({items}{',' if len(elements) == 1 else ''}), 1.)"
    elif form == "varargs":
        call = f"{factory}({items})"
    elif form == "tuple":
        call = f"{factory}(({items}{',' if len(elements) == 1 else ''}))"
    elif form == "list":
        call = f"{factory}([{items}])"
    else:
        call = f"{factory}(size=[{items}])"
    assert outcome(gtorch, call) == outcome(torch, call)
