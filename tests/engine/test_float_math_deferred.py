"""engine/float_math/fused.deferred_checks: SLEEF kernels whose fused steps are screened once at
the end give the bits of the step-by-step screening (``fused.DEFERRED = False``), including on
inputs whose float64 sums land on float32 midpoints, exactly (accepted at the end) or not (the
kernel is run again); and ops/fused.fma, which the optimizers' updates use, against
vector_math.fma."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import given, settings, strategies as st

from gradrepl.engine import vector_math
from gradrepl.engine.float_math import fused, sleef, sleef_single
from gradrepl.engine.float_math import softmax as float_softmax
from gradrepl.engine.float_math.double_float import SINGLE as df
from gradrepl.engine.ops import fused as ops_fused
from tests.engine.test_float_math_fused import _exact_fma32, _midpoint_triples

F32 = np.float32
floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)
KERNELS = [sleef.expf, sleef_single.exp2f, sleef_single.expm1f, sleef_single.log1pf,
           sleef_single.logf, sleef_single.log2f, sleef_single.log10f,
           lambda v: sleef_single.powf(np.abs(v), F32(1.5)),
           lambda v: sleef_single.powf(v, v[::-1] / F32(7))]


@contextlib.contextmanager
def step_by_step():
    saved, fused.DEFERRED = fused.DEFERRED, False
    try:
        yield
    finally:
        fused.DEFERRED = saved


def _bits(a):
    return np.asarray(a).view(np.uint32).tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(floats32, min_size=1, max_size=40), st.sampled_from([1, -1, 1e-30, 1e30]))
def test_deferred_kernels_match_step_by_step(values, scale):
    with np.errstate(all="ignore"):
        x = np.array(values, F32) * F32(scale)
        deferred = [f(x) for f in KERNELS]
        with step_by_step():
            stepped = [f(x) for f in KERNELS]
    for d, s in zip(deferred, stepped):
        assert d.dtype == s.dtype and _bits(d) == _bits(s)


def test_log_of_sums_takes_the_exact_midpoint_branch():
    """logf's double-word divide makes 25-bit float64 sums (1 - d * (1/d) plus a power-of-two
    low part): flagged, found exact, accepted without a rerun, and still right. (The fused
    steps themselves: logf's float64 path for such inputs, tests/engine/test_mlp_step_paths.py,
    screens without ``all_rounded_once``.)"""
    x = np.random.default_rng(1).uniform(1, 10, 64).astype(F32)
    calls = []
    real = fused.all_rounded_once
    fused.all_rounded_once = lambda steps: calls.append(real(steps)) or calls[-1]
    try:
        deferred = sleef_single._logf_fused_steps(x)
    finally:
        fused.all_rounded_once = real
    with step_by_step():
        stepped = sleef_single.logf(x)
    assert calls == [True] and _bits(deferred) == _bits(stepped)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4, width=32), st.floats(-1e4, 1e4, width=32)),
                min_size=1, max_size=16), st.sampled_from([0, 1, -1]))
def test_a_deferred_chain_reruns_where_a_midpoint_was_inexact(pairs, step):
    """Two chained fused steps on operands built to round twice in float64: the deferred result
    is the exactly rounded one, whether the end check accepts or reruns."""
    a, b = (np.array(v, F32) for v in zip(*pairs))
    c = _midpoint_triples(a, b, step)

    @fused.deferred_checks
    def chain(a, b, c):
        first = fused.fma32(a, b, c)
        return fused.fma32(first, F32(1), F32(-0.0)), first  # + -0.0 keeps a -0.0 (+ 0 would not)

    out, first = chain(a, b, c)
    exact = _exact_fma32(a, b, c)
    assert _bits(first) == _bits(exact) and _bits(out) == _bits(exact)


def _kept_steps(a, b, c):
    """The steps a deferred kernel of one fma32 keeps, and that step's result."""
    fused._pending.steps = steps = []
    try:
        result = fused.fma32(a, b, c)
    finally:
        fused._pending.steps = None
    return steps, result


