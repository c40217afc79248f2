"""Hypothesis properties for the shape, indexing and linear-algebra ops of issue 7: broadcasting
rules against numpy's, and float64 gradients (first and second order) against central
differences. No torch needed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as T
from test_properties import arrays_of, check_gradients

# every op is its own test; a couple of drawn inputs each keeps the second-order checks quick
SETTINGS = settings(max_examples=2, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# Broadcasting

@settings(max_examples=40, deadline=None, derandomize=True)
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3))
def test_broadcast_shapes_and_tensors_follow_numpy(shapes):
    expected = np.broadcast_shapes(*shapes.input_shapes)
    assert tuple(T.broadcast_shapes(*shapes.input_shapes)) == expected
    tensors = [T.zeros(s) for s in shapes.input_shapes]
    assert [tuple(t.shape) for t in T.broadcast_tensors(*tensors)] == [expected] * 3


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_broadcast_shapes_fails_exactly_when_numpy_does(a, b):
    try:
        expected = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension"):
            T.broadcast_shapes(a, b)
        return
    assert tuple(T.broadcast_shapes(a, b)) == expected


@settings(max_examples=25, deadline=None, derandomize=True)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
def test_masked_fill_and_select_broadcast_the_mask(shapes, data):
    x_shape, mask_shape = shapes.input_shapes
    target = np.broadcast_shapes(x_shape, mask_shape)
    if target != x_shape:  # masked_fill keeps self's shape: the mask must broadcast to it
        return
    x = data.draw(hnp.arrays(np.float64, x_shape, elements=st.floats(-3, 3)))
    mask = data.draw(hnp.arrays(np.bool_, mask_shape))
    filled = T.tensor(x).masked_fill(T.tensor(mask), 9.0).numpy()
    np.testing.assert_array_equal(filled, np.where(mask, 9.0, x))
    selected = T.tensor(x).masked_select(T.tensor(mask)).numpy()
    np.testing.assert_array_equal(selected, np.broadcast_to(x, target)[np.broadcast_to(mask, target)])


# ---------------------------------------------------------------------------------------------
# Gradients against central differences (float64), first and second order

IDX = T.tensor([[0, 2], [1, 1]])
SHAPE_OPS = {
    "repeat": (lambda a: a.repeat(2, 1, 2) ** 2, (2, 3)),
    "tile": (lambda a: a.tile((2,)) ** 2, (2, 3)),
    "flip": (lambda a: a.flip(0, 1) * a, (2, 3)),
    "roll": (lambda a: a.roll((1, -1), (0, 1)) * a, (2, 3)),
    "rot90": (lambda a: a.rot90(1, (0, 1)) @ a, (3, 3)),
    "tril": (lambda a: a.tril(-1) * a, (3, 3)),
    "triu": (lambda a: a.triu(1) ** 3, (3, 3)),
    "diagonal": (lambda a: a.diagonal(1) ** 2, (3, 4)),
    "diag_embed": (lambda a: a.diag_embed(1) ** 2, (2, 3)),
    "diag": (lambda a: a.diag().diag() * a.sum(), (3,)),
    "trace": (lambda a: a.trace() * a, (3, 3)),
    "narrow": (lambda a: a.narrow(1, 1, 2) ** 2, (2, 3)),
    "split": (lambda a: a.split(2, 1)[0] * a.split(2, 1)[1].sum(), (2, 3)),
    "chunk": (lambda a: a.chunk(2)[1] ** 2, (4, 2)),
    "tensor_split": (lambda a: a.tensor_split(3, 1)[2] * a[:, :1], (2, 3)),
    "movedim": (lambda a: a.movedim(0, 2) ** 2, (2, 3, 2)),
    "unflatten": (lambda a: a.unflatten(1, (2, 2)) ** 2, (2, 4)),
    "gather": (lambda a: a.gather(1, IDX) ** 2, (2, 3)),
    "index_select": (lambda a: a.index_select(1, T.tensor([2, 0, 2])) ** 2, (2, 3)),
    "take": (lambda a: a.take(T.tensor([0, 5, 5])) ** 2, (2, 3)),
    "masked_fill": (lambda a: a.masked_fill(T.tensor([True, False, True]), 0.5) * a, (2, 3)),
    "masked_select": (lambda a: a.masked_select(T.tensor([[True, False, True]])) ** 2, (2, 3)),
    "repeat_interleave": (lambda a: a.repeat_interleave(2, dim=1) ** 2, (2, 2)),
    "meshgrid": (lambda a: T.meshgrid(a, a * 2, indexing="xy")[1] ** 2, (3,)),
    "vstack": (lambda a: T.vstack([a, a ** 2]), (3,)),
    "column_stack": (lambda a: T.column_stack([a, a ** 2]), (3,)),
}
PAIR_OPS = {
    # (scatter's result with a repeated index is one of the writes: no index repeats here)
    "scatter": (lambda a, b: a.scatter(1, T.tensor([[0, 2], [1, 0]]), b) ** 2, ((2, 3), (2, 2))),
    "scatter_add": (lambda a, b: a.scatter_add(1, IDX, b) ** 2, ((2, 3), (2, 2))),
    "index_add": (lambda a, b: a.index_add(0, T.tensor([1, 1]), b, alpha=2) ** 2, ((2, 3), (2, 3))),
    "bmm": (lambda a, b: T.bmm(a, b) ** 2, ((2, 2, 3), (2, 3, 2))),
    "addmm": (lambda a, b: T.addmm(b.sum(0), a, b, beta=0.5, alpha=2) ** 2, ((2, 3), (3, 2))),
    "baddbmm": (lambda a, b: T.baddbmm(a[0, :, :1], a, b) ** 2, ((2, 2, 3), (2, 3, 2))),
    "kron": (lambda a, b: T.kron(a, b) ** 2, ((2, 2), (1, 2))),
    "cross": (lambda a, b: T.linalg.cross(a, b) * a, ((2, 3), (2, 3))),
    "tensordot": (lambda a, b: T.tensordot(a, b, ([0, 1], [1, 0])) ** 2, ((2, 3), (3, 2))),
    "outer": (lambda a, b: T.outer(a, b) ** 2, ((3,), (2,))),
    "inner": (lambda a, b: T.inner(a, b) ** 2, ((2, 3), (2, 3))),
    "einsum_bmm": (lambda a, b: T.einsum("bij,bjk->bik", a, b) ** 2, ((2, 2, 3), (2, 3, 2))),
    "einsum_bilinear": (lambda a, b: T.einsum("i,ij,j->", a[0], b, a[1]) * b, ((2, 3), (3, 3))),
    "einsum_trace": (lambda a, b: T.einsum("ii", a @ b) * a, ((2, 3), (3, 2))),
    "einsum_ellipsis": (lambda a, b: T.einsum("...ij,...jk", a, b) ** 2, ((2, 1, 2, 2), (3, 2, 2))),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
@SETTINGS
@given(data=st.data())
def test_shape_op_gradients_match_central_differences(name, data):
    fn, shape = SHAPE_OPS[name]
    check_gradients(fn, [data.draw(arrays_of(shape))])


@pytest.mark.parametrize("name", sorted(PAIR_OPS))
@SETTINGS
@given(data=st.data())
def test_product_gradients_match_central_differences(name, data):
    fn, shapes = PAIR_OPS[name]
    check_gradients(fn, [data.draw(arrays_of(s)) for s in shapes])


def _well_conditioned(a):
    return a + 3 * np.eye(a.shape[-1])


# away from diagonal matrices, where LAPACK's Householder QR flips signs (as torch's does)
_GENERAL = np.array([[3.0, 0.4, -0.7], [0.6, 2.6, 0.9], [-0.5, 0.8, 4.1]])


def _general(a):
    return a * 0.2 + _GENERAL[:a.shape[0], :a.shape[1]]


def _spd(a):
    return a @ a.T + 3 * np.eye(a.shape[-1])


def _sym(a):
    return (a + a.mT) / 2


LINALG = {
    "inv": (lambda a: T.linalg.inv(a), _well_conditioned, (3, 3)),
    "det": (lambda a: T.linalg.det(a) * a, _well_conditioned, (3, 3)),
    "slogdet": (lambda a: T.linalg.slogdet(a)[1] * a, _well_conditioned, (3, 3)),
    "solve": (lambda a: T.linalg.solve(a, a[:, :1] ** 2), _well_conditioned, (3, 3)),
    "pinv_tall": (lambda a: T.linalg.pinv(a), lambda a: a + np.eye(3, 2) * 3, (3, 2)),
    "pinv_wide": (lambda a: T.linalg.pinv(a), lambda a: a + np.eye(2, 3) * 3, (2, 3)),
    "cholesky": (lambda a: T.linalg.cholesky(_sym(a)), _spd, (3, 3)),
    "cholesky_upper": (lambda a: T.linalg.cholesky(_sym(a), upper=True), _spd, (3, 3)),
    "qr": (lambda a: T.linalg.qr(a)[0] * T.linalg.qr(a)[1].sum(), _general, (3, 3)),
    "qr_tall_R": (lambda a: T.linalg.qr(a).R ** 2, _general, (3, 2)),
    "qr_tall_Q": (lambda a: T.linalg.qr(a).Q ** 2, _general, (3, 2)),
    "svd_values": (lambda a: T.linalg.svdvals(a), lambda a: a + np.diag([3.0, 1.5]) @ np.eye(2, 3), (2, 3)),
    # sign-invariant products of the vectors: u_i v_i^T
    "svd_vectors": (lambda a: (lambda r: r.U * r.Vh.mT)(T.linalg.svd(a)),
                    lambda a: a * 0.2 + np.diag([3.0, 2.0, 1.0]), (3, 3)),
    "svd_tall": (lambda a: (lambda r: r.U[:, :1] @ r.Vh[:1])(T.linalg.svd(a, full_matrices=False)),
                 lambda a: a * 0.2 + np.eye(4, 2) * [3.0, 1.0], (4, 2)),
    "eigh_values": (lambda a: T.linalg.eigvalsh(_sym(a)), lambda a: a * 0.2 + np.diag([1.0, 2.0, 3.0]), (3, 3)),
    "eigh_vectors": (lambda a: (lambda r: r.eigenvectors * r.eigenvectors)(T.linalg.eigh(_sym(a))),
                     lambda a: a * 0.2 + np.diag([1.0, 2.0, 3.0]), (3, 3)),
    "matrix_norm_nuc": (lambda a: T.linalg.matrix_norm(a, "nuc") * a,
                        lambda a: a * 0.2 + np.diag([3.0, 2.0, 1.0]), (3, 3)),
    "matrix_norm_2": (lambda a: T.linalg.matrix_norm(a, 2) * a, lambda a: a * 0.2 + np.diag([3.0, 2.0, 1.0]), (3, 3)),
}


@pytest.mark.parametrize("name", sorted(LINALG))
@SETTINGS
@given(data=st.data())
def test_linalg_gradients_match_central_differences(name, data):
    fn, condition, shape = LINALG[name]
    check_gradients(fn, [condition(data.draw(arrays_of(shape, st.floats(-1, 1, width=64))))])
