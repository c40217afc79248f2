"""The backward rows of convolution, layer_norm and batch_norm, so that a gradient taken through
them with create_graph=True differentiates again: ``ConvolutionBackwardBackward0``,
``NativeLayerNormBackwardBackward0`` and ``NativeBatchNormBackwardBackward0``, each one node
with three outputs (the input's, the weight's and the bias's gradients), as torch records them.

Each row's forward is its first backward's own numpy formula, so the gradient has the bits of an
ordinary one. The backward of the convolution's row is bilinear algebra on the same two rows
(convolution and its backward). Normalisation's backward is no such thing: its derivative is
taken by the engine itself, differentiating the first backward written with recorded ops
(``_layer_norm_grads``, ``_batch_norm_grads``). That is torch's layer_norm_double_backward and
batchnorm_double_backward in value, though not in their order of operations (float64 results
agree to about 1e-15).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.tensor import Tensor, data_of, new_tensor


def record_three(row, outputs, inputs, params=()):
    """Tensors for a backward's three gradients, recorded as outputs 0, 1, 2 of one ``row`` node
    (an absent gradient, None, is recorded as an empty placeholder and returned as None)."""
    from gradrepl.engine.ops.linalg_decomp import record_outputs

    filled = tuple(np.zeros(0) if o is None else o for o in outputs)
    recorded = record_outputs(row, filled, inputs, params)
    return tuple(None if o is None else t for o, t in zip(outputs, recorded))


def composite_vjp(F, grads_of, primals, cotangents, needs):
    """The gradients of ``sum(cotangent_i * grads_of(*primals)_i)`` with respect to the primals
    that ``needs`` asks for, by running the engine on ``grads_of`` (a first backward written
    with recorded ops). Under create_graph (``F`` the tensor backend) they are recorded in turn;
    on arrays, plain arrays come back."""
    from gradrepl.engine import autograd
    from gradrepl.engine.grad_mode import enable_grad

    on_arrays = F is arrays
    if on_arrays:
        primals = tuple(None if p is None else new_tensor(np.array(p)).requires_grad_(bool(n))
                        for p, n in zip(primals, needs))
        cotangents = tuple(None if c is None else new_tensor(np.asarray(c)) for c in cotangents)
    wanted = [i for i, p in enumerate(primals)
              if needs[i] and isinstance(p, Tensor) and p.requires_grad]
    results = [None] * len(primals)
    if not wanted:
        return tuple(results)
    with enable_grad():
        outputs = grads_of(*primals)
    pairs = [(o, c) for o, c in zip(outputs, cotangents)
             if o is not None and c is not None and o.requires_grad]
    if not pairs:
        return tuple(results)
    found = autograd.grad([o for o, _ in pairs], [primals[i] for i in wanted],
                          [c for _, c in pairs], create_graph=not on_arrays, allow_unused=True)
    for i, g in zip(wanted, found):
        if g is None:  # this gradient does not depend on that input: zeros, as torch's
            g = F.zeros(np.shape(data_of(primals[i])), data_of(primals[i]) if on_arrays
                        else primals[i])
        results[i] = g.detach()._data if on_arrays and isinstance(g, Tensor) else g
    return tuple(results)


# layer_norm ---------------------------------------------------------------------------------------

def _layer_norm_grads(g, x, w, n_dims, eps):
    """native_layer_norm_backward written with recorded ops (mean and rstd recomputed from x,
    so that they are differentiated too, as torch's layer_norm_double_backward does)."""
    from gradrepl.engine.ops.backends import tensors as F

    axes = tuple(range(x.dim() - n_dims, x.dim()))
    lead = tuple(range(x.dim() - n_dims))
    m = int(np.prod([x.shape[a] for a in axes]))
    mean = F.sum(x, axes, True) / m
    centred = x - mean
    rstd = 1 / F.sqrt(F.sum(centred * centred, axes, True) / m + eps)
    xhat = centred * rstd
    dxhat = g if w is None else g * w
    grad_x = rstd / m * (dxhat * m - F.sum(dxhat, axes, True)
                         - xhat * F.sum(dxhat * xhat, axes, True))
    grad_w = None if w is None else F.sum(g * xhat, lead)
    return grad_x, grad_w, F.sum(g, lead)


def _layer_norm_double(F, grads, inputs, out, params, needs):
    n_dims, eps = params[:2]
    g, x, _, _, w, _ = inputs
    grad_g, grad_x, grad_w = composite_vjp(
        F, lambda g, x, w: _layer_norm_grads(g, x, w, n_dims, eps), (g, x, w), grads,
        (needs[0], needs[1], needs[4]))
    return grad_g, grad_x, None, None, grad_w, None


# native_layer_norm_backward(grad_out, input, normalized_shape, mean, rstd, weight, bias): three
# outputs; mean and rstd (the forward's saved statistics) take no gradient, nor does bias
LAYER_NORM_BACKWARD = Primitive(
    "native_layer_norm_backward", "NativeLayerNormBackwardBackward0", None, _layer_norm_double,
    inputs=("grad_out", "input", "mean", "rstd", "weight", "bias"),
    params=("normalized_dims", "eps"), saves=("grad_out", "input", "weight"), n_outputs=3)


def layer_norm_recorded(first):
    """The create_graph form of layer_norm's backward ``first`` (numpy)."""
    def recorded(F, g, inputs, out, params, needs):
        x, w, b = inputs
        grads = first(data_of(g), tuple(None if v is None else data_of(v) for v in inputs),
                      None, params, (True, w is not None, b is not None))
        recorded_grads = record_three(LAYER_NORM_BACKWARD, grads, (g, x, None, None, w, b),
                                      params)
        return tuple(r if n else None for r, n in zip(recorded_grads, needs))
    return recorded


# batch_norm ---------------------------------------------------------------------------------------

def _batch_norm_grads(g, x, w, mean, invstd, training, eps):
    """native_batch_norm_backward with recorded ops: in training the batch statistics are
    recomputed from x (and differentiated); in eval the running ones are constants."""
    from gradrepl.engine.ops.backends import tensors as F

    shape = (1, -1) + (1,) * (x.dim() - 2)
    axes = (0,) + tuple(range(2, x.dim()))
    if training:
        n = x.numel() // x.shape[1]
        mean_t = F.sum(x, axes, True) / n
        centred = x - mean_t
        invstd_t = 1 / F.sqrt(F.sum(centred * centred, axes, True) / n + eps)
    else:
        centred = x - new_tensor(mean.astype(np.result_type(data_of(x))).reshape(shape))
        invstd_t = new_tensor(invstd.astype(np.result_type(data_of(x))).reshape(shape))
    scale = invstd_t if w is None else invstd_t * F.reshape(w, shape)
    if training:
        n = x.numel() // x.shape[1]
        xhat = centred * invstd_t
        grad_x = (g - F.sum(g, axes, True) / n - xhat * (F.sum(g * xhat, axes, True) / n)) * scale
    else:
        grad_x = g * scale
    grad_w = None if w is None else F.sum(g * centred * invstd_t, axes)
    return grad_x, grad_w, F.sum(g, axes)


def batch_norm_recorded(first):
    """The create_graph form of batch_norm's backward ``first`` (numpy)."""
    def recorded(F, g, inputs, out, params, needs):
        x, w, b = inputs
        grads = first(data_of(g), tuple(None if v is None else data_of(v) for v in inputs),
                      None, params, (True, w is not None, b is not None))
        # the row's params after (mean, invstd, training) are the first backward's own
        row_params = params[:3] + (_batch_eps(data_of(x), params),)
        # torch's node also has edges for the running statistics (buffers: no gradient)
        recorded_grads = record_three(BATCH_NORM_BACKWARD, grads, (g, x, w, None, None),
                                      row_params)
        return tuple(r if n else None for r, n in zip(recorded_grads, needs))
    return recorded


def _batch_eps(x, params):
    """eps, which the row does not keep: in training invstd = 1 / sqrt(var + eps) with the
    batch's biased var, so eps = 1 / invstd^2 - var (in float64; its error, ~1e-16 of var,
    moves invstd by far less than a float64 ulp). The eval formulas do not read it."""
    mean, invstd, training = params[:3]
    if not training:
        return 0.0
    axes = (0,) + tuple(range(2, x.ndim))
    x64 = x.astype(np.float64)
    var = ((x64 - x64.mean(axis=axes, keepdims=True)) ** 2).mean(axis=axes)
    return float(np.mean(1 / (invstd * invstd) - var))


def _batch_norm_double(F, grads, inputs, out, params, needs):
    mean, invstd, training, eps = params[:4]
    return composite_vjp(
        F, lambda g, x, w: _batch_norm_grads(g, x, w, mean, invstd, training, eps), inputs[:3],
        grads, needs[:3]) + (None, None)


BATCH_NORM_BACKWARD = Primitive(
    "native_batch_norm_backward", "NativeBatchNormBackwardBackward0", None, _batch_norm_double,
    inputs=("grad_out", "input", "weight", "running_mean", "running_var"),
    params=("mean", "invstd", "training", "eps"),
    saves=("grad_out", "input", "weight", "mean", "invstd"), n_outputs=3)


# convolution ----------------------------------------------------------------------------------------

def _conv(F, x, w, b, params):
    from gradrepl.engine.ops.convolution import CONVOLUTION

    return F.apply(CONVOLUTION, (x, w, b), params)


def _conv_grads(F, g, x, w, params, needs):
    """convolution_backward's (input, weight) gradients, recorded on tensors as one
    ConvolutionBackwardBackward0 node; ``x`` or ``w`` may be the other side's stand-in (the
    input's gradient reads only x's shape, the weight's only w's)."""
    from gradrepl.engine.ops.convolution import _backward

    grads = _backward(data_of(g), (data_of(x), data_of(w), None), None, params,
                      (needs[0], needs[1], False))
    if F is arrays:
        return grads[:2]
    return record_three(CONVOLUTION_BACKWARD, grads[:2] + (None,), (g, x, w), params)[:2]


def _conv_double(F, grads, inputs, out, params, needs):
    # _convolution_double_backward: the first backward is bilinear, so each second gradient is
    # a convolution or a convolution backward of the incoming ones
    gg_x, gg_w, gg_b = grads
    g, x, w = inputs
    params = params[:4]
    grad_g = grad_x = grad_w = None
    if needs[0]:
        terms = []
        if gg_x is not None or gg_b is not None:
            if gg_x is not None:
                terms.append(_conv(F, gg_x, w, gg_b, params))
            else:
                shape = (1, -1) + (1,) * (np.ndim(data_of(g)) - 2)
                terms.append(F.expand(F.reshape(gg_b, shape), np.shape(data_of(g))))
        if gg_w is not None:
            terms.append(_conv(F, x, gg_w, None, params))
        grad_g = terms[0] if len(terms) == 1 else (terms[0] + terms[1] if terms else None)
    if needs[1] and gg_w is not None:
        grad_x = _conv_grads(F, g, x, gg_w, params, (True, False))[0]
    if needs[2] and gg_x is not None:
        grad_w = _conv_grads(F, g, gg_x, w, params, (False, True))[1]
    return grad_g, grad_x, grad_w


CONVOLUTION_BACKWARD = Primitive(
    "convolution_backward", "ConvolutionBackwardBackward0", None, _conv_double,
    inputs=("grad_output", "input", "weight"),
    params=("stride", "padding", "dilation", "groups"),
    saves=("grad_output", "input", "weight"), n_outputs=3)


def convolution_recorded(first):
    """The create_graph form of convolution's backward ``first`` (numpy)."""
    def recorded(F, g, inputs, out, params, needs):
        x, w, b = inputs
        grads = first(data_of(g), tuple(None if v is None else data_of(v) for v in inputs),
                      None, params, (True, True, b is not None))
        recorded_grads = record_three(CONVOLUTION_BACKWARD, grads, (g, x, w), params)
        return tuple(r if n else None for r, n in zip(recorded_grads, needs))
    return recorded
