"""RNNCell, LSTMCell and GRUCell: one time step, built from recorded ops in the order of ATen's
cells (aten/src/ATen/native/RNN.cpp), so values, grad_fn chains (``TanhBackward0`` over
``AddBackward0`` over two ``AddmmBackward0``; ``UnsafeSplitBackward0`` for the gates) and
initial weights (every parameter ``uniform_(-1/sqrt(hidden), 1/sqrt(hidden))`` in registration
order) are torch's. The multi-step layers (nn.RNN/LSTM/GRU) are not implemented yet."""

from __future__ import annotations

import math

from gradrepl.engine import ops
from gradrepl.engine.factories import empty, zeros
from gradrepl.engine.ops.split import unsafe_chunk
from gradrepl.torch.nn import functional as F
from gradrepl.torch.nn import init
from gradrepl.torch.nn.modules.module import Module
from gradrepl.torch.nn.parameter import Parameter

__all__ = ["GRUCell", "LSTMCell", "RNNCell"]


class _CellBase(Module):
    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(empty((rows, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((rows, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(rows, dtype=dtype))
            self.bias_hh = Parameter(empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    # torch's checks, in its words -------------------------------------------------------------
    def _batched(self, input, hx) -> bool:
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for h in hx if isinstance(hx, tuple) else (hx,):
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(
                    f"{name}: Expected hidden to be 1D or 2D, got {h.dim()}D instead")
        return input.dim() == 2

    def _check(self, input, hidden, which="hidden0"):
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        if input.shape[0] != hidden.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match {which} batch "
                               f"size {hidden.shape[0]}")
        if hidden.shape[1] != self.hidden_size:
            raise RuntimeError(f"{which} has inconsistent hidden_size: got {hidden.shape[1]}, "
                               f"expected {self.hidden_size}")

    def _zeros(self, input):
        return zeros((input.shape[0], self.hidden_size), dtype=input.dtype)

    def _gates(self, input, hidden):
        """linear_hh(hidden) + linear_ih(input), as ATen's cells add them."""
        return ops.add(F.linear(hidden, self.weight_hh, self.bias_hh),
                       F.linear(input, self.weight_ih, self.bias_ih))


def _batch(x, batched):
    return x if batched or x is None else ops.unsqueeze(x, 0)


class RNNCell(_CellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched = self._batched(input, hx)
        input, hx = _batch(input, batched), _batch(hx, batched)
        hx = self._zeros(input) if hx is None else hx
        self._check(input, hx)
        if self.nonlinearity == "tanh":
            out = ops.tanh(self._gates(input, hx))
        elif self.nonlinearity == "relu":
            out = ops.relu(self._gates(input, hx))
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return out if batched else ops.squeeze(out, 0)


class LSTMCell(_CellBase):
    gates = 4

    def forward(self, input, hx=None):
        batched = self._batched(input, hx)
        input = _batch(input, batched)
        if hx is None:
            h, c = self._zeros(input), self._zeros(input)
        else:
            h, c = (_batch(x, batched) for x in hx)
        self._check(input, h, "hidden0")
        self._check(input, c, "hidden1")
        ingate, forgetgate, cellgate, outgate = unsafe_chunk(self._gates(input, h), 4, 1)
        ingate, forgetgate = ops.sigmoid(ingate), ops.sigmoid(forgetgate)
        cellgate, outgate = ops.tanh(cellgate), ops.sigmoid(outgate)
        cy = ops.add(ops.mul(forgetgate, c), ops.mul(ingate, cellgate))
        hy = ops.mul(outgate, ops.tanh(cy))
        if not batched:
            return ops.squeeze(hy, 0), ops.squeeze(cy, 0)
        return hy, cy


class GRUCell(_CellBase):
    gates = 3

    def forward(self, input, hx=None):
        batched = self._batched(input, hx)
        input, hx = _batch(input, batched), _batch(hx, batched)
        hx = self._zeros(input) if hx is None else hx
        self._check(input, hx)
        i_r, i_i, i_n = unsafe_chunk(F.linear(input, self.weight_ih, self.bias_ih), 3, 1)
        h_r, h_i, h_n = unsafe_chunk(F.linear(hx, self.weight_hh, self.bias_hh), 3, 1)
        resetgate = ops.sigmoid(ops.add(h_r, i_r))
        inputgate = ops.sigmoid(ops.add(h_i, i_i))
        newgate = ops.tanh(ops.add(i_n, ops.mul(h_n, resetgate)))
        hy = ops.add(ops.mul(ops.sub(hx, newgate), inputgate), newgate)
        return hy if batched else ops.squeeze(hy, 0)
