"""nn.RNN and nn.GRU (one direction, any number of layers, batch_first, dropout between layers)
as ATen runs them on the CPU (aten/src/ATen/native/RNN.cpp, ``FullLayer``): each layer projects
the whole sequence through ``weight_ih`` in one linear, unbinds it over time, steps the cell with
the precomputed projection, stacks the outputs (``StackBackward0``) and the final hidden states
of the layers (``StackBackward0``); ``batch_first`` transposes in and, in place, out
(``TransposeBackward1``). nn.LSTM runs through oneDNN in torch and is not implemented.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine import ops
from gradrepl.engine.factories import empty, zeros
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.split import unsafe_chunk
from gradrepl.torch.nn import functional as F
from gradrepl.torch.nn import init
from gradrepl.torch.nn.modules.module import Module
from gradrepl.torch.nn.parameter import Parameter

__all__ = ["GRU", "RNN"]

# ``output.transpose_(0, 1)``: the in-place overload's name
_TRANSPOSE_IN_PLACE = Primitive(
    "transpose_", "TransposeBackward1", lambda a: np.swapaxes(a, 0, 1), inputs=("self",),
    derivatives={"self": lambda F, grad: F.transpose(grad, 0, 1)})


class _RNNBase(Module):
    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        if bidirectional:
            from gradrepl.engine.errors import UnsupportedError

            raise UnsupportedError(f"torch.nn.{type(self).__name__}(bidirectional=True)")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            inputs = input_size if layer == 0 else hidden_size
            setattr(self, f"weight_ih_l{layer}", Parameter(empty((rows, inputs), dtype=dtype)))
            setattr(self, f"weight_hh_l{layer}", Parameter(empty((rows, hidden_size), dtype=dtype)))
            if bias:
                setattr(self, f"bias_ih_l{layer}", Parameter(empty(rows, dtype=dtype)))
                setattr(self, f"bias_hh_l{layer}", Parameter(empty(rows, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        return text

    def _layer(self, k):
        get = lambda name: getattr(self, f"{name}_l{k}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def forward(self, input, hx=None):
        name = type(self).__name__
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                             "instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = ops.unsqueeze(input, batch_dim)
            hx = None if hx is None else ops.unsqueeze(hx, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        x = ops.transpose(input, 0, 1) if self.batch_first else input
        expected = (self.num_layers, x.shape[1], self.hidden_size)
        if hx is None:
            hx = zeros(expected, dtype=input.dtype)
        elif tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(hx.shape)}")
        output, finals = x, []
        for k, h in enumerate(ops.unbind(hx, 0)):
            w_ih, w_hh, b_ih, b_hh = self._layer(k)
            steps = []
            for projected in ops.unbind(F.linear(output, w_ih, b_ih), 0):
                h = self._step(projected, h, w_hh, b_hh)
                steps.append(h)
            output = ops.stack(steps, 0)
            finals.append(h)
            if self.dropout and self.training and k < self.num_layers - 1:
                output = F.dropout(output, self.dropout, True)
        h_n = ops.stack(finals, 0)
        if self.batch_first:
            output = apply_unary(_TRANSPOSE_IN_PLACE, output)
        if not batched:
            output, h_n = ops.squeeze(output, batch_dim), ops.squeeze(h_n, 1)
        return output, h_n


class RNN(_RNNBase):
    def __init__(self, *args, **kwargs):
        # torch's signature has nonlinearity fourth, after num_layers
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(*args, **kwargs)
        self.nonlinearity = nonlinearity

    def _step(self, projected, h, w_hh, b_hh):
        total = ops.add(F.linear(h, w_hh, b_hh), projected)
        return ops.tanh(total) if self.nonlinearity == "tanh" else ops.relu(total)


class GRU(_RNNBase):
    gates = 3

    def _step(self, projected, h, w_hh, b_hh):
        i_r, i_i, i_n = unsafe_chunk(projected, 3, 1)
        h_r, h_i, h_n = unsafe_chunk(F.linear(h, w_hh, b_hh), 3, 1)
        resetgate = ops.sigmoid(ops.add(h_r, i_r))
        inputgate = ops.sigmoid(ops.add(h_i, i_i))
        newgate = ops.tanh(ops.add(i_n, ops.mul(h_n, resetgate)))
        return ops.add(ops.mul(ops.sub(h, newgate), inputgate), newgate)
