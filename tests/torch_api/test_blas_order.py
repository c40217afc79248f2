"""Small float32 matrix products and last-dim (log_)softmax in torch's order of operations:
bit for bit against live torch, and against float64 references without it (the short paths
checked against the general ones by property tests)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.float_math import softmax as float_softmax
from gradrepl.engine.ops import blas_order, blas_order_amd
from tests.cpu_vendor import UNMEASURED, cpu_vendor, needs_amd_mkl  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def torch_on_our_threads():
    from gradrepl.engine.ops.summation import THREADS

    real_torch = pytest.importorskip("torch")
    threads = real_torch.get_num_threads()
    real_torch.set_num_threads(THREADS)  # MKL's gemv splits rows between them
    yield real_torch
    real_torch.set_num_threads(threads)


def _pair(rng, m, k, n, ta=False, tb=False):
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return (a.T if ta else a), (b.T if tb else b)


@pytest.mark.torch
@pytest.mark.parametrize("m,k,n", [(1, 20, 1), (1, 64, 8), (16, 2, 16), (16, 16, 3), (3, 16, 16),
                                   (16, 3, 2), (32, 16, 10), (10, 32, 64), (1, 255, 3),
                                   (1, 257, 1), (1, 2001, 8), (2, 384, 3), (3, 385, 5), (4, 768, 8),
                                   (1, 1000, 32), (64, 40, 4), (5, 500, 8), (12, 30, 5)])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_small_products_match_torch_bit_for_bit(torch_on_our_threads, m, k, n, ta, tb):
    real_torch = torch_on_our_threads
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a, b = _pair(rng, m, k, n, ta, tb)

    def operand(lib, x, transposed):  # the same memory layout on both sides
        return lib.from_numpy(np.ascontiguousarray(x.T)).t() if transposed else lib.from_numpy(x)
    ours = operand(gt, a, ta), operand(gt, b, tb)
    if not blas_order.follows_torch(ours[0]._data, ours[1]._data):
        pytest.skip(f"a layout MKL sums in another order: left on numpy's BLAS. {UNMEASURED}")
    want = operand(real_torch, a, ta) @ operand(real_torch, b, tb)
    np.testing.assert_array_equal((ours[0] @ ours[1]).numpy(), want.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("m,k,n", [(32, 64, 30), (16, 33, 64), (32, 48, 24), (128, 33, 8),
                                   (64, 33, 16), (16, 48, 64)])
def test_linear_layout_chain_past_the_small_limit_matches_torch(torch_on_our_threads, m, k, n):
    # x @ w.t() with 16+ rows between SMALL_PRODUCT and TRANSPOSED_CHAIN_PRODUCT multiply-adds:
    # numpy's BLAS differs from MKL on each of these shapes (makemore's dhprebn @ W1.T first)
    real_torch = torch_on_our_threads
    rng = np.random.default_rng(m + k + n)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = (rng.standard_normal((n, k)) * 0.1).astype(np.float32)
    if blas_order.vendor() != blas_order.INTEL or not blas_order._mkl_avx512():
        pytest.skip(f"measured on an AVX-512 Intel CPU. {UNMEASURED}")
    want = real_torch.from_numpy(x) @ real_torch.from_numpy(w).T
    np.testing.assert_array_equal((gt.from_numpy(x) @ gt.from_numpy(w).T).numpy(), want.numpy())
    np.testing.assert_array_equal(gt.nn.functional.linear(gt.from_numpy(x), gt.from_numpy(w)).numpy(),
                                  real_torch.nn.functional.linear(real_torch.from_numpy(x),
                                                                  real_torch.from_numpy(w)).numpy())


@pytest.mark.torch
def test_linear_layer_gradients_match_torch_bit_for_bit(real_torch):
    x, weight, grad = (np.ones(shape, np.float32) for shape in ((12, 16), (8, 16), (12, 8)))
    # the forward's, grad_input's and grad_weight's products
    if not (blas_order.follows_torch(x, weight.T) and blas_order.follows_torch(grad, weight)
            and blas_order.follows_torch(grad.T, x)):
        pytest.skip(f"nn.Linear's products are not all followed here. {UNMEASURED}")
    def run(lib):
        lib.manual_seed(0)
        layer = lib.nn.Linear(16, 8)
        x = lib.randn(12, 16)
        out = layer(x)
        out.backward(lib.randn(12, 8))
        return out.detach().numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()
    for want, got in zip(run(real_torch), run(gt)):
        np.testing.assert_array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 12), k=st.integers(2, 24), n=st.integers(1, 12), seed=st.integers(0, 999))
def test_short_product_agrees_with_float64(m, k, n, seed):
    a, b = _pair(np.random.default_rng(seed), m, k, n)
    got = blas_order.matrix_product(a, b)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    # a chain of k float32 roundings: within k ulps of the sum of magnitudes
    assert np.all(np.abs(got - exact) <= k * np.finfo(np.float32).eps * scale + 1e-30)
    assert got.dtype == np.float32 and got.shape == (m, n)


@pytest.mark.torch
@settings(max_examples=60, deadline=None)
@given(m=st.one_of(st.integers(2, 70), st.integers(400, 5000)), k=st.integers(2, 17),
       seed=st.integers(0, 999))
def test_matrix_times_column_matches_mkls_gemv(torch_on_our_threads, m, k, seed):
    torch = torch_on_our_threads
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, 1)).astype(np.float32)
    if not blas_order.follows_torch(a, b):
        pytest.skip(f"MKL's AVX-512 gemv kernel is followed only on an AVX-512 CPU. {UNMEASURED}")
    want = torch.from_numpy(a) @ torch.from_numpy(b)
    np.testing.assert_array_equal(blas_order.matrix_product(a, b), want.numpy())
    got_mv = gt.mv(gt.from_numpy(a), gt.from_numpy(b[:, 0].copy()))
    np.testing.assert_array_equal(got_mv.numpy(), torch.mv(torch.from_numpy(a),
                                                          torch.from_numpy(b[:, 0])).numpy())


@pytest.mark.torch
@pytest.mark.parametrize("m,k", [(2731, 3), (2732, 3), (1171, 7), (1172, 7), (745, 11), (746, 11),
                                 (683, 12), (684, 12), (547, 15), (548, 15), (4097, 2)])
def test_gemv_takes_two_threads_once_half_the_rows_hold_4096_products(torch_on_our_threads, m, k):
    # just past m * k = 8192 an odd m stays whole until floor(m / 2) * k reaches 4096; these odd
    # shapes tell the two rules apart (the halves' blocks of four fall differently)
    torch = torch_on_our_threads
    for seed in range(3):
        rng = np.random.default_rng(seed)
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, 1)).astype(np.float32)
        if not blas_order.follows_torch(a, b):
            pytest.skip(f"MKL's AVX-512 gemv kernel is followed only on an AVX-512 CPU. {UNMEASURED}")
        want = torch.from_numpy(a) @ torch.from_numpy(b)
        np.testing.assert_array_equal(blas_order.matrix_product(a, b), want.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("batch,features", [(64, 8), (20, 3), (7, 17), (2000, 3)])
def test_linear_with_one_output_matches_torch_bit_for_bit(torch_on_our_threads, batch, features):
    if not blas_order.follows_torch(np.ones((batch, features), np.float32),
                                    np.ones((features, 1), np.float32)):
        pytest.skip(f"MKL's AVX-512 gemv kernel is followed only on an AVX-512 CPU. {UNMEASURED}")
    def run(lib):
        lib.manual_seed(batch + features)
        layer = lib.nn.Linear(features, 1)
        x = lib.randn(batch, features)
        out = layer(x)
        out.backward(lib.randn(batch, 1))
        return out.detach().numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()
    for want, got in zip(run(torch_on_our_threads), run(gt)):
        np.testing.assert_array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 3000), k=st.integers(2, 17), seed=st.integers(0, 999))
def test_gemv_order_agrees_with_float64(m, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, 1)).astype(np.float32)
    got = blas_order._matrix_times_column(a, b[:, 0])
    exact = (a.astype(np.float64) @ b.astype(np.float64))[:, 0]
    scale = (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))[:, 0]
    assert np.all(np.abs(got - exact) <= k * np.finfo(np.float32).eps * scale + 1e-30)


def test_large_and_column_products_stay_on_numpys_blas(cpu_vendor):
    cpu_vendor("GenuineIntel")  # the rules measured there, whatever CPU runs this
    a = np.ones((64, 64), np.float32)
    assert not blas_order.follows_torch(a, np.ones((64, 64), np.float32))  # too big
    assert not blas_order.follows_torch(a[:8], np.ones((64, 1), np.float32))  # gemv, k > 17
    assert not blas_order.follows_torch(a[:8, :8].T, np.ones((8, 1), np.float32))  # transposed
    assert blas_order.follows_torch(a[:1], np.ones((64, 1), np.float32))  # a dot
    # x @ w.t() with 16+ rows: the chain up to TRANSPOSED_CHAIN_PRODUCT multiply-adds, not past it
    assert blas_order.follows_torch(a[:32], np.ones((30, 64), np.float32).T)
    assert not blas_order.follows_torch(a[:32], np.ones((128, 64), np.float32).T)  # W8's layer
    w8_second = np.ones((32, 128), np.float32), np.ones((10, 128), np.float32).T  # k = 128
    assert not blas_order.follows_torch(*w8_second)
    assert not blas_order.follows_torch(a[:32], np.ones((64, 30), np.float32))  # not transposed
    assert not blas_order.follows_torch(a.astype(np.float64), a.astype(np.float64))


def test_amd_follows_the_mapped_shapes(cpu_vendor):
    cpu_vendor("AuthenticAMD")

    def ones(*shape):
        return np.ones(shape, np.float32)
    assert blas_order.follows_torch(ones(1, 20), ones(20, 32))  # a row times a matrix
    assert blas_order.follows_torch(ones(1, 20), ones(20, 1))  # a dot
    assert blas_order.follows_torch(ones(1, 20), ones(7, 20).T)  # gemv on the rows of b
    for n in (2, 3, 4, 5, 8, 11, 12, 16):
        assert blas_order.follows_torch(ones(16, 20), ones(20, n))
        assert blas_order.follows_torch(ones(20, 16).T, ones(20, n))  # a transposed
        assert blas_order.follows_torch(ones(16, 20), ones(n, 20).T)  # nn.Linear's forward
    assert blas_order.follows_torch(ones(16, 20), ones(20, 1))  # gemv
    assert blas_order.follows_torch(ones(17, 20)[1:], ones(20, 1))  # starts 80 bytes in
    assert not blas_order.follows_torch(ones(16 * 20 + 2)[2:].reshape(16, 20), ones(20, 1))
    assert not blas_order.follows_torch(ones(16, 20), ones(21, 1)[1:])  # starts 4 bytes in
    assert blas_order.follows_torch(ones(20, 16).T, ones(20, 1))  # a transposed: a row's chain
    assert not blas_order.follows_torch(ones(20, 16).T, ones(40, 1)[::2])  # a strided column
    assert blas_order.follows_torch(ones(20, 16).T, ones(5, 20).T)  # both transposed: a chain
    assert not blas_order.follows_torch(ones(20, 16).T, ones(11, 40)[:, ::2].T)  # not a transpose
    assert blas_order.follows_torch(ones(20, 16).T, ones(12, 20).T)  # fused from 12 columns
    assert blas_order.follows_torch(ones(6, 20), ones(20, 12))  # leftover rows: row kernels
    assert blas_order.follows_torch(ones(3, 20), ones(20, 12))
    assert blas_order.follows_torch(ones(13, 20), ones(20, 12))
    assert not blas_order.follows_torch(ones(1, 8), ones(1, 8).T)  # a transposed row
    assert not blas_order.follows_torch(ones(64, 64), ones(64, 64))  # too big


@pytest.mark.torch
@needs_amd_mkl
@settings(max_examples=60, deadline=None)
@given(m=st.one_of(st.integers(2, 70), st.integers(70, 5000)),
       k=st.one_of(st.integers(1, 40), st.integers(40, 4096)), seed=st.integers(0, 999),
       entry=st.sampled_from(["mm", "mv", "linear"]))
def test_amd_gemv_matches_torch_bit_for_bit(torch_on_our_threads, m, k, seed, entry):
    """A matrix times a column as AMD's MKL sums it; compared here only on an AMD CPU."""
    torch = torch_on_our_threads
    if m * k > 6_000_000:
        m = 6_000_000 // k
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    x = rng.standard_normal(k).astype(np.float32)
    assert blas_order.follows_torch(a, x[:, None])
    if entry == "mm":
        want = torch.from_numpy(a) @ torch.from_numpy(x[:, None])
        got = gt.from_numpy(a) @ gt.from_numpy(x[:, None].copy())
    elif entry == "mv":
        want, got = (lib.mv(lib.from_numpy(a), lib.from_numpy(x)) for lib in (torch, gt))
    else:  # nn.Linear(k, 1): addmm with the weight transposed, the bias added after
        bias = rng.standard_normal(1).astype(np.float32)
        want, got = (lib.nn.functional.linear(lib.from_numpy(a), lib.from_numpy(x[None]),
                                              lib.from_numpy(bias)) for lib in (torch, gt))
    assert got.numpy().tobytes() == want.numpy().tobytes()


