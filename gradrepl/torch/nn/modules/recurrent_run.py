"""How ATen runs a multi-layer recurrent network on the CPU (aten/src/ATen/native/RNN.cpp and
mkldnn/RNN.cpp), with recorded ops so the grad_fn chains are torch's.

Native loop (nn.RNN, nn.GRU, and nn.LSTM in float64, with projections or on a PackedSequence):
each layer and direction projects the whole sequence through ``weight_ih`` in one linear, unbinds
it over time (a packed sequence: narrows each step's rows), steps the cell on the precomputed
projection (the reverse direction over the reversed steps, its outputs put back in order), stacks
the steps (``StackBackward0``; packed: ``CatBackward0``), concatenates the two directions
(``CatBackward0``), and applies dropout between layers (``MulBackward0``).

oneDNN (nn.LSTM in float32 without projections): one ``mkldnn_rnn_layer`` node per layer and
direction (``MkldnnRnnLayerBackward0``, engine/ops/lstm_layer.py), the same concatenation and
dropout between layers, and each layer's ``h0``/``c0`` taken as ``hx[index]`` (``SelectBackward0``).
"""

from __future__ import annotations

from gradrepl.engine import ops
from gradrepl.engine.ops.lstm_layer import lstm_layer
from gradrepl.engine.ops.split import unsafe_chunk
from gradrepl.torch.nn import functional as F


# --- the cells, stepping on a precomputed input projection -------------------------------------

def rnn_tanh_step(projected, h, w):
    return ops.tanh(ops.add(F.linear(h, w.hh, w.b_hh), projected))


def rnn_relu_step(projected, h, w):
    return ops.relu(ops.add(F.linear(h, w.hh, w.b_hh), projected))


def gru_step(projected, h, w):
    i_r, i_i, i_n = unsafe_chunk(projected, 3, 1)
    h_r, h_i, h_n = unsafe_chunk(F.linear(h, w.hh, w.b_hh), 3, 1)
    resetgate = ops.sigmoid(ops.add(h_r, i_r))
    inputgate = ops.sigmoid(ops.add(h_i, i_i))
    newgate = ops.tanh(ops.add(i_n, ops.mul(h_n, resetgate)))
    return ops.add(ops.mul(ops.sub(h, newgate), inputgate), newgate)


def lstm_step(projected, hidden, w):
    h, c = hidden
    gates = ops.add(F.linear(h, w.hh, w.b_hh), projected)
    ingate, forgetgate, cellgate, outgate = unsafe_chunk(gates, 4, 1)
    ingate, forgetgate = ops.sigmoid(ingate), ops.sigmoid(forgetgate)
    cellgate, outgate = ops.tanh(cellgate), ops.sigmoid(outgate)
    cy = ops.add(ops.mul(forgetgate, c), ops.mul(ingate, cellgate))
    hy = ops.mul(outgate, ops.tanh(cy))
    if w.hr is not None:  # ATen's matmul_hr: hy @ w_hr.t()
        hy = ops.matmul(hy, ops.t(w.hr))
    return hy, cy


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "GRU": gru_step,
         "LSTM": lstm_step}


# --- the layer stacks ---------------------------------------------------------------------------

def _between_layers(outputs, layer, rnn):
    joined = outputs[0] if len(outputs) == 1 else ops.cat(outputs, outputs[0].dim() - 1)
    if rnn.dropout and rnn.training and layer < rnn.num_layers - 1:
        joined = F.dropout(joined, rnn.dropout, True)
    return joined


def native_stack(rnn, x, hiddens, weights, batch_sizes=None):
    """``(output, finals)``: the last layer's output and each layer-direction's final hidden
    (a tensor, or an ``(h, c)`` pair for LSTM), for ``hiddens``/``weights`` in torch's order.
    With ``batch_sizes`` (a list), ``x`` is a PackedSequence's data and so is the output."""
    step = STEPS[rnn.mode]
    directions = 2 if rnn.bidirectional else 1
    finals, layer_input = [], x
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            w, hidden = weights[index], hiddens[index]
            projected = F.linear(layer_input, w.ih, w.b_ih)
            if batch_sizes is not None:
                run = _packed_reverse if direction else _packed_forward
                output, hidden = run(step, projected, batch_sizes, hidden, w)
            else:
                output, hidden = _padded(step, projected, hidden, w, reverse=direction > 0)
            outputs.append(output)
            finals.append(hidden)
        layer_input = _between_layers(outputs, layer, rnn)
    return layer_input, finals


def _output_of(hidden):
    return hidden[0] if isinstance(hidden, tuple) else hidden


def _padded(step, projected, hidden, w, reverse):
    """ATen's FullLayer (ReversedFullLayer): step over time, stack the outputs in time order."""
    steps = ops.unbind(projected, 0)
    if not steps:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    results = []
    for x_t in (steps[::-1] if reverse else steps):
        hidden = step(x_t, hidden, w)
        results.append(_output_of(hidden))
    return ops.stack(results[::-1] if reverse else results, 0), hidden


def _slice_hidden(hidden, start, end):
    if isinstance(hidden, tuple):
        return tuple(h.narrow(0, start, end - start) for h in hidden)
    return hidden.narrow(0, start, end - start)


def _concat_hidden(hiddens):
    if isinstance(hiddens[0], tuple):
        return tuple(ops.cat([h[k] for h in hiddens], 0) for k in range(len(hiddens[0])))
    return ops.cat(hiddens, 0)


def _packed_forward(step, projected, batch_sizes, hidden, w):
    """ATen's PackedLayer: step t runs the first batch_sizes[t] rows; a sequence that ends puts
    its hidden state aside (a slice), and the final hidden is those slices concatenated."""
    outputs, finished = [], []
    offset, last = 0, batch_sizes[0]
    for size in batch_sizes:
        x_t = projected.narrow(0, offset, size)
        offset += size
        if last > size:
            finished.append(_slice_hidden(hidden, size, last))
            hidden = _slice_hidden(hidden, 0, size)
        last = size
        hidden = step(x_t, hidden, w)
        outputs.append(_output_of(hidden))
    finished.append(hidden)
    return ops.cat(outputs, 0), _concat_hidden(finished[::-1])


def _packed_reverse(step, projected, batch_sizes, initial, w):
    """ATen's ReversedPackedLayer: from the last step back, taking in each sequence's initial
    hidden state as it starts."""
    outputs = []
    offset, last = projected.shape[0], batch_sizes[-1]
    hidden = _slice_hidden(initial, 0, last)
    for size in reversed(batch_sizes):
        if size > last:
            hidden = _concat_hidden([hidden, _slice_hidden(initial, last, size)])
        x_t = projected.narrow(0, offset - size, size)
        offset -= size
        last = size
        hidden = step(x_t, hidden, w)
        outputs.append(_output_of(hidden))
    return ops.cat(outputs[::-1], 0), hidden


def onednn_lstm_stack(rnn, x, h0, c0, weights):
    """``(output, h_n, c_n)`` as torch's mkldnn_rnn builds them."""
    directions = 2 if rnn.bidirectional else 1
    x = ops.contiguous(x)
    hs, cs, layer_input = [], [], x
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            w = weights[index]
            out, h, c = lstm_layer(layer_input, w.ih, w.hh, w.b_ih, w.b_hh, h0[index],
                                   c0[index], reverse=direction > 0)
            outputs.append(out)
            hs.append(h)
            cs.append(c)
        layer_input = _between_layers(outputs, layer, rnn)
    return layer_input, ops.stack(hs, 0), ops.stack(cs, 0)
