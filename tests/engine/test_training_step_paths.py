"""The training step's short paths (docs/benchmarks.md, "The training steps") against the
general paths they stand for: the same bits, the same state, the same errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradrepl.torch as torch
from gradrepl.engine.float_math import fused as float_fused
from gradrepl.engine.ops import backends, fused, summation
from gradrepl.engine.ops.inplace import _store, write
from gradrepl.engine.vector_math import _fma_exact  # the exact emulation (no screening)

F32, F64 = np.float32, np.float64
_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)


def _bits(x):
    x = np.asarray(x)
    return x.dtype.str, x.shape, x.tobytes()


# ---------------------------------------------------------------------------------------------
# sum_to: every kept dim of size 1 is the sum of everything


@st.composite
def _gradient_and_target(draw):
    """A gradient and a shape it sums back to whose kept dims all have size 1 (the short path),
    or not (the general path: both must give float_sum's bits)."""
    shape = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3))
    dtype = draw(st.sampled_from([F32, F64, np.float16]))
    g = draw(hnp.arrays(dtype, shape, elements=st.floats(-1e4, 1e4, width=16)))
    if draw(st.booleans()):
        g = np.asfortranarray(g)
    lead = draw(st.integers(0, len(shape) - 1))
    target = tuple(1 if draw(st.booleans()) else n for n in shape[lead:])
    return g, target


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(_gradient_and_target())
def test_sum_to_short_path_matches_the_general_sum(monkeypatch, case):
    g, target = case
    like = np.zeros(target, g.dtype)
    short = backends.arrays.sum_to(g, like)
    with monkeypatch.context() as patch:
        patch.setattr(backends, "SHORT_PATHS", False)
        patch.setattr(summation, "SHORT_PATHS", False)
        general = backends.arrays.sum_to(g, like)
    assert _bits(short) == _bits(general)
    assert np.shape(short) == target


def test_sum_to_short_path_on_a_linear_bias_gradient(monkeypatch):
    """nn.Linear(k, 1)'s bias gradient: a (batch, 1) column summed to (1,), torch's order."""
    g = (np.arange(1, 11, dtype=F32) / F32(3)).reshape(10, 1) * F32(1e-3)
    short = backends.arrays.sum_to(g, np.zeros(1, F32))
    with monkeypatch.context() as patch:
        patch.setattr(backends, "SHORT_PATHS", False)
        general = backends.arrays.sum_to(g, np.zeros(1, F32))
    assert _bits(short) == _bits(general)


# ---------------------------------------------------------------------------------------------
# add_scaled (an optimizer's ``param.add_(grad, alpha=-lr)``) against the general fma


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([F32, F64]), st.integers(1, 40), st.data(),
       st.sampled_from([-0.01, -0.1, 0.5, 1, -1e-8, 3.0]))
def test_add_scaled_matches_fma_with_the_scalar_in_the_operands_dtype(dtype, n, data, alpha):
    a = data.draw(hnp.arrays(dtype, n, elements=_FLOATS))
    b = data.draw(hnp.arrays(dtype, n, elements=_FLOATS))
    with np.errstate(all="ignore"):
        got = fused.add_scaled(a, b, alpha)
        want = a + b if alpha == 1 else fused.fma(b, np.dtype(dtype).type(alpha), a)
    assert _bits(got) == _bits(want)


# ---------------------------------------------------------------------------------------------
# write: same dtype and shape goes straight to the memory


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([F32, F64, np.int64]), st.lists(st.integers(1, 5), min_size=0, max_size=3),
       st.data())
def test_write_short_path_matches_the_checked_store(dtype, shape, data):
    values = data.draw(hnp.arrays(dtype, shape, elements=st.integers(-100, 100)))
    fast, slow = torch.zeros(shape, dtype=torch.from_numpy(values).dtype), None
    slow = fast.clone()
    before = fast._version
    write(fast, values)
    _store(slow, slow._data, values)
    assert _bits(fast._data) == _bits(slow._data)
    assert fast._version == before + 1


