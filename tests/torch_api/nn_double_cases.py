"""One small case per nn row for the create_graph=True tests: ``CASES[name](lib, dtype)`` gives
``(loss_fn, inputs)`` built the same way on gradrepl and on real torch (same seeds, same ops).

``ROWS`` says which case exercises each nn row (by torch's grad_fn name); the scan in
test_nn_double_backward.py fails when a row of the nn op modules has no case here.
"""

from __future__ import annotations


def _inputs(lib, dtype, *specs):
    """Seeded inputs that require grad: a spec is a shape, or (shape, kind) with kind
    'positive' (|x| + 0.1) or 'unit' (in (0.05, 0.95))."""
    out = []
    for seed, spec in enumerate(specs):
        shape, kind = spec if isinstance(spec[0], tuple) else (spec, None)
        lib.manual_seed(seed)
        x = lib.randn(*shape, dtype=getattr(lib, dtype))
        if kind == "positive":
            x = x.abs() + 0.1
        elif kind == "unit":
            x = x.sigmoid() * 0.9 + 0.05
        out.append(x.detach().requires_grad_())
    return out


def _cube(y):
    # a cubic head, so that even piecewise-linear rows have a non-zero second derivative
    return (y * y * y).sum()


def _pointwise(name, **kw):
    def build(lib, dtype):
        F = lib.nn.functional
        return (lambda x: _cube(getattr(F, name)(x, **kw))), _inputs(lib, dtype, (3, 4))
    return build


def _loss(name, target="plain", **kw):
    def build(lib, dtype):
        F = lib.nn.functional
        kind = {"plain": None, "unit": "unit", "positive": "positive"}[target]
        x, t = _inputs(lib, dtype, (3, 4), ((3, 4), kind))
        return (lambda x, t: getattr(F, name)(x, t, **kw)), [x, t]
    return build


def _classes(lib, dtype, name, target, **kw):
    F = lib.nn.functional
    (x,) = _inputs(lib, dtype, (4, 3))
    labels = lib.tensor(target)
    if name == "nll_loss":
        return (lambda x: _cube(F.nll_loss(F.log_softmax(x, 1) * 2, labels, **kw))), [x]
    return (lambda x: F.cross_entropy(x, labels, **kw)), [x]


def _images(lib, dtype, fn, *specs):
    return fn, _inputs(lib, dtype, *specs)


