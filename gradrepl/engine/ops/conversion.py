"""Copies and casts: to(dtype), clone, contiguous, detach."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.layout import torch_layout
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.tensor import Tensor, new_tensor
from gradrepl.engine.ops.registry import register

# The backward of a cast is a cast back, which the engine does at every edge anyway.
_PASS = {"self": lambda grad: grad}  # the gradient flows through unchanged
TO_COPY = Primitive("to", "ToCopyBackward0", lambda a, dtype: torch_layout(np.asarray(a).astype(dtype), a),
                    inputs=("self",), params=("dtype",), derivatives=_PASS)
CLONE = Primitive("clone", "CloneBackward0", lambda a: torch_layout(np.array(a, copy=True), a), inputs=("self",),
                  derivatives=_PASS)


# torch fills a leaf's first .grad under create_graph=True by copying into a fresh tensor
# (copy_: edges to the destination, which has none, and to the gradient)
COPY_INTO_GRAD = Primitive(
    "copy_", "CopyBackwards", lambda destination, source: np.array(source, copy=True),
    inputs=("self", "src"), derivatives={"src": lambda grad: grad})


def to_dtype(tensor: Tensor, dtype, copy: bool = False) -> Tensor:
    if dtype is tensor.dtype and not copy:
        return tensor
    if not dtype.is_floating_point:
        # an integer or bool result cannot carry gradient: torch records nothing
        return new_tensor(torch_layout(np.asarray(tensor._data).astype(dtype.numpy), tensor._data)[()])
    return apply(TO_COPY, (tensor,), (dtype.numpy,))


def clone(tensor: Tensor, *, memory_format=None) -> Tensor:
    return apply(CLONE, (tensor,))


# clone keeps a tensor's layout (torch's preserve_format); contiguous copies into row-major order
CONTIGUOUS = Primitive("contiguous", "CloneBackward0", lambda a: np.array(a, order="C", copy=True),
                       inputs=("self",), derivatives=_PASS)


def contiguous(tensor: Tensor, memory_format=None) -> Tensor:
    return tensor if tensor.is_contiguous() else apply(CONTIGUOUS, (tensor,))


def detach(tensor: Tensor) -> Tensor:
    result = new_tensor(tensor._memory())
    result._base = tensor._version_root()
    return result


def detach_(tensor: Tensor) -> Tensor:
    if tensor._base is not None and tensor.grad_fn is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
            "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of "
            "DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, "
            "please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the "
            "solution."
        )
    tensor.grad_fn = None
    tensor._requires_grad = False
    return tensor


def type_as(tensor: Tensor, other) -> Tensor:
    """``tensor.type(other.type())``: other's dtype (a ToCopyBackward0), or tensor itself."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    return tensor.to(other.dtype)


register("clone", clone, section="copies", rows=(CLONE,))
register("type_as", type_as, section="copies", in_torch=False)
register("contiguous", contiguous, section="copies", rows=(CONTIGUOUS,), in_torch=False)
register("detach", detach, section="copies", inplace=detach_)
