"""In-place view ops: ``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``, ``swapaxes_``.

They change a tensor's shape, not its values, yet torch counts them as in-place changes: the
version goes up, a leaf that requires grad refuses them, and a tensor with history gets a node of
the op's in-place overload (``UnsqueezeBackward1``, ``TBackward1``, ``TransposeBackward1``,
``SqueezeBackward3/4/5``) whose backward is the out-of-place one's.
"""

from __future__ import annotations

from gradrepl.engine.ops import registry, shape
from gradrepl.engine.ops.inplace import _snapshot, check_writable
from gradrepl.engine.ops.primitive import Primitive, wrap
from gradrepl.engine.tensor import Tensor, wrap_dim


def _renamed(row: Primitive, grad_fn_name: str) -> Primitive:
    return Primitive(row.name + "_", grad_fn_name, row.forward, row.backward, saves=())


UNSQUEEZE_ = _renamed(shape.UNSQUEEZE, "UnsqueezeBackward1")
T_ = _renamed(shape.T, "TBackward1")
TRANSPOSE_ = _renamed(shape.TRANSPOSE, "TransposeBackward1")
SQUEEZE_ALL_ = _renamed(shape.SQUEEZE_ALL, "SqueezeBackward3")
SQUEEZE_DIM_ = _renamed(shape.SQUEEZE_DIM, "SqueezeBackward4")
SQUEEZE_DIMS_ = _renamed(shape.SQUEEZE_DIM_LIST, "SqueezeBackward5")


def view_inplace(row: Primitive, tensor: Tensor, params: tuple) -> Tensor:
    """Give ``tensor`` the shape ``row`` makes, keeping its memory; record it as torch does."""
    records = check_writable(tensor)
    memory = tensor._memory()
    snapshot = _snapshot(tensor, copy=False) if records else None
    tensor._data = row.forward(memory, *params)
    tensor._bump_version()
    if records:
        # not views.set_history: torch leaves a retain_grad hook on the old node here (y.grad
        # keeps y's old shape after y.retain_grad(); y.unsqueeze_(0)), unlike other in-place ops
        tensor.grad_fn = wrap(row, tensor._data, (snapshot,), params).grad_fn
        tensor._requires_grad = True
        tensor._output_nr = 0
    return tensor


def unsqueeze_(tensor: Tensor, dim: int) -> Tensor:
    return view_inplace(UNSQUEEZE_, tensor, (wrap_dim(dim, tensor.ndim + 1),))


def squeeze_(tensor: Tensor, dim=None) -> Tensor:
    if dim is None:
        return view_inplace(SQUEEZE_ALL_, tensor, ())
    if isinstance(dim, (tuple, list)):
        dims = tuple(wrap_dim(d, max(tensor.ndim, 1)) for d in dim)
        return view_inplace(SQUEEZE_DIMS_, tensor, (dims if tensor.ndim else (),))
    return view_inplace(SQUEEZE_DIM_, tensor, (wrap_dim(dim, max(tensor.ndim, 1)),))


def t_(tensor: Tensor) -> Tensor:
    if tensor.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {tensor.ndim}D")
    return view_inplace(T_, tensor, ())


def transpose_(tensor: Tensor, dim0: int, dim1: int) -> Tensor:
    ndim = tensor.ndim
    return view_inplace(TRANSPOSE_, tensor, (wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)))


# the out-of-place ops are declared in shape.py; their in-place forms are declared here, with them
for _name, _inplace in {"unsqueeze": unsqueeze_, "squeeze": squeeze_, "t": t_,
                        "transpose": transpose_, "swapaxes": transpose_,
                        "swapdims": transpose_}.items():
    registry.OPS[_name].inplace = _inplace
del _name, _inplace
