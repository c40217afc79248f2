"""F.pad in every non-constant mode (circular, reflect, replicate) over the ranks and pad lengths
torch accepts, and Conv1d/Conv2d with each padding_mode, against real PyTorch: values, gradients
and grad_fn chains bit for bit (padding only copies, and its backward adds in torch's order),
reprs and errors. Without torch: circular padding's float64 gradients numerically."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gradrepl.torch as gt
from tests.torch_api.nn_compare import compare, same_error

MODES = ["circular", "reflect", "replicate"]
# (input shape, pads): 1, 2 and 3 padded dims, with and without the batch dim, negative amounts
CASES = [((3, 5), (2, 1)), ((2, 3, 5), (1, 3)), ((2, 3, 5), (0, 2)),
         ((3, 4, 5), (1, 2, 2, 1)), ((1, 2, 4, 5), (2, 1, 0, 3)), ((2, 2, 4, 5), (-1, 2, 2, -1)),
         ((2, 3, 3, 4), (3, 3, 1, 2, 2, 0)), ((1, 2, 3, 3, 4), (1, 2, 2, 1, 1, 1)),
         ((2, 3, 4), (-1, -1))]


def _supported(mode, shape, pads):
    """Reflection needs pads below the size."""
    dims = shape[len(shape) - len(pads) // 2:][::-1]
    if mode == "reflect":
        return all(p < size for size, pair in zip(dims, zip(pads[::2], pads[1::2])) for p in pair)
    return True


@pytest.mark.torch
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,pads", CASES)
def test_pad_modes_exact(real_torch, mode, shape, pads):
    if not _supported(mode, shape, pads):
        pytest.skip("torch refuses these pads in this mode (checked by test_pad_errors_match)")

    def build(lib):
        x = lib.randn(*shape, requires_grad=True)
        return lib.nn.functional.pad(x, pads, mode=mode), [x]
    compare(real_torch, build)


def _chain(fn, depth=6):
    if fn is None or depth == 0:
        return None
    return (fn.name().replace("torch::autograd::", ""),
            [_chain(f, depth - 1) for f, _ in fn.next_functions])


@pytest.mark.torch
@pytest.mark.parametrize("shape,pads", CASES[:6])
def test_circular_grad_fn_chain_matches(real_torch, shape, pads):
    chains = []
    for lib in (real_torch, gt):
        x = lib.randn(*shape, requires_grad=True)
        chains.append(_chain(lib.nn.functional.pad(x, pads, mode="circular").grad_fn))
    assert chains[0] == chains[1]


PAD_ERRORS = [(mode, shape, pads) for mode in MODES for shape, pads in [
    ((4,), (1, 1)), ((1, 2, 3, 4, 5, 6), (1, 1)), ((2, 3), (1, 1, 1, 1)),
    ((2, 3, 5), (6, 1)), ((2, 3, 5), (1, 6)), ((2, 3, 5), (5, 0)), ((2, 3, 5), (-3, -3)),
    ((2, 3, 5), (1, 1, 1)), ((2, 3, 5), (-1, 1)), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1)),
    ((3, 5), (-3, -2)), ((2, 3, 5, 4), (-3, -3, 1, 1)), ((2, 3, 5, 4), (1, 1, -3, -3)),
    ((2, 3, 5, 4), (-3, -3, -3, -3)), ((3, 5, 4), (0, 0, -3, -3)), ((3, 5, 4), (-4, 0, 0, 0)),
    ((2, 3, 4, 5, 4), (-5, -3, 1, 1, 0, 0)), ((2, 3, 4, 5, 4), (0, 0, 0, 0, -3, -3)),
    ((2, 3, 4, 5, 4), (-3, -3, -3, -3, -3, -3))]]
PAD_ERRORS += [("reflect", (2, 3, 5), (1, 1), 0.5), ("circular", (2, 3, 5), (1, 1), 1.0),
               ("wrap", (2, 3, 5), (1, 1))]


@pytest.mark.torch
@pytest.mark.parametrize("case", PAD_ERRORS, ids=[str(c) for c in PAD_ERRORS])
def test_pad_errors_match(real_torch, case):
    mode, shape, pads, *value = case
    outcome = []
    for lib in (real_torch, gt):
        try:
            out = lib.nn.functional.pad(lib.ones(*shape), pads, mode=mode,
                                        value=value[0] if value else None)
            outcome.append(("ok", tuple(out.shape), out.numpy().tolist()))
        except Exception as error:  # noqa: BLE001 - the type and message are compared
            outcome.append((type(error).__name__, str(error)))
    assert outcome[1] == outcome[0]


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_circular_pad_is_a_periodic_gather(data):
    """Without torch: circular padding picks index (i - left) mod size in every padded dim, and
    its gradient adds each output's gradient into that source."""
    padded = data.draw(st.integers(1, 3))
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=padded, max_size=padded))
    shape = (2,) + tuple(sizes)
    # non-negative pads: with a negative one on one side, torch copies the other border from the
    # already cropped output (pad([1, 2], (1, -1)) is [1, 1]), which the live tests check
    pads = [data.draw(st.integers(0, size)) for size in reversed(sizes) for _ in range(2)]
    x = gt.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
    y = gt.nn.functional.pad(x, tuple(pads), mode="circular")
    index = [np.arange(-pads[2 * (padded - 1 - k)],
                       sizes[k] + pads[2 * (padded - 1 - k) + 1]) % sizes[k]
             for k in range(padded)]
    expected = x.detach().numpy()[np.ix_(range(2), *index)]
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    weights = np.random.default_rng(0).standard_normal(expected.shape)
    y.backward(gt.tensor(weights))
    grad = np.zeros(shape)
    np.add.at(grad, np.ix_(range(2), *index), weights)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-12, atol=1e-12)