def _amd_gemv_row(products, blocked_row, second_leftover):
    """The rule for one row, stated as a loop over its products (the module docstring)."""
    k = len(products)
    f32 = np.float32
    if blocked_row:
        head, end, halves = (k - 1) % 4 + 1, k, False
    else:
        head = min(4, k)
        end, halves = head + (k - head) // 8 * 8, not second_leftover
    total = products[0]
    for p in products[1:head]:
        total = f32(total + p)
    if end > head:
        accumulators = [[None] * 4, [None] * 4]
        for step, p in enumerate(products[head:end]):
            which = (step // 4) % 2 if halves else 0
            lane = accumulators[which]
            start = total if step == 0 else lane[step % 4]
            lane[step % 4] = p if start is None else f32(start + p)
        lanes = [f32(0.0) if v is None else v for v in accumulators[0]]
        if halves:
            lanes = [lanes[i] if v is None else f32(lanes[i] + v)
                     for i, v in enumerate(accumulators[1])]
        total = f32(f32(lanes[0] + lanes[2]) + f32(lanes[1] + lanes[3]))
    for p in products[end:]:
        total = f32(total + p)
    return f32(total + f32(0.0))


@settings(max_examples=80, deadline=None)
@given(m=st.integers(2, 11), k=st.integers(1, 45), seed=st.integers(0, 999),
       zeros=st.booleans())
def test_amd_gemv_is_the_stated_loop(m, k, seed, zeros):
    """The vectorised AMD gemv against the rule written as a loop over each row's products."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    x = rng.standard_normal(k).astype(np.float32)
    if zeros:
        a = np.where(a > 0, np.float32(-0.0), a)
    blocked = m // 4 * 4
    want = np.array([_amd_gemv_row(a[i] * x, i < blocked, i == blocked + 1) for i in range(m)],
                    np.float32)
    assert blas_order_amd.gemv(a, x).tobytes() == want.tobytes()


def test_alignment_is_counted_from_the_owning_array():
    base = np.zeros(64, np.float32)
    assert blas_order_amd._aligned(base) and blas_order_amd._aligned(base[4:].reshape(6, 10))
    assert not blas_order_amd._aligned(base[1:])
    assert not blas_order_amd._aligned(base[6:].reshape(2, 29))


@pytest.mark.parametrize("vendor", ["", "HygonGenuine", "CentaurHauls"])
def test_other_vendors_use_numpys_blas(cpu_vendor, vendor):
    cpu_vendor(vendor or "unknown")
    rng = np.random.default_rng(0)
    for m, k, n in [(1, 20, 1), (16, 16, 3), (64, 8, 1), (3, 16, 16)]:
        a, b = _pair(rng, m, k, n)
        assert not blas_order.follows_torch(a, b)
        assert blas_order.matrix_product(a, b).tobytes() == np.matmul(a, b).tobytes()


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 9), k=st.integers(2, 40), n=st.integers(1, 9), seed=st.integers(0, 999),
       zeros=st.booleans())
def test_unfused_chain_is_the_sequential_sum_from_plus_zero(m, k, n, seed, zeros):
    """The one-call short path (add.accumulate) against the loop the rule states."""
    a, b = _pair(np.random.default_rng(seed), m, k, n)
    if zeros:
        a = np.where(a > 0, np.float32(-0.0), a)
    total = np.zeros((m, n), np.float32)
    for step in range(k):
        total = total + a[:, step:step + 1] * b[step:step + 1, :]
    assert blas_order_amd.unfused_chain(a, b).tobytes() == total.tobytes()


@pytest.mark.torch
@pytest.mark.parametrize("rows,cols", [(16, 3), (16, 16), (16, 20), (5, 33), (2, 1000), (4, 1)])
def test_log_softmax_last_dim_matches_torch(real_torch, rows, cols):
    def run(lib):
        lib.manual_seed(rows * 1000 + cols)
        x = lib.randn(rows, cols, requires_grad=True)
        out = lib.log_softmax(x, -1)
        out.backward(lib.randn(rows, cols))
        return out.detach().numpy(), x.grad.numpy()
    (want_out, want_grad), (got_out, got_grad) = run(real_torch), run(gt)
    if cols < 16:
        np.testing.assert_array_equal(got_grad, want_grad)
    else:  # rows longer than a vector: an occasional last-bit difference in the gradient
        np.testing.assert_array_max_ulp(got_grad, want_grad, maxulp=2)
    # SLEEF's vector logf and glibc's differ on an occasional row sum
    assert (got_out != want_out).any(axis=1).sum() <= max(1, rows // 8)


@pytest.mark.torch
@pytest.mark.parametrize("rows,cols", [(16, 3), (16, 10), (3, 100)])
def test_softmax_last_dim_matches_torch(real_torch, rows, cols):
    def run(lib):
        lib.manual_seed(cols)
        x = lib.randn(rows, cols, requires_grad=True)
        out = lib.softmax(x, 1)
        out.backward(lib.randn(rows, cols))
        return out.detach().numpy(), x.grad.numpy()
    want, got = run(real_torch), run(gt)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])  # the backward too, at every width


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 40), seed=st.integers(0, 999))
def test_reduce_sum_agrees_with_float64(rows, cols, seed):
    values = np.random.default_rng(seed).standard_normal((rows, cols)).astype(np.float32)
    got = float_softmax.reduce_sum(values)
    exact = values.astype(np.float64).sum(axis=1)
    bound = cols * np.finfo(np.float32).eps * np.abs(values).astype(np.float64).sum(axis=1)
    assert np.all(np.abs(got - exact) <= bound)
    softmax = float_softmax.forward(None)(values, 1)
    np.testing.assert_allclose(softmax.sum(axis=1), 1, rtol=1e-5)


def _dot_rule(x_row, w_row, pair, quarters=False):
    """MKL's dot kernel for one output, stated as a loop over its products (``_dot_lanes``)."""
    f32 = np.float32

    def fma(a, b, c):  # a * b + c rounded once to float32
        if c is None:
            return f32(a * b)
        product, c = np.float64(a) * np.float64(b), np.float64(c)  # the product is exact
        wide = product + c
        back = wide - product
        error = (product - (wide - back)) + (c - back)  # TwoSum: the exact sum is wide + error
        up, down = (f32(np.nextafter(wide, v)) for v in (np.inf, -np.inf))
        if error and up != down:  # wide is a float32 rounding boundary: the exact sum decides
            return f32(np.nextafter(wide, np.copysign(np.inf, error)))
        return f32(wide)
    k = len(x_row)
    whole = k // 16
    accumulators = [[None] * 16, [None] * 16]
    for s in range(whole * 16):
        which = (s // 16) % 2 if pair and whole >= 2 and not quarters else 0
        lanes = accumulators[which]
        lanes[s % 16] = fma(x_row[s], w_row[s], lanes[s % 16])
    lanes = [f32(0.0) if v is None else v for v in accumulators[0]]
    lanes = [u if v is None else f32(u + v) for u, v in zip(lanes, accumulators[1])]
    for s in range(whole * 16, k):
        lanes[s % 16] = fma(x_row[s], w_row[s], lanes[s % 16] if whole else None)
    if quarters:
        quarter = lanes[:4]
        for q in (4, 8, 12):
            quarter = [f32(u + v) for u, v in zip(quarter, lanes[q:q + 4])]
        return f32(f32(f32(quarter[0] + quarter[1]) + f32(quarter[2] + quarter[3])) + f32(0.0))
    width = 16
    while width > 1:
        width //= 2
        lanes = [f32(lanes[i] + lanes[i + width]) for i in range(width)]
    return f32(lanes[0] + f32(0.0))


@settings(max_examples=80, deadline=None)
@given(m=st.integers(2, 9), k=st.integers(2, 70), n=st.integers(2, 5), seed=st.integers(0, 999),
       quarters=st.booleans(), zeros=st.booleans())
def test_dot_kernel_is_the_stated_loop(m, k, n, seed, quarters, zeros):
    """The vectorised dot kernel against its rule written as a loop over each output's products
    (each fused step rounded once: float64's sum, corrected where it sits on a float32 rounding
    boundary)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    if zeros:
        x = np.where(x > 0.5, np.float32(-0.0), x)
    got = blas_order._dot_lanes(x, w, quarters=quarters)
    want = np.array([[_dot_rule(x[i], w[j], i % 2 == 0, quarters) for j in range(n)]
                     for i in range(m)], np.float32)
    assert got.tobytes() == want.tobytes()


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 15), k=st.integers(2, 64), n=st.integers(2, 11), seed=st.integers(0, 999))
def test_transposed_products_agree_with_float64(m, k, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    for quarters in (False, True):
        got = blas_order._dot_lanes(a, w, quarters=quarters)
        exact = a.astype(np.float64) @ w.T.astype(np.float64)
        scale = np.abs(a).astype(np.float64) @ np.abs(w.T).astype(np.float64)
        assert np.all(np.abs(got - exact) <= k * np.finfo(np.float32).eps * scale + 1e-30)


@pytest.mark.torch
@pytest.mark.parametrize("k", [2, 3, 5, 8, 11, 12, 16, 17, 20, 32, 33, 47, 48, 63, 64, 65, 70, 71,
                               128, 385])
def test_linear_forward_with_few_rows_matches_torch(torch_on_our_threads, k):
    """x @ weight.t() (nn.Linear's forward) at every row and column count around the kernels'
    boundaries: each shape ``follows_torch`` admits, bit for bit, through mm and F.linear."""
    torch = torch_on_our_threads
    rng = np.random.default_rng(k)
    admitted = 0
    for m in range(1, 18):
        for n in range(1, 14):
            x = rng.standard_normal((m, k)).astype(np.float32)
            w = rng.standard_normal((n, k)).astype(np.float32)
            bias = rng.standard_normal(n).astype(np.float32)
            if not blas_order.follows_torch(x, w.T):
                continue
            admitted += 1
            want = torch.from_numpy(x) @ torch.from_numpy(w).t()
            got = gt.from_numpy(x) @ gt.from_numpy(w).t()
            assert got.numpy().tobytes() == want.numpy().tobytes(), (m, k, n)
            want, got = (lib.nn.functional.linear(lib.from_numpy(x), lib.from_numpy(w),
                                                  lib.from_numpy(bias)) for lib in (torch, gt))
            assert got.numpy().tobytes() == want.numpy().tobytes(), (m, k, n)
    if not admitted:
        pytest.skip(f"MKL's orders are followed only on an AVX-512 Intel CPU. {UNMEASURED}")


def test_addmm_with_k_of_one_rounds_once_on_intel(cpu_vendor):
    """MKL's gemm with k = 1 fuses the bias in: (1 + 2**-12)**2 - 1 is 2**-11 + 2**-24 rounded
    once, where the product rounded first (to 1 + 2**-11, a tie to even) would leave 2**-11."""
    cpu_vendor("GenuineIntel")
    x = gt.full((2, 1), 1 + 2 ** -12)
    weight = gt.full((3, 1), 1 + 2 ** -12)
    bias = gt.full((3,), -1.0)
    once = np.float32(2 ** -11 + 2 ** -24)
    assert (gt.nn.functional.linear(x, weight, bias).numpy() == once).all()
    assert (gt.addmm(bias, x, weight.t()).numpy() == once).all()
    assert (gt.addmm(bias, x, weight.t().contiguous()).numpy() == once).all()
    # a column or a row is gemv: the product rounded, then the bias added
    assert (gt.nn.functional.linear(x, weight[:1], bias[:1]).numpy() == 2 ** -11).all()
    assert (gt.nn.functional.linear(x[:1], weight, bias).numpy() == 2 ** -11).all()
    cpu_vendor("AuthenticAMD")  # not measured there: mm, then the bias
    assert (gt.nn.functional.linear(x, weight, bias).numpy() == 2 ** -11).all()


@pytest.mark.torch
@pytest.mark.parametrize("rows,features", [(2, 2), (10, 1), (1, 5), (16, 2), (20, 20), (100, 10)])
def test_linear_of_one_input_matches_torch(torch_on_our_threads, rows, features):
    """nn.Linear(1, n)'s forward, bit for bit (its weight gradient, g.t() @ x, is a gemv on a
    transposed matrix: not followed)."""
    if not blas_order.follows_torch(np.ones((4, 4), np.float32), np.ones((4, 4), np.float32)):
        pytest.skip(f"MKL's orders are not followed here. {UNMEASURED}")
    def run(lib):
        lib.manual_seed(rows * 100 + features)
        return lib.nn.Linear(1, features)(lib.randn(rows, 1)).detach().numpy()
    np.testing.assert_array_equal(run(gt), run(torch_on_our_threads))
