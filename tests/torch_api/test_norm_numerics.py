"""batch_norm and layer_norm bit for bit against live torch 2.13 (engine/float_math/batch_norm.py,
layer_norm.py), and their short paths against the general ones without torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradrepl.torch as gt
from gradrepl.engine.float_math import batch_norm as bn_kernel
from gradrepl.engine.float_math import layer_norm as ln_kernel
from gradrepl.engine.ops.summation import THREADS


@pytest.fixture(scope="module")
def torch_on_our_threads():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)  # the row split of the (N, C) and layer norm buffers
    yield torch
    torch.set_num_threads(threads)


def _batch_norm_run(lib, shape, seed, momentum, dtype):
    lib.manual_seed(seed)
    lib.set_default_dtype(dtype(lib))
    try:
        layer = (lib.nn.BatchNorm1d if len(shape) < 4 else lib.nn.BatchNorm2d)(
            shape[1], momentum=momentum)
        with lib.no_grad():
            layer.weight.uniform_(0.5, 1.5)
            layer.bias.uniform_(-0.5, 0.5)
        seen = []
        for step in range(3):  # two training steps, then one in eval mode
            layer.train(step < 2)
            x = (lib.randn(*shape) * 1.7 + 0.3).requires_grad_()
            y = layer(x)
            y.backward(lib.randn(*shape))
            seen += [y.detach(), x.grad, layer.weight.grad, layer.bias.grad,
                     layer.running_mean.clone(), layer.running_var.clone()]
            layer.zero_grad()
        return [t.numpy() for t in seen]
    finally:
        lib.set_default_dtype(lib.float32)


_BN_SHAPES = st.one_of(
    st.tuples(st.integers(2, 40), st.integers(1, 20)),  # (N, C): the channels-last kernels
    st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 40)),
    st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 9), st.integers(1, 9)))


@pytest.mark.torch
@settings(max_examples=40, deadline=None)
@given(shape=_BN_SHAPES, seed=st.integers(0, 999), momentum=st.sampled_from([0.1, 0.3, None]))
def test_batch_norm_matches_torch_bit_for_bit(torch_on_our_threads, shape, seed, momentum):
    if shape[0] * int(np.prod(shape[2:])) < 2:
        return  # torch refuses one value per channel in training
    if int(np.prod(shape[2:])) == 1 and shape[0] <= THREADS:
        return  # (N, C) with N <= threads: ~1% of channels differ (test_few_rows_... below)
    float32 = lambda lib: lib.float32  # noqa: E731
    want = _batch_norm_run(torch_on_our_threads, shape, seed, momentum, float32)
    got = _batch_norm_run(gt, shape, seed, momentum, float32)
    for name, w, g in zip(["output", "input grad", "weight grad", "bias grad", "running_mean",
                           "running_var"] * 3, want, got):
        np.testing.assert_array_equal(g, w, err_msg=name)


@pytest.mark.torch
def test_few_rows_per_channel_within_one_ulp(torch_on_our_threads):
    """(N, C) input with no more rows than threads: torch's serial double sums, which gradrepl
    follows, give its invstd on 99% of channels (measured 8029 of 8095 over 400 inputs); the
    rest are 1 ulp apart, for a reason not found."""
    torch = torch_on_our_threads
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((2, 400)) * 1.7 + 0.3).astype(np.float32)
    _, mean, invstd = torch.native_batch_norm(torch.from_numpy(x), None, None, None, None, True,
                                              0.1, 1e-5)
    ours_mean, ours_invstd = bn_kernel.train_stats(x, 1e-5, 0.1)
    np.testing.assert_array_equal(ours_mean, mean.numpy())
    np.testing.assert_array_max_ulp(ours_invstd, invstd.numpy(), maxulp=1)
    assert (ours_invstd != invstd.numpy()).sum() <= 12


@pytest.mark.torch
@pytest.mark.parametrize("shape", [(16, 8), (5, 3, 7), (4, 3, 5, 5)])
def test_batch_norm_float64_matches_torch(torch_on_our_threads, shape):
    float64 = lambda lib: lib.float64  # noqa: E731
    for w, g in zip(_batch_norm_run(torch_on_our_threads, shape, 0, 0.1, float64),
                    _batch_norm_run(gt, shape, 0, 0.1, float64)):
        np.testing.assert_array_equal(g, w)


def _layer_norm_run(lib, shape, n_dims, affine, seed):
    lib.manual_seed(seed)
    layer = lib.nn.LayerNorm(shape[len(shape) - n_dims:], elementwise_affine=affine)
    if affine:
        with lib.no_grad():
            layer.weight.uniform_(0.5, 1.5)
            layer.bias.uniform_(-0.5, 0.5)
    x = (lib.randn(*shape) * 2 + 0.5).requires_grad_()
    y = layer(x)
    y.backward(lib.randn(*shape))
    seen = [y.detach(), x.grad] + ([layer.weight.grad, layer.bias.grad] if affine else [])
    return [t.numpy() for t in seen]


@pytest.mark.torch
@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), width=st.integers(1, 128), affine=st.booleans(),
       seed=st.integers(0, 999))
def test_layer_norm_matches_torch_bit_for_bit(torch_on_our_threads, rows, width, affine, seed):
    """Rows of up to 128 floats (one Welford chunk): exact."""
    want = _layer_norm_run(torch_on_our_threads, (rows, width), 1, affine, seed)
    got = _layer_norm_run(gt, (rows, width), 1, affine, seed)
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g, w)


@pytest.mark.torch
@pytest.mark.parametrize("shape,n_dims", [((8, 5, 32), 1), ((3, 4, 6), 2), ((2, 10, 256), 1)])
def test_layer_norm_modules_match_torch(torch_on_our_threads, shape, n_dims):
    for affine in (True, False):
        for w, g in zip(_layer_norm_run(torch_on_our_threads, shape, n_dims, affine, 0),
                        _layer_norm_run(gt, shape, n_dims, affine, 0)):
            np.testing.assert_array_equal(g, w)


@pytest.mark.torch
@pytest.mark.parametrize("width", [300, 1000, 2049])
def test_long_layer_norm_rows_within_one_ulp(torch_on_our_threads, width):
    """Longer rows merge several Welford chunks, fitted from measurements: measured 0-5 rows in
    200 off, by at most 2 ulps of rstd (docs/nn.md)."""
    torch = torch_on_our_threads
    x = torch.randn(40, width, generator=torch.Generator().manual_seed(width)) * 2 + 0.5
    _, mean, rstd = torch.native_layer_norm(x, [width], None, None, 1e-5)
    ours_mean, var = ln_kernel.moments(x.numpy())
    ours_rstd = np.float32(1) / np.sqrt(var + np.float32(1e-5))
    np.testing.assert_array_equal(ours_mean, mean.numpy().ravel())
    np.testing.assert_array_max_ulp(ours_rstd, rstd.numpy().ravel(), maxulp=2)
    assert (ours_rstd != rstd.numpy().ravel()).sum() <= 3


# -- without torch: the short paths against the general ones --------------------------------

@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 300), cols=st.integers(1, 6), seed=st.integers(0, 999))
def test_in_order_adds_rows_strictly_in_order(rows, cols, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((rows, cols)) * 10.0 ** rng.integers(-8, 8, (rows, cols))
    expected = np.zeros(cols)
    for row in values:
        expected = expected + row
    np.testing.assert_array_equal(bn_kernel.in_order(values), expected)


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 6), width=st.integers(1, 300), seed=st.integers(0, 999),
       scale=st.sampled_from([1.0, 1e-20, 1e-38, 3.0]))
def test_recorded_multiply_adds_equal_the_exact_ones(rows, width, seed, scale):
    """layer_norm's cheap float32 multiply-adds, checked once at the end, give the exact
    emulation's bits (structured inputs land on float32 midpoints, tiny ones near subnormals)."""
    rng = np.random.default_rng(seed)
    x = (rng.integers(-8, 8, (rows, width)) * scale / 4).astype(np.float32)
    if seed % 2:
        x = (rng.standard_normal((rows, width)) * scale).astype(np.float32)
    fast = ln_kernel.moments(x)
    exact = ln_kernel._moments(x, fma=bn_kernel.fma)
    for f, e in zip(fast, exact):
        np.testing.assert_array_equal(f, e)


@settings(max_examples=30, deadline=None)
@given(shape=_BN_SHAPES, seed=st.integers(0, 999))
def test_batch_norm_kernel_agrees_with_float64(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * 3 + 1
    if x.size // x.shape[1] < 2:
        return
    mean, var_sum = bn_kernel.collect_stats(x)
    axes = (0,) + tuple(range(2, x.ndim))
    exact = x.astype(np.float64)
    np.testing.assert_allclose(mean, exact.mean(axis=axes), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(var_sum, exact.var(axis=axes) * (x.size // x.shape[1]),
                               rtol=1e-5, atol=1e-5)
