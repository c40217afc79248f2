"""``torch.nn.functional``: the functional forms of the layers gradrepl has."""

from __future__ import annotations as _annotations  # `as`: dir(F) is torch's

import numpy as _np

from gradrepl.engine import grad_mode as _grad_mode
from gradrepl.engine import ops as _ops
from gradrepl.engine import views as _views
from gradrepl.engine.graph import _sequence, accumulator_for as _accumulator_for
from gradrepl.engine.ops.addmm import addmm as _addmm
from gradrepl.engine.ops.primitive import _NEEDS_ONE
from gradrepl.engine.ops.shape import T as _T
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
        return _ops.matmul(input, _weight_t(weight))
    if input.dim() == 2:
        return _addmm(bias, input, _weight_t(weight))
    if input.dim() == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    batch = tuple(input.shape[:-1])
    rows = _ops.reshape(input, (-1, input.shape[-1]))
    return _ops.reshape(_addmm(bias, rows, _weight_t(weight)), batch + (weight.shape[0],))


# False: every weight.t() through the general path (shape.t), which the tests compare with
SHORT_T = True
_grad_enabled = _grad_mode._enabled
_new = object.__new__
_T_NODE = _T.node_class
# what the short path leaves out of _record: T saves nothing and reads no output
assert not _T.saves and not _T.uses_output and _T.saved(_NEEDS_ONE) == ((), False, False)


def _weight_t(weight):
    """``weight.t()``: for a layer's own weight (a 2-D leaf that requires grad, with grad mode
    on) the view and its TBackward0 node made as ``view_op(T, ...)`` makes them (``wrap``,
    ``_record_one``, ``views.track``), without their dispatch; anything else through it."""
    if SHORT_T and isinstance(weight, Tensor) and _grad_enabled[0] and weight._requires_grad \
            and weight.grad_fn is None and weight._base is None:
        data = weight._data
        if type(data) is _np.ndarray and data.ndim == 2:
            result = _new(Tensor)
            result._data = data.T
            node = _new(_T_NODE)
            node._primitive = _T
            node._step = _T.step  # the row's walk step, as _record writes it (same key order)
            node._inputs = (weight,)
            node._arrays = [data]
            node._next = (_accumulator_for(weight),)  # numbered before the node, as in _record
            node._needs = _NEEDS_ONE
            node._sequence_nr = next(_sequence)
            result._requires_grad = True
            result.grad_fn = node
            result._base = weight
            result._view_kind = _views.DEFAULT
            _views.remember(weight, result)
            return result
    return _ops.t(weight)


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
