"""torch.multinomial against live torch: the same indices from the same generator state, the same
state afterwards (the next torch.rand matches), and torch's errors word for word. torch draws one
of two ways (an exponential race for no replacement or one sample, an inverse CDF otherwise), so
the cases cover both, in float32, float64 and half, 1-D and 2-D, seeded and default generators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16"]


def _weights(lib, shape, dtype, seed, zeros):
    """The same weights in either library: float64 uniforms cast, some zeroed."""
    values = np.random.default_rng(seed).random(shape)
    if zeros:
        values[values < 0.4] = 0
        values.reshape(-1, shape[-1])[:, 0] = 0.5  # no row sums to zero
    return lib.tensor(values, dtype=getattr(lib, dtype))


def _draw(lib, shape, dtype, seed, zeros, count, replacement, method=False):
    p = _weights(lib, shape, dtype, seed, zeros)
    g = lib.Generator().manual_seed(seed)
    if method:
        drawn = p.multinomial(count, replacement, generator=g)
    else:
        drawn = lib.multinomial(p, num_samples=count, replacement=replacement, generator=g)
    return drawn.numpy().tolist(), lib.rand(3, generator=g, dtype=lib.float64).numpy().tobytes()


CASES = [(shape, count, replacement) for shape in [(1,), (5,), (27,), (3, 7), (4, 27), (2, 300)]
         for count, replacement in [(1, True), (1, False), (2, True), (3, False), (50, True),
                                    (7, False)]
         if replacement or count <= shape[-1]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,count,replacement", CASES)
def test_multinomial_draws_what_torch_draws(shape, count, replacement, dtype):
    for seed in range(3):
        expected = _draw(torch, shape, dtype, seed, False, count, replacement)
        assert _draw(gtorch, shape, dtype, seed, False, count, replacement) == expected
        method = _draw(gtorch, shape, dtype, seed, False, count, replacement, method=True)
        assert method == expected


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([(n,) for n in (1, 2, 5, 27, 64, 130)] + [(r, n) for r in (1, 3) for n in (2, 9, 27)]),
       st.integers(1, 70), st.booleans(), st.sampled_from(DTYPES), st.integers(0, 2 ** 32 - 1),
       st.booleans())
def test_any_multinomial_draws_what_torch_draws(shape, count, replacement, dtype, seed, zeros):
    """Zero weights included: without replacement they tie at the end of topk's order."""
    if not replacement:
        count = min(count, shape[-1])
    expected = _draw(torch, shape, dtype, seed, zeros, count, replacement)
    assert _draw(gtorch, shape, dtype, seed, zeros, count, replacement) == expected


@pytest.mark.parametrize("layout", ["rows", "transposed", "columns", "sliced", "sliced_t", "expanded"])
@pytest.mark.parametrize("count,replacement", [(1, True), (2, False), (3, True)])
def test_exponentials_fill_the_weights_memory_order(layout, count, replacement):
    """empty_like keeps a transposed tensor's layout, so the race draws column by column."""
    results = []
    for lib in (torch, gtorch):
        lib.manual_seed(3)
        a = lib.rand(4, 6)
        x = {"rows": a, "transposed": a.t(), "columns": a.t().contiguous().t(),
             "sliced": a[:, ::2], "sliced_t": a.t()[:, ::2],
             "expanded": a[:, :1].expand(4, 6)}[layout]
        lib.manual_seed(5)
        results.append((lib.multinomial(x, count, replacement).tolist(), lib.rand(2).tolist()))
    assert results[0] == results[1]


def test_makemore_sampling_loop():
    """The lesson's loop: one sample with replacement from a row of bigram probabilities."""
    def names(lib):
        g = lib.Generator().manual_seed(2147483647)
        P = lib.rand((27, 27), generator=g) ** 3
        P /= P.sum(1, keepdim=True)
        out = []
        for _ in range(20):
            ix, word = 0, []
            while True:
                ix = lib.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
                if ix == 0:
                    break
                word.append(ix)
            out.append(word)
        return out
    assert names(gtorch) == names(torch)


