"""torch.einsum with size-1 subscripts and ellipses that broadcast, its errors, and the small
bmm kernel under it: values and gradients bit for bit, the top grad_fn and the error words of
live torch (skipped without it); the bmm loop also against its rule written out, without torch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gradrepl.torch as gt
from gradrepl.engine.ops.blas_order import SMALL_BMM, small_batched_product
from tests.cpu_vendor import MKL_MEASURED, UNMEASURED

EQUATIONS = [
    ("ij,jk->ik", [(2, 1), (1, 3)]), ("ij,jk->ik", [(2, 1), (3, 4)]), ("ij,jk->ik", [(2, 3), (1, 4)]),
    ("ij,jk->ki", [(2, 3), (3, 4)]), ("ij,ij->i", [(2, 1), (1, 3)]), ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("i,i->", [(1,), (3,)]), ("bij,bjk->bik", [(1, 2, 3), (5, 3, 2)]),
    ("...j,...j->...", [(2, 1, 3), (4, 3)]), ("...ij,...jk->...ik", [(1, 2, 3), (5, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 1), (4, 5)]), ("ii,i->i", [(1, 1), (3,)]), ("ij->", [(2, 3)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]), ("bi,bj->bij", [(2, 3), (1, 4)]), ("i,j->ij", [(1,), (3,)]),
    ("ij,j->i", [(3, 1), (4,)]), ("...,...->...", [(2, 1), (1, 3)]), ("i,i,i->", [(3,), (1,), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 1, 3, 4), (2, 5, 6, 4)]), ("ij,jk", [(2, 1), (3, 4)]),
    ("ij,jk->ijk", [(2, 1), (3, 4)]), ("iij->ij", [(3, 3, 1)]), ("...ii->...i", [(1, 2, 2)]),
    ("ij,jk->ik", [(12, 9), (9, 7)]), ("i...,...i", [(3, 1, 4), (4, 3)]), ("ij->ji", [(2, 3)]),
]
ERRORS = [
    ("i,i->i", [(2,), (3,)]), ("...j,...j", [(2, 3), (4, 3)]), ("ij->k", [(2, 3)]),
    ("ij->ii", [(2, 3)]), ("ij,jk->ik", [(2, 3)]), ("ij->i", [(2, 3), (2, 3)]), ("i.j->i", [(2, 3)]),
    ("i...j...->i", [(2, 3)]), ("ii->i", [(2, 3)]), ("i1->i", [(2, 3)]), ("ij->i.", [(2, 3)]),
    ("ijk->i", [(2, 3)]), ("...ijk->i", [(2, 3)]), ("ij->i$", [(2, 3)]),
]


def _run(torch, equation, shapes, dtype_name="float32"):
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    operands = [torch.randn(*shape, dtype=torch.float64).to(dtype).requires_grad_()
                for shape in shapes]
    result = torch.einsum(equation, *operands)
    result.backward(torch.ones(result.shape, dtype=dtype) * 1.5)
    return ([result.detach().numpy()] + [t.grad.numpy() for t in operands],
            type(result.grad_fn).__name__ if result.grad_fn is not None else None)


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("equation,shapes", EQUATIONS)
def test_einsum_matches_torch_bit_for_bit(equation, shapes, dtype_name):
    torch = pytest.importorskip("torch")
    expected, expected_node = _run(torch, equation, shapes, dtype_name)
    got, node = _run(gt, equation, shapes, dtype_name)
    assert node == expected_node.replace("CppFunction", "")
    for want, have in zip(expected, got):
        assert want.shape == have.shape and want.dtype == have.dtype
        if dtype_name == "float64" and not MKL_MEASURED and _through_blas(shapes):
            # a float64 product for MKL's gemm, whose order gradrepl follows on Intel only
            np.testing.assert_allclose(have, want, rtol=1e-13, atol=1e-14, err_msg=UNMEASURED)
            continue
        assert want.tobytes() == have.tobytes(), (equation, shapes)


def _through_blas(shapes) -> bool:
    """Whether a two-matrix contraction is too big for torch's own small bmm loop (its products
    go to MKL's gemm)."""
    if len(shapes) != 2 or any(len(s) != 2 for s in shapes):
        return False
    (m, k), (_, n) = shapes
    return m * k * n >= SMALL_BMM


def _error(torch, equation, shapes):
    try:
        torch.einsum(equation, *[torch.ones(*shape) for shape in shapes])
    except Exception as error:  # noqa: BLE001 - the words are what is compared
        return type(error).__name__, str(error).splitlines()[0]
    return None


@pytest.mark.parametrize("equation,shapes", ERRORS)
def test_einsum_errors_are_torchs(equation, shapes):
    torch = pytest.importorskip("torch")
    assert _error(gt, equation, shapes) == _error(torch, equation, shapes)


def test_sublist_form():
    a, b = gt.ones(2, 1), gt.arange(12.).view(3, 4)
    assert gt.equal(gt.einsum(a, [0, 1], b, [1, 2], [0, 2]), gt.einsum("ij,jk->ik", a, b))
    assert gt.einsum(a, [0, 1], b, [1, 2]).shape == (2, 4)


def test_size1_subscripts_broadcast():
    a = gt.tensor([[1.], [2.]], requires_grad=True)
    b = gt.arange(12.).view(3, 4)
    y = gt.einsum("ij,jk->ik", a, b)
    assert y.tolist() == [[12., 15., 18., 21.], [24., 30., 36., 42.]]
    assert y.grad_fn.name() == "ViewBackward0"
    y.sum().backward()
    assert a.grad.tolist() == [[66.], [66.]]
    with pytest.raises(RuntimeError, match="subscript i has size 3 for operand 1 which does not "
                                           "broadcast with previously seen size 2"):
        gt.einsum("i,i->i", gt.ones(2), gt.ones(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
def test_small_bmm_is_the_kernels_loop(dtype):
    rng = np.random.default_rng(0)
    for (n, i, k, j) in [(2, 3, 4, 5), (1, 7, 7, 7), (3, 1, 1, 1), (2, 4, 9, 11)]:
        a = (rng.standard_normal((n, i, k)) * 4).astype(dtype)
        b = (rng.standard_normal((n, k, j)) * 4).astype(dtype)
        acc = np.float32 if dtype == np.float16 else dtype
        want = np.zeros((n, i, j), acc)
        for batch, row, col in itertools.product(range(n), range(i), range(j)):
            total = acc(0)
            for step in range(k):
                product = acc(a[batch, row, step]) * acc(b[batch, step, col])
                total = acc(total + product)
            want[batch, row, col] = total
        got = small_batched_product(a, b)
        assert got.dtype == acc and got.tobytes() == want.tobytes()
    assert small_batched_product(np.ones((1, 8, 8), np.float32), np.ones((1, 8, 8), np.float32)) is None
