"""One LSTM layer in one direction as one node: ``MkldnnRnnLayerBackward0``.

On the CPU, torch 2.13 runs a float32 LSTM without projections through oneDNN
(aten/src/ATen/native/mkldnn/RNN.cpp): each layer and direction is one ``mkldnn_rnn_layer``
call whose three outputs (the layer's output sequence, its last h and last c) share one grad_fn,
with edges to the input, ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``, ``h0`` and
``c0`` in that order. oneDNN adds the two biases into one before the step, so both bias
gradients are the same tensor of values.

In float32 the forward and the backward are oneDNN's own arithmetic (``onednn_math``: its GEMM
order, its polynomial sigmoid and tanh, its fused cell update; the backward primitive's cell
formulas and summation orders, measured against torch), so values and gradients are torch's bit
for bit while the products stay under ``onednn_math.CHAIN_LIMIT`` multiply-adds (one known
exception: the input's gradient when there is one input feature). Other dtypes (only the tests
call this row with them) take the textbook step, with a float64 backward rounded once.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import grad_mode
from gradrepl.engine.float_math.fused import fma32
from gradrepl.engine.ops import onednn_math
from gradrepl.engine.ops.named_results import record_outputs
from gradrepl.engine.ops.nn_common import arrays_only
from gradrepl.engine.ops.primitive import Primitive


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class _Textbook:
    """Any dtype: each product rounded once, the activations in float64 rounded once."""

    @staticmethod
    def product(a, b):
        return np.matmul(a, b).astype(a.dtype)

    @staticmethod
    def activations(gates, dtype):
        i, f, g, o = np.split(gates.astype(np.float64), 4, axis=1)
        return tuple(v.astype(dtype) for v in (_sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)))

    @staticmethod
    def cell(i, f, g, o, c):
        c_next = f * c + i * g
        return c_next, np.tanh(c_next.astype(np.float64)).astype(c.dtype)


class _OneDNN:
    """float32: oneDNN's own GEMM order, sigmoid, tanh and fused cell update (onednn_math)."""

    product = staticmethod(onednn_math.gate_product)

    @staticmethod
    def activations(gates, dtype):
        i, f, g, o = np.split(gates, 4, axis=1)
        return (onednn_math.sigmoid(i), onednn_math.sigmoid(f), onednn_math.tanh(g),
                onednn_math.sigmoid(o))

    @staticmethod
    def cell(i, f, g, o, c):
        c_next = fma32(i, g, f * c)
        return c_next, onednn_math.tanh(c_next)


def _forward(x, w_ih, w_hh, bias, h, c, reverse, training=False):
    """The output sequence, last h, last c, and per step the gates and states the backward reads.

    ``training``: grad mode was on, so torch ran oneDNN's forward_training primitive; with a
    batch of one, that one goes on with each step's ``h @ W_hh.T`` chain from the input's
    projection instead of adding the two products (measured)."""
    dtype = x.dtype
    math = _OneDNN if dtype == np.float32 else _Textbook
    continued = math is _OneDNN and training and x.shape[1] == 1
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    seq, batch = x.shape[:2]
    projected = math.product(x.reshape(seq * batch, -1), np.ascontiguousarray(w_ih.T))
    projected = projected.reshape(seq, batch, -1)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    output = np.empty(x.shape[:2] + (w_hh.shape[1],), dtype)
    trace = []
    for t in steps:
        if continued:
            gates = onednn_math.gate_product(h, w_hh_t, start=projected[t].copy()) + bias
        else:
            gates = (projected[t] + math.product(h, w_hh_t)) + bias
        i, f, g, o = math.activations(gates, dtype)
        c_next, tanh_c = math.cell(i, f, g, o, c)
        h_next = o * tanh_c
        trace.append((t, h, c, i, f, g, o, tanh_c))
        output[t] = h_next
        h, c = h_next, c_next
    return output, h, c, trace


def _backward(grads, inputs, out, params, needs):
    backward = _backward_onednn if inputs[0].dtype == np.float32 else _backward_textbook
    return backward(grads, inputs, params, needs)