_SCALAR_DTYPES = [np.float16, F32, F64, np.int8, np.int64, np.uint8, np.bool_]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_SCALAR_DTYPES), st.sampled_from(_SCALAR_DTYPES),
       st.integers(0, 2**64 - 1))
def test_write_of_a_scalar_into_a_0d_tensor_matches_the_checked_store(target, given_dtype, bits):
    """A 0-d tensor holds a numpy scalar; a scalar of that very type (``a -= lr * a.grad``) is
    kept as it is: the bits and type _store's cast gives (nan payloads, -0), the version bumped;
    any other scalar type takes _store, casts and errors included."""
    size = np.dtype(given_dtype).itemsize
    value = np.frombuffer((bits % (1 << (8 * size))).to_bytes(size, "little"), given_dtype)[0]
    if given_dtype == np.bool_:
        value = np.bool_(bits & 1)
    fast, slow = (torch.zeros((), dtype=torch.from_numpy(np.zeros(1, target)).dtype) for _ in "ab")
    assert isinstance(fast._data, np.generic) and type(slow._data) is type(fast._data)
    outcomes = []
    for tensor, store in ((fast, lambda t: write(t, value)), (slow, lambda t: _store(t, t._data, value))):
        before = tensor._version
        try:
            store(tensor)
        except RuntimeError as exc:
            outcomes.append(("error", str(exc)))
        else:
            outcomes.append((type(tensor._data), np.asarray(tensor._data).tobytes()))
            assert tensor is slow or tensor._version == before + 1
    assert outcomes[0] == outcomes[1]


def test_write_still_checks_casts_and_shapes():
    t = torch.zeros(3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        write(t, np.ones(3, F32))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        write(torch.zeros(3), np.ones((2, 3), F32))


# ---------------------------------------------------------------------------------------------
# Optimizer.step: state entries, screened and exact updates


def test_sgd_keeps_no_state_without_momentum_and_a_buffer_with_it():
    for momentum, entries in ((0, 0), (0.9, 2)):
        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)
        model(torch.ones(2, 3)).sum().backward()
        opt.step()
        opt.step()
        assert len(opt.state) == entries
        assert len(opt.state_dict()["state"]) == entries


def test_sgd_step_is_the_exact_fused_update_on_every_screening_path(monkeypatch):
    """The screened update (fma32's midpoint check) gives the bits of the exact emulation."""
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal(s).astype(F32) for s in ((4, 3), (4,))]
    results = []
    for exact in (False, True):
        with monkeypatch.context() as patch:
            patch.setattr(float_fused, "EXACT_EVERYWHERE", exact)
            model = torch.nn.Linear(3, 4)
            with torch.no_grad():
                for p, start in zip(model.parameters(), (np.ones((4, 3), F32), np.ones(4, F32))):
                    p.copy_(torch.from_numpy(start / F32(3)))
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            for p, g in zip(model.parameters(), grads):
                p.grad = torch.from_numpy(g)
            opt.step()
            results.append([_bits(p.detach().numpy()) for p in model.parameters()])
    assert results[0] == results[1]


# ---------------------------------------------------------------------------------------------
# MKL's gemv order (blas_order._gemv_rows): unpadded lanes reused from the products


def _gemv_padded(a, x):
    """The order blas_order's docstring gives, lanes always zero-padded to a power of two and
    every fused step done by the exact emulation: what _gemv_rows must reproduce."""
    m, k = a.shape
    first = a[:, 0] * x[0]
    blocked = m // 4 * 4
    width = 1 << (k - 2).bit_length()
    lanes = np.zeros((m, width), F32)
    np.multiply(a[:, 1:], x[1:], out=lanes[:, :k - 1])
    if blocked:
        second = np.full(blocked, x[1], F32)
        lanes[:blocked, 0] = _fma_exact(a[:blocked, 1], second, first[:blocked])
    while width > 1:
        width //= 2
        lanes = lanes[:, :width] + lanes[:, width:2 * width]
    total = lanes[:, 0].copy()
    total[blocked:] = first[blocked:] + total[blocked:]
    return total + F32(0)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 21), st.integers(2, 17), st.data())