def testall_rounded_once_tells_exact_from_inexact_midpoints():
    # (1 + 2**-12)**2 = 1 + 2**-11 + 2**-24: on a float32 midpoint, and exact in float64
    a = np.array([1 + 2.0 ** -12], F32)
    steps, _ = _kept_steps(a, a, F32(0))
    assert fused.on_float32_midpoint(steps[0][1]).all() and fused.all_rounded_once(steps)
    # (1 + 2**-23) * -(2**-24) (1 - 2**-23) + (1 + 2**-23) = 1 + 2**-24 + 2**-70: float64 drops
    # the 2**-70 onto the midpoint, and rounding that to float32 goes the wrong way
    a, c = np.array([1 + 2.0 ** -23], F32), np.array([1 + 2.0 ** -23], F32)
    b = np.array([-(2.0 ** -24) * (1 - 2.0 ** -23)], F32)
    steps, rounded_twice = _kept_steps(a, b, c)
    assert not fused.all_rounded_once(steps)
    assert rounded_twice[0] == F32(1) and _exact_fma32(a, b, c)[0] == F32(1 + 2.0 ** -23)
    assert fused.deferred_checks(fused.fma32)(a, b, c)[0] == F32(1 + 2.0 ** -23)  # run again
    # and the tiny ones: a nonzero sum below float32's normal range, exact in float64
    t = np.array([2.0 ** -70], F32)
    steps, _ = _kept_steps(t, t, F32(0))
    assert fused.all_rounded_once(steps)


def test_large_log_softmax_rows_screen_block_by_block():
    """Rows larger than a block keep the kernels' own (blocked) deferral: same bits."""
    x = np.random.default_rng(2).standard_normal((3, 20000)).astype(F32)
    fast = float_softmax.forward(None, log=True)(x, 1)
    with step_by_step():
        slow = float_softmax.forward(None, log=True)(x, 1)
    assert _bits(fast) == _bits(slow)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(floats32, floats32), min_size=1, max_size=20),
       st.sampled_from([-0.01, -1e-3, 0.5, -1.0, 3.0, -1e-30]))
def test_optimizer_fma_matches_vector_math(pairs, alpha):
    """``param.add_(buf, alpha=-lr)``: float_math's fma32 (now used) against vector_math.fma."""
    p, buf = (np.array(v, F32) for v in zip(*pairs))
    with np.errstate(all="ignore"):
        mine = ops_fused.add_scaled(p, buf, alpha)
        reference = vector_math.fma(buf, F32(alpha), p)
    assert _bits(mine) == _bits(reference)


def test_divide_by_one_plus_matches_divide_for_every_reduced_argument():
    """Every float32 m in [0.75, 1.5) (the logs' reduced arguments, 2**23 of them), and 0, inf,
    nan: the unscreened residual steps give ``divide``'s bits (about half a second)."""
    start, stop = (int(v) for v in np.array([0.75, 1.5], F32).view(np.uint32))
    specials = np.array([0, np.inf, np.nan, 1], F32)
    for first in range(start, stop + 1, 1 << 20):
        if first < stop:
            m = np.arange(first, min(first + (1 << 20), stop), dtype=np.uint32).view(F32)
        else:
            m = specials
        with np.errstate(all="ignore"):
            n, d = df.add2_ff(F32(-1), m), df.add2_ff(F32(1), m)
            fast, slow = df.divide_by_one_plus(n, d), df.divide(n, d)
        for f, s in zip(fast, slow):
            assert np.array_equal(f.view(np.uint32), s.view(np.uint32))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.floats(1e-3, 1e3), st.integers(0, 2**32 - 1))
