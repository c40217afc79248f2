"""nn.RNN, nn.GRU and nn.LSTM: torch's RNNBase (torch/nn/modules/rnn.py) for the parameters
(``weight_ih_l0``, ``weight_hh_l0_reverse``, ``weight_hr_l1`` ... registered and drawn in torch's
order), the argument checks and their messages, unbatched input and ``batch_first``; the layers
run as ATen runs them (``recurrent_run.py``).

Which loop torch takes decides the grad_fn names users see: nn.RNN and nn.GRU always run ATen's
native loop (output ``StackBackward0``, ``CatBackward0`` when bidirectional,
``TransposeBackward1`` with ``batch_first``: an in-place transpose); nn.LSTM runs oneDNN in
float32 without projections (``MkldnnRnnLayerBackward0``, ``TransposeBackward0``) and the native
loop otherwise.
"""

from __future__ import annotations

import math
import numbers
from types import SimpleNamespace

import numpy as np

from gradrepl.engine import ops
from gradrepl.engine.dtypes import float32
from gradrepl.engine.factories import empty, zeros
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.warn import warn_user
from gradrepl.torch.nn import init
from gradrepl.torch.nn.modules.module import Module
from gradrepl.torch.nn.modules.recurrent_run import native_stack, onednn_lstm_stack
from gradrepl.torch.nn.parameter import Parameter

__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]

