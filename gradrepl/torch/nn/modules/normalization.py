"""BatchNorm1d/2d (running statistics, momentum, eval mode, num_batches_tracked) and LayerNorm."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import get_default_dtype
from gradrepl.engine.factories import empty
from gradrepl.engine.tensor import new_tensor
from gradrepl.torch.nn import functional as F
from gradrepl.torch.nn import init
from gradrepl.torch.nn.modules.module import Module
from gradrepl.torch.nn.parameter import Parameter


class _BatchNorm(Module):
    _version = 2
    _ranks = (2, 3)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, dtype=dtype))
            self.bias = Parameter(empty(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            # torch.zeros(num_features): the default dtype, like the parameters
            dt = (get_default_dtype() if dtype is None else dtype).numpy
            self.register_buffer("running_mean", new_tensor(np.zeros(num_features, dt)))
            self.register_buffer("running_var", new_tensor(np.ones(num_features, dt)))
            self.register_buffer("num_batches_tracked", new_tensor(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input_dim(self, input):
        if input.dim() not in self._ranks:
            ranks = " or ".join(f"{r}D" for r in self._ranks)
            raise ValueError(f"expected {ranks} input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data = self.num_batches_tracked._data + 1
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Normalises each feature over the batch (of shape (batch, features) or (batch, features, length)),
    then scales and shifts it by learned ``weight`` and ``bias``; keeps running statistics for ``eval()``."""

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """BatchNorm1d for images: each channel of (batch, channels, height, width) is normalised over
    the batch and both spatial dimensions."""

    _ranks = (4,)


class LayerNorm(Module):
    """Normalises each example over its last dimensions (``normalized_shape``), then scales and shifts
    it by learned ``weight`` and ``bias``."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, dtype=dtype))
            init.ones_(self.weight)
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, dtype=dtype))
                init.zeros_(self.bias)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