def test_gemv_rows_match_the_padded_order(m, k, data):
    from gradrepl.engine.ops import blas_order

    values = st.floats(-1e3, 1e3, width=32) | st.sampled_from([0.0, -0.0, 1.0, 2.0**-20])
    a = data.draw(hnp.arrays(F32, (m, k), elements=values))
    x = data.draw(hnp.arrays(F32, k, elements=values))
    got = blas_order._gemv_rows(a, x)
    assert got.flags.c_contiguous and got.shape == (m,)
    assert _bits(got) == _bits(_gemv_padded(a, x))


_GEMV_OPERANDS = (
    st.floats(-1e3, 1e3, width=32)
    | st.integers(-2**13, 2**13).map(lambda i: i * 2.0**-11)  # few bits: exact midpoint sums
    | st.floats(-2.0**-60, 2.0**-60, width=32)  # products below float32's normal range
    | st.sampled_from([0.0, -0.0, 1 + 2**-23, 1 - 2**-23, 2**-24 * (1 + 2**-23), 2.0**-24,
                       3e38, -3e38, float("inf"), float("nan")]))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(st.integers(1, 16), st.integers(2, 17), st.data())
def test_few_lane_gemv_matches_the_numpy_gemv(monkeypatch, m, k, data):
    """_gemv_rows on at most GEMV_FEW_PRODUCTS products runs few_lanes.gemv; with
    GEMV_FEW_PRODUCTS = 0 it runs the numpy lanes: the same bits and the same warnings."""
    import warnings

    from gradrepl.engine.ops import blas_order

    a = data.draw(hnp.arrays(F32, (m, k), elements=_GEMV_OPERANDS))
    x = data.draw(hnp.arrays(F32, k, elements=_GEMV_OPERANDS))
    if data.draw(st.booleans()):  # fma steps on midpoints: c + (1 - 2**-23) * 2**-24 * c
        a[:, 0], a[:, 1] = F32(1 + 2**-23), F32(2**-24 * (1 + 2**-23))
        x[0], x[1] = F32(1), F32(1 - 2**-23)
    results = []
    for limit in (max(m * k, blas_order.GEMV_FEW_PRODUCTS), 0):
        with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            patch.setattr(blas_order, "GEMV_FEW_PRODUCTS", limit)
            out = blas_order._gemv_rows(a, x)
        results.append((_bits(out), out.flags.writeable,
                        [(w.category, str(w.message)) for w in caught]))
    assert results[0] == results[1]


# ---------------------------------------------------------------------------------------------
# A matrix chain whose flagged sums were exact in float64 is accepted without a rerun


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(st.integers(1, 3), st.integers(2, 12), st.integers(1, 4), st.data())
def test_chain_accepts_exact_midpoint_sums_with_the_stepwise_bits(monkeypatch, m, k, n, data):
    """Few-bit operands (what a small regression's gradients look like) put float64 sums on
    float32 midpoints exactly; _chain_rounded_once must accept those and only those, giving the
    bits of the chain screened step by step."""
    from gradrepl.engine.ops import blas_order

    few_bits = st.integers(-2**13, 2**13).map(lambda i: i * 2.0**-11)
    wide = st.floats(-1e3, 1e3, width=32)
    values = few_bits | wide if data.draw(st.booleans()) else few_bits
    a = data.draw(hnp.arrays(F32, (m, k), elements=values))
    b = data.draw(hnp.arrays(F32, (k, n), elements=values | st.just(2.0**-24)))
    once = blas_order._chain(a, b)
    with monkeypatch.context() as patch:
        patch.setattr(float_fused, "DEFERRED", False)
        stepped = blas_order._chain(a, b)
    assert _bits(once) == _bits(stepped)


# ---------------------------------------------------------------------------------------------
# A chain of a few lanes in Python floats (few_lanes.fma_chain) against numpy's chain

