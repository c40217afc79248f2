"""Slips a learner makes with losses and the numpy bridge, against live torch: the same result
or the same error (type and message) and the same warnings. Found replaying course notebooks
(samples/21-23) and a learner's mistakes in the shell (docs/shell.md, "Learners' mistakes")."""

import warnings

import numpy as np
import pytest

import gradrepl.torch as gtorch
from gradrepl.engine.errors import UnsupportedError

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def outcome(lib, code: str):
    """What running ``code`` (an expression over ``torch`` and ``np``) gives: its repr, or its
    error's type and message; and the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # as the session keeps it: numpy's warnings raised inside gradrepl's modules ignored
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"gradrepl\.")
        try:
            result = repr(eval(code, {"torch": lib, "np": np}))
        except Exception as error:  # noqa: BLE001 - the error is the outcome compared
            result = f"{type(error).__name__}: {error}"
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def same_as_torch(code: str):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.parametrize("code", [
    # integer labels, double or bool targets: TensorIterator's same-dtype check
    "torch.nn.BCELoss()(torch.full((4,), 0.5), torch.tensor([0, 1, 1, 0]))",
    "torch.nn.BCELoss()(torch.full((4,), 0.5), torch.tensor([0., 1, 1, 0], dtype=torch.float64))",
    "torch.nn.BCELoss()(torch.full((4,), 0.5, dtype=torch.float64), torch.tensor([0., 1, 1, 0]))",
    "torch.nn.BCELoss()(torch.full((4,), 0.5), torch.tensor([False, True, True, False]))",
    "torch.nn.functional.binary_cross_entropy(torch.full((4,), 0.5, requires_grad=True), "
    "torch.tensor([0, 1, 1, 0]))",
    # the dtype is checked before the input's range
    "torch.nn.BCELoss()(torch.tensor([0.5, 2.0]), torch.tensor([0, 1]))",
    "torch.nn.BCELoss()(torch.tensor([0.5, 2.0]), torch.tensor([0., 1.]))",
    # integer inputs: same dtypes, then no kernel for them
    "torch.nn.BCELoss()(torch.tensor([0, 1]), torch.tensor([0, 1]))",
    "torch.nn.BCELoss()(torch.tensor([0.25, 0.5]), torch.tensor([0., 1.]))",
    "torch.nn.BCELoss(weight=torch.ones(2, dtype=torch.float64))(torch.tensor([0.25, 0.5]), "
    "torch.tensor([0., 1.]))",
])
def test_binary_cross_entropy_dtype_slips(code):
    same_as_torch(code)


@pytest.mark.parametrize("make", ["torch.from_numpy", "torch.tensor", "torch.as_tensor",
                                  "lambda a: torch.tensor(a, dtype=torch.float32)",
                                  "lambda a: torch.as_tensor(a, dtype=torch.float32)"])
@pytest.mark.parametrize("array", [
    "np.arange(4)[::-1]",  # a reversed view: refused, not copied
    "np.arange(6.).reshape(2, 3)[:, ::-1]",
    "np.arange(4.).reshape(2, 2)[::-1, :]",
    "np.arange(6).reshape(2, 3)[:, ::2]",  # positive strides are fine
    "np.arange(4)[::-1].copy()",
    "np.zeros((2, 0))[:, ::-1]",
    "np.array([1, 2], dtype='>i4')",  # big-endian
    "np.array(['a'])",
    "np.array([object()])",
    "np.array([1.0], dtype=np.longdouble)",
    "np.array(['2020-01-01'], dtype='datetime64[D]')",
    "np.zeros(3, dtype=[('a', 'f4')])",
    "np.arange(4)",
    "np.array(5.0)",
])
def test_arrays_torch_refuses_are_refused_in_its_words(make, array):
    same_as_torch(f"({make})({array})")


@pytest.mark.parametrize("value", ["np.float64(5.0)", "[1, 2]", "None", "torch.ones(2)", "3"])
def test_from_numpy_of_no_array_names_the_type_as_torch(value):
    same_as_torch(f"torch.from_numpy({value})")


def test_a_read_only_array_warns_once_as_torch():
    """torch warns (once per program) that a tensor made from a read-only array without a copy
    may not be written to; torch.tensor copies and does not warn."""
    from gradrepl.engine import factories, warn

    def warnings_of(lib, reset):
        reset()
        codes = ["torch.tensor(a)", "torch.from_numpy(a)", "torch.as_tensor(a)",
                 "torch.from_numpy(a)"]
        seen = []
        for code in codes:
            a = np.arange(3.)
            a.flags.writeable = False
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                eval(code, {"torch": lib, "a": a})
            seen.append([str(w.message) for w in caught])
        return seen

    ours = warnings_of(gtorch, lambda: warn._warned.discard(factories._NOT_WRITABLE))
    theirs = warnings_of(torch, lambda: None)
    # torch's once-per-program flag cannot be reset: compare the first warning's text and that
    # torch.tensor never warns, then that ours warns once only
    assert ours[0] == theirs[0] == []
    assert ours[1] and len(ours[1]) == 1
    assert sum(map(len, ours)) == 1
    if theirs[1]:  # torch had not warned yet in this process
        assert ours[1] == theirs[1]


@pytest.mark.parametrize("np_dtype", ["uint16", "uint32", "uint64", "complex64", "complex128"])
def test_dtypes_torch_has_and_gradrepl_lacks_say_so(np_dtype):
    array = np.array([1, 2], dtype=np_dtype)
    assert torch.from_numpy(array).dtype == getattr(torch, np_dtype)
    with pytest.raises(UnsupportedError, match=f"torch.{np_dtype}"):
        gtorch.from_numpy(array)
    with pytest.raises(UnsupportedError, match=f"torch.{np_dtype}"):
        gtorch.tensor(array)
    if np_dtype.startswith("uint"):  # converted on the way in, as torch converts it
        same_as_torch(f"torch.tensor(np.array([1, 2], dtype='{np_dtype}'), dtype=torch.float32)")


# Mixing tensors and numpy arrays. torch's operators refuse an ndarray (NotImplemented), so
# ``t + a`` is numpy's ``a.__radd__(t)``: numpy's ufunc and promotion on ``t.__array__()``,
# wrapped back into a tensor by ``Tensor.__array_wrap__`` (a bool result as uint8), and
# ``a + t`` is Python's TypeError; ``==`` alone reads the array as a tensor; the functions
# (torch.add(t, a)) refuse it in their parser's words.
_TENSORS = ["torch.tensor([1., 2.])", "torch.tensor([1, 2])", "torch.tensor([True, False])",
            "torch.tensor([1., 2.], requires_grad=True)", "torch.tensor(2.)"]
_ARRAYS = ["np.array([1., 3.])", "np.array([1, 3])", "np.array([1., 3.], dtype=np.float32)",
           "np.array([True, True])", "np.array(2.)", "np.array([3., 1.])[::-1]"]
_OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "@", "==", "!=", "<", ">=", "&", "|", "^"]


@pytest.mark.parametrize("operator", _OPERATORS)
def test_a_tensor_and_an_ndarray_under_an_operator_as_torch(operator):
    for tensor in _TENSORS:
        for array in _ARRAYS:
            same_as_torch(f"({tensor}) {operator} ({array})")
            same_as_torch(f"({array}) {operator} ({tensor})")


@pytest.mark.parametrize("code", [
    "torch.add(torch.ones(2), np.ones(2))", "torch.ones(2).mul(np.ones(2))",
    "torch.matmul(torch.ones(2), np.ones(2))", "torch.maximum(torch.ones(2), np.ones(2))",
    "torch.cat([torch.ones(2), np.ones(2)])", "torch.stack([np.ones(2), np.ones(2)])",
    "torch.eq(torch.ones(2), np.ones(2))", "torch.ones(2).eq(np.ones(2))",
    "torch.ones(2).lt(np.ones(2))", "torch.ge(torch.ones(2), np.ones(2))",
    "torch.eq(torch.ones(2), None)", "torch.ones(2).ne(None)", "torch.ones(2) == None",
    "torch.ones(2).dot(np.ones(2))",
    "np.sin(torch.ones(2))", "np.exp(torch.tensor([1., 2.], requires_grad=True))",
    "np.greater(torch.ones(2), 0)", "np.add(torch.ones(2), 1)",
    "np.maximum(torch.ones(2), np.zeros(2))", "np.dot(torch.ones(2), np.ones(2))",
    "torch.ones(2)[np.array([0, 1])]", "torch.ones(3)[np.array([True, False, True])]",
    "torch.ones(2) + np.float32(1.5)", "torch.ones(2, dtype=torch.int64) * np.float64(2.5)",
])
def test_ndarrays_given_to_functions_as_torch(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    "x = torch.ones(2); x += np.ones(2)", "x = torch.ones(2); x *= np.array([2., 3.])",
    "x = torch.ones(2, dtype=torch.int64); x += np.ones(2)", "x = torch.ones(2); x -= None",
])
def test_an_in_place_operator_with_an_ndarray_as_torch(code):
    def run(lib):
        namespace = {"torch": lib, "np": np}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(code, namespace)
            except TypeError as error:
                return f"TypeError: {error}"
        return repr(namespace["x"])
    assert run(gtorch) == run(torch)


def test_double_backward_formulas_still_mix_their_own_arrays():
    """gradrepl's derivative formulas multiply gradients by numpy masks and weights; under
    create_graph=True those gradients are tensors, and the arrays stay operands there."""
    for lib in (gtorch, torch):
        x = lib.tensor([[1., 3.], [3., 2.]], requires_grad=True)
        (g,) = lib.autograd.grad(x.amax(dim=1).sum() * x.sum(), x, create_graph=True)
        g.sum().backward()
    code = ("(lambda x: (torch.autograd.grad(x.amax(dim=1).sum() * x.sum(), x, create_graph=True)"
            "[0].sum().backward(), x.grad)[1])(torch.tensor([[1., 3.], [3., 2.]], requires_grad=True))")
    same_as_torch(code)


_T, _A, _C = "torch.ones(3)", "np.arange(3.)", "torch.tensor([True, False, True])"


@pytest.mark.parametrize("code", [
    # torch.where takes no ndarray: its parser lists the overloads, marking the array
    f"torch.where({_C}, {_A}, {_T})", f"torch.where({_C}, {_T}, {_A})",
    f"torch.where({_C}.numpy(), {_T}, {_T})", f"torch.where({_C}, {_A}, {_A})",
    f"{_T}.where({_C}, {_A})", f"torch.where({_A} > 1, {_T}, {_T})", f"torch.where({_C}, {_T}, 2.)",
    # a loss given an ndarray: torch's Python calls target.size(), an int on an ndarray
    f"torch.nn.functional.mse_loss({_T}, {_A})", f"torch.nn.functional.mse_loss({_A}, {_T})",
    f"torch.nn.MSELoss()({_T}, {_A})", f"torch.nn.functional.l1_loss({_T}, {_A})",
    f"torch.nn.L1Loss()({_T}, {_A})", f"torch.nn.functional.smooth_l1_loss({_T}, {_A})",
    f"torch.nn.functional.huber_loss({_T}, {_A})",
    f"torch.nn.functional.binary_cross_entropy({_T} * 0.5, {_A})",
    f"torch.nn.BCELoss()({_T} * 0.5, {_A})", f"torch.nn.BCEWithLogitsLoss()({_T}, {_A})",
    f"torch.nn.functional.binary_cross_entropy_with_logits({_T}, {_A})",
    # the C++ losses name the argument
    "torch.nn.functional.cross_entropy(torch.ones(2, 3), np.array([0, 1]))",
    "torch.nn.CrossEntropyLoss()(torch.ones(2, 3), np.array([0, 1]))",
    "torch.nn.functional.nll_loss(torch.ones(2, 3), np.array([0, 1]))",
    "torch.nn.NLLLoss()(torch.ones(2, 3), np.array([0, 1]))",
    "torch.nn.functional.cross_entropy(np.ones((2, 3)), torch.tensor([0, 1]))",
])
def test_ndarray_operands_of_where_and_losses(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    # nanoGPT's slip: (B, T, V) logits straight into cross_entropy, whose class dim is 1
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.full((3, 4), 9))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.ones(3, 4, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.ones(3, 10, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.ones(3, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.ones(3, 4, 1, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 10), torch.ones(2, 10, dtype=torch.long))",
    "torch.nn.functional.nll_loss(torch.zeros(3, 4, 10), torch.full((3, 4), 9))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 2, 5), torch.ones(3, 5, 2, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 2, 5), torch.ones(3, 10, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 2, 5, 2), torch.full((3, 5, 2, 2), 9))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4, 2, 5, 2), torch.ones(3, 5, 2, 2, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4), torch.ones(2, 2, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4), torch.ones(3, 2, dtype=torch.long))",
    "torch.nn.functional.cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, -1]))",
])
def test_cross_entropy_target_shape_slips(code):
    same_as_torch(code)


@pytest.mark.parametrize("code", [
    # makemore's backprop-ninja check: allclose is isclose(...).all(), with isclose's checks
    "torch.allclose(torch.ones(2), torch.ones(2).double())",
    "torch.allclose(torch.ones(2), torch.ones(2, dtype=torch.long))",
    "torch.allclose(torch.ones(2), torch.ones(3))",
    "torch.allclose(torch.ones(2, 3), torch.ones(3, 2))",
    "torch.allclose(torch.ones(2, 1), torch.ones(3))",
    "torch.allclose(torch.ones(2), 1.0)",
    "torch.allclose(1.0, torch.ones(2))",
    "torch.allclose(torch.ones(2), torch.ones(2), rtol=-1)",
    "torch.isclose(torch.ones(2), torch.ones(2), atol=-0.5)",
    "torch.isclose(torch.ones(2), torch.ones(2), rtol=-1e-5)",
    "torch.isclose(torch.ones(2), torch.ones(3))",
    "torch.allclose(torch.tensor([1., float('nan')]), torch.tensor([1., float('nan')]), equal_nan=True)",
    # nanoGPT's causal mask of the wrong size: the mask is tensor a, or self in place
    "torch.zeros(3, 3).masked_fill(torch.ones(2, 2) == 0, float('-inf'))",
    "torch.zeros(3, 3).masked_fill(torch.ones(4, 3, 2) == 0, 1.)",
    "torch.zeros(2, 3).masked_fill(torch.ones(3, 1) == 0, 1.)",
    "torch.zeros(3, 3).masked_fill(torch.ones(2, 2) == 0, torch.tensor(1.))",
    "torch.zeros(3, 3).masked_fill_(torch.ones(2, 2) == 0, 1.)",
    "torch.zeros(3, 3).masked_fill_(torch.ones(2, 2) == 0, torch.tensor(1.))",
    "torch.zeros(3, 3).masked_fill_(torch.ones(2, 3, 3) == 0, 1.)",
    "torch.zeros(3, 3).masked_fill(torch.ones(2, 3, 3) == 0, 1.).shape",
])
def test_closeness_and_mask_slips(code):
    same_as_torch(code)