# --- Conv1d / Conv2d padding_mode ---------------------------------------------------------------

CONVS = [(kind, mode, kw) for (kind, kw), mode in itertools.product(
    [("Conv1d", {"padding": 2}), ("Conv1d", {"padding": "same", "kernel_size": 5}),
     ("Conv2d", {"padding": (1, 2)}), ("Conv2d", {"padding": "same", "dilation": (2, 1)}),
     ("Conv2d", {"padding": 1, "stride": 2, "bias": False})],
    ["zeros", "circular", "reflect", "replicate"])]


def _conv(lib, kind, mode, kw):
    kw = dict(kw)
    return getattr(lib.nn, kind)(2, 3, kw.pop("kernel_size", 3), padding_mode=mode, **kw)


@pytest.mark.torch
@pytest.mark.parametrize("kind,mode,kw", CONVS, ids=[f"{k}-{m}-{kw}" for k, m, kw in CONVS])
def test_conv_padding_modes_match(real_torch, kind, mode, kw):
    def build(lib):
        conv = _conv(lib, kind, mode, kw)
        x = lib.randn(*((2, 2, 7) if kind == "Conv1d" else (2, 2, 5, 6)), requires_grad=True)
        return conv(x), [x, *conv.parameters()]
    # the convolution itself sums in another order than oneDNN's (docs/nn.md): a few ulps
    compare(real_torch, build, ulps=8)
    reprs, chains = [], []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        conv = _conv(lib, kind, mode, kw)
        reprs.append((repr(conv), list(conv._reversed_padding_repeated_twice)))
        x = lib.randn(*((2, 2, 7) if kind == "Conv1d" else (2, 2, 5, 6)), requires_grad=True)
        chains.append(_chain(conv(x).grad_fn, 3))
    assert reprs[0] == reprs[1]
    assert chains[0] == chains[1]


CONV_ERRORS = [
    lambda lib: lib.nn.Conv2d(2, 3, 3, padding_mode="wrap"),
    lambda lib: lib.nn.Conv1d(2, 3, 3, padding="full"),
    lambda lib: lib.nn.Conv2d(2, 3, 3, padding="same", stride=2),
    lambda lib: lib.nn.Conv1d(2, 3, 3, padding=4, padding_mode="reflect")(lib.ones(1, 2, 4)),
    lambda lib: lib.nn.Conv1d(2, 3, 3, padding=5, padding_mode="circular")(lib.ones(1, 2, 4)),
]


def _set_order_free(message):
    """torch prints a set literal whose order comes from the hash seed of the process that
    compiled conv.py's .pyc (a frozenset constant), so only the elements can be compared."""
    if "{" not in message:
        return message
    head, rest = message.split("{", 1)
    inside, tail = rest.split("}", 1)
    return head, sorted(inside.split(", ")), tail


@pytest.mark.torch
@pytest.mark.parametrize("call", CONV_ERRORS)
def test_conv_errors_match(real_torch, call):
    same_error(real_torch, call, gt, normalise=_set_order_free)


# --- the padding modules ------------------------------------------------------------------------

PAD_MODULES = [
    ("CircularPad1d(2)", (2, 3, 4)), ("CircularPad1d((1, 3))", (3, 4)),
    ("CircularPad2d((1, 0, 2, 1))", (1, 2, 3, 4)), ("CircularPad2d(1)", (2, 3, 4)),
    ("CircularPad3d(1)", (1, 2, 3, 4, 2)), ("CircularPad3d((0, 1, 1, 0, 2, 2))", (2, 3, 4, 2)),
    ("ReflectionPad3d(1)", (1, 2, 3, 4, 2)), ("ReplicationPad3d((0, 1, 1, 0, 2, 2))", (2, 3, 4, 2)),
    ("ZeroPad3d(1)", (1, 2, 3, 4, 2)), ("ConstantPad3d((0, 1, 1, 0, 2, 2), -1.5)", (2, 3, 4, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("source,shape", PAD_MODULES)
def test_padding_modules_match(real_torch, source, shape):
    def build(lib):
        module = eval(f"lib.nn.{source}")
        x = lib.randn(*shape, requires_grad=True)
        return module(x), [x]
    assert repr(eval(f"gt.nn.{source}")) == repr(eval(f"real_torch.nn.{source}"))
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("source,shape", [("CircularPad1d(1)", (4,)),
                                          ("CircularPad2d(1)", (1, 2, 3, 4, 5)),
                                          ("CircularPad3d(1)", (3, 4, 5))])
def test_circular_module_rank_errors_match(real_torch, source, shape):
    with pytest.raises(ValueError) as expected:
        eval(f"real_torch.nn.{source}")(real_torch.ones(*shape))
    with pytest.raises(ValueError) as actual:
        eval(f"gt.nn.{source}")(gt.ones(*shape))
    assert str(actual.value) == str(expected.value)