def test_softmax_rows_screened_once_match_step_by_step(rows, size, scale, seed):
    """log_softmax and softmax rows, and log_softmax's backward, screened in one check at their
    end (exp's, log's and the backward's own fused steps together) against step by step."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, size)) * scale).astype(F32)
    g = (rng.standard_normal((rows, size))).astype(F32)

    def run():
        log_p = float_softmax.forward(None, log=True)(x, 1)
        p = float_softmax.forward(None)(x, 1)
        (grad,) = float_softmax.backward(None, log=True)(None, g, (x,), log_p, (1,), (True,))
        return log_p, p, grad

    with np.errstate(all="ignore"):
        once = run()
        with step_by_step():
            stepped = run()
    for a, b in zip(once, stepped):
        assert _bits(a) == _bits(b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, float(np.finfo(F32).max), width=32, exclude_min=True), min_size=1,
                max_size=30),
       st.lists(st.floats(-104, 100, width=32), min_size=1, max_size=30))
def test_ordinary_inputs_skip_the_special_cases_without_changing_a_bit(positive, moderate):
    """logf of all-positive finite inputs and expf of inputs in [-104, 100] skip the
    replacements of special values; with one special value appended the same elements take the
    general path (the kernels are elementwise)."""
    logs_in, exps_in = np.array(positive, F32), np.array(moderate, F32)
    with np.errstate(all="ignore"):
        logs = sleef_single.logf(logs_in)
        general_logs = sleef_single.logf(np.append(logs_in, F32(-1)))[:-1]
        exps = sleef.expf(exps_in)
        general_exps = sleef.expf(np.append(exps_in, F32(-200)))[:-1]
    assert _bits(logs) == _bits(general_logs) and _bits(exps) == _bits(general_exps)
    for f, v in ((sleef_single.logf, F32(2)), (sleef.expf, F32(-1))):
        assert type(f(v)) is np.ndarray and f(v).shape == ()  # 0-d in, 0-d array out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-86, 88, width=32), st.sampled_from([0.0, -0.0, -86.0, 88.0])),
                min_size=1, max_size=40))
def test_expf_ordinary_path_matches_the_general_path(values):
    """expf on [-86, 88] (q * L2U exact, one multiply by 2**q): the general path's bits, as
    scripts/check_expf_ordinary_path.py checks for every float32 in the range."""
    d = np.array(values, F32)
    with np.errstate(all="ignore"):
        general = sleef.expf(np.append(d, F32(-200)))[:-1]
    assert _bits(sleef.expf(d)) == _bits(general)


_CHAIN_VALUES = st.one_of(
    st.floats(width=32, min_value=-2.0**60, max_value=2.0**60),  # finite sums, for the exact check
    # few-bit values: their products and sums land on float32 midpoints, exactly or not
    st.integers(-2**13, 2**13).map(lambda i: i / 2**7),
    st.sampled_from([2**-70, -2**-70, 2**-63, 1 + 2**-23, 1 - 2**-23, 2**-24 * (1 + 2**-23), 1.0,
                     2**24 + 2, 3 * 2**-24, 0.0, -0.0]))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 5), st.integers(2, 12), st.integers(1, 4), st.data())
def test_matrix_chain_screened_once_matches_step_by_step(m, k, n, data):
    """blas_order._chain (products in one call, every step's float64 sum screened at the end)
    gives the bits of the chain with each fused step screened as it goes."""
    from gradrepl.engine.ops import blas_order

    a = np.array(data.draw(st.lists(_CHAIN_VALUES, min_size=m * k, max_size=m * k)), F32).reshape(m, k)
    b = np.array(data.draw(st.lists(_CHAIN_VALUES, min_size=k * n, max_size=k * n)), F32).reshape(k, n)
    with np.errstate(all="ignore"):
        once = blas_order._chain(a, b)
        with step_by_step():
            stepped = blas_order._chain(a, b)
        exact = np.zeros((m, n), F32)
        for i in range(m):
            for j in range(n):
                total = F32(a[i, 0] * b[0, j])
                for step in range(1, k):
                    total = _exact_fma32(*(np.array([v], F32) for v in (a[i, step], b[step, j], total)))[0]
                exact[i, j] = total
    assert _bits(once) == _bits(stepped) == _bits(exact)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4, width=32), st.floats(-1e4, 1e4, width=32)),
                min_size=1, max_size=8), st.sampled_from([0, 1, -1]))
def test_matrix_chain_near_float32_midpoints(pairs, step):
    """A chain's second step lands on or beside a float32 midpoint (the first product is c
    itself: c times one): the screening at the end reruns it and the result is the fused one."""
    from gradrepl.engine.ops import blas_order

    x, y = (np.array(v, F32) for v in zip(*pairs))
    c = _midpoint_triples(x, y, step)
    with np.errstate(all="ignore"):
        keep = np.isfinite(c)
        x, y, c = x[keep], y[keep], c[keep]
        a = np.stack([c, x], axis=1)  # rows (c, x) times the column (1, y)
        results = [blas_order._chain(a[i:i + 1], np.array([[1], [y[i]]], F32))[0, 0]
                   for i in range(len(x))]
    assert _bits(np.array(results, F32)) == _bits(_exact_fma32(x, y, c))


def test_matrix_chain_that_rounds_twice_in_float64_is_redone():
    """(1 + 2^-23) + 2^-24 (1 + 2^-23)(1 - 2^-23) is just below a float32 midpoint, but its float64
    sum is the midpoint itself, which ties to even: rounding twice gives 1 + 2^-22 where the fused
    result is 1 + 2^-23. The chain must catch it at the end and redo the step exactly."""
    from gradrepl.engine.ops import blas_order

    one_up = 1 + 2.0**-23
    for scale in (1.0, -1.0, 2.0**40, -(2.0**-40)):
        a = np.array([[one_up * scale, 2.0**-24 * one_up * scale]], F32)
        b = np.array([[1.0], [1 - 2.0**-23]], F32)
        got = blas_order._chain(a, b)[0, 0]
        assert got == F32(one_up * scale) and got != F32((1 + 2.0**-22) * scale)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(2, 70), n=st.integers(1, 40), ta=st.booleans(),
       tb=st.booleans(), few_bits=st.booleans(), seed=st.integers(0, 9999))
def test_matrix_chain_rows_match_step_by_step_on_lesson_layouts(m, k, n, ta, tb, few_bits, seed):
    """blas_order._chain_values steps on one-dimensional rows of m * n values: the bits of the
    step-by-step chain (``_fma_chain``) on lesson-sized shapes and either operand transposed
    (nn.Linear's x @ w.t(), its gradients' a.t() @ b); few-bit values land sums on float32
    midpoints, so the end check's rerun and its exact acceptance both run."""
    from gradrepl.engine.ops import blas_order

    rng = np.random.default_rng(seed)

    def operand(rows, cols, transposed):
        shape = (cols, rows) if transposed else (rows, cols)
        if few_bits:
            values = rng.integers(-2**10, 2**10, shape) / 2**7
        else:
            values = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)
        values = values.astype(F32)
        return values.T if transposed else values

    a, b = operand(m, k, ta), operand(k, n, tb)
    with np.errstate(all="ignore"):
        once = blas_order._chain(a, b)
        with step_by_step():
            stepped = blas_order._chain(a, b)
    assert once.shape == (m, n) and once.dtype == F32
    assert _bits(once) == _bits(stepped)


