"""The op registry is the one place an op lives: these tests fail when a surface drifts from it.

- every registered op is reachable in each variant it declares (torch.X, Tensor.X, Tensor.X_,
  torch.X_ where torch has one, aliases, operators), and only names real torch has are declared;
- every public name of real torch (recorded in gradrepl/engine/torch_names.py by
  scripts/record_torch_names.py) either works or raises UnsupportedError;
- the two backends implement the documented Backend protocol;
- the README's and docs/ops.md's op lists are what the registry generates.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradrepl.torch as torch
from gradrepl.engine import torch_names
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.ops import backends, registry, tensor_backend
from gradrepl.engine.ops.derivatives import Primitive
from gradrepl.engine.ops.registry_docs import BEGIN, END, targets
from gradrepl.engine.tensor import Tensor

ROOT = Path(__file__).resolve().parents[2]
OPS = list(registry.OPS.values())


def _id(entry):
    return entry.name


def _unrefusing(function):
    """A torch function without the wrapper that refuses a non-tensor input in torch's words
    (``registry._refusing_non_tensors``), which wraps the surfaces no other wrapper checks."""
    return function.__wrapped__ if function.__code__ is _REFUSING_CODE else function


_REFUSING_CODE = registry._refusing_non_tensors(lambda: None, "f").__code__


@pytest.mark.parametrize("entry", OPS, ids=_id)
def test_every_declared_variant_is_reachable(entry):
    # each surface is the declared callable, taking numpy's axis=/keepdims= where it has dim/keepdim
    surface = registry.surface
    for name in entry.names:
        if entry.in_torch:
            assert _unrefusing(getattr(torch, name)) is surface(entry.function, name, "function"), \
                f"torch.{name}"
        if entry.method_callable() is not None:
            method = surface(entry.method_callable(), name, "method")
            assert getattr(Tensor, name) is method, f"Tensor.{name}"
        if entry.inplace is not None:
            inplace = surface(entry.inplace, name + "_", "method")
            assert getattr(Tensor, name + "_") is inplace, f"Tensor.{name}_"
            if name + "_" in torch_names.TORCH_MEMBERS:
                assert _unrefusing(getattr(torch, name + "_")) is entry.inplace, f"torch.{name}_"
    for dunder in entry.operators:
        assert dunder in vars(Tensor), dunder


@pytest.mark.parametrize("entry", OPS, ids=_id)
def test_declared_variants_are_torch_s(entry):
    """A variant is declared exactly when real torch has it (no invented names, none missing)."""
    for name in entry.names:
        assert entry.in_torch == (name in torch_names.TORCH_MEMBERS), f"torch.{name}"
        assert (entry.method_callable() is not None) == (name in torch_names.TENSOR_METHODS), \
            f"Tensor.{name}"
        if entry.inplace is not None:
            assert name + "_" in torch_names.TENSOR_METHODS, f"Tensor.{name}_"


def test_in_place_forms_torch_has_are_declared():
    """Tensor.X_ exists in torch for a registered op X whose rows record a gradient: declare it
    (or list it here as not yet done)."""
    not_yet = {"t", "transpose", "unsqueeze", "squeeze"}
    missing = [e.name for e in OPS if e.inplace is None and e.name + "_" in torch_names.TENSOR_METHODS
               and e.name not in not_yet]
    assert not missing


def _attribute_outcome(owner, name):
    try:
        getattr(owner, name)
    except UnsupportedError:
        return "unsupported"
    return "implemented"


def test_every_torch_name_is_implemented_or_unsupported():
    outcomes = {name: _attribute_outcome(torch, name) for name in sorted(torch_names.TORCH_MEMBERS)}
    assert set(outcomes.values()) <= {"implemented", "unsupported"}


def test_every_tensor_method_of_torch_is_implemented_or_unsupported():
    x = torch.ones(2, 2)
    outcomes = {}
    for name in sorted(torch_names.TENSOR_METHODS):
        try:
            outcomes[name] = _attribute_outcome(x, name)
        except Exception as error:  # a property that raises some other error is drift too
            outcomes[name] = f"{type(error).__name__}: {error}"
    odd = {name: outcome for name, outcome in outcomes.items()
           if outcome not in ("implemented", "unsupported")}
    assert not odd


def test_a_name_torch_lacks_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'torch' has no attribute 'exq'"):
        torch.exq
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'exq'"):
        torch.ones(1).exq


def test_unsupported_methods_are_class_attributes_not_a_getattr_hook():
    """Tensor has no __getattr__ (CPython 3.11 would then specialise no attribute read on a
    tensor): each method torch has and gradrepl lacks answers for itself, on tensors and their
    subclasses; dir(tensor) does not list them (the shell completes from dir)."""
    assert "__getattr__" not in vars(Tensor)
    missing = [n for n in torch_names.TENSOR_METHODS
               if not n.startswith("_") and n not in dir(torch.ones(1))]
    assert missing  # some are still unsupported, or this test has nothing left to check
    parameter = torch.nn.Parameter(torch.ones(1))
    for owner in (torch.ones(1), torch.tensor(2.0, requires_grad=True) * 2, parameter):
        for name in missing:
            with pytest.raises(UnsupportedError, match=f"does not support Tensor.{name} yet"):
                getattr(owner, name)
            assert not hasattr(owner, name)
    for owner in (Tensor, torch.nn.Parameter):
        with pytest.raises(AttributeError, match=f"type object '{owner.__name__}' has no attribute"):
            getattr(owner, missing[0])
    # a missing name names the tensor's own type, as torch words it for a Parameter
    with pytest.raises(AttributeError, match="^'Parameter' object has no attribute 'exq'$"):
        parameter.exq
    parameter.__dict__[missing[0]] = 5  # an instance's own attribute still comes first
    assert getattr(parameter, missing[0]) == 5 and missing[0] in dir(parameter)


@pytest.mark.torch
def test_recorded_torch_names_are_live_torch_s():
    pytest.importorskip("torch")
    # In a fresh interpreter: other tests import torch submodules lazily (torch.onnx ...), which
    # adds names to dir(torch) that a freshly imported torch, as the recording script sees it,
    # does not have.
    listing = subprocess.run(
        [sys.executable, "-c", "import json, torch; print(json.dumps([dir(torch), dir(torch.Tensor)]))"],
        capture_output=True, text=True, check=True, timeout=300).stdout
    torch_dir, tensor_dir = json.loads(listing)
    public = {n for n in torch_dir if not n.startswith("_")}
    methods = {n for n in tensor_dir if not n.startswith("_")}
    assert public == set(torch_names.TORCH_MEMBERS), "re-run scripts/record_torch_names.py"
    assert methods == set(torch_names.TENSOR_METHODS), "re-run scripts/record_torch_names.py"


# ---------------------------------------------------------------------------------------------
# The backends


def _protocol_methods():
    return [name for name, value in vars(backends.Backend).items()
            if not name.startswith("_") and callable(value)]


def _argument_names(function):
    return [p for p in inspect.signature(function).parameters if p != "self"]


@pytest.mark.parametrize("name", _protocol_methods())
def test_both_backends_implement_the_protocol(name):
    wanted = _argument_names(getattr(backends.Backend, name))
    for backend in (backends.arrays, tensor_backend):
        implementation = getattr(backend, name, None)
        assert implementation is not None, f"{backend} lacks {name}"
        if isinstance(implementation, np.ufunc):
            assert implementation.nin == len(wanted), name
        elif inspect.isfunction(implementation):
            assert _argument_names(implementation) == wanted, (backend, name)


def test_backends_offer_nothing_outside_the_protocol():
    """A helper a derivative calls must be in the protocol, so both backends keep it."""
    protocol = set(_protocol_methods())
    extra = {n for n in vars(backends._Arrays) if not n.startswith("_")} - protocol
    assert not extra


def test_every_name_derivatives_call_on_F_is_in_the_protocol():
    used = set()
    for path in (ROOT / "gradrepl" / "engine" / "ops").glob("*.py"):
        used |= set(re.findall(r"\bF\.([a-z_]+)\(", path.read_text()))
    assert used <= set(_protocol_methods())


# ---------------------------------------------------------------------------------------------
# Rows


def test_a_derivative_naming_an_unknown_argument_is_refused():
    with pytest.raises(TypeError, match="unknown argument"):
        Primitive("f", "FBackward0", np.exp, inputs=("self",),
                  derivatives={"self": lambda grad, slef: grad})


def test_saved_tensors_follow_which_inputs_need_a_gradient():
    from gradrepl.engine.ops import arithmetic

    mul = arithmetic.MUL
    assert mul.saved_names((True, False)) == ("other",)
    assert mul.saved_names((False, True)) == ("self",)
    assert arithmetic.ADD.saved_names() == ()


def test_generated_backward_reads_like_a_hand_written_one():
    from gradrepl.engine.ops import unary

    assert "d_self(grad, result)" in unary.EXP.backward.source


# ---------------------------------------------------------------------------------------------
# Generated documentation


@pytest.mark.parametrize("path", sorted(targets(ROOT)), ids=lambda p: p.name)
def test_generated_op_list_is_current(path):
    text = path.read_text(encoding="utf-8")
    current = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
    assert current == targets(ROOT)[path], "run: python scripts/generate_op_docs.py"


def test_docs_worked_example_adds_an_op_with_all_its_variants():
    """docs/ops.md's "adding an op" example, run against a scratch copy of the registry."""
    text = (ROOT / "docs" / "ops.md").read_text(encoding="utf-8")
    example = re.search(r"<!-- example:begin -->\n```python\n(.*?)```", text, re.S).group(1)
    saved = dict(registry.OPS)
    registry.OPS.clear()  # a scratch registry: the example's op may exist by now
    try:
        namespace = {}
        exec(example, namespace)
        check = namespace["check"]
        check()
    finally:
        registry.OPS.clear()
        registry.OPS.update(saved)


