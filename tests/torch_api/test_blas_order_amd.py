"""AMD MKL's product orders (engine/ops/blas_order_amd.py): byte for byte against live torch on an
AMD CPU, and each vectorised kernel against its rule written as a loop (these run anywhere)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.ops import blas_order, blas_order_amd as amd
from tests.cpu_vendor import cpu_vendor, needs_amd_mkl  # noqa: F401 (fixture)

F32 = np.float32
_shapes = st.one_of(
    st.tuples(st.integers(2, 200), st.integers(1, 300), st.integers(2, 11)),  # up to 11 columns
    st.tuples(st.sampled_from([4, 8, 12, 13, 16, 31, 64]), st.integers(1, 400),
              st.integers(12, 80)),  # fused chains
    st.tuples(st.sampled_from([5, 6, 7, 9, 10, 11]), st.integers(1, 60),
              st.integers(12, 40)),  # blocked rows fused, the leftover rows by k and n
    st.tuples(st.integers(1, 3), st.integers(1, 700), st.integers(1, 100)),  # 1 to 3 rows
    st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(1, 30)))  # lesson-sized


@pytest.mark.torch
@needs_amd_mkl
@settings(max_examples=40, deadline=None)
@given(rows=st.sampled_from([4, 5, 6, 8]), k=st.integers(190, 420), cols=st.integers(12, 16),
       seed=st.integers(0, 9999))
def test_linear_with_k_blocks_matches_amd_torch(rows, k, cols, seed):
    """F.linear (addmm) where the fused chains are cut into k blocks: the bias enters the first
    block (blas_order_amd.addmm); and a bmm of that one pair is its mm."""
    real_torch = pytest.importorskip("torch")
    real_torch.manual_seed(seed)
    x, w, bias = real_torch.randn(rows, k), real_torch.randn(cols, k), real_torch.randn(cols)
    if not blas_order.follows_torch(x.numpy(), w.numpy().T):
        return  # past the chains' size: numpy's BLAS (a skip here would end the whole test)
    ours = gt.nn.functional.linear(*(gt.from_numpy(t.numpy()) for t in (x, w, bias)))
    assert ours.numpy().tobytes() == real_torch.nn.functional.linear(x, w, bias).numpy().tobytes()
    one = gt.bmm(gt.from_numpy(x.numpy())[None], gt.from_numpy(w.numpy()).t()[None])
    assert one.numpy().tobytes() == real_torch.bmm(x[None], w.t()[None]).numpy().tobytes()


@pytest.mark.torch
@needs_amd_mkl
@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 700), cols=st.integers(2, 700), seed=st.integers(0, 9999),
       through=st.sampled_from(["mv", "mm", "grad"]))
def test_transposed_matrix_times_column_matches_amd_torch(rows, cols, seed, through):
    """``w.t() @ v`` (MKL's transposed gemv): as mv, as mm with a column, and as mv's gradient for
    its vector (``w.t() @ grad`` through backends' matrix @ vector), byte for byte."""
    real_torch = pytest.importorskip("torch")
    real_torch.manual_seed(seed)
    w, v = real_torch.randn(rows, cols), real_torch.randn(rows)
    assert blas_order.follows_torch(w.numpy().T, v.numpy()[:, None])
    if through == "grad":  # y = w @ x, so x's gradient is w.t() @ v
        x = real_torch.randn(cols)
        mine, theirs = gt.from_numpy(x.numpy()).requires_grad_(), x.clone().requires_grad_()
        gt.mv(gt.from_numpy(w.numpy()), mine).backward(gt.from_numpy(v.numpy()))
        real_torch.mv(w, theirs).backward(v)
        ours, want = mine.grad, theirs.grad
    elif through == "mv":
        ours, want = gt.mv(gt.from_numpy(w.numpy()).t(), gt.from_numpy(v.numpy())), w.t().mv(v)
    else:
        ours = gt.from_numpy(w.numpy()).t() @ gt.from_numpy(v.numpy())[:, None]
        want = w.t() @ v[:, None]
    assert ours.numpy().tobytes() == want.numpy().tobytes()


@pytest.mark.torch
@needs_amd_mkl
@settings(max_examples=120, deadline=None)
@given(shape=_shapes, a_t=st.booleans(), b_t=st.booleans(), seed=st.integers(0, 9999))
def test_products_match_amd_torch_bit_for_bit(shape, a_t, b_t, seed):
    real_torch = pytest.importorskip("torch")
    m, k, n = shape
    real_torch.manual_seed(seed)
    a = real_torch.randn(k, m).mT if a_t else real_torch.randn(m, k)
    b = real_torch.randn(n, k).mT if b_t else real_torch.randn(k, n)
    if not blas_order.follows_torch(a.numpy(), b.numpy()):
        return  # left on numpy's BLAS (a skip here would end the whole test)
    ours = gt.from_numpy(a.numpy()) @ gt.from_numpy(b.numpy())  # the same strides
    assert ours.numpy().tobytes() == (a @ b).numpy().tobytes()


@pytest.mark.torch
@needs_amd_mkl
@pytest.mark.parametrize("batch,features,outputs", [(32, 2, 16), (64, 784, 10), (5, 27, 100),
                                                    (12, 10, 3), (3, 100, 50), (16, 64, 64)])
def test_linear_layer_matches_amd_torch_bit_for_bit(real_torch, batch, features, outputs):

    def run(lib):
        lib.manual_seed(batch + features + outputs)
        layer = lib.nn.Linear(features, outputs)
        return layer(lib.randn(batch, features)).detach().numpy()
    want = run(real_torch)
    x = np.zeros((batch, features), F32)
    w = np.zeros((outputs, features), F32)
    if not blas_order.follows_torch(x, w.T):
        pytest.skip("left on numpy's BLAS")
    assert run(gt).tobytes() == want.tobytes()


def _lanes_loop(products, head, end, split):
    """``amd._lanes`` for one row, as a loop."""
    k = len(products)
    total = None
    for p in products[:head]:
        total = p if total is None else F32(total + p)
    if end > head:
        accumulators = [[None] * 4, [None] * 4]
        for step, p in enumerate(products[head:end]):
            lane = accumulators[(step // 4) % 2 if split else 0]
            start = total if step == 0 else lane[step % 4]
            lane[step % 4] = p if start is None else F32(start + p)
        lanes = [F32(0.0) if v is None else v for v in accumulators[0]]
        lanes = [lanes[i] if v is None else F32(lanes[i] + v)
                 for i, v in enumerate(accumulators[1])]
        total = F32(F32(lanes[0] + lanes[2]) + F32(lanes[1] + lanes[3]))
    for p in products[max(end, head):k]:
        total = p if total is None else F32(total + p)
    return total


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 9), k=st.integers(1, 45), n=st.integers(2, 13), seed=st.integers(0, 999),
       zeros=st.booleans())
def test_dots_are_the_stated_loop(m, k, n, seed, zeros):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(F32)
    w = rng.standard_normal((n, k)).astype(F32)
    if zeros:
        a = np.where(a > 0, F32(-0.0), a)
    want = np.empty((m, n), F32)
    for i in range(m):
        head = min((-i * k) % 4, k)  # products before a's row reaches 16 bytes
        for j in range(n):
            step = 4 if j < n // 4 * 4 else 8
            end = head + (k - head) // step * step
            want[i, j] = F32(_lanes_loop(a[i] * w[j], head, end, step == 8) + F32(0.0))
    assert amd._dots(a, w.T).tobytes() == want.tobytes()


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 9), k=st.integers(1, 45), n=st.integers(1, 13), seed=st.integers(0, 999),
       zeros=st.booleans())
