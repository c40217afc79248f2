"""hstack, vstack (row_stack), dstack, column_stack and meshgrid, composed as torch composes
them: each input is reshaped (atleast_2d's unsqueeze, column_stack's view) and then concatenated,
so the grad_fn on top is torch's CatBackward0 over those nodes; meshgrid views each input along
its own dim and expands it (ExpandBackward0 over ViewBackward0).
"""

from __future__ import annotations

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.combine import cat
from gradrepl.engine.ops.combine import CAT_OUT
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor
from gradrepl.engine.warn import warn_user_once


def _atleast(t: Tensor, ndim: int) -> Tensor:
    if t.ndim >= ndim:
        return t
    if ndim == 2:
        return _shape.unsqueeze(t, 0) if t.ndim == 1 else _shape.reshape(t, (1, 1))
    if t.ndim == 0:
        return _shape.reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return _shape.unsqueeze(_shape.unsqueeze(t, 0), -1)
    return _shape.unsqueeze(t, -1)


def _tensors(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {python_type_name(tensors)}")
    return list(tensors)


def hstack(tensors) -> Tensor:
    tensors = [t if t.ndim else _shape.reshape(t, (1,)) for t in _tensors(tensors, "hstack")]
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    tensors = [_atleast(t, 2) for t in _tensors(tensors, "vstack")]
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(tensors, 0)


def dstack(tensors) -> Tensor:
    tensors = [_atleast(t, 3) for t in _tensors(tensors, "dstack")]
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(tensors, 2)


def column_stack(tensors) -> Tensor:
    tensors = _tensors(tensors, "column_stack")
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat([_shape.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors], 1)


_MESHGRID_WARNING = (
    "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument. "
    "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4215.)")


def meshgrid(*tensors, indexing=None) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    # ATen's meshgrid checks the list, then the dtypes, before the indexing and the dims
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for a, b in zip(tensors, tensors[1:]):
        if a.dtype != b.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing is None:
        warn_user_once(_MESHGRID_WARNING)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    # 'xy' swaps the first two output dims: each input is viewed along its own dim and expanded
    dims = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        dims[0], dims[1] = 1, 0
    shape = [0] * len(tensors)
    for t, d in zip(tensors, dims):
        shape[d] = t.numel()
    grids = []
    for t, d in zip(tensors, dims):
        view_shape = [1] * len(tensors)
        view_shape[d] = -1
        grids.append(_shape.expand(_shape.view(t, tuple(view_shape)), tuple(shape)))
    return tuple(grids)


register("hstack", hstack, section="combine", method=False, out=True, out_dtype=CAT_OUT)
register("vstack", vstack, section="combine", method=False, aliases=("row_stack",), out=True,
         out_dtype=CAT_OUT)
register("dstack", dstack, section="combine", method=False, out=True, out_dtype=CAT_OUT)
register("column_stack", column_stack, section="combine", method=False, out=True, out_dtype=CAT_OUT)
register("meshgrid", meshgrid, section="combine", method=False)