# ---------------------------------------------------------------------------------------------
# r-replay: the matrix chain's end screen and its exact re-check, against the general forms

_SUMS64 = (st.floats(allow_nan=True, allow_infinity=True)
           | st.floats(-2.0**-120, 2.0**-120)  # around float32's smallest normal, zero included
           | st.integers(-2**20, 2**20).map(lambda i: i * 2.0**-30)  # on float32 midpoints often
           | st.sampled_from([0.0, -0.0, 2.0**-126, -2.0**-126, 2.0**-126 * (1 - 2**-52),
                              5e-324, 1 + 2.0**-24, -(1 + 2.0**-24), float("nan")]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_SUMS64, min_size=1, max_size=300), st.booleans())
def test_float_screen_flags_what_the_bit_screen_flags(values, nan_payload):
    """fused.may_have_rounded_twice's float form (FLOAT_SCREEN: the tiny sums as magnitudes, zeros
    looked for among them) answers as the bit form does on every float64 value: midpoints, sums
    at and below float32's smallest normal, signed zeros, infinities, and NaNs (payloads that
    look like a midpoint too)."""
    sums = np.array(values, np.float64)
    if nan_payload:  # a NaN whose low bits are the midpoint pattern
        sums = np.append(sums, np.array(0x7FF0000010000000, np.uint64).view(np.float64))
    saved = fused.FLOAT_SCREEN
    try:
        answers = []
        for screen in (True, False):
            fused.FLOAT_SCREEN = screen
            answers.append(fused.may_have_rounded_twice(sums.reshape(-1, 1)))
    finally:
        fused.FLOAT_SCREEN = saved
    assert answers[0] == answers[1] == fused.bits_may_have_rounded_twice(sums.view(np.uint64))


def _chain_rounded_once_whole(products, first, sums):
    """blas_order._chain_rounded_once as it was: the TwoSum error of every step's every lane."""
    before = np.concatenate([first.astype(np.float64)[None], sums[:-1].astype(F32).astype(np.float64)])
    flagged = fused.rounding_suspects(sums)
    with np.errstate(all="ignore"):
        error = vector_math._two_sum_error(products[1:], before, sums)
    return not fused.count_nonzero(error[flagged])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6), st.integers(2, 20), st.integers(1, 6), st.integers(0, 2**32 - 1),
       st.sampled_from([7, 11, 20]))
