"""``torch.nn.functional``: the functional forms of the layers gradrepl has."""

from __future__ import annotations

from gradrepl.engine import ops as _ops
from gradrepl.engine.ops.addmm import addmm as _addmm
from gradrepl.engine.tensor import Tensor
from gradrepl.torch.nn._activations import *  # noqa: F401,F403  (issue 9: the layers' math)
from gradrepl.torch.nn._attention import scaled_dot_product_attention  # noqa: F401
from gradrepl.torch.nn._mha import multi_head_attention_forward  # noqa: F401
from gradrepl.torch.nn._extras import *  # noqa: F401,F403
from gradrepl.torch.nn._layers import *  # noqa: F401,F403
from gradrepl.torch.nn._losses import *  # noqa: F401,F403


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` recorded as torch's ATen linear records it: one addmm on 2-D
    input (other shapes fold to 2-D and view back), a plain matmul without a bias."""
    if bias is None:
        return _ops.matmul(input, _ops.t(weight))
    if input.dim() == 2:
        return _addmm(bias, input, _ops.t(weight))
    if input.dim() == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    batch = tuple(input.shape[:-1])
    rows = _ops.reshape(input, (-1, input.shape[-1]))
    return _ops.reshape(_addmm(bias, rows, _ops.t(weight)), batch + (weight.shape[0],))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else _ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    return _ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _ops.tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int = 3) -> int:
    import warnings

    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _ops.log_softmax(input, dim, dtype=dtype)


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError
    from gradrepl.engine.torch_names import FUNCTIONAL_MEMBERS

    if name in FUNCTIONAL_MEMBERS:
        raise UnsupportedError(f"torch.nn.functional.{name}")
    raise AttributeError(f"module 'torch.nn.functional' has no attribute '{name}'")