def _backward_onednn(grads, inputs, params, needs):
    """oneDNN's backward primitive in float32, as measured: its cell formulas (FMAs where its
    jit kernel has them), the FMA-chain products for dh, dx and the weights (the weights over
    all steps in the order they ran; dW_hh's first step, the one reading h0, apart: added to the
    chain over the others, or in the reverse direction the chain goes on from it), the bias
    gradient summed row by row from the last step run back to the first."""
    x, w_ih, w_hh = inputs[:3]
    h0 = inputs[5]
    _, trace = params
    f32 = np.float32
    g_out = None if grads[0] is None else np.asarray(grads[0], f32)
    dh = np.zeros(h0.shape, f32) if grads[1] is None else np.asarray(grads[1], f32)
    dc = np.zeros(h0.shape, f32) if grads[2] is None else np.asarray(grads[2], f32)
    d_gates = np.empty(x.shape[:2] + (w_ih.shape[0],), f32)
    d_bias = np.zeros(w_ih.shape[0], f32)
    for t, h, c, i, f, g, o, tanh_c in reversed(trace):
        dh_t = dh if g_out is None else g_out[t] + dh
        dc_t = dc + fma32(-tanh_c, tanh_c, f32(1)) * dh_t * o
        step = np.concatenate([fma32(-i, i, i) * dc_t * g, fma32(-f, f, f) * dc_t * c,
                               fma32(-g, g, f32(1)) * (i * dc_t),
                               fma32(-o, o, o) * dh_t * tanh_c], axis=1)
        d_gates[t] = step
        for row in step:
            d_bias = d_bias + row
        dh, dc = onednn_math.gate_product(step, w_hh), dc_t * f
    rows = d_gates.reshape(-1, d_gates.shape[2])
    d_x = onednn_math.gate_product(rows, w_ih).reshape(x.shape)
    # the weight gradients sum over the steps in the order the layer ran them (the reverse
    # direction: last step first); dW_hh takes the first step (the one reading h0) apart and
    # adds it to the chain over the others
    order = [entry[0] for entry in trace]
    by_step = d_gates[order]
    d_w_ih = _weight_product(by_step, x[order])
    states = np.stack([entry[1] for entry in trace])
    d_w_hh = _weight_product(by_step[:1], states[:1])
    if len(order) > 1 and params[0]:
        # the reverse direction goes on with the same chain from the first step's product
        d_w_hh = onednn_math.gate_product(
            np.ascontiguousarray(by_step[1:].reshape(-1, by_step.shape[2]).T),
            states[1:].reshape(-1, states.shape[2]), start=d_w_hh)
    elif len(order) > 1:
        d_w_hh = _weight_product(by_step[1:], states[1:]) + d_w_hh
    results = (d_x, d_w_ih, d_w_hh, d_bias, d_bias, dh, dc)
    return tuple(r if need else None for need, r in zip(needs, results))


def _weight_product(d_gates, states):
    """sum over steps and rows of d_gates[t, n]^T states[t, n], as one FMA chain."""
    rows = d_gates.reshape(-1, d_gates.shape[2])
    return onednn_math.gate_product(np.ascontiguousarray(rows.T),
                                    states.reshape(-1, states.shape[2]))


def _backward_textbook(grads, inputs, params, needs):
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
    reverse, trace = params
    g_out, g_h, g_c = (None if g is None else np.asarray(g, np.float64) for g in grads)
    n, hidden = h0.shape
    g_h = np.zeros((n, hidden)) if g_h is None else g_h
    g_c = np.zeros((n, hidden)) if g_c is None else g_c
    w_ih64, w_hh64 = w_ih.astype(np.float64), w_hh.astype(np.float64)
    d_x = np.zeros(x.shape)
    d_w_ih, d_w_hh = np.zeros(w_ih.shape), np.zeros(w_hh.shape)
    d_bias = np.zeros(w_ih.shape[0])
    for t, h, c, i, f, g, o, tanh_c in reversed(trace):
        i, f, g, o, tanh_c = (v.astype(np.float64) for v in (i, f, g, o, tanh_c))
        dh = g_h if g_out is None else g_h + g_out[t]
        dc = g_c + dh * o * (1 - tanh_c * tanh_c)
        d_gates = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f),
                                  dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=1)
        d_bias += d_gates.sum(axis=0)
        d_x[t] = d_gates @ w_ih64
        d_w_ih += d_gates.T @ x[t].astype(np.float64)
        d_w_hh += d_gates.T @ h.astype(np.float64)
        g_h, g_c = d_gates @ w_hh64, dc * f
    dtype = x.dtype
    d_b = d_bias.astype(dtype)
    results = (d_x, d_w_ih, d_w_hh, d_b, d_b, g_h, g_c)
    return tuple(None if not need or r is None else np.asarray(r).astype(dtype)
                 for need, r in zip(needs, results))


LSTM_LAYER = Primitive(
    "mkldnn_rnn_layer", "MkldnnRnnLayerBackward0", None,
    arrays_only("mkldnn_rnn_layer", _backward),
    inputs=("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_"),
    params=("reverse", "trace"), saves=("input", "weight0", "weight1", "hx_", "cx_"),
    n_outputs=3)


def lstm_layer(input, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse: bool):
    """``(output, h_n, c_n)`` of one layer in one direction, recorded as one node.

    ``input`` is (seq, batch, features), ``hx``/``cx`` are (batch, hidden); ``b_ih``/``b_hh`` may
    be None (a layer without biases adds zeros, as torch's does)."""
    x = input._data
    if b_ih is None:
        bias = np.zeros(w_ih.shape[0], x.dtype)
    else:
        bias = b_ih._data + b_hh._data
    output, h, c, trace = _forward(x, w_ih._data, w_hh._data, bias, hx._data, cx._data,
                                   bool(reverse), grad_mode.is_grad_enabled())
    inputs = (input, w_ih, w_hh, b_ih, b_hh, hx, cx)
    return tuple(record_outputs(LSTM_LAYER, (output, h, c), inputs, (bool(reverse), trace)))