# ``output.transpose_(0, 1)``: the in-place overload's name
_TRANSPOSE_IN_PLACE = Primitive(
    "transpose_", "TransposeBackward1", lambda a: np.swapaxes(a, 0, 1), inputs=("self",),
    derivatives={"self": lambda F, grad: F.transpose(grad, 0, 1)})

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         proj_size)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                names = self._register_layer(layer, direction, dtype)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def _register_layer(self, layer, direction, dtype):
        gate_size = _GATES[self.mode] * self.hidden_size
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        inputs = self.input_size if layer == 0 else real_hidden * (2 if self.bidirectional else 1)
        shapes = {"weight_ih": (gate_size, inputs), "weight_hh": (gate_size, real_hidden)}
        if self.bias:
            shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
        if self.proj_size > 0:
            shapes["weight_hr"] = (self.proj_size, self.hidden_size)
        suffix = "_reverse" if direction == 1 else ""
        names = []
        for kind, shape in shapes.items():
            name = f"{kind}_l{layer}{suffix}"
            setattr(self, name, Parameter(empty(shape, dtype=dtype)))
            names.append(name)
        return names

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, as in torch on the CPU (it packs weights for cuDNN only)."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # torch's checks, in its words ---------------------------------------------------------------
    def check_input(self, input, batch_sizes=None) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})")
        expected_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes=None):
        mini_batch = _mini_batch(self, input, batch_sizes)
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, size)

    def check_hidden_size(self, hx, expected, msg="Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != expected:
            raise RuntimeError(msg.format(expected, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes=None) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        if isinstance(hx, tuple):
            return tuple(h.index_select(1, permutation) for h in hx)
        return hx.index_select(1, permutation)

    def _layer_weights(self):
        """Per layer and direction, its parameters by role (absent ones None)."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        result = []
        for layer_names in self._all_weights:
            suffix = layer_names[0][len("weight_ih"):]
            found = [getattr(self, name + suffix, None) for name in names]
            result.append(SimpleNamespace(ih=found[0], hh=found[1], b_ih=found[2],
                                          b_hh=found[3], hr=found[4]))
        return result

    def _zeros(self, input, size, batch_sizes=None):
        directions = 2 if self.bidirectional else 1
        batch = _mini_batch(self, input, batch_sizes)
        return zeros((self.num_layers * directions, batch, size), dtype=input.dtype)


def _mini_batch(rnn, input, batch_sizes):
    if batch_sizes is not None:
        return int(batch_sizes[0])
    return input.size(0) if rnn.batch_first else input.size(1)


def _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
    if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
            or isinstance(dropout, bool)):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warn_user("dropout option adds dropout after all but last recurrent layer, so non-zero "
                  "dropout expects num_layers greater than 1, but got "
                  f"dropout={dropout} and num_layers={num_layers}")
    for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type {kind.__name__}, got: "
                            f"{type(value).__name__}")
        if kind is int and value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _is_packed(input) -> bool:
    from gradrepl.torch.nn.utils.rnn import PackedSequence

    return isinstance(input, PackedSequence)


def _packed_result(output, input):
    from gradrepl.torch.nn.utils.rnn import PackedSequence

    return PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices)


class _OneHidden(RNNBase):
    """nn.RNN and nn.GRU: one hidden-state tensor."""

    def forward(self, input, hx=None):
        if _is_packed(input):
            return self._forward_packed(input, hx)
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            suffix = " tensor" if name == "RNN" else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             f"{suffix} instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = ops.unsqueeze(input, batch_dim)
            if hx is not None:
                if hx.dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                       f"{hx.dim()}-D tensor")
                hx = ops.unsqueeze(hx, 1)
        elif hx is not None and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        if hx is None:
            hx = self._zeros(input, self.hidden_size)
        self.check_forward_args(input, hx)
        x = ops.transpose(input, 0, 1) if self.batch_first else input
        output, finals = native_stack(self, x, list(ops.unbind(hx, 0)), self._layer_weights())
        h_n = ops.stack(finals, 0)
        if self.batch_first:
            output = apply_unary(_TRANSPOSE_IN_PLACE, output)
        if not batched:
            output, h_n = ops.squeeze(output, batch_dim), ops.squeeze(h_n, 1)
        return output, h_n

    def _forward_packed(self, packed, hx):
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if hx is None:
            hx = self._zeros(data, self.hidden_size, batch_sizes)
        else:
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(data, hx, batch_sizes)
        sizes = [int(b) for b in batch_sizes._data]
        output, finals = native_stack(self, data, list(ops.unbind(hx, 0)),
                                      self._layer_weights(), sizes)
        h_n = ops.stack(finals, 0)
        return _packed_result(output, packed), self.permute_hidden(h_n, unsorted_indices)


class RNN(_OneHidden):
    """An Elman RNN over a sequence: ``h = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`` at each step;
    returns (every step's output, the last hidden state). ``batch_first=True`` takes (batch, seq, feature)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        # torch's signature has nonlinearity fourth, after num_layers
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class GRU(_OneHidden):
    """A gated recurrent unit over a sequence; returns (every step's output, the last hidden state)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class LSTM(RNNBase):
    """A long short-term memory over a sequence; returns (every step's output, (last hidden state,
    last cell state)). ``batch_first=True`` takes (batch, seq, feature)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes=None):
        mini_batch = _mini_batch(self, input, batch_sizes)
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes=None) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):
        if _is_packed(input):
            return self._forward_packed(input, hx)
        if input.dim() not in (2, 3):
            raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = ops.unsqueeze(input, batch_dim)
        if hx is None:
            hx = self._zero_state(input)
        elif batched:
            if hx[0].dim() != 3 or hx[1].dim() != 3:
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        else:
            if hx[0].dim() != 2 or hx[1].dim() != 2:
                raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but "
                                   f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            hx = (ops.unsqueeze(hx[0], 1), ops.unsqueeze(hx[1], 1))
        self.check_forward_args(input, hx)
        output, h_n, c_n = self._run(input, hx)
        if not batched:
            output = ops.squeeze(output, batch_dim)
            h_n, c_n = ops.squeeze(h_n, 1), ops.squeeze(c_n, 1)
        return output, (h_n, c_n)

    def _zero_state(self, input, batch_sizes=None):
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self._zeros(input, real_hidden, batch_sizes),
                self._zeros(input, self.hidden_size, batch_sizes))

    def _forward_packed(self, packed, hx):
        # torch's packed branch checks nothing in Python: ATen's checks then apply
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if hx is None:
            hx = self._zero_state(data, batch_sizes)
        else:
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(data, hx, batch_sizes)
        sizes = [int(b) for b in batch_sizes._data]
        hiddens = list(zip(ops.unbind(hx[0], 0), ops.unbind(hx[1], 0)))
        output, finals = native_stack(self, data, hiddens, self._layer_weights(), sizes)
        h_n = ops.stack([h for h, _ in finals], 0)
        c_n = ops.stack([c for _, c in finals], 0)
        return _packed_result(output, packed), self.permute_hidden((h_n, c_n), unsorted_indices)

    def _run(self, input, hx):
        x = ops.transpose(input, 0, 1) if self.batch_first else input
        weights = self._layer_weights()
        # ATen's use_mkldnn: float32, and not an empty input
        if input.dtype == float32 and self.proj_size == 0 and input.numel() != 0:
            output, h_n, c_n = onednn_lstm_stack(self, x, ops.contiguous(hx[0]),
                                                 ops.contiguous(hx[1]), weights)
        else:
            if self.proj_size > 0 and input.dtype == float32:
                from gradrepl.engine.warn import warn_user_once

                warn_user_once("LSTM with projections is not supported with oneDNN. Using "
                               "default implementation. (Triggered internally at "
                               "/__w/pytorch/pytorch/aten/src/ATen/native/RNN.cpp:1512.)")
            hiddens = list(zip(ops.unbind(hx[0], 0), ops.unbind(hx[1], 0)))
            output, finals = native_stack(self, x, hiddens, weights)
            h_n = ops.stack([h for h, _ in finals], 0)
            c_n = ops.stack([c for _, c in finals], 0)
        if self.batch_first:
            output = ops.transpose(output, 0, 1)
        return output, h_n, c_n