def test_row_kernel_is_the_stated_loop(m, k, n, seed, zeros):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(F32)
    b = rng.standard_normal((k, n)).astype(F32)
    if zeros:
        a = np.where(a > 0, F32(-0.0), a)
    want = np.empty((m, n), F32)
    for i in range(m):
        peeled = (-i * n) % 4
        for j in range(n):
            products = a[i] * b[:, j]
            total = F32(0.0)
            if j < peeled and n - peeled >= 4:
                whole = k // 8 * 8
                for g in range(0, whole, 8):
                    for p in products[g:g + 4]:
                        total = F32(total + p)
                    apart = products[g + 4]
                    for p in products[g + 5:g + 8]:
                        apart = F32(apart + p)
                    total = F32(total + apart)
                rest = products[whole:]
            else:
                rest = products
            for p in rest:
                total = F32(total + p)
            want[i, j] = F32(total + F32(0.0))
    assert amd._row_kernel(a, b).tobytes() == want.tobytes()


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 6), k=st.integers(1, 900), n=st.integers(12, 14), seed=st.integers(0, 999))
def test_fused_blocks_are_fused_chains_added(m, k, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(F32)
    b = rng.standard_normal((k, n)).astype(F32)
    want = None
    for lo, hi in amd.k_blocks(k):
        part = a[:, lo:lo + 1] * b[lo:lo + 1]
        for step in range(lo + 1, hi):
            part = fma32(a[:, step:step + 1], b[step:step + 1], part)
        want = part if want is None else want + part
    assert amd._fused_blocks(a, b).tobytes() == (want + F32(0.0)).tobytes()


def test_k_blocks():
    assert amd.k_blocks(192) == [(0, 192)]
    assert amd.k_blocks(193) == [(0, 96), (96, 192), (192, 193)]
    assert amd.k_blocks(300) == [(0, 150), (150, 300)]
    assert amd.k_blocks(600) == [(0, 192), (192, 384), (384, 576), (576, 600)]


_SPECIALS = [np.inf, -np.inf, np.nan, -0.0, 0.0, 3e38, -3e38, 1e-45, -1e-45, 2.0**30, -2.0**30]


def _with_specials(rng, shape, specials):
    x = rng.standard_normal(shape).astype(F32)
    if specials:
        mask = rng.random(shape) < 0.3
        x[mask] = rng.choice(np.array(_SPECIALS, F32), int(mask.sum()))
    return x


@settings(max_examples=80, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 4), seed=st.integers(0, 9999),
       specials=st.booleans())