@pytest.mark.parametrize("entry", [e for e in OPS if e.inplace_rows], ids=_id)
def test_in_place_only_rows_are_what_the_in_place_form_records(entry):
    """An op whose in-place form alone records (x.eq_(y)) declares those rows in the registry, and
    the form records them: one grad_fn for a number operand, one for a tensor."""
    recorded = set()
    for other in (1.0, torch.ones(3)):
        x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True) * 1
        recorded.add(type(getattr(x, entry.name + "_")(other).grad_fn).__name__)
    assert recorded == set(entry.inplace_grad_fn_names)
    assert not entry.grad_fn_names  # the out-of-place op records nothing


def _samples_of_signatures():
    import functools

    def plain(a, b=1, *, dim=None): ...
    def starred(x, *rest, keepdim=False, **options): ...
    def positional(x, /, dim, *args): ...
    def keywords(**kwargs): ...
    def with_locals(x):
        dim = x  # a local, not a parameter
        return dim

    @functools.wraps(plain)
    def wrapper(*args, **kwargs): ...

    def signed(x): ...
    signed.__signature__ = inspect.signature(plain)
    return [plain, starred, positional, keywords, with_locals, wrapper, signed, lambda dim, *a: 0,
            functools.partial(plain, 1), len, np.add, Tensor.sum]


def test_parameter_names_from_code_are_inspects():
    """with_numpy_names reads a plain function's parameter names from its code object: the same
    set inspect.signature lists, for every surface the engine made and some odd signatures;
    wrappers, __signature__, partials and builtins are left to inspect."""
    functions = list(registry._WITH_NUMPY_NAMES) + _samples_of_signatures()
    read = 0
    for function in functions:
        names = registry._parameter_name_set(function)
        if names is None:
            assert (type(function) is not type(_samples_of_signatures) or "__wrapped__" in vars(function)
                    or "__signature__" in vars(function)), function
            continue
        read += 1
        assert names == set(inspect.signature(function).parameters), function
    assert read > 250  # most surfaces take the short route