_CHAIN_OPERANDS = (
    st.floats(-1e3, 1e3, width=32)
    | st.integers(-2**13, 2**13).map(lambda i: i * 2.0**-11)  # few bits: exact midpoint sums
    | st.floats(-2.0**-60, 2.0**-60, width=32)  # products and sums below float32's normal range
    | st.sampled_from([0.0, -0.0, 1 + 2**-23, 1 - 2**-23, 2**-24 * (1 + 2**-23), 2.0**-24,
                       3e38, -3e38, float("inf"), float("nan")]))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(st.integers(1, 2), st.integers(2, 40), st.integers(1, 7), st.data())
def test_few_lane_chain_matches_the_numpy_chain(monkeypatch, m, k, n, data):
    """blas_order._chain of one row times n <= FEW_LANES columns runs few_lanes.fma_chain (two
    rows do not, and must not change); with FEW_LANES = 0
    it runs numpy's chain: the same bits and the same warnings (midpoint sums exact or not,
    sums below the normal range, overflow, inf and nan, signed zeros)."""
    import warnings

    from gradrepl.engine.ops import blas_order

    a = data.draw(hnp.arrays(F32, (m, k), elements=_CHAIN_OPERANDS))
    b = data.draw(hnp.arrays(F32, (k, n), elements=_CHAIN_OPERANDS))
    if data.draw(st.booleans()):  # the layout the weight gradient's operands come in
        a, b = np.asfortranarray(a), b.T.copy().T
    results = []
    for lanes in (blas_order.FEW_LANES, 0):
        with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            patch.setattr(blas_order, "FEW_LANES", lanes)
            out = blas_order._ordered_product(a, b)
        results.append((_bits(out), out.flags.writeable,
                        [(w.category, str(w.message)) for w in caught]))
    assert results[0] == results[1]


_SPECIAL_OPERANDS = [0.0, -0.0, 1 + 2**-23, 1 - 2**-23, 2**-24 * (1 + 2**-23), 2.0**-24, 2.0**-70,
                     3e38, -3e38, float("inf"), float("nan")]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(st.integers(2, 40) | st.integers(200, 520), st.integers(1, 6), st.integers(2, 40),
       st.sampled_from(["normal", "few bits", "integers", "tiny"]), st.integers(0, 2**32 - 1),
       st.data())
def test_split_chain_matches_the_numpy_chain(monkeypatch, k, n, split_steps, kind, seed, data):
    """A long chain of a few lanes (few_lanes.fma_chain_split, Veltkamp's rounding) against
    numpy's chain (FEW_LANES = 0) and the short chain's Python floats: the same bits and the same
    warnings, on ordinary values, exact midpoint sums (few-bit operands), sums below the normal
    range, and overflow, inf, nan and signed zeros planted where hypothesis puts them
    (SPLIT_STEPS, steps per lane, lowered so short chains split too; k from 256 sums two halves, as MKL's two
    threads)."""
    import warnings

    from gradrepl.engine.ops import blas_order

    rng = np.random.default_rng(seed)
    size = k + k * n
    if kind == "normal":
        values = rng.standard_normal(size) * 10.0 ** rng.integers(-3, 4)
    elif kind == "few bits":
        values = rng.integers(-2**13, 2**13, size) * 2.0**-11
    elif kind == "integers":
        values = rng.integers(-8, 9, size).astype(F64)
    else:
        values = rng.standard_normal(size) * 2.0**-62
    values = values.astype(F32)
    for _ in range(data.draw(st.integers(0, 3))):
        values[data.draw(st.integers(0, size - 1))] = data.draw(st.sampled_from(_SPECIAL_OPERANDS))
    a, b = values[:k].reshape(1, k), values[k:].reshape(k, n)
    if data.draw(st.booleans()):  # the layout the weight gradient's operands come in
        a, b = np.asfortranarray(a), b.T.copy().T
    results = []
    for lanes, steps in ((blas_order.FEW_LANES, split_steps), (0, split_steps),
                         (blas_order.FEW_LANES, 10**9)):
        with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            patch.setattr(blas_order, "FEW_LANES", lanes)
            patch.setattr(blas_order, "SPLIT_STEPS", steps)
            out = blas_order._ordered_product(a, b)
        results.append((_bits(out), out.flags.writeable,
                        [(w.category, str(w.message)) for w in caught]))
    assert results[0] == results[1] == results[2]