def _outcome(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except Exception as error:  # noqa: BLE001 (the error is what is compared)
            result = (type(error).__name__, str(error))
    return result, [str(w.message) for w in caught]


ERRORS = [
    "multinomial(T([0.5, -0.1, 0.6]), 1)",
    "multinomial(T([0.5, -0.1, 0.6]), 2, True)",
    "multinomial(T([0.5, float('nan'), 0.6]), 2, True)",
    "multinomial(T([0.5, float('inf'), 0.6]), 2, True)",
    "multinomial(T([[1., 1], [float('inf'), -1]]), 2, True)",
    "multinomial(T([[1., 1], [float('nan'), 1]]), 2, True)",
    "multinomial(T([0.5, float('nan'), 0.6]), 1)",
    "multinomial(T([0.5, float('inf'), 0.6]), 3)",
    "multinomial(T([0., 0.]), 1)",
    "multinomial(T([0., 0.]), 2, True)",
    "multinomial(T([[1., 0.], [0., 0.]]), 1)",
    "multinomial(T([1., 2.]), 3)",
    "multinomial(T([1., 2.]), 0)",
    "multinomial(T([1., 2.]), -1, True)",
    "multinomial(T(1.), 1)",
    "multinomial(lib.ones(2, 2, 2), 1)",
    "multinomial(T([1, 2]), 1)",
    "multinomial(lib.ones(0), 1, True)",
    "multinomial(lib.ones(0), 2, True)",
    "multinomial(lib.ones(2, 0), 1)",
    "multinomial(lib.ones(0, 3), 2).shape",
    "multinomial(lib.ones(2 ** 24 + 1), 1, True)",
    "multinomial(T([1., 2.]), 1.5)",
    "multinomial(T([1., 2.]), True)",
    "multinomial(T([1., 2.]), None)",
    "multinomial(T([1., 2.]))",
    "multinomial()",
    "multinomial([1., 2.], 1)",
    "multinomial(T([1., 2.]), num_samples=1.5)",
    "multinomial(T([1., 2.]), num_samples=1, replacement=1)",
    "multinomial(T([1., 2.]), 1, None)",
    "multinomial(T([1., 2.]), 1, generator=1)",
    "multinomial(T([1., 2.]), 1, False, None, None)",
    "multinomial(T([1., 2.]), 1, foo=2)",
    "multinomial(T([1., 2.]), np.int64(2)).shape",
    "multinomial(T([1., 2.]), T(2)).shape",
    "T([1., 2.]).multinomial(1.5)",
    "T([1., 2.]).multinomial(1, 1)",
    "T([1., 2.]).multinomial(1, True, None)",
    "T([1., 2.]).multinomial()",
    "T([1., 2.], requires_grad=True).multinomial(2).requires_grad",
    # out=: Long only, checked after the dims and dtype of the weights, resized without a warning
    "multinomial(T([1., 2.]), 1, out=lib.empty(3, dtype=lib.int32))",
    "multinomial(lib.ones(2, 2, 2), 1, out=lib.empty(0, dtype=lib.int32))",
    "multinomial(T([1., 2.]), 0, out=lib.empty(0, dtype=lib.int32))",
    "multinomial(T([1., 2.]), 1, out=[lib.empty(0, dtype=lib.long)])",
    "multinomial(T([1., 2.], requires_grad=True), 2, out=lib.empty(5, dtype=lib.long)).shape",
]


@pytest.mark.parametrize("expression", ERRORS)
def test_multinomial_errors_and_words_are_torch_s(expression):
    outcomes = []
    for lib in (torch, gtorch):
        scope = {"lib": lib, "T": lib.tensor, "np": np, "multinomial": lib.multinomial}
        lib.manual_seed(0)
        outcome = _outcome(lambda: eval(expression, scope))  # noqa: S307 (test expressions)
        outcomes.append((repr(outcome[0]) if not isinstance(outcome[0], tuple) else outcome[0],
                         outcome[1], lib.rand(2).tolist()))
    assert outcomes[1] == outcomes[0]


def test_out_is_written_in_place():
    for lib in (torch, gtorch):
        lib.manual_seed(1)
        out = lib.empty(2, dtype=lib.long)
        result = lib.multinomial(lib.tensor([1., 2., 3.]), 2, out=out)
        assert result is out and out._version == 1
    lib_values = []
    for lib in (torch, gtorch):
        lib.manual_seed(1)
        out = lib.empty(2, dtype=lib.long)
        lib.multinomial(lib.tensor([1., 2., 3.]), 2, out=out)
        lib_values.append(out.tolist())
    assert lib_values[0] == lib_values[1]


# Tensor.exponential_: the Exp(lambd) stream multinomial's race draws from
EXPONENTIAL = [
    "torch.ones(3).exponential_(0)", "torch.ones(3).exponential_(-1e-7)",
    "torch.ones(3).exponential_(float('nan'))", "torch.ones(3).exponential_(float('inf'))",
    "torch.ones(3, dtype=torch.long).exponential_()", "torch.ones(3, requires_grad=True).exponential_(0)",
    "torch.ones(3).exponential_(lambd=1, foo=1)", "torch.ones(0).exponential_()",
    "torch.ones(7).exponential_(1e-7)", "torch.ones(2, 3).t().exponential_(2)",
    "torch.ones(3, dtype=torch.half).exponential_(3)", "torch.ones(4, 5)[:, ::2].exponential_(0.3)",
    "torch.ones(2, 3, 4).permute(2, 0, 1).exponential_(7)",
    "torch.ones(1000, dtype=torch.float64).exponential_(3)",
    "torch.ones(3, 5).exponential_(generator=torch.Generator().manual_seed(4))",
]


@pytest.mark.parametrize("expression", EXPONENTIAL)
def test_exponential_fills_what_torch_fills(expression):
    outcomes = []
    for lib in (torch, gtorch):
        lib.manual_seed(0)
        try:
            result = eval(expression, {"torch": lib})  # noqa: S307 (test expressions)
            result = (result.numpy().tobytes(), result.numpy().dtype.name)
        except Exception as error:  # noqa: BLE001 (the error is what is compared)
            result = (type(error).__name__, str(error))
        outcomes.append((result, lib.rand(2, dtype=lib.float64).numpy().tobytes()))
    assert outcomes[1] == outcomes[0]