def test_short_gemv_chain_is_the_general_lanes(m, k, seed, specials):
    """gemv's k <= 4 short path: the same bytes as ``_lanes`` with every product in the head."""
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        products = _with_specials(rng, (m, k), specials) * _with_specials(rng, k, specials)
        want = amd._lanes(products, k, k, split=False) + F32(0.0)
        got = amd._short_chain(products, k)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    assert got.flags.c_contiguous and not np.shares_memory(got, products)


def _peeled_rows_general(m, n):
    peeled = (-np.arange(m) * n) % 4
    return [(count, list(np.flatnonzero(peeled == count))) for count in range(1, 4)
            if n - count >= 4 and (peeled == count).any()]


@settings(max_examples=80, deadline=None)
@given(m=st.integers(1, 70), n=st.integers(1, 40))
def test_peeled_row_plan_is_the_rule(m, n):
    """The cached per-shape plan of ``_row_kernel``'s peeled rows, against the rule recomputed."""
    plan = [(count, list(rows)) for count, rows in amd._peeled_rows(m, n)]
    assert plan == _peeled_rows_general(m, n)
    assert all(not rows.flags.writeable for _, rows in amd._peeled_rows(m, n))


def _unfused_chain_general(a, b):
    products = np.multiply(a.T[:, :, None], b[:, None, :])
    total = np.add.accumulate(products, axis=0)[-1]
    return np.add(total, F32(0.0), out=total)


@settings(max_examples=80, deadline=None)
@given(k=st.integers(1, 40), n=st.integers(1, 13), seed=st.integers(0, 9999),
       specials=st.booleans())
def test_one_row_chain_is_the_general_chain(k, n, seed, specials):
    """``unfused_chain``'s one-row path (no third axis): the general chain's bytes and shape."""
    rng = np.random.default_rng(seed)
    a = _with_specials(rng, (1, k), specials)
    b = _with_specials(rng, (k, n), specials)
    with np.errstate(all="ignore"):
        want = _unfused_chain_general(a, b)
        got = amd.unfused_chain(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 6), cols=st.integers(1, 6), offset=st.integers(0, 7),
       view=st.sampled_from(["slice", "t", "t_t", "reshape", "buffer"]))
def test_aligned_is_the_address_rule(rows, cols, offset, view):
    """``_aligned`` against the rule: the start's byte offset into the memory's owner."""
    owner = np.zeros(rows * cols + 8, F32)
    if view == "buffer":
        x = np.frombuffer(owner.tobytes(), F32)[offset:offset + rows * cols].reshape(rows, cols)
    else:
        x = owner[offset:offset + rows * cols].reshape(rows, cols)
        x = {"slice": x, "t": x.T, "t_t": x.T.T, "reshape": x.reshape(cols, rows)}[view]
    root = x
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    covers = x.size == root.size and (x.flags.c_contiguous or x.flags.f_contiguous)
    assert amd._aligned(x) == (x.base is None or covers or start % 16 == 0)


@settings(max_examples=80, deadline=None)
@given(m=st.integers(1, 14), k=st.integers(1, 14), n=st.integers(1, 14), seed=st.integers(0, 9999),
       b_t=st.booleans(), dtype=st.sampled_from([np.float32, np.float64]),
       measured_on=st.sampled_from(["amd", "intel", "other"]))