def test_split_chain_takes_the_short_path_on_a_lesson_gradient():
    """nn.Linear(3, 1)'s weight gradient on 200 samples (samples/21): the split chain must not
    hand ordinary values back to numpy, and gives the short chain's bits."""
    from gradrepl.engine.float_math import few_lanes

    rng = np.random.default_rng(5)
    g, x = rng.standard_normal((1, 200), dtype=F32), rng.standard_normal((200, 3), dtype=F32)
    split = few_lanes.fma_chain_split(g[0], x)
    assert split is not None
    assert split.tobytes() == few_lanes.fma_chain(g[0].tolist(), x.tolist()).tobytes()


def test_split_chain_hands_back_a_midpoint_sum():
    """A sum on a float32 midpoint is where Veltkamp's split may break the tie the wrong way:
    the split chain hands it back (None) and the product still has the numpy chain's bits."""
    from gradrepl.engine.float_math import few_lanes
    from gradrepl.engine.ops import blas_order

    a = np.ones((1, 20), F32)
    b = np.zeros((20, 1), F32)
    b[0, 0], b[1, 0] = 1.0, 2.0**-24  # 1 + 2**-24: halfway between 1 and 1 + 2**-23
    assert few_lanes.fma_chain_split(a[0], b) is None
    assert blas_order._ordered_product(a, b).tobytes() == np.array([[1.0]], F32).tobytes()


@pytest.mark.parametrize("lanes", [6, 0])
def test_a_zero_chain_is_plus_zero_on_both_paths(monkeypatch, lanes):
    """A chain whose every sum is -0 (products of -0) ends as +0, as BLAS's sum from +0 does,
    whichever path ran: the few-lane path adds the +0 only to an array holding a zero."""
    from gradrepl.engine.ops import blas_order

    monkeypatch.setattr(blas_order, "FEW_LANES", lanes)
    a = np.array([[-0.0, -0.0, -0.0]], F32)
    b = np.array([[1.0, -0.0, 2.0], [3.0, 4.0, -0.0], [5.0, 6.0, 7.0]], F32)
    out = blas_order._ordered_product(a, b)
    assert _bits(out) == _bits(np.zeros((1, 3), F32)) and out.flags.writeable
    a[0, 0], b[0, 0], b[0, 1] = -1.0, 3.0, 0.0  # lane 1 is -0 all along, the others nonzero
    out = blas_order._ordered_product(a, b)
    assert _bits(out) == _bits(np.array([[-3.0, 0.0, -2.0]], F32))