def test_chain_rounded_once_on_flagged_lanes_matches_every_lane(m, k, n, seed, bits):
    """blas_order._chain_rounded_once computes the TwoSum errors of the flagged lanes only; it
    accepts and refuses the chains that the same check over every lane accepts and refuses
    (few-bit operands put sums on float32 midpoints, exactly or after a float64 rounding)."""
    from gradrepl.engine.ops import blas_order

    rng = np.random.default_rng(seed)
    a = (rng.integers(-2**bits, 2**bits, (m, k)) * 2.0**-bits).astype(F32)
    b = (rng.integers(-2**bits, 2**bits, (k, n)) * 2.0**-bits).astype(F32)
    if seed % 3 == 0:  # wide values too: float64 sums that round before the float32 rounding
        a *= F32(2.0 ** (seed % 40 - 20))
    if seed % 4 == 1:  # lane (0, 0)'s first step: (1 + 2**-23) + (2**-24 - 2**-60), a sum that
        # float64 rounds onto a float32 midpoint (refused), among few-bit lanes (often accepted)
        a[0, :2] = 1 + 2.0**-23, 1 + 2.0**-18
        b[:2, 0] = 1.0, 2.0**-24 * (1 - 2.0**-18)
    products = np.multiply(a.T[:, :, None], b[:, None, :], dtype=np.float64)
    first = a[:, 0:1] * b[0:1, :]
    sums = np.empty((k - 1, m, n))
    total = first.astype(np.float64)
    for step in range(1, k):
        sums[step - 1] = products[step] + total
        total = sums[step - 1].astype(F32).astype(np.float64)
    assert (blas_order._chain_rounded_once(products, first, sums)
            == _chain_rounded_once_whole(products, first, sums))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(_SUMS64.map(lambda v: float(F32(v)) if abs(v) < 3e38 else v),
                                   min_size=1, max_size=8),
                          st.sampled_from([1.0, 0.5, 1 / 3, 2.0**-24, 2.0**-140, 1 + 2.0**-23])),
                min_size=1, max_size=6))
def test_layer_norm_doubtful_screens_first_as_it_gathers(steps):
    """layer_norm._Recorded.doubtful screens the float64 sums alone (SCREEN_FIRST) before
    gathering products and addends: the same answer as gathering them at once, on steps whose
    sums land on float32 midpoints (exactly or not), below the normal range, on zero, inf, nan."""
    from gradrepl.engine.float_math import layer_norm

    answers = []
    for screen_first in (True, False):
        recorded = layer_norm._Recorded()
        with np.errstate(all="ignore"):
            for values, factor in steps:
                a = np.array(values, F32)
                recorded(a, F32(factor), a[::-1] * F32(0.5))
        saved, layer_norm.SCREEN_FIRST = layer_norm.SCREEN_FIRST, screen_first
        try:
            with np.errstate(all="ignore"):
                answers.append(recorded.doubtful())
        finally:
            layer_norm.SCREEN_FIRST = saved
    assert answers[0] == answers[1]


# ---------------------------------------------------------------------------------------------
# s-replay: the matrix chain's kept work arrays, against arrays made at each call

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([(1, 7), (2, 12), (3, 4), (4, 3), (6, 5), (5, 6),
                                           (8, 3), (32, 30), (30, 32)]),
                          st.sampled_from([2, 3, 12, 33]), st.booleans(), st.booleans(),
                          st.booleans(), st.integers(0, 9999)),
                min_size=1, max_size=8),
       st.sampled_from([1 << 19, 200, 0]))
def test_chain_work_kept_per_layout_matches_arrays_made_per_call(chains, held):
    """blas_order.CHAIN_WORK puts every chain's products and sums in the same two work arrays,
    each (k, lanes) layout's views and row views made once ((32, 30) and (30, 32) share one, as
    do 2 x 12 and 3 x 8): a sequence of chains gives the bits of the same chains with fresh
    arrays each call (and of the step-by-step ``_fma_chain``), an earlier result is not changed
    by a later chain, and layouts larger than ``_CHAIN_WORK_HELD`` values get arrays of their
    own."""
    from gradrepl.engine.ops import blas_order

    def operands(mn, k, ta, tb, few_bits, seed):
        rng = np.random.default_rng(seed)
        (m, n) = mn
        if few_bits:  # sums on float32 midpoints: the exact re-check and the rerun both run
            values = rng.integers(-2**9, 2**9, k * (m + n)) / 2**7
        else:
            values = rng.standard_normal(k * (m + n)) * 10.0 ** rng.integers(-3, 4)
        values = values.astype(F32)
        a = values[:m * k].reshape(k, m).T if ta else values[:m * k].reshape(m, k)
        b = values[m * k:].reshape(n, k).T if tb else values[m * k:].reshape(k, n)
        return a, b

    runs = []
    saved = blas_order.CHAIN_WORK, blas_order._CHAIN_WORK_HELD
    try:
        for kept in (True, False):
            blas_order.CHAIN_WORK, blas_order._CHAIN_WORK_HELD = kept, held
            with np.errstate(all="ignore"):
                results = [blas_order._chain(*operands(*chain)) for chain in chains]
            runs.append([_bits(r) for r in results])  # after every chain: none changed since
    finally:
        blas_order.CHAIN_WORK, blas_order._CHAIN_WORK_HELD = saved
    with np.errstate(all="ignore"):
        stepped = [_bits(blas_order._fma_chain(*operands(*chain))) for chain in chains]
    assert runs[0] == runs[1] == stepped