def test_product_from_zero_is_the_product_with_positive_zeros(m, k, n, seed, b_t, dtype,
                                                              measured_on):
    """addmm's ``product_from_zero``: ``linalg._positive_zeros(matrix_product(a, b))``'s bytes,
    on every vendor's rules (the ordered products end with +0 already); on Intel a product of
    one inner dim and several columns keeps each product's sign (``addmm_keeps_product_sign``)."""
    from unittest import mock

    from gradrepl.engine.cpu_capability import AMD, INTEL
    from gradrepl.engine.ops.linalg import _positive_zeros

    rng = np.random.default_rng(seed)
    a = np.where(rng.random((m, k)) < 0.3, -0.0, rng.standard_normal((m, k))).astype(dtype)
    b = np.where(rng.random((k, n)) < 0.3, -0.0, rng.standard_normal((k, n))).astype(dtype)
    b = np.ascontiguousarray(b.T).T if b_t else b
    vendor = {"amd": AMD, "intel": INTEL, "other": "other"}[measured_on]
    with mock.patch.object(blas_order, "vendor", lambda: vendor):
        if k == 1 and n > 1 and vendor == INTEL:
            want = a * b  # one product per element, -0 kept
        else:
            want = _positive_zeros(blas_order.matrix_product(a, b))
        got = blas_order.product_from_zero(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
    assert got.tobytes() == want.tobytes()


@settings(max_examples=60, deadline=None)
@given(m=st.integers(2, 30), k=st.integers(1, 4), seed=st.integers(0, 9999),
       specials=st.booleans(), column=st.sampled_from(["column", "transposed row"]))
def test_short_matrix_times_column_is_gemv(m, k, seed, specials, column):
    """``product``'s inline k <= 4 matrix times a column: gemv's bytes, shape and strides."""
    rng = np.random.default_rng(seed)
    a = _with_specials(rng, (m, k), specials)
    b = _with_specials(rng, (k, 1), specials)
    b = b if column == "column" else np.ascontiguousarray(b.T).T
    with np.errstate(all="ignore"):
        want = amd.gemv(a, b[:, 0])[:, None]
        got = amd.product(a, b)
    assert got.shape == want.shape and got.strides == want.strides
    assert got.tobytes() == want.tobytes()


# ---------------------------------------------------------------- past the small sizes
# (session 16, r-amdblas: blas_order_amd.LARGE_PRODUCTS)

W8_PRODUCTS = [(32, 64, 128, False, True), (32, 128, 10, False, True), (32, 10, 128, False, False),
               (10, 32, 128, True, False), (128, 32, 64, True, False)]


@contextlib.contextmanager
def _large_products(on=True):
    """blas_order_amd.LARGE_PRODUCTS set for a block (hypothesis tests cannot take monkeypatch)."""
    before = amd.LARGE_PRODUCTS
    amd.LARGE_PRODUCTS = on
    try:
        yield
    finally:
        amd.LARGE_PRODUCTS = before


def _operands(lib, m, k, n, a_t, b_t):
    a = lib.randn(k, m).mT if a_t else lib.randn(m, k)
    b = lib.randn(n, k).mT if b_t else lib.randn(k, n)
    return a, b


def test_large_products_are_followed_only_when_switched_on(cpu_vendor):
    """W8's five products: numpy's BLAS unless LARGE_PRODUCTS, whatever was decided before (the
    memoised plans read the switch); past LARGE_SIDE, LARGE_K or LARGE_SIZE numpy's either way."""
    cpu_vendor("AuthenticAMD")
    rng = np.random.default_rng(0)
    for m, k, n, a_t, b_t in W8_PRODUCTS + [(300, 16, 16, False, False), (16, 300, 16, True, False),
                                            (64, 256, 257, False, True)]:
        a = rng.standard_normal((k, m) if a_t else (m, k), dtype=F32)
        b = rng.standard_normal((n, k) if b_t else (k, n), dtype=F32)
        a, b = (a.T if a_t else a), (b.T if b_t else b)
        in_range = max(m, n) <= amd.LARGE_SIDE and k <= amd.LARGE_K
        for on in (False, True, False):
            with _large_products(on):
                assert blas_order.follows_torch(a, b) == (on and in_range)
                want = amd.product(a, b) if on and in_range else np.matmul(a, b)
                assert blas_order.matrix_product(a, b).tobytes() == want.tobytes()


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 24), k=st.integers(1, 30), n=st.integers(1, 24), seed=st.integers(0, 9999),
       values=st.sampled_from(["normal", "few bits", "specials", "tiny"]))