def test_a_sum_rounding_past_float32_goes_back_to_numpy():
    """A finite float64 sum that rounds past float32's range (struct's f format raises
    OverflowError where array('f') made inf silently): the few-lane chain and gemv hand it back,
    and numpy's path overflows to inf with its own warning."""
    import warnings

    from gradrepl.engine.float_math import few_lanes
    from gradrepl.engine.ops import blas_order

    assert few_lanes.fma_chain([3e38, 3e38], [[1.0, 2.0], [1.0, 1.0]]) is None
    assert few_lanes.gemv([3e38, 3e38, 3e38], 3, 4) is None  # one tail row: 3e38 + 6e38
    a = np.array([[3e38, 3e38]], F32)
    b = np.array([[1.0, 2.0], [1.0, 1.0]], F32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = blas_order._ordered_product(a, b)
    assert np.isinf(out).all() and any("overflow" in str(w.message) for w in caught)


def test_few_lane_chain_takes_the_short_path_on_a_lesson_gradient(monkeypatch):
    """The weight gradient of nn.Linear(3, 1) on 10 samples is what the short path is for: it
    must not hand the chain back to numpy on ordinary values."""
    from gradrepl.engine.float_math import few_lanes

    rng = np.random.default_rng(3)
    g, x = rng.standard_normal((1, 10), dtype=F32), rng.standard_normal((10, 3), dtype=F32)
    assert few_lanes.fma_chain(g[0].tolist(), x.tolist()) is not None


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(F64, st.integers(1, 60), elements=st.floats(width=64)), st.data())
def test_suspect_slots_flag_what_rounding_suspects_flags(sums, data):
    """few_lanes._suspect_slots (every sum's bits in one Python integer) flags the sums
    fused.rounding_suspects flags: on a float32 midpoint, or nonzero below the normal range."""
    from gradrepl.engine.float_math import few_lanes

    bits = sums.view(np.uint64)
    midpoint = data.draw(hnp.arrays(np.bool_, sums.shape))
    bits[midpoint] = (bits[midpoint] & ~np.uint64((1 << 29) - 1)) | np.uint64(1 << 28)
    tiny = data.draw(hnp.arrays(np.bool_, sums.shape))
    with np.errstate(all="ignore"):
        sums[tiny] = sums[tiny] * 2.0**-140  # many land below float32's normal range
    slots = few_lanes._suspect_slots(sums.tolist())
    flagged = [bool(slots >> (64 * i) & ((1 << 64) - 1)) for i in range(sums.size)]
    assert flagged == float_fused.rounding_suspects(sums).tolist()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(st.integers(2, 40), st.integers(1, 7), st.data())
def test_written_row_chain_matches_the_few_lane_and_numpy_chains(monkeypatch, k, n, data):
    """A row times a few C-contiguous columns through the memoised plan: the chain written out
    for its sizes (few_lanes.row_chain_kernel, p-w9), few_lanes.fma_chain (ROW_CHAINS = False)
    and numpy's chain (FEW_LANES = 0) give the same bits, warnings and a writable C-contiguous
    (1, n) result; operands past the written-out cap take fma_chain."""
    import warnings

    from gradrepl.engine.ops import blas_order

    monkeypatch.setattr(blas_order, "_mkl_avx512", lambda: True)
    a = data.draw(hnp.arrays(F32, (1, k), elements=_CHAIN_OPERANDS))
    b = data.draw(hnp.arrays(F32, (k, n), elements=_CHAIN_OPERANDS))
    if data.draw(st.booleans()):  # the weight gradient's row: a (k, 1) gradient transposed
        a = np.ascontiguousarray(a.T).T
    results = []
    for chains, lanes in ((True, blas_order.FEW_LANES), (False, blas_order.FEW_LANES),
                          (True, 0)):
        with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            patch.setattr(blas_order, "ROW_CHAINS", chains)
            patch.setattr(blas_order, "FEW_LANES", lanes)
            out = blas_order.matrix_product(a, b)
        results.append((_bits(out), out.flags.writeable, out.flags.c_contiguous,
                        [(w.category, str(w.message)) for w in caught]))
    assert results[0] == results[1] == results[2]


def test_written_row_chain_screens_its_steps(monkeypatch):
    """The written-out chain keeps a step whose float64 sum is a float32 midpoint exactly and
    hands back one that may have rounded twice (then numpy's steps decide, as for fma_chain)."""
    from gradrepl.engine.float_math import few_lanes

    kernel = few_lanes.row_chain_kernel(2, 1)
    exact = kernel(np.array([[1.0, 2.0**-24]], F32), np.array([[1.0], [1.0]], F32))
    assert exact is not None and exact.tobytes() == np.array([[1.0]], F32).tobytes()
    # (1 + 2**-18) * 2**-24 * (1 - 2**-18) + 1: 1 + 2**-24 - 2**-60, a midpoint in float64
    twice = kernel(np.array([[1.0, 1 + 2.0**-18]], F32),
                   np.array([[1.0], [2.0**-24 - 2.0**-42]], F32))
    assert twice is None
    assert few_lanes.fma_chain([1.0, 1 + 2.0**-18], [[1.0], [2.0**-24 - 2.0**-42]]) is None
