"""torch.cosine_similarity and torch.pairwise_distance (also ``torch.nn.functional``'s), and the
rows ATen's distance functions record under overload names of their own: ``x + eps`` through
``at::add(Tensor, Scalar)`` (``AddBackward1``) and ``at::norm(Tensor, Scalar, dims, keepdim)``
(``NormBackward1``), both in pairwise_distance. The norm is computed by the same kernel as
``linalg.vector_norm``, so the row borrows that row's forward and backward.
"""

from __future__ import annotations

import math

import numpy as np

from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.scalar_arith import _as_dtype
from gradrepl.engine.ops.statistics import NORM
from gradrepl.engine.tensor import Tensor

ADD_SCALAR = Primitive("add", "AddBackward1", lambda a, s: a + _as_dtype(a, s),
                       inputs=("self",), params=("other",),
                       derivatives={"self": lambda grad: grad})

NORM_SCALAR_DIMS = Primitive("norm", "NormBackward1", NORM.forward, NORM.backward,
                             inputs=("self",), saves=("self", "result"))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of x1 and x2 along dim (ATen's Distance.cpp graph)."""
    from gradrepl.engine import ops as _ops
    from gradrepl.engine.grad_mode import no_grad

    if x1.shape != x2.shape:
        shape = tuple(np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)))
        x1, x2 = _ops.expand(x1, shape), _ops.expand(x2, shape)
    # ATen clones the norms and clamps the clones in place without recording the clamp
    norm1 = _ops.clone(_ops.norm(x1, 2, dim, keepdim=True))
    norm2 = _ops.clone(_ops.norm(x2, 2, dim, keepdim=True))
    with no_grad():
        norm1.clamp_min_(eps)
        norm2.clamp_min_(eps)
    return _ops.sum(_ops.mul(_ops.div(x1, norm1), _ops.div(x2, norm2)), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm distance between the rows of x1 and x2 (``norm(x1 - x2 + eps, p, -1)``)."""
    from gradrepl.engine import ops as _ops

    ndim = max(x1.dim(), x2.dim())
    dim = ndim - 1 if ndim else 0
    difference = apply_unary(ADD_SCALAR, _ops.sub(x1, x2), (eps,))
    dims = (dim,) if difference.dim() else ()
    return apply_unary(NORM_SCALAR_DIMS, difference,
                       (float(p), dims, bool(keepdim), None))


def _recorded_rows():
    """The rows these composites record, for the docs (imported here: the families load first)."""
    from gradrepl.engine.ops.arithmetic import DIV, MUL, SUB
    from gradrepl.engine.ops.conversion import CLONE
    from gradrepl.engine.ops.reductions import SUM_DIM

    return (SUM_DIM, MUL, DIV, CLONE, NORM), (ADD_SCALAR, NORM_SCALAR_DIMS, SUB)


_COSINE_ROWS, _DISTANCE_ROWS = _recorded_rows()
register("cosine_similarity", cosine_similarity, section="neural network", method=False,
         rows=_COSINE_ROWS)
register("pairwise_distance", pairwise_distance, section="neural network", method=False,
         rows=_DISTANCE_ROWS)


# ---------------------------------------------------------------------------------------------
# dist (session 10, l-more): at::norm(self - other, p) over every element, its own row
# (derivatives.yaml's DistBackward0: norm_backward of the difference, negated for other)

def _dist_forward(a, b, p):
    from gradrepl.engine.ops.promotion import result_dtype

    difference = np.subtract(a, b, dtype=result_dtype(a, b))
    return NORM.forward(difference, p, tuple(range(difference.ndim)), False, None)


def _dist_backward(F, g, inputs, out, params, needs):
    (p,) = params
    a, b = inputs
    if p == 0:  # norm_backward's undefined gradient; negating it for other is torch's error
        if needs[1]:
            raise RuntimeError("Expected a proper Tensor but got None (or an undefined Tensor in "
                               "C++) for argument #0 'self'")
        return (None, None)
    difference = a - b
    ndim = len(np.shape(difference))
    (grad,) = NORM.backward(F, g, (difference,), out, (p, tuple(range(ndim)), False, None),
                            (True,))
    return (F.sum_to(grad, a) if needs[0] else None,
            F.sum_to(-grad, b) if needs[1] else None)


DIST = Primitive("dist", "DistBackward0", _dist_forward, _dist_backward,
                 inputs=("self", "other"), params=("p",), saves=("self", "other", "result"))


def dist(input, other, p=2):
    """the p-norm of input - other (broadcast), a 0-d tensor"""
    from gradrepl.engine.keywords import check_types
    from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES
    from gradrepl.engine.ops.primitive import apply
    from gradrepl.engine.ops.promotion import check_broadcasts, result_dtype

    check_types(("Tensor", input), ("Tensor", other), ("Number", p))
    a, b = input._data, other._data
    check_broadcasts(a, b)
    dtype = np.dtype(result_dtype(a, b))
    if dtype.kind != "f":
        from gradrepl.engine.dtypes import from_numpy_dtype

        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {SCALAR_TYPE_NAMES[from_numpy_dtype(dtype)]} instead.")
    p = float(p.item() if hasattr(p, "item") else p)
    return apply(DIST, (input, other), (p,))


def _register_dist():
    from gradrepl.engine.keywords import torch_parsed

    register("dist", torch_parsed("dist", method=False)(dist), section="neural network",
             rows=(DIST,), method=torch_parsed("dist")(dist))


_register_dist()


# ---------------------------------------------------------------------------------------------
# cdist (session 11, m-ops): ATen's Distance.cpp. For p = 2 with more than 25 rows on either
# side (compute_mode "use_mm_for_euclid_dist_if_necessary") or always ("use_mm_for_euclid_dist")
# torch takes _euclidean_dist, a matrix product whose node is EuclideanDistBackward0 (under a
# ViewBackward0); otherwise _cdist_forward's kernel (CdistBackward0): per pair of rows, the
# columns' terms added one by one in the dtype (DistanceOpsKernel.cpp, run_parallel_cdist).

_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
          "donot_use_mm_for_euclid_dist": 2}


def _as_p(values, p):
    """p as the kernel holds it: a scalar_t (float32 rounds it)."""
    return values.dtype.type(p)


def _sign(d):
    """Dist::sign: min(max(0, ceil(d)), 1) + min(max(-1, floor(d)), 0), NaN kept."""
    one, zero = d.dtype.type(1), d.dtype.type(0)
    return (np.minimum(np.maximum(zero, np.ceil(d)), one)
            + np.minimum(np.maximum(-one, np.floor(d)), zero))


_SQUARES_UNROLLED = {np.dtype(np.float32): 4, np.dtype(np.float64): 2}


def _cdist_direct(a, b, p):
    """run_parallel_cdist on (batch, r1, m) and (batch, r2, m) arrays of one dtype."""
    from gradrepl.engine.float_math import libm
    from gradrepl.engine.ops.statistics import _fma_same_dtype

    m = a.shape[-1]
    difference = np.abs(a[:, :, None, :] - b[:, None, :, :])
    total = np.zeros(difference.shape[:-1], a.dtype)
    kernel_p = _as_p(a, p)
    # the compiled 2-norm loop: blocks of 4 floats (2 doubles) whose squares are rounded, then
    # added in order; the leftover terms by a fused multiply-add (measured on torch 2.13's
    # AVX512 build, every length 1 to 39 and some up to 127)
    fused_from = m - m % _SQUARES_UNROLLED[a.dtype]
    for x in range(m):
        d = difference[..., x]
        if p == 0:
            total = total + np.minimum(np.ceil(d), d.dtype.type(1))
        elif p == 1:
            total = total + d
        elif p == 2:
            total = _fma_same_dtype(d, d, total) if x >= fused_from else total + d * d
        elif math.isinf(p):
            with np.errstate(invalid="ignore"):
                total = np.where(total < d, d, total)  # std::max(agg, up)
        else:
            flat = libm.pow_same(d.reshape(-1), np.full(d.size, kernel_p, d.dtype))
            total = total + flat.reshape(d.shape)
    if p == 2:
        return np.sqrt(total)
    if p in (0, 1) or math.isinf(p):
        return total
    return libm.pow(total.reshape(-1), 1.0 / float(kernel_p)).reshape(total.shape)


def _cdist_backward_direct(g, a, b, p, dist):
    """run_backward_parallel_cdist: for each row of a, the vector terms of every row of b added
    in order from 0 (all columns through Vectorized ops: SLEEF's pow)."""
    from gradrepl.engine.float_math.kernels import _POW

    result = np.zeros(a.shape, a.dtype)
    if p == 0:
        return result
    vp = _as_p(a, p)
    one = a.dtype.type(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(b.shape[1]):
            diff = a - b[:, j:j + 1, :]
            grad = g[:, :, j:j + 1]
            norm = dist[:, :, j:j + 1]
            if p == 1:
                term = grad * _sign(diff)
            elif p < 2:
                powered = _POW[a.dtype](np.abs(diff), np.full(diff.shape, vp - one, a.dtype))
                scale = _POW[a.dtype](np.broadcast_to(norm, diff.shape),
                                      np.full(diff.shape, vp - one, a.dtype))
                term = np.where(norm == 0, a.dtype.type(0), _sign(diff) * powered * grad / scale)
                if p < 1:
                    term = np.where(diff == 0, a.dtype.type(0), term)
            elif p == 2:
                term = np.where(norm == 0, a.dtype.type(0), grad * diff / norm)
            elif math.isinf(p):
                near = np.minimum(one, np.ceil(np.abs(np.abs(diff) - norm)))
                term = grad * _sign(diff) * (one - near)
            else:
                powered = _POW[a.dtype](np.abs(diff), np.full(diff.shape, vp - 2 * one, a.dtype))
                scale = _POW[a.dtype](np.broadcast_to(norm, diff.shape),
                                      np.full(diff.shape, vp - one, a.dtype))
                term = np.where(norm == 0, a.dtype.type(0), diff * powered * grad / scale)
            result = result + term
    return result


def _batched(x, batch):
    """x expanded to the broadcast batch dims and viewed as (product, rows, cols)."""
    shape = tuple(batch) + tuple(x.shape[-2:])
    return np.ascontiguousarray(np.broadcast_to(x, shape)).reshape((-1,) + tuple(x.shape[-2:]))


def _cdist_forward(a, b, p, mode):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    shape = tuple(batch) + (a.shape[-2], b.shape[-2])
    if 0 in shape:
        return np.empty(shape, a.dtype)
    if a.shape[-1] == 0:
        return np.zeros(shape, a.dtype)
    return _cdist_direct(_batched(a, batch), _batched(b, batch), p).reshape(shape)


def _cdist_backward_one(g, a, b, p, dist):
    """_cdist_backward(grad, x1, x2, p, cdist): the gradient of x1 at x1's expanded shape."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    expanded = tuple(batch) + tuple(a.shape[-2:])
    if 0 in expanded or a.shape[-2] == 0 or b.shape[-2] == 0 or a.shape[-1] == 0:
        return np.zeros(a.shape, a.dtype)
    rows1, rows2 = a.shape[-2], b.shape[-2]
    grad = np.ascontiguousarray(g).reshape(-1, rows1, rows2)
    norm = np.ascontiguousarray(dist).reshape(-1, rows1, rows2)
    out = _cdist_backward_direct(grad, _batched(a, batch), _batched(b, batch), p, norm)
    return out.reshape(expanded)


def _cdist_backward(F, g, inputs, out, params, needs):
    from gradrepl.engine.ops.backends import arrays
    from gradrepl.engine.tensor import data_of

    p = params[0]
    a, b = (np.asarray(data_of(t)) for t in inputs)
    grad, result = np.asarray(data_of(g)), np.asarray(data_of(out))
    grads = [None, None]
    if needs[0]:
        grads[0] = _cdist_backward_one(grad, a, b, p, result)
    if needs[1]:
        grads[1] = _cdist_backward_one(np.swapaxes(grad, -1, -2), b, a, p,
                                       np.swapaxes(result, -1, -2))
    grads = [None if x is None else arrays.sum_to(x, y) for x, y in zip(grads, (a, b))]
    if F is not arrays:
        from gradrepl.engine.tensor import new_tensor

        grads = [None if x is None else new_tensor(x) for x in grads]
    return tuple(grads)


CDIST = Primitive("_cdist_forward", "CdistBackward0", _cdist_forward, _cdist_backward,
                  inputs=("x1", "x2"), params=("p", "compute_mode"),
                  saves=("x1", "x2", "result"))


def _euclidean_forward(a, b):
    """_euclidean_dist: [-2 x1, |x1|^2, 1] @ [x2, 1, |x2|^2]^T, clamped at 0, square-rooted,
    computed by the engine's own ops (their bits are torch's)."""
    from gradrepl.engine import ops
    from gradrepl.engine.factories import ones_like
    from gradrepl.engine.grad_mode import no_grad
    from gradrepl.engine.tensor import new_tensor

    with no_grad():
        x1, x2 = new_tensor(a), new_tensor(b)
        norm1 = ops.sum(x1.pow(2), -1, True)
        norm2 = ops.sum(x2.pow(2), -1, True)
        left = ops.cat([x1.mul(-2), norm1, ones_like(norm1)], -1)
        right = ops.cat([x2, ones_like(norm2), norm2], -1)
        result = left.matmul(right.mT)
        result.clamp_min_(0).sqrt_()
    return result._data


def _euclidean_backward(F, g, inputs, out, params, needs):
    """torch's _euclidean_dist_backward: ratio = grad / res (0 where res is 0), then
    x1 * ratio.sum(-1) - ratio @ x2 and x2 * ratio.sum(-2) - ratio.mT @ x1."""
    from gradrepl.engine.tensor import data_of

    x1, x2 = inputs
    zero = np.asarray(data_of(out)) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = F.where(zero, 0.0, g / out)
    from gradrepl.engine.ops.reductions import SUM_DIM

    ndim = np.ndim(data_of(ratio))
    first = (x1 * F.apply(SUM_DIM, (ratio,), ((ndim - 1,), True, None)) - F.matmul(ratio, x2)
             if needs[0] else None)
    second = None
    if needs[1]:
        flipped = F.transpose(ratio, ndim - 2, ndim - 1)
        second = (x2 * F.unsqueeze(F.apply(SUM_DIM, (ratio,), ((ndim - 2,), False, None)), ndim - 1)
                  - F.matmul(flipped, x1))
    return (None if first is None else F.sum_to(first, x1),
            None if second is None else F.sum_to(second, x2))


EUCLIDEAN_DIST = Primitive("_euclidean_dist", "EuclideanDistBackward0", _euclidean_forward,
                           _euclidean_backward, inputs=("x1", "x2"),
                           saves=("x1", "x2", "result"))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """the p-norm distance between each row of x1 and each row of x2 (batched over leading dims)"""
    from gradrepl.engine.dtypes import scalar_type_name
    from gradrepl.engine.keywords import check_types
    from gradrepl.engine.ops.primitive import apply

    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _MODES[compute_mode]
    check_types(("Tensor", x1), ("Tensor", x2))
    if isinstance(p, Tensor) and p.ndim == 0:
        p = p.item()
    if not isinstance(p, (bool, int, float, np.integer, np.floating)):
        from gradrepl.engine.errors import python_type_name

        raise TypeError(f"cdist(): argument 'p' (position 3) must be float, not {python_type_name(p)}")
    p = float(p)
    if x1.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError("X1 and X2 must have the same number of columns. "
                           f"X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{scalar_type_name(x._data.dtype)}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    try:
        batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    except ValueError:
        from gradrepl.engine.ops.promotion import raise_broadcast_error

        raise_broadcast_error(np.empty(x1.shape[:-2]), np.empty(x2.shape[:-2]))
    euclidean = p == 2 and (mode == 1 or (mode == 0 and (rows1 > 25 or rows2 > 25)))
    dtype1, dtype2 = x1._data.dtype, x2._data.dtype
    if euclidean and x1.numel() and x2.numel():
        if dtype1 != dtype2:  # the matrix product's check
            from gradrepl.engine.dtypes import CPP_TYPE_NAMES

            raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                               f"{CPP_TYPE_NAMES[dtype1.name]} != {CPP_TYPE_NAMES[dtype2.name]}")
    else:
        if dtype1 not in _SQUARES_UNROLLED:  # the kernel is compiled for float and double
            raise NotImplementedError(f"\"cdist\" not implemented for '{scalar_type_name(dtype1)}'")
        if dtype1 != dtype2 and x1.numel() and x2.numel():
            raise RuntimeError(f"expected scalar type {scalar_type_name(dtype1)} but found "
                               f"{scalar_type_name(dtype2)}")
        return apply(CDIST, (x1, x2), (p, mode))
    product = int(np.prod(batch, dtype=np.int64))
    if product != 1:
        x1 = x1.expand(*batch, rows1, x1.shape[-1]).contiguous().view(product, rows1, -1)
        x2 = x2.expand(*batch, rows2, x2.shape[-1]).contiguous().view(product, rows2, -1)
    return apply(EUCLIDEAN_DIST, (x1, x2)).view(*batch, rows1, rows2)


register("cdist", cdist, section="neural network", method=False, rows=(CDIST, EUCLIDEAN_DIST))