def _cases():
    c = {}
    for name in ("relu", "gelu", "silu", "elu", "softplus", "hardtanh", "relu6"):
        c[name] = _pointwise(name)
    c["leaky_relu"] = _pointwise("leaky_relu", negative_slope=0.1)
    c["gelu_tanh"] = _pointwise("gelu", approximate="tanh")
    c["softplus_beta"] = _pointwise("softplus", beta=2.0, threshold=1.0)
    c["elu_alpha"] = _pointwise("elu", alpha=0.5)
    c["leaky_relu_"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.leaky_relu(x * 1, 0.1, inplace=True))),
        _inputs(lib, dt, (3, 4)))
    c["elu_"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.elu(x * 1, inplace=True))), _inputs(lib, dt, (3, 4)))
    c["sigmoid"] = lambda lib, dt: ((lambda x: _cube(lib.sigmoid(x))), _inputs(lib, dt, (3, 4)))
    c["tanh"] = lambda lib, dt: ((lambda x: _cube(lib.tanh(x))), _inputs(lib, dt, (3, 4)))
    c["prelu"] = lambda lib, dt: (
        (lambda x, w: _cube(lib.nn.functional.prelu(x, w))), _inputs(lib, dt, (3, 4), (4,)))
    c["prelu_weight_only"] = lambda lib, dt: (
        (lambda x, w: (lib.nn.functional.prelu(x, w) ** 2).sum()),
        _inputs(lib, dt, (3, 4), (1,)))
    c["linear"] = lambda lib, dt: (
        (lambda x, w, b: _cube(lib.nn.functional.linear(x, w, b))),
        _inputs(lib, dt, (3, 4), (2, 4), (2,)))
    c["softmax"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.softmax(x, 1))), _inputs(lib, dt, (3, 4)))
    c["log_softmax"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.log_softmax(x, 0))), _inputs(lib, dt, (3, 4)))
    c["mse_loss"] = _loss("mse_loss")
    c["mse_loss_sum"] = _loss("mse_loss", reduction="sum")
    c["l1_loss"] = _loss("l1_loss")
    c["smooth_l1_loss"] = _loss("smooth_l1_loss", beta=0.5)
    c["smooth_l1_loss_none"] = lambda lib, dt: (
        (lambda x, t: _cube(lib.nn.functional.smooth_l1_loss(x, t, reduction="none"))),
        _inputs(lib, dt, (3, 4), (3, 4)))
    c["huber_loss"] = _loss("huber_loss", delta=0.7)
    c["huber_loss_sum"] = _loss("huber_loss", reduction="sum")
    c["bce_with_logits"] = _loss("binary_cross_entropy_with_logits", "unit")
    c["bce_with_logits_pos_weight"] = lambda lib, dt: (
        (lambda x, t: lib.nn.functional.binary_cross_entropy_with_logits(
            x, t, pos_weight=lib.tensor([1.0, 2.0, 0.5, 3.0], dtype=getattr(lib, dt)),
            weight=lib.tensor([0.5, 1.0, 2.0, 1.5], dtype=getattr(lib, dt)))),
        _inputs(lib, dt, (3, 4), ((3, 4), "unit")))
    c["bce"] = lambda lib, dt: (
        (lambda x, t: lib.nn.functional.binary_cross_entropy(lib.sigmoid(x), t)),
        _inputs(lib, dt, (3, 4), ((3, 4), "unit")))
    c["bce_weight_sum"] = lambda lib, dt: (
        (lambda x, t: lib.nn.functional.binary_cross_entropy(
            lib.sigmoid(x), t, weight=lib.tensor([0.5, 1.0, 2.0, 1.5], dtype=getattr(lib, dt)),
            reduction="sum")),
        _inputs(lib, dt, (3, 4), ((3, 4), "unit")))
    c["kl_div"] = lambda lib, dt: (
        (lambda x, t: lib.nn.functional.kl_div(lib.nn.functional.log_softmax(x, 1), t,
                                               reduction="batchmean")),
        _inputs(lib, dt, (3, 4), ((3, 4), "unit")))
    c["cross_entropy"] = lambda lib, dt: _classes(lib, dt, "cross_entropy", [0, 2, 1, 1])
    c["cross_entropy_options"] = lambda lib, dt: _classes(
        lib, dt, "cross_entropy", [0, 2, -100, 1], label_smoothing=0.1,
        weight=lib.tensor([1.0, 2.0, 0.5], dtype=getattr(lib, dt)))
    c["cross_entropy_ignore"] = lambda lib, dt: _classes(
        lib, dt, "cross_entropy", [0, 2, 1, 2], ignore_index=2)
    c["cross_entropy_probabilities"] = lambda lib, dt: (
        (lambda x, t: lib.nn.functional.cross_entropy(x, lib.softmax(t, 1), label_smoothing=0.2)),
        _inputs(lib, dt, (4, 3), (4, 3)))
    c["nll_loss"] = lambda lib, dt: _classes(lib, dt, "nll_loss", [0, 2, 1, 1],
                                             reduction="sum")
    c["nll_loss_none"] = lambda lib, dt: _classes(lib, dt, "nll_loss", [0, 2, 1, 1],
                                                  reduction="none")
    c["nll_loss2d"] = lambda lib, dt: (
        (lambda x: lib.nn.functional.cross_entropy(
            x, lib.tensor([[[0, 1], [2, 1]], [[1, 1], [0, 2]]]))),
        _inputs(lib, dt, (2, 3, 2, 2)))
    c["layer_norm"] = lambda lib, dt: (
        (lambda x, w, b: _cube(lib.nn.functional.layer_norm(x, (4,), w, b))),
        _inputs(lib, dt, (3, 4), (4,), (4,)))
    c["layer_norm_no_weight"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.layer_norm(x, (2, 3)))), _inputs(lib, dt, (2, 2, 3)))
    c["batch_norm_train"] = lambda lib, dt: (
        (lambda x, w, b: _cube(lib.nn.functional.batch_norm(x, None, None, w, b, training=True))),
        _inputs(lib, dt, (4, 3), (3,), (3,)))
    c["batch_norm2d_train"] = lambda lib, dt: (
        (lambda x, w: _cube(lib.nn.functional.batch_norm(x, None, None, w, None, training=True))),
        _inputs(lib, dt, (2, 3, 2, 2), (3,)))
    c["batch_norm_eval"] = lambda lib, dt: (
        (lambda x, w, b: _cube(lib.nn.functional.batch_norm(
            x, lib.tensor([0.1, -0.2, 0.3], dtype=getattr(lib, dt)),
            lib.tensor([1.5, 0.5, 2.0], dtype=getattr(lib, dt)), w, b, training=False))),
        _inputs(lib, dt, (4, 3), (3,), (3,)))
    c["conv1d"] = lambda lib, dt: _images(
        lib, dt, lambda x, w, b: _cube(lib.nn.functional.conv1d(x, w, b, padding=1)),
        (2, 2, 5), (3, 2, 2), (3,))
    c["conv2d"] = lambda lib, dt: _images(
        lib, dt, lambda x, w, b: _cube(lib.nn.functional.conv2d(x, w, b, stride=2, padding=1)),
        (1, 2, 4, 4), (2, 2, 3, 3), (2,))
    c["conv2d_groups_dilation"] = lambda lib, dt: _images(
        lib, dt, lambda x, w: _cube(lib.nn.functional.conv2d(x, w, groups=2, dilation=2)),
        (1, 4, 5, 5), (2, 2, 2, 2))
    c["max_pool2d"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.max_pool2d(x, 2)), (1, 2, 4, 4))
    c["avg_pool2d"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.avg_pool2d(x, 3, 2, padding=1)), (1, 2, 5, 5))
    c["adaptive_avg_pool2d"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.adaptive_avg_pool2d(x, (2, 3))), (1, 2, 5, 5))
    c["embedding"] = lambda lib, dt: (
        (lambda w: _cube(lib.nn.functional.embedding(lib.tensor([[0, 2], [2, 3]]), w,
                                                     padding_idx=3))),
        _inputs(lib, dt, (4, 3)))
    c["dropout"] = lambda lib, dt: (
        (lambda x: (lib.manual_seed(0), _cube(lib.nn.functional.dropout(x, 0.3)))[1]),
        _inputs(lib, dt, (3, 4)))
    c["normalize"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.normalize(x, dim=1))), _inputs(lib, dt, (3, 4)))
    c["cosine_similarity"] = lambda lib, dt: (
        (lambda x, y: _cube(lib.nn.functional.cosine_similarity(x, y))),
        _inputs(lib, dt, (3, 4), (3, 4)))
    c["pad_constant"] = lambda lib, dt: (
        (lambda x: _cube(lib.nn.functional.pad(x, (1, 2), value=0.5))), _inputs(lib, dt, (3, 4)))
    for mode in ("reflect", "replicate"):
        for n, shape in ((1, (1, 2, 4)), (2, (1, 2, 3, 4)), (3, (1, 1, 3, 3, 3))):
            c[f"pad_{mode}{n}d"] = (lambda lib, dt, mode=mode, n=n, shape=shape: (
                (lambda x: _cube(lib.nn.functional.pad(x, (1, 2) * n, mode=mode))),
                _inputs(lib, dt, shape)))
    c["interpolate_nearest1d"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.interpolate(x, scale_factor=2)), (1, 2, 3))
    c["interpolate_nearest2d"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.interpolate(x, size=(5, 4))), (1, 2, 3, 3))
    c["interpolate_bilinear"] = lambda lib, dt: _images(
        lib, dt, lambda x: _cube(lib.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")),
        (1, 2, 3, 3))
    c["bilinear"] = lambda lib, dt: (
        (lambda a, b, w, bias: _cube(lib.nn.functional.bilinear(a, b, w, bias))),
        _inputs(lib, dt, (2, 3), (2, 4), (5, 3, 4), (5,)))
    return c


CASES = _cases()

# torch's grad_fn name of each nn row -> the case that runs through it
ROWS = {
    "LeakyReluBackward0": "leaky_relu", "EluBackward0": "elu", "GeluBackward0": "gelu",
    "SiluBackward0": "silu", "SoftplusBackward0": "softplus", "PreluKernelBackward0": "prelu",
    "HardtanhBackward0": "hardtanh", "LeakyReluBackward1": "leaky_relu_",
    "EluBackward1": "elu_", "MseLossBackward0": "mse_loss",
    "SmoothL1LossBackward0": "smooth_l1_loss", "HuberLossBackward0": "huber_loss",
    "NllLossBackward0": "nll_loss", "NllLoss2DBackward0": "nll_loss2d",
    "BinaryCrossEntropyBackward0": "bce",
    "BinaryCrossEntropyWithLogitsBackward0": "bce_with_logits",
    "ConvolutionBackward0": "conv2d", "NativeBatchNormBackward0": "batch_norm_train",
    "NativeLayerNormBackward0": "layer_norm", "MaxPool2DWithIndicesBackward0": "max_pool2d",
    "AvgPool2DBackward0": "avg_pool2d", "AdaptiveAvgPool2DBackward0": "adaptive_avg_pool2d",
    "EmbeddingBackward0": "embedding", "TrilinearBackward0": "bilinear",
    "ConstantPadNdBackward0": "pad_constant",
    "ReflectionPad1DBackward0": "pad_reflect1d", "ReflectionPad2DBackward0": "pad_reflect2d",
    "ReflectionPad3DBackward0": "pad_reflect3d", "ReplicationPad1DBackward0": "pad_replicate1d",
    "ReplicationPad2DBackward0": "pad_replicate2d", "ReplicationPad3DBackward0": "pad_replicate3d",
    "UpsampleNearest1DBackward0": "interpolate_nearest1d",
    "UpsampleNearest2DBackward0": "interpolate_nearest2d",
    "UpsampleBilinear2DBackward0": "interpolate_bilinear",
    "SoftmaxBackward0": "softmax", "LogSoftmaxBackward0": "log_softmax",
}

# the nn op modules whose rows the scan walks
NN_MODULES = ("nn_activation", "nn_inplace", "nn_loss", "convolution", "normalization",
              "pooling", "embedding", "padding", "upsample", "softmax")

# Cases whose second-order values equal torch's bit for bit in float64 (their first backward
# does, and the second follows torch's formula op for op). The others agree to ~1e-15: their
# first backward already differs in the last bit (the activation kernels' float64 paths, mm,
# convolution's float64 sums, the normalisation statistics), or their second derivative is
# the engine's derivative of the first backward rather than torch's hand-expanded formula
# (layer_norm, batch_norm).
EXACT = frozenset({
    "relu", "elu", "elu_alpha", "leaky_relu", "leaky_relu_", "elu_", "hardtanh", "relu6",
    "sigmoid", "prelu", "prelu_weight_only", "softmax", "log_softmax", "mse_loss",
    "mse_loss_sum", "smooth_l1_loss", "smooth_l1_loss_none", "huber_loss", "huber_loss_sum",
    "cross_entropy", "cross_entropy_ignore", "nll_loss", "nll_loss_none", "nll_loss2d",
    "bce_with_logits", "bce_with_logits_pos_weight", "bce", "bce_weight_sum",
    "cross_entropy_options", "cross_entropy_probabilities", "normalize", "max_pool2d", "embedding", "dropout", "pad_constant",
    "pad_reflect1d", "pad_reflect2d", "pad_reflect3d", "pad_replicate1d", "pad_replicate2d",
    "pad_replicate3d", "interpolate_nearest1d", "interpolate_nearest2d", "l1_loss",
})

# EXACT cases whose backward takes torch's float64 exp of the log-probabilities (log_softmax's
# backward): MKL's VML exp, which agrees with numpy's on the Intel CPUs these were measured on
# but not on an AMD EPYC (nll_loss2d's second derivative an ulp off there): exact only where
# tests.cpu_vendor.MKL_MEASURED says MKL's kernels are the measured ones
THROUGH_MKL_EXP = frozenset(name for name in EXACT
                            if name.startswith(("cross_entropy", "nll_loss", "log_softmax")))

# In float32 too, except where the first backward's float32 kernels already differ from torch's
# in the last bit (elu's; bce's target gradient, logit; label smoothing's and probability
# targets' float32 sums)
EXACT_FLOAT32 = EXACT - {"bce", "bce_weight_sum", "bce_with_logits_pos_weight",
                         "cross_entropy_options", "cross_entropy_probabilities", "elu", "elu_",
                         "elu_alpha"}
