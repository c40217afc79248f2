"""Issue 9's layers, losses and activations against real PyTorch (values, gradients, grad_fn
names, module reprs, errors), and float64 numerical gradient checks that run without torch."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt
from tests.torch_api.nn_compare import compare, leaf

REDUCTIONS = ["mean", "sum", "none"]
SHAPES = [(4, 3), (70, 33)]


def _pair_loss(name, reduction, shape, **kw):
    def build(lib):
        x, t = leaf(lib, *shape), leaf(lib, *shape)
        return getattr(lib.nn.functional, name)(x, t, reduction=reduction, **kw), [x, t]
    return build


# ---------------------------------------------------------------------------------------------
# Bit for bit: the kernels whose every operation gradrepl reproduces

@pytest.mark.torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
                                     ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {}),
                                     ("huber_loss", {"delta": 0.5}), ("huber_loss", {"delta": 0.3}),
                                     ("huber_loss", {"delta": 2.7}),
                                     ])
def test_regression_losses_exact(real_torch, name, kw, reduction, shape):
    compare(real_torch, _pair_loss(name, reduction, shape, **kw))


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 1}])
@pytest.mark.parametrize("shape", [(5, 3), (300, 7), (2, 3, 4, 5), (2, 3, 6)])
def test_nll_loss_exact(real_torch, shape, options, reduction):
    def build(lib):
        x = leaf(lib, *shape)
        target = lib.randint(0, shape[1], (shape[0],) + shape[2:])
        kw = dict(options)
        if kw.pop("weight", False):
            kw["weight"] = lib.rand(shape[1])
        return lib.nn.functional.nll_loss(x, target, reduction=reduction, **kw), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", SHAPES)
def test_binary_cross_entropy_reduced_exact(real_torch, shape, reduction):
    def build(lib):
        p = (lib.rand(*shape) * 0.98 + 0.01).requires_grad_()
        return lib.nn.functional.binary_cross_entropy(p, lib.rand(*shape),
                                                      reduction=reduction), [p]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,args", [("leaky_relu", ()), ("leaky_relu", (0.2,))])
def test_exact_activations(real_torch, name, args, shape):
    def build(lib):
        x = leaf(lib, *shape, scale=3.0)
        return getattr(lib.nn.functional, name)(x, *args), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_exact(real_torch, channels):
    def build(lib):
        x, w = leaf(lib, 4, 3, 5), lib.rand(channels).requires_grad_()
        return lib.nn.functional.prelu(x, w), [x, w]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("shape,dtype", [((4, 3), None), ((70, 33), None), ((3, 50), "float64")])
def test_dropout_masks_match_torch(real_torch, p, shape, dtype):
    def build(lib):
        x = leaf(lib, *shape, dtype=getattr(lib, dtype) if dtype else None)
        return lib.nn.functional.dropout(x, p), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("layout", ["t", "permute", "strided_t", "slice", "size_one"])
def test_dropout_mask_follows_the_inputs_memory_order(real_torch, layout):
    """torch draws the mask into empty_like(input), which keeps a transposed or permuted input's
    order in memory, and fills it in memory order: the same draws land elsewhere."""
    views = {"t": lambda x: x.reshape(7, 6).t(), "permute": lambda x: x.reshape(2, 3, 7).permute(2, 0, 1),
             "strided_t": lambda x: x.reshape(6, 7)[:, ::2].t(), "slice": lambda x: x.reshape(6, 7)[:, 1:4],
             "size_one": lambda x: x.reshape(6, 1, 7).permute(2, 1, 0)}

    def build(lib):
        base = leaf(lib, 42)
        return lib.nn.functional.dropout(views[layout](base), 0.5), [base]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("args,kw", [((2,), {}), ((3, 2, 1), {}),
                                     ((2,), {"ceil_mode": True, "dilation": 2})])
def test_max_pool2d_exact(real_torch, args, kw):
    def build(lib):
        x = leaf(lib, 2, 3, 7, 9)
        return lib.nn.functional.max_pool2d(x, *args, **kw), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("args,kw,ulps", [((2,), {}, 0), ((2,), {"ceil_mode": True}, 0),
                                          ((3, 2, 1), {}, 1),
                                          ((3, 2, 1), {"count_include_pad": False}, 1)])
def test_avg_pool2d(real_torch, args, kw, ulps):
    def build(lib):
        x = leaf(lib, 2, 3, 7, 9)
        return lib.nn.functional.avg_pool2d(x, *args, **kw), [x]
    compare(real_torch, build, ulps=ulps)


@pytest.mark.torch
@pytest.mark.parametrize("size,ulps", [(1, 0), ((3, 4), 1)])
def test_adaptive_avg_pool2d(real_torch, size, ulps):
    def build(lib):
        x = leaf(lib, 2, 3, 7, 9)
        return lib.nn.functional.adaptive_avg_pool2d(x, size), [x]
    compare(real_torch, build, ulps=ulps)


@pytest.mark.torch
def test_embedding_exact(real_torch):
    def build(lib):
        w = leaf(lib, 10, 4)
        return lib.nn.functional.embedding(lib.tensor([[1, 2, 1], [9, 0, 1]]), w,
                                           padding_idx=1), [w]
    compare(real_torch, build)


# ---------------------------------------------------------------------------------------------
# Within a few ulps: exp/log/tanh/erf from numpy instead of torch's SLEEF, and sums whose order
# (oneDNN convolution, vectorised normalisation moments) gradrepl does not reproduce

@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"label_smoothing": 0.1},
                                     {"ignore_index": 1}, {"probabilities": True},
                                     {"probabilities": True, "label_smoothing": 0.2}])
def test_cross_entropy(real_torch, options, shape, reduction):
    def build(lib):
        x = leaf(lib, *shape, scale=3.0)
        kw = dict(options)
        if kw.pop("weight", False):
            kw["weight"] = lib.rand(shape[1])
        if kw.pop("probabilities", False):
            r = lib.rand(*shape)
            target = r / r.sum(1, keepdim=True)
        else:
            target = lib.randint(0, shape[1], (shape[0],))
        return lib.nn.functional.cross_entropy(x, target, reduction=reduction, **kw), [x]
    compare(real_torch, build, ulps=8)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"pos_weight": True}, {"weight": True}])
def test_binary_cross_entropy_with_logits(real_torch, options, reduction):
    def build(lib):
        x = leaf(lib, 70, 33, scale=4.0)
        kw = {k: lib.rand(33) * 3 for k in options}
        return lib.nn.functional.binary_cross_entropy_with_logits(
            x, lib.rand(70, 33), reduction=reduction, **kw), [x]
    # log_sigmoid (SLEEF's exp and log1p on every element) and sigmoid, as torch's kernels
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(real_torch, reduction, log_target):
    def build(lib):
        x = leaf(lib, 70, 33)
        r = lib.rand(70, 33)
        t = r / r.sum(1, keepdim=True)
        t = t.log() if log_target else t
        return lib.nn.functional.kl_div(x, t, reduction=reduction, log_target=log_target), [x]
    compare(real_torch, build, ulps=8)


@pytest.mark.torch
@pytest.mark.parametrize("name,kw", [("elu", {}), ("elu", {"alpha": 0.5}), ("gelu", {}),
                                     ("gelu", {"approximate": "tanh"}), ("silu", {}),
                                     ("softplus", {}), ("softplus", {"beta": 2, "threshold": 3})])
def test_transcendental_activations(real_torch, name, kw):
    def build(lib):
        x = leaf(lib, 70, 33, scale=3.0)
        return getattr(lib.nn.functional, name)(x, **kw), [x]
    compare(real_torch, build, ulps=0 if name in SLEEF_ACTIVATIONS else 8)


# ATen's kernels for these call SLEEF's exp/expm1/log1p on whole vectors and glibc's on the rest
# (not MKL's), both of which gradrepl reproduces: bit for bit at every size, layout and float dtype
SLEEF_ACTIVATIONS = {"elu", "silu", "softplus"}


@pytest.mark.torch
@pytest.mark.parametrize("name,kw", [("elu", {}), ("elu", {"alpha": 0.5}), ("silu", {}),
                                     ("softplus", {}), ("softplus", {"beta": 2, "threshold": 3})])
@pytest.mark.parametrize("shape,layout,dtype", [
    ((7,), "", None), ((4, 13), "", None), ((1, 129), "", None), ((33, 5), "t", None),
    ((3, 65), "", "float64"), ((1000, 17), "", None)])
def test_sleef_activations_exact(real_torch, name, kw, shape, layout, dtype):
    def build(lib):
        x = leaf(lib, *shape, scale=3.0, dtype=getattr(lib, dtype) if dtype else None)
        return getattr(lib.nn.functional, name)(x.t() if layout else x, **kw), [x]
    compare(real_torch, build)


@pytest.mark.torch
@pytest.mark.parametrize("xs,ws,kw", [
    ((2, 3, 8, 8), (4, 3, 3, 3), {}),
    ((2, 4, 9, 9), (6, 2, 3, 2), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ((1, 2, 6, 6), (3, 2, 4, 4), {"padding": "same"}),
    ((2, 3, 10), (4, 3, 3), {"stride": 2, "padding": 1}),
    ((3, 10), (4, 3, 3), {}),
])
def test_convolution(real_torch, xs, ws, kw):
    def build(lib):
        x, w, b = leaf(lib, *xs), leaf(lib, *ws), leaf(lib, ws[0])
        conv = lib.nn.functional.conv2d if len(ws) == 4 else lib.nn.functional.conv1d
        return conv(x, w, b, **kw), [x, w, b]
    compare(real_torch, build, ulps=16)


@pytest.mark.torch
@pytest.mark.parametrize("xs,ws,kw", [
    ((1, 2, 7), (3, 2, 4), {"padding": "same"}),
    ((2, 7), (3, 2, 4), {"padding": "same"}),
    ((1, 2, 9), (3, 2, 2), {"padding": "same", "dilation": 3}),
    ((1, 2, 6, 5), (3, 2, 2, 3), {"padding": "same"}),
    ((1, 2, 6, 5), (3, 2, 4, 2), {"padding": "same", "dilation": (1, 2)}),
])
def test_same_padding_with_an_odd_total_pads_the_input_first(real_torch, xs, ws, kw):
    """torch pads the right side by the odd element (ConstantPadNdBackward0 under the
    convolution) and warns, once per process, that it copies the input."""
    import warnings

    def build(lib):
        x, w, b = leaf(lib, *xs), leaf(lib, *ws), leaf(lib, ws[0])
        conv = lib.nn.functional.conv2d if len(ws) == 4 else lib.nn.functional.conv1d
        return conv(x, w, b, **kw), [x, w, b]
    compare(real_torch, build, ulps=16)
    chains = []
    for lib in (real_torch, gt):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out, _ = build(lib)
            out2, _ = build(lib)
        node = out.grad_fn.next_functions[0][0]
        chains.append((out.grad_fn.name(), node.name(), node.next_functions[0][0].name(),
                       [str(w.message) for w in caught], out2.grad_fn.name()))
    # torch warned at its first such convolution in this process (possibly another test's)
    assert chains[1][:3] == chains[0][:3] and len(chains[1][3]) <= 1
    assert all(m.startswith("Using padding='same' with even kernel lengths") for m in chains[1][3])


@pytest.mark.torch
@pytest.mark.parametrize("shape,training", [((8, 5), True), ((4, 3, 5, 5), True),
                                            ((4, 3, 5, 5), False)])
def test_batch_norm(real_torch, shape, training):
    def build(lib):
        x, w, b = leaf(lib, *shape), leaf(lib, shape[1]), leaf(lib, shape[1])
        rm, rv = lib.randn(shape[1]), lib.rand(shape[1]) + 0.5
        out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training)
        print(rm, rv)
        return out, [x, w, b]
    compare(real_torch, build, ulps=16)


@pytest.mark.torch
@pytest.mark.parametrize("shape,n", [((4, 6), 1), ((3, 4, 6), 2)])
def test_layer_norm(real_torch, shape, n):
    def build(lib):
        x, w, b = leaf(lib, *shape), leaf(lib, *shape[-n:]), leaf(lib, *shape[-n:])
        return lib.nn.functional.layer_norm(x, shape[-n:], w, b), [x, w, b]
    compare(real_torch, build, ulps=16)


@pytest.mark.torch
def test_bilinear(real_torch):
    def build(lib):
        a, b, w, bias = leaf(lib, 5, 3), leaf(lib, 5, 2), leaf(lib, 4, 3, 2), leaf(lib, 4)
        return lib.nn.functional.bilinear(a, b, w, bias), [a, b, w, bias]
    compare(real_torch, build, ulps=16)


# ---------------------------------------------------------------------------------------------
# Printed lessons: module reprs, seeded initialisation, grad_fn chains, running stats, errors

def _modules_lesson(torch):
    nn = torch.nn
    torch.manual_seed(0)
    layers = [nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.PReLU(), nn.PReLU(3, 0.1), nn.ELU(),
              nn.ELU(0.5), nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Softplus(), nn.Softplus(2, 10),
              nn.Dropout(), nn.Dropout(0.2), nn.Embedding(10, 3), nn.Embedding(10, 3, padding_idx=0),
              nn.Bilinear(2, 3, 4), nn.BatchNorm1d(3), nn.BatchNorm2d(4, affine=False),
              nn.LayerNorm(5), nn.LayerNorm((2, 3), elementwise_affine=False), nn.Conv1d(2, 3, 3),
              nn.Conv2d(1, 6, 5), nn.Conv2d(4, 8, (3, 5), stride=2, padding=1, dilation=2, groups=2,
                                            bias=False),
              nn.Conv2d(3, 3, 3, padding="same"), nn.MaxPool2d(2), nn.MaxPool2d(3, 2, 1),
              nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((1, 1)), nn.AdaptiveAvgPool2d(2), nn.MSELoss(),
              nn.L1Loss(), nn.SmoothL1Loss(), nn.HuberLoss(), nn.NLLLoss(), nn.CrossEntropyLoss(),
              nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.KLDivLoss(reduction="batchmean")]
    for layer in layers:
        print(layer)
    print(nn.Conv2d(1, 2, 3).weight, nn.Conv2d(1, 2, 3).bias, nn.Embedding(4, 2, padding_idx=1).weight,
          nn.Bilinear(2, 2, 1).weight, sep="\n")


def _training_lesson(torch):
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.25), nn.Linear(16, 3))
    print(model)
    x, y = torch.randn(5, 1, 4, 4), torch.tensor([0, 2, 1, 1, 0])
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    print(f"{loss.item():.4f}", loss.grad_fn.name(), model[0].weight.grad.shape)
    print(model[1].running_mean, model[1].running_var, model[1].num_batches_tracked, sep="\n")
    print(list(model.state_dict().keys()))
    model.eval()
    print(model(x).argmax(1), model(x).grad_fn.name())
    print(nn.Dropout()(torch.ones(8)))


def _grad_fn_lesson(torch):
    F = torch.nn.functional
    x = torch.randn(2, 3, requires_grad=True)
    t, p = torch.randn(2, 3), torch.rand(2, 3)
    x4 = torch.randn(2, 3, 5, 5, requires_grad=True)
    outputs = [F.leaky_relu(x), F.elu(x), F.gelu(x), F.silu(x), F.softplus(x), F.mse_loss(x, t),
               F.l1_loss(x, t), F.l1_loss(x, t, reduction="none"), F.smooth_l1_loss(x, t),
               F.huber_loss(x, t), F.cross_entropy(x, torch.tensor([0, 2])),
               F.cross_entropy(x, p), F.cross_entropy(x, torch.tensor([0, 2]), label_smoothing=0.1),
               F.nll_loss(x, torch.tensor([0, 2])), F.cross_entropy(x4, torch.zeros(2, 5, 5).long()),
               F.binary_cross_entropy(x.sigmoid(), p), F.binary_cross_entropy_with_logits(x, p),
               F.kl_div(x, p, reduction="batchmean"), F.kl_div(x, p, reduction="sum"),
               F.conv2d(x4, torch.randn(4, 3, 3, 3)), F.max_pool2d(x4, 2), F.avg_pool2d(x4, 2),
               F.adaptive_avg_pool2d(x4, 2), F.adaptive_avg_pool2d(x4, 1),
               F.batch_norm(x4, None, None, training=True), F.layer_norm(x, (3,)),
               F.embedding(torch.tensor([0, 1]), x), F.dropout(x, 0.5),
               F.prelu(x, torch.tensor([0.25], requires_grad=True))]
    for out in outputs:
        print(out.grad_fn.name(), [None if f is None else type(f).__name__
                                   for f, _ in out.grad_fn.next_functions])
    print(F.mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.5, 2.5])))
    print(F.cross_entropy(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([2])))


def _errors_lesson(torch):
    F, nn = torch.nn.functional, torch.nn
    x = torch.randn(2, 3)
    attempts = [
        lambda: F.cross_entropy(x, torch.tensor([0, 3])),
        lambda: F.cross_entropy(x, torch.tensor([0.0, 1.0])),
        lambda: F.cross_entropy(x, torch.tensor([0, 1, 2])),
        lambda: F.cross_entropy(x, torch.tensor([0, 1], dtype=torch.int32)),
        lambda: F.cross_entropy(x, torch.rand(2, 4)),
        lambda: F.cross_entropy(x, torch.tensor([0, 1]), weight=torch.ones(4)),
        lambda: F.binary_cross_entropy(torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0])),
        lambda: F.binary_cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 2.0])),
        lambda: F.binary_cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.0, 1.0])),
        lambda: F.binary_cross_entropy_with_logits(torch.tensor([0.5]), torch.tensor([1.0, 0.0])),
        lambda: F.mse_loss(x, x, reduction="bad"),
        lambda: F.huber_loss(x, x, delta=0),
        lambda: F.dropout(x, 1.5),
        lambda: nn.Conv2d(1, 6, 5)(torch.randn(1, 3, 8, 8)),
        lambda: nn.Conv2d(3, 6, 9)(torch.randn(1, 3, 8, 8)),
        lambda: F.max_pool2d(torch.randn(1, 1, 2, 2), 3),
        lambda: nn.BatchNorm1d(3)(torch.randn(1, 3)),
        lambda: F.layer_norm(x, (4,)),
        lambda: F.embedding(torch.tensor([5]), torch.randn(3, 2)),
        lambda: F.conv2d(torch.randn(1, 3, 8, 8), torch.randn(6, 3, 3, 3), padding="same", stride=2),
    ]
    for attempt in attempts:
        try:
            attempt()
        except Exception as error:  # noqa: BLE001 - the lesson prints whatever torch raises
            print(type(error).__name__, error)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("lesson", [_modules_lesson, _training_lesson, _grad_fn_lesson,
                                    _errors_lesson])
def test_lessons_print_as_torch(same_output, lesson):
    same_output(lesson)


# ---------------------------------------------------------------------------------------------
# Without torch: float64 numerical gradients of every new row

def _numerical_check(fn, *arrays, eps=1e-6, tol=1e-5):
    tensors = [gt.tensor(a, dtype=gt.float64, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    rng = np.random.default_rng(0)
    weight = rng.standard_normal(out.shape)
    (out * gt.tensor(weight)).sum().backward()
    for t, a in zip(tensors, arrays):
        numeric = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            for sign in (1, -1):
                shifted = [x.copy() for x in arrays]
                shifted[arrays.index(a) if False else [id(x) for x in arrays].index(id(a))][i] += sign * eps
                value = fn(*[gt.tensor(s, dtype=gt.float64) for s in shifted])
                numeric[i] += sign * float((value.detach().numpy() * weight).sum()) / (2 * eps)
        np.testing.assert_allclose(t.grad.numpy(), numeric, rtol=tol, atol=tol)


_R = np.random.default_rng(1)
_X = _R.standard_normal((3, 4))
_T = _R.standard_normal((3, 4))
_IMG = _R.standard_normal((2, 2, 5, 5))


@pytest.mark.parametrize("fn,arrays", [
    (lambda x: gt.nn.functional.leaky_relu(x, 0.1), (_X,)),
    (lambda x: gt.nn.functional.elu(x), (_X,)),
    (lambda x: gt.nn.functional.gelu(x), (_X,)),
    (lambda x: gt.nn.functional.gelu(x, approximate="tanh"), (_X,)),
    (lambda x: gt.nn.functional.silu(x), (_X,)),
    (lambda x: gt.nn.functional.softplus(x, beta=2), (_X,)),
    (lambda x, w: gt.nn.functional.prelu(x, w), (_X, np.array([0.3, 0.1, 0.2, 0.4]).reshape(4)[:1])),
    (lambda x, t: gt.nn.functional.mse_loss(x, t), (_X, _T)),
    (lambda x, t: gt.nn.functional.smooth_l1_loss(x, t, reduction="sum"), (_X, _T)),
    (lambda x, t: gt.nn.functional.huber_loss(x, t, delta=0.5), (_X, _T)),
    (lambda x: gt.nn.functional.cross_entropy(x, gt.tensor([0, 3, 1]), label_smoothing=0.1), (_X,)),
    (lambda x: gt.nn.functional.cross_entropy(x, gt.tensor([0, 3, 1]), weight=gt.tensor(
        [1.0, 2.0, 0.5, 1.0], dtype=gt.float64)), (_X,)),
    (lambda x: gt.nn.functional.binary_cross_entropy(x.sigmoid(), gt.tensor(
        np.abs(np.tanh(_T)))), (_X,)),
    (lambda x: gt.nn.functional.binary_cross_entropy_with_logits(x, gt.tensor(
        np.abs(np.tanh(_T))), pos_weight=gt.tensor(np.array([1.0, 2.0, 3.0, 0.5]))), (_X,)),
    (lambda x, w, b: gt.nn.functional.conv2d(x, w, b, stride=2, padding=1), (
        _IMG, _R.standard_normal((3, 2, 3, 3)), _R.standard_normal(3))),
    (lambda x, w: gt.nn.functional.conv2d(x, w, groups=2, dilation=2), (
        _IMG, _R.standard_normal((4, 1, 2, 2)))),
    (lambda x: gt.nn.functional.max_pool2d(x, 2), (_IMG,)),
    (lambda x: gt.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False), (_IMG,)),
    (lambda x: gt.nn.functional.adaptive_avg_pool2d(x, (2, 3)), (_IMG,)),
    (lambda x, w, b: gt.nn.functional.batch_norm(x, None, None, w, b, training=True), (
        _IMG, np.array([1.5, 0.5]), np.array([0.1, -0.2]))),
    (lambda x, w, b: gt.nn.functional.layer_norm(x, (4,), w, b), (
        _X, _R.standard_normal(4), _R.standard_normal(4))),
    (lambda a, b, w: gt.nn.functional.bilinear(a, b, w), (
        _X, _T[:, :3], _R.standard_normal((2, 4, 3)))),
])
def test_numerical_gradients_float64(fn, arrays):
    _numerical_check(fn, *arrays)


def test_dropout_scales_kept_values_and_is_identity_in_eval():
    gt.manual_seed(3)
    x = gt.ones(1000)
    y = gt.nn.functional.dropout(x, 0.25)
    kept = y.numpy()[y.numpy() != 0]
    assert np.all(kept == np.float32(1) / np.float32(0.75))
    assert 650 < kept.size < 850
    assert gt.nn.functional.dropout(x, 0.25, training=False) is x


def test_batch_norm_module_tracks_running_stats():
    bn = gt.nn.BatchNorm1d(2, momentum=None)
    bn(gt.tensor([[1.0, 2.0], [3.0, 6.0]]))
    bn(gt.tensor([[3.0, 2.0], [5.0, 2.0]]))
    assert int(bn.num_batches_tracked) == 2
    np.testing.assert_allclose(bn.running_mean.numpy(), [3.0, 3.0])
    bn.eval()
    out = bn(gt.tensor([[3.0, 3.0]]))
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
