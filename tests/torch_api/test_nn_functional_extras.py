"""one_hot, pad, normalize, cosine_similarity, pairwise_distance and interpolate against real
PyTorch (values, gradients and grad_fn names bit for bit, errors word for word), plus float64
numerical gradient checks and a create_graph check that run without torch."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from tests.torch_api.nn_compare import compare, leaf, same_error


def _unary(call, *shape):
    def build(lib):
        x = leaf(lib, *shape)
        return call(lib.nn.functional, x), [x]
    return build


def _binary(call, shape1, shape2):
    def build(lib):
        x, y = leaf(lib, *shape1), leaf(lib, *shape2)
        return call(lib.nn.functional, x, y), [x, y]
    return build


PADS = [
    ((2, 3, 4), lambda F, x: F.pad(x, (1, 2, 0, 1), value=0.5)),
    ((2, 3, 4), lambda F, x: F.pad(x, (-1, 2))),
    ((2, 3, 4), lambda F, x: F.pad(x, (1, 1, 1, 1, 1, 1))),
    ((2, 3, 5), lambda F, x: F.pad(x, (2, 3), "reflect")),
    ((3, 5), lambda F, x: F.pad(x, (4, 1), "reflect")),
    ((2, 3, 4, 5), lambda F, x: F.pad(x, (2, 3, 1, 3), "reflect")),
    ((2, 3, 4, 5), lambda F, x: F.pad(x, (2, 3, 1, 4), "replicate")),
    ((3, 5), lambda F, x: F.pad(x, (2, 3), "replicate")),
    ((1, 2, 3, 4, 5), lambda F, x: F.pad(x, (1, 2, 1, 1, 2, 0), "replicate")),
]


@pytest.mark.torch
@pytest.mark.parametrize("shape,call", PADS)
def test_pad_exact(real_torch, shape, call):
    compare(real_torch, _unary(call, *shape))


INTERPOLATIONS = [
    ((2, 3, 4, 5), lambda F, x: F.interpolate(x, scale_factor=2)),
    ((2, 3, 4, 5), lambda F, x: F.interpolate(x, size=(7, 3))),
    ((2, 3, 5), lambda F, x: F.interpolate(x, scale_factor=1.7)),
    ((2, 3, 5), lambda F, x: F.interpolate(x, size=4)),
    ((2, 3, 4, 5), lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    ((2, 3, 4, 5), lambda F, x: F.interpolate(x, size=(7, 9), mode="bilinear")),
    ((2, 3, 4, 5), lambda F, x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True)),
    ((2, 1, 9, 8), lambda F, x: F.interpolate(x, scale_factor=0.6, mode="bilinear")),
    ((1, 20, 4, 5), lambda F, x: F.interpolate(x, scale_factor=2.5, mode="bilinear")),
    ((1, 3, 4, 4), lambda F, x: F.interpolate(x, scale_factor=3, mode="bilinear",
                                              recompute_scale_factor=True)),
]


@pytest.mark.torch
@pytest.mark.parametrize("shape,call", INTERPOLATIONS)
def test_interpolate_exact(real_torch, shape, call):
    compare(real_torch, _unary(call, *shape))


@pytest.mark.torch
def test_bilinear_large_output_within_ulps(real_torch):
    # outputs with H + W > 128 run ATen's generic kernel, whose weights are not reproduced yet
    compare(real_torch, _unary(lambda F, x: F.interpolate(x, size=(70, 80), mode="bilinear"),
                               1, 2, 5, 7), ulps=4)


@pytest.mark.torch
@pytest.mark.parametrize("call,shapes", [
    (lambda F, x, y: F.cosine_similarity(x, y), ((6, 7), (6, 7))),
    (lambda F, x, y: F.cosine_similarity(x, y, dim=-1), ((6, 7), (1, 7))),
    (lambda F, x, y: F.cosine_similarity(x, y, dim=0), ((5,), (5,))),
    (lambda F, x, y: F.pairwise_distance(x, y), ((6, 7), (6, 7))),
    (lambda F, x, y: F.pairwise_distance(x, y, p=1, keepdim=True), ((6, 7), (6, 7))),
    (lambda F, x, y: F.pairwise_distance(x, y, p=1.0), ((4, 7), (7,))),
])
def test_distances_exact(real_torch, call, shapes):
    compare(real_torch, _binary(call, *shapes))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 3, 4, 5, 7, 8, 12, 13, 20, 33, 65, 129, 255])
def test_two_norm_of_contiguous_rows_exact(real_torch, n, dtype):
    """ATen's vectorised 2-norm kernel (8 float or 4 double lanes, a left fold, a fused tail
    with a float tail's groups of four unfused): the last dim of contiguous rows, trailing dims,
    a whole tensor; and cosine_similarity and pairwise_distance, which reduce the last dim."""
    for build in [lambda t, x: t.linalg.vector_norm(x, dim=-1),
                  lambda t, x: x.reshape(50, 2, n).norm(dim=(1, 2), keepdim=True),
                  lambda t, x: x.norm(),
                  lambda t, x: t.nn.functional.cosine_similarity(x, x.flip(0) + 0.5),
                  lambda t, x: t.nn.functional.pairwise_distance(x, x.flip(0))]:
        def case(t):
            x = leaf(t, 100, n, dtype=getattr(t, dtype))
            return build(t, x), [x]
        compare(real_torch, case)


@pytest.mark.torch
def test_pairwise_distance_other_p_within_ulps(real_torch):
    # the engine's general-p vector norm sums |x|**p in numpy's order, not ATen's
    compare(real_torch, _binary(lambda F, x, y: F.pairwise_distance(x, y, p=3.0), (4, 7), (7,)),
            ulps=8)


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"p": 1, "dim": 0}, {"dim": -1}])
def test_normalize_exact(real_torch, kw):
    compare(real_torch, _unary(lambda F, x: F.normalize(x, **kw), 6, 7))


@pytest.mark.torch
def test_graph_shapes_match(real_torch):
    """The chains torch records, not only the last node."""
    def chain(fn):
        names, todo = [], [fn]
        while todo:
            node = todo.pop(0)
            if node is not None:
                names.append(node.name().replace("torch::autograd::", ""))
                todo.extend(f for f, _ in node.next_functions)
        return names

    for lib_call in (lambda F, a, b: F.cosine_similarity(a, b),
                     lambda F, a, b: F.pairwise_distance(a, b),
                     lambda F, a, b: F.normalize(a) * b):
        results = []
        for lib in (real_torch, gt):
            lib.manual_seed(0)
            a, b = leaf(lib, 3, 4), leaf(lib, 3, 4)
            results.append(chain(lib_call(lib.nn.functional, a, b).grad_fn))
        assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 2, 1])),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([[0, 2], [1, 1]]), 4),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.long), 3),
])
def test_one_hot_matches(real_torch, call):
    assert repr(call(gt)) == repr(call(real_torch))


ERRORS = [
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 3]), 3),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([-1, 0])),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0.0, 1.0])),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.long)),
    lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 4), (5, 5), "reflect"),
    lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 4), (1, 2, 3)),
    lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 4), (1, 1), "foo"),
    lambda lib: lib.nn.functional.pad(lib.zeros(3, 4), (1, 1, 1, 1), "reflect"),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), scale_factor=2, mode="bilinear"),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4)),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", ERRORS)
def test_errors_match(real_torch, call):
    same_error(real_torch, call, gt)


# --- without torch --------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda F, x: F.interpolate(x, size=(3, 7), mode="bilinear"),
    lambda F, x: F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True),
    lambda F, x: F.pad(x, (1, 2, 0, 1), value=0.5),
    lambda F, x: F.pad(x, (2, 1, 1, 1), "reflect"),
    lambda F, x: F.pad(x, (2, 1, 1, 2), "replicate"),
    lambda F, x: F.normalize(x),
    lambda F, x: F.interpolate(x, scale_factor=2),
    lambda F, x: F.cosine_similarity(x, x * x + 1),
    lambda F, x: F.pairwise_distance(x, x * 2 + 0.5),
])
def test_float64_gradients_are_numerically_right(call):
    from tests.torch_api.test_nn_layers import _numerical_check

    x = np.random.default_rng(3).standard_normal((2, 2, 3, 4))
    _numerical_check(lambda t: call(gt.nn.functional, t), x)


def test_constant_pad_twice_differentiable():
    x = gt.randn(3, 4, requires_grad=True)
    y = (gt.nn.functional.pad(x, (1, 2)) ** 2).sum()
    (g,) = gt.autograd.grad(y, x, create_graph=True)
    assert g.grad_fn is not None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2, dtype=np.float32))


MODULES = [
    ("ZeroPad2d(1)", (1, 2, 3, 4)), ("ZeroPad2d((1, 2, 3, 4))", (1, 2, 3, 4)),
    ("ZeroPad1d(2)", (2, 3, 4)), ("ConstantPad1d(2, 3.5)", (2, 3, 4)),
    ("ConstantPad2d((1, 0, 2, 0), 1)", (1, 2, 3, 4)), ("ReflectionPad1d(2)", (2, 3, 4)),
    ("ReflectionPad2d((1, 1, 2, 0))", (1, 2, 3, 4)), ("ReplicationPad2d(1)", (1, 2, 3, 4)),
    ("ReplicationPad1d((1, 2))", (2, 3, 4)), ("Upsample(scale_factor=2)", (1, 2, 3, 4)),
    ("Upsample(size=(5, 6), mode='bilinear', align_corners=True)", (1, 2, 3, 4)),
    ("Upsample(scale_factor=2.0, mode='bilinear')", (1, 2, 3, 4)),
]


@pytest.mark.torch
@pytest.mark.parametrize("source,shape", MODULES)
def test_modules_match(real_torch, source, shape):
    def build(lib):
        module = eval(f"lib.nn.{source}")
        x = leaf(lib, *shape)
        return module(x), [x]
    assert repr(eval(f"gt.nn.{source}")) == repr(eval(f"real_torch.nn.{source}"))
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("source", ["CosineSimilarity()", "PairwiseDistance()",
                                    "PairwiseDistance(p=1, keepdim=True)"])
def test_distance_modules_match(real_torch, source):
    def build(lib):
        x, y = leaf(lib, 4, 5), leaf(lib, 4, 5)
        return eval(f"lib.nn.{source}")(x, y), [x, y]
    assert repr(eval(f"gt.nn.{source}")) == repr(eval(f"real_torch.nn.{source}"))
    compare(real_torch, build)


INPLACE = [
    lambda F, y: F.leaky_relu(y, 0.1, inplace=True),
    lambda F, y: F.elu(y, inplace=True),
    lambda F, y: F.elu(y, alpha=0.5, inplace=True),
    lambda F, y: F.silu(y, inplace=True),
    lambda F, y: F.relu(y, inplace=True),
    lambda F, y: F.dropout(y, 0.3, inplace=True),
]


@pytest.mark.torch
@pytest.mark.parametrize("call", INPLACE)
def test_inplace_activations_match(real_torch, call):
    def build(lib):
        x = leaf(lib, 4, 6)
        y = x * 1.5
        out = call(lib.nn.functional, y)
        assert out is y
        return out, [x]
    # elu and silu go through exp/expm1, within a few ulps as their out-of-place forms
    # (docs/nn.md); leaky_relu, relu and dropout are exact
    uses_exp = call in (INPLACE[1], INPLACE[2], INPLACE[3])
    compare(real_torch, build, ulps=16 if uses_exp else 0)


@pytest.mark.torch
@pytest.mark.parametrize("call", INPLACE)
def test_inplace_on_a_leaf_is_refused_as_torch_refuses(real_torch, call):
    for lib in (real_torch, gt):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            call(lib.nn.functional, lib.randn(3, requires_grad=True))


@pytest.mark.torch
def test_inplace_over_a_saved_output_fails_as_in_torch(real_torch):
    messages = []
    for lib in (real_torch, gt):
        x = lib.randn(3, requires_grad=True)
        y = x.exp()
        lib.nn.functional.leaky_relu(y, inplace=True)
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        messages.append(str(error.value).split(" is at version")[0])
    assert messages[0] == messages[1]


@pytest.mark.torch
def test_inplace_module_reprs(real_torch):
    for source in ("LeakyReLU(0.1, inplace=True)", "ELU(inplace=True)", "SiLU(inplace=True)",
                   "Dropout(0.2, inplace=True)", "ReLU(inplace=True)"):
        assert repr(eval(f"gt.nn.{source}")) == repr(eval(f"real_torch.nn.{source}"))


@pytest.mark.torch
@pytest.mark.parametrize("kw", [{}, {"stride": 1, "padding": 1}, {"dilation": 2}, {"ceil_mode": True}])
def test_max_pool2d_return_indices_matches(real_torch, kw):
    results = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        x = lib.randn(2, 3, 7, 6, requires_grad=True)
        out, indices = lib.nn.functional.max_pool2d(x, 3 if kw.get("dilation") else 2,
                                                    return_indices=True, **kw)
        module_out, module_indices = lib.nn.MaxPool2d(2, return_indices=True)(x)
        results.append((out.detach().numpy(), repr(indices), out.grad_fn.name(),
                        repr(module_indices), module_out.detach().numpy()))
    assert results[0][1:4] == results[1][1:4]
    np.testing.assert_array_equal(results[1][0], results[0][0])


@pytest.mark.torch
@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (3.0, 2.0)])
def test_embedding_max_norm_matches(real_torch, max_norm, norm_type):
    results = []
    for lib in (real_torch, gt):
        lib.manual_seed(0)
        layer = lib.nn.Embedding(6, 3, max_norm=max_norm, norm_type=norm_type)
        out = layer(lib.tensor([[0, 2, 2], [5, 0, 1]]))
        out.sum().backward()
        results.append((out.detach().numpy(), layer.weight.detach().numpy(),
                        layer.weight.grad.numpy(), out.grad_fn.name(), repr(layer)))
    for want, got in zip(*results):
        if isinstance(want, str):
            assert got == want
        else:
            np.testing.assert_array_equal(got, want)


# the same ops as torch.X (registered ops): torch.constant_pad_nd, torch.cosine_similarity,
# torch.pairwise_distance, torch.unsafe_chunk / Tensor.unsafe_chunk
TORCH_NAMES = [
    ((2, 3, 4), lambda lib, x: lib.constant_pad_nd(x, (1, -1, 2, 0), 2.5)),
    ((4, 5), lambda lib, x: lib.cosine_similarity(x, x * -1.5 + 0.3, 1)),
    ((4, 5), lambda lib, x: lib.pairwise_distance(x, x * 2, 3.0)),
    ((6, 4), lambda lib, x: lib.stack(lib.unsafe_chunk(x, 3), 0)),
    ((4, 6), lambda lib, x: lib.cat(x.unsafe_chunk(2, 1), 0)),
]


@pytest.mark.torch
@pytest.mark.parametrize("shape,call", TORCH_NAMES)
def test_torch_namespace_forms_exact(real_torch, shape, call):
    def build(lib):
        x = leaf(lib, *shape)
        return call(lib, x), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("pad", [(1,), (1, 1, 1, 1, 1, 1)])
def test_constant_pad_nd_errors_as_torch(real_torch, pad):
    def message(lib):
        with pytest.raises(RuntimeError) as error:
            lib.constant_pad_nd(lib.ones(2, 3), pad)
        return str(error.value)
    assert message(gt) == message(real_torch)
