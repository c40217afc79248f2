"""More products: bmm, baddbmm, outer, inner, kron, cross, tensordot (addmm is in addmm.py).

Rows follow derivatives.yaml (``bmm``: ``self: grad.bmm(mat2.transpose(1, 2))``, ``mat2:
self.transpose(1, 2).bmm(grad)``; ``baddbmm``: ``self: maybe_multiply(grad, beta)``, ``batch1:
grad.bmm(batch2.transpose(1, 2)) * alpha`` ...). outer, inner, kron and tensordot are composites
in torch too, built here from the same ops, so the grad_fn on top is torch's (outer is a
MulBackward0 of a column view, kron an UnsafeViewBackward0 of a product).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.batched_matmul import BMM, bmm_forward as _bmm_forward
from gradrepl.engine.ops.linalg import dot, mm
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, wrap_dim
from gradrepl.engine.warn import warn_user_once

_L = "linear algebra"
_CROSS = {"self": ("mat2",), "mat2": ("self",)}


def _scaled(x, factor):
    return x if factor == 1 else x * factor


def _baddbmm_forward(c, a, b, beta, alpha):
    product = _bmm_forward(a, b)
    if c.dtype != product.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(product.dtype)} but found "
                           f"{scalar_type_name(c.dtype)}")
    scaled = _scaled(product, alpha)
    if beta == 0:  # torch ignores self entirely (nan and inf included) when beta is 0
        return np.broadcast_to(scaled, product.shape).copy()
    return np.asarray(_scaled(c, beta) + scaled, dtype=product.dtype)


def _baddbmm_backward(F, g, inputs, out, params, needs):
    c, a, b = inputs
    beta, alpha = params
    t = (1, 2)
    return (
        F.sum_to(_scaled(g, beta), c) if needs[0] else None,
        _scaled(F.apply(BMM, (g, F.transpose(b, *t))), alpha) if needs[1] else None,
        _scaled(F.apply(BMM, (F.transpose(a, *t), g)), alpha) if needs[2] else None,
    )


BADDBMM = Primitive("baddbmm", "BaddbmmBackward0", _baddbmm_forward, _baddbmm_backward,
                    inputs=("self", "mat1", "mat2"), params=("beta", "alpha"),
                    saves={"mat1": ("mat2",), "mat2": ("mat1",)})


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    from gradrepl.engine.ops.linalg import _tensors

    _tensors("bmm", input, mat2, "mat2")
    return apply(BMM, (input, mat2))


def check_add_shape(input, shape):
    """``input`` must expand to the product's shape; torch reports the first mismatch from the
    right, numbered in the product's dims."""
    have = tuple(input.shape)
    if len(have) > len(shape):
        _shape.expand(input, shape)  # raises torch's error for too many dims
    for i in range(1, len(have) + 1):
        if have[-i] != 1 and have[-i] != shape[-i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[-i]}) must match the existing size "
                f"({have[-i]}) at non-singleton dimension {len(shape) - i}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {list(have)}")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    if batch1.ndim == 3 and batch2.ndim == 3:
        check_add_shape(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return apply(BADDBMM, (input, batch1, batch2), (beta, alpha))


def baddbmm_(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    from gradrepl.engine.ops.inplace import apply_inplace

    return apply_inplace(BADDBMM, input, (batch1, batch2), (beta, alpha))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return _shape.reshape(input, (-1, 1)) * vec2


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a = [wrap_dim(d, a.ndim) for d in dims_a]
    dims_b = [wrap_dim(d, b.ndim) for d in dims_b]
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} in "
                               f"dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = int(np.prod([a.shape[d] for d in dims_a]))
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    left = _permuted(a, free_a + dims_a)
    right = _permuted(b, dims_b + free_b)
    left = _shape.reshape(left, (int(np.prod([a.shape[d] for d in free_a])), size))
    right = _shape.reshape(right, (size, int(np.prod([b.shape[d] for d in free_b]))))
    return _shape.view(mm(left, right), out_shape)


def _permuted(t: Tensor, order) -> Tensor:
    return t if list(order) == list(range(t.ndim)) else _shape.permute(t, tuple(order))


def inner(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}")
    if input.ndim == 1 and other.ndim == 1:
        return _shape.view(dot(input, other), ())
    return tensordot(input, other, ([-1], [-1]))


def kron(input: Tensor, other: Tensor) -> Tensor:
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = _shape.reshape(input, tuple(s for n in a_shape for s in (n, 1)))
    b = _shape.reshape(other, tuple(s for n in b_shape for s in (1, n)))
    result_shape = tuple(x * y for x, y in zip(a_shape, b_shape))
    return apply(_shape.UNSAFE_VIEW, (a * b,), (result_shape,))


# ---------------------------------------------------------------------------------------------
# cross

def _cross_forward(a, b, dim):
    return np.cross(a, b, axisa=dim, axisb=dim, axisc=dim)


def _cross_backward(F, g, inputs, out, params, needs):
    a, b = inputs
    return (F.sum_to(F.apply(CROSS, (b, g), params), a) if needs[0] else None,
            F.sum_to(F.apply(CROSS, (g, a), params), b) if needs[1] else None)


CROSS = Primitive("linalg_cross", "LinalgCrossBackward0", _cross_forward, _cross_backward,
                  params=("dim",), saves={"self": ("other",), "other": ("self",)})

_CROSS_DIM_WARNING = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
    "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
    "with that of linalg.cross in a future release. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/Cross.cpp:63.)")


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    wrapped = wrap_dim(dim, len(shape))
    if input.shape[wrapped] != 3 or other.shape[wrapped] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{input.shape[wrapped]} and {other.shape[wrapped]}")
    return apply(CROSS, (input, other), (wrapped,))


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    if dim is None:
        warn_user_once(_CROSS_DIM_WARNING)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((d for d, s in enumerate(shape) if s == 3), -1)
    return linalg_cross(input, other, dim=dim)


register("bmm", bmm, section=_L, rows=(BMM,), out=True, out_dtype="exact")
register("baddbmm", baddbmm, section=_L, rows=(BADDBMM,), inplace=baddbmm_, out=True, out_dtype="exact")
register("outer", outer, section=_L, aliases=("ger",), out=True)
_TENSORDOT_OUT = OutDtype("exact", "tensordot: Expected the output tensor to have dtype {result}, but got an output "
                          "tensor with dtype {out}")
register("inner", inner, section=_L, out=True, out_dtype=_TENSORDOT_OUT)
register("kron", kron, section=_L, out=True)
register("tensordot", tensordot, section=_L, method=False, out=True, out_dtype=_TENSORDOT_OUT)
register("cross", cross, section=_L, rows=(CROSS,), out=True, out_dtype="exact")