def test_wide_chain_is_the_fused_chain(m, k, n, seed, values):
    """``_wide_chain`` (the fused chains for many outputs) against the rule as a loop of exact
    fused multiply-adds, on operands whose float64 sums often land on float32 midpoints (few
    bits), that hold zeros of both signs, infinities and nan, or that are tiny enough for sums
    below float32's normal range."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(F32)
    b = rng.standard_normal((k, n)).astype(F32)
    if values == "few bits":  # products of a few bits: midpoint sums, exact and inexact
        a = (np.round(a * 4) / 4 * F32(1 + 2 ** -12)).astype(F32)
        b = (np.round(b * 4) / 4).astype(F32)
    elif values == "specials":
        for x in (a, b):
            x.reshape(-1)[rng.integers(0, x.size, 3)] = rng.choice(
                np.array([0.0, -0.0, np.inf, -np.inf, np.nan], F32), 3)
    elif values == "tiny":  # products near float32's subnormal range
        a *= F32(2.0 ** -70)
        b *= F32(2.0 ** -60)
    with np.errstate(all="ignore"):
        want = a[:, :1] * b[:1]
        for step in range(1, k):
            want = fma32(a[:, step:step + 1], b[step:step + 1], want)
    assert amd._wide_chain(a, b).tobytes() == want.tobytes()


@pytest.mark.torch
@needs_amd_mkl
@pytest.mark.parametrize("m,k,n,a_t,b_t", W8_PRODUCTS)
def test_w8_products_match_amd_torch_bit_for_bit(real_torch, m, k, n, a_t, b_t):
    """benchmarks/engine_training.py's W8: its two forwards (x @ w.t()), the second layer's input
    gradient and both weight gradients (g.t() @ x), on several draws."""
    with _large_products():
        for seed in range(3):
            real_torch.manual_seed(seed)
            a, b = _operands(real_torch, m, k, n, a_t, b_t)
            assert blas_order.follows_torch(a.numpy(), b.numpy())
            got = blas_order.matrix_product(a.numpy(), b.numpy())
            assert got.tobytes() == (a @ b).numpy().tobytes()


@pytest.mark.torch
@needs_amd_mkl
@settings(max_examples=25, deadline=None)
@given(batch=st.integers(8, 64), features=st.integers(16, 256),
       outputs=st.one_of(st.integers(2, 15), st.integers(16, 256)), seed=st.integers(0, 9999))
def test_linear_step_past_the_small_sizes_matches_amd_torch(batch, features, outputs, seed):
    """An nn.Linear step (forward with its bias, backward into the input, weight and bias) at the
    sizes lessons use: every value byte for byte with LARGE_PRODUCTS."""
    real_torch = pytest.importorskip("torch")
    from gradrepl.engine.ops.summation import THREADS

    threads = real_torch.get_num_threads()
    real_torch.set_num_threads(THREADS)
    try:
        real_torch.manual_seed(seed)
        x, w = real_torch.randn(batch, features), real_torch.randn(outputs, features)
        bias, grad = real_torch.randn(outputs), real_torch.randn(batch, outputs)
        results = []
        with _large_products():
            for lib in (real_torch, gt):
                xs, ws, bs = (lib.from_numpy(t.numpy().copy()).requires_grad_()
                              for t in (x, w, bias))
                y = lib.nn.functional.linear(xs, ws, bs)
                y.backward(lib.from_numpy(grad.numpy()))
                results.append([t.detach().numpy().tobytes()
                                for t in (y, xs.grad, ws.grad, bs.grad)])
    finally:
        real_torch.set_num_threads(threads)
    assert results[1] == results[0]


@pytest.mark.torch
@needs_amd_mkl
def test_w8_training_steps_match_amd_torch_bit_for_bit(real_torch):
    """W8's first five SGD steps (loss and every gradient) as torch computes them on this CPU:
    with numpy's BLAS its first layer's output differed in 973 of 4,096 values at step 1."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    try:
        import engine_training
    finally:
        sys.path.pop(0)
    with _large_products():
        ours, theirs = engine_training.torch_mlp(gt), engine_training.torch_mlp(real_torch)
        for _ in range(5):
            for mine, want in zip(ours(), theirs()):
                assert mine.detach().numpy().tobytes() == want.detach().numpy().tobytes()
