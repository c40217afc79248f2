"""prod (over everything: ``ProdBackward0``; along a dim: ``ProdBackward1``), cumsum and cumprod.

prod's gradient is result / x where no factor is zero (torch's prod_backward); where a slice holds
exactly one zero, that position gets the product of the others and the rest nothing; with two
zeros or more, the whole slice gets nothing. Integers and bools multiply and add up as int64.

The running ops round as torch's CPU kernels do: they carry the running sum or product in a wider
type (double for float, float for half) and round each step to the output's dtype. cumprod's
gradient follows torch's cumprod_backward, zeros included, with one formula per case (see
``_cumprod_backward``) so that its values, and under create_graph its graph, are torch's.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.keywords import NO_DIM, NO_KEEPDIM, Unmatched, check_types, torch_parsed
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.summation import float_sum
from gradrepl.engine.tensor import data_of as _data, wrap_dim
from gradrepl.engine.ops.registry import register


def _accumulator(a, dtype):
    if dtype is not None:
        return dtype
    return np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype


# torch's CPU cumulative kernels keep the running value in at::acc_type: wider than the output
_RUNNING_TYPE = {np.dtype(np.float32): np.dtype(np.float64), np.dtype(np.float16): np.dtype(np.float32)}


def _running(ufunc, a, axis, out_dtype):
    """ufunc.accumulate along axis, rounded as torch's cumsum/cumprod kernels round."""
    out_dtype = np.dtype(out_dtype)
    wide = _RUNNING_TYPE.get(out_dtype)
    if wide is None:
        return ufunc.accumulate(a, axis=axis, dtype=out_dtype)
    return ufunc.accumulate(a, axis=axis, dtype=wide).astype(out_dtype)


def _prod_forward(a, dims, keepdim, dtype):
    out_dtype = _accumulator(a, dtype)
    if a.dtype == np.float16 and dtype is None:
        return np.asarray(np.prod(a, axis=dims, keepdims=keepdim, dtype=np.float32)).astype(np.float16)
    return np.asarray(np.prod(a, axis=dims, keepdims=keepdim, dtype=out_dtype))


def _product_of_others(F, x, zero, dims):
    """The product along dims with the zeros taken out (differentiable under create_graph)."""
    cleaned = F.where(zero, 1.0, x)
    if F is arrays:
        return np.prod(cleaned, axis=dims, keepdims=True)
    for d in dims:
        cleaned = prod(cleaned, d, keepdim=True)
    return cleaned


def _prod_backward(F, g, inputs, out, params, needs):
    dims, keepdim, _ = params
    x = inputs[0]
    values = np.asarray(_data(x))
    if values.ndim == 0:
        return (g,)
    if not keepdim:
        for d in dims:
            g, out = F.unsqueeze(g, d), F.unsqueeze(out, d)
    zero = values == 0
    if not zero.any():
        return (g * (out / x),)
    zeros = np.sum(zero, axis=dims, keepdims=True)
    no_zero = np.broadcast_to(zeros == 0, values.shape)
    lone_zero = np.broadcast_to(zeros == 1, values.shape)
    safe_x = F.where(zero, 1.0, x)
    others = _product_of_others(F, x, zero, dims)
    # in a slice with one zero, position i gets the product of the others: the non-zeros' product
    # at the zero, and (the zero itself) * others / x_i elsewhere, so that it differentiates
    # correctly under create_graph
    the_zero = F.sum(F.where(zero, x, 0.0), dims, keepdim=True)
    lone = F.where(zero, others, the_zero * others / safe_x)
    grad = F.where(lone_zero, g * lone, 0.0)
    return (F.where(no_zero, g * (out / safe_x), grad),)


PROD = Primitive("prod", "ProdBackward0", _prod_forward, _prod_backward, inputs=("self",),
                 saves=("self", "result"))
PROD_DIM = Primitive("prod", "ProdBackward1", _prod_forward, _prod_backward, inputs=("self",),
                     saves=("self", "result"))


@torch_parsed("prod")
def prod(input, dim=NO_DIM, keepdim=NO_KEEPDIM, *, dtype=None):
    if dim is NO_DIM and keepdim is not NO_KEEPDIM:
        raise Unmatched  # keepdim alone, as dim=None: none of torch's overloads
    np_dtype = None if dtype is None else dtype.numpy
    if dim is NO_DIM:
        dims = tuple(range(input.ndim))
        return apply_unary(PROD, input, (dims, False, np_dtype))
    check_types(("int", dim), ("bool", keepdim))
    d = wrap_dim(dim, input.ndim)
    return apply_unary(PROD_DIM, input, ((d,) if input.ndim else (), bool(keepdim), np_dtype))


# ---------------------------------------------------------------------------------------------
# cumsum: the gradient is the running sum taken from the other end

def _cumsum_forward(a, dim, dtype):
    out_dtype = _accumulator(a, dtype)
    if a.ndim == 0:
        return a.astype(out_dtype)
    return _running(np.add, a, dim, out_dtype)


def _cumsum_backward(F, g, inputs, out, params, needs):
    dim = params[0]
    if np.ndim(_data(g)) == 0:
        return (g,)
    if F is arrays:
        return (_reversed_running_sum(g, dim),)
    # the reversed running sum, as total - running sum + g, with recorded ops
    return (F.sum(g, (dim,), keepdim=True) - cumsum(g, dim) + g,)


CUMSUM = Primitive("cumsum", "CumsumBackward0", _cumsum_forward, _cumsum_backward, saves=())


@torch_parsed("cumsum")
def cumsum(input, dim, *, dtype=None):
    check_types(("int", dim))
    d = wrap_dim(dim, input.ndim)
    return apply_unary(CUMSUM, input, (d, None if dtype is None else dtype.numpy))


def cumsum_(self, dim, *, dtype=None):
    from gradrepl.engine.ops.inplace import apply_inplace

    d = wrap_dim(dim, self.ndim)
    if dtype is not None and np.dtype(dtype.numpy) != self._data.dtype:
        from gradrepl.engine.dtypes import CPP_TYPE_NAMES

        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {CPP_TYPE_NAMES[self._data.dtype.name]} and "
            f"output tensor dtype {CPP_TYPE_NAMES[np.dtype(dtype.numpy).name]} should match")
    return apply_inplace(CUMSUM, self, (), (d, None if dtype is None else dtype.numpy))


def _reversed_running_sum(a, dim, F=arrays):
    """The running sum taken from the far end of dim (torch's flip, cumsum, flip)."""
    if F is arrays:
        return np.flip(_running(np.add, np.flip(a, dim), dim, a.dtype), dim)
    from gradrepl.engine.ops.shape_more import flip  # shape_more registers later: the op list's order

    return flip(cumsum(flip(a, dim), dim), dim)


# ---------------------------------------------------------------------------------------------
# cumprod

def _cumprod_forward(a, dim, dtype):
    out_dtype = _accumulator(a, dtype)
    return _running(np.multiply, a, dim, out_dtype) if a.ndim else a.astype(out_dtype)


def _cumprod_backward(F, g, inputs, out, params, needs):
    """torch's cumprod_backward: sum_{j >= k} g_j * dy_j/dx_k, where dy_j/dx_k is the product of
    x_0..x_j without x_k.

    With no zero in x that is (reversed running sum of g * y) / x. With zeros, torch takes two
    roads: without create_graph a masked O(n) formula (positions before the first zero as above,
    the first zero itself from the products around it, the rest nothing); with create_graph an
    O(n^2) loop over k whose graph can be differentiated again (the O(n) one's derivative would be
    wrong at the zeros). g arrives in the input's dtype (derivatives.yaml: grad.to(self.scalar_type())).
    """
    dim, x = params[0], inputs[0]
    values = np.asarray(_data(x))
    g = _in_dtype(F, g, values.dtype)
    if values.size <= 1 or values.shape[dim] == 1:
        return (g,)
    zero = values == 0
    if not zero.any():
        grad = _reversed_running_sum(out * g, dim, F) / x
    elif F is arrays:
        grad = _cumprod_grad_with_zeros(values, g, np.asarray(out), zero, dim)
    else:
        grad = _cumprod_grad_recorded(x, g, dim)
    return (_in_dtype(F, grad, values.dtype),)


def _in_dtype(F, t, dtype):
    if F is arrays:
        return t if t.dtype == dtype else t.astype(dtype)
    from gradrepl.engine.dtypes import from_numpy_dtype

    want = from_numpy_dtype(dtype)
    return t if t.dtype is want else t.to(want)


def _cumprod_grad_with_zeros(x, g, y, zero, dim):
    """The gradient where some slice holds a zero (z1 the first, z2 the second or the end): before
    z1 as without zeros; at z1, y[z1 - 1] * sum over [z1, z2) of g_j * prod(x[z1 + 1..j]); after
    z1 nothing (every product holds x[z1])."""
    zeros_so_far = np.cumsum(zero, axis=dim)
    before = zeros_so_far == 0
    grad = np.zeros(x.shape, dtype=g.dtype)
    safe_x = np.where(before, x, 1)
    grad[before] = (_reversed_running_sum(np.where(before, y * g, 0), dim) / safe_x)[before]
    at_first = zero & (zeros_so_far == 1)
    between = (zeros_so_far == 1) & ~at_first
    after_z1 = _running(np.multiply, np.where(between, x, 1), dim, x.dtype)
    from_z1 = float_sum(after_z1 * np.where(zeros_so_far == 1, g, 0), (dim,), keepdim=True)
    # y just before the first zero, 1 where the zero comes first (or the slice has none)
    first = np.expand_dims(np.argmax(at_first, axis=dim), dim)
    y_before = np.take_along_axis(y, np.maximum(first - 1, 0), axis=dim)
    y_before = np.where(first == 0, 1, y_before)
    grad[at_first] = np.broadcast_to(from_z1 * y_before, x.shape)[at_first]
    return grad


def _cumprod_grad_recorded(x, g, dim):
    """Column k of the gradient is sum(g[k:] * omitted), omitted_j = prod(x[:k]) * prod(x[k+1..j]),
    written into a zero tensor one column at a time: torch's loop, and so its graph (CopySlices
    over SumBackward1, MulBackward0, CatBackward0, ProdBackward1, CumprodBackward0, SliceBackward0)."""
    from gradrepl.engine.factories import ones, zeros
    from gradrepl.engine.ops.combine import cat
    from gradrepl.engine.ops.reductions import sum as total
    from gradrepl.engine.ops.shape_more import narrow  # records SliceBackward0 even for a whole dim

    n = x.shape[dim]
    grad = zeros(tuple(x.shape), dtype=g.dtype)
    one_column = ones(1, dtype=g.dtype).expand(tuple(1 if d == dim else s for d, s in enumerate(x.shape)))
    for k in range(n):
        until_k = prod(narrow(x, dim, 0, k), dim, keepdim=True) if k else None
        from_k = cumprod(narrow(x, dim, k + 1, n - k - 1), dim) if k < n - 1 else None
        if until_k is None:
            omitted = cat([one_column, from_k], dim)
        elif from_k is None:
            omitted = until_k
        else:
            omitted = cat([until_k, until_k.expand_as(from_k) * from_k], dim)
        grad[(slice(None),) * dim + (k,)].copy_(total(narrow(g, dim, k, n - k) * omitted, (dim,)))
    return grad


CUMPROD = Primitive("cumprod", "CumprodBackward0", _cumprod_forward, _cumprod_backward,
                    inputs=("self",), saves=("self", "result"))


@torch_parsed("cumprod")
def cumprod(input, dim, *, dtype=None):
    """the running product along dim"""
    check_types(("int", dim))
    d = wrap_dim(dim, max(input.ndim, 1))
    return apply_unary(CUMPROD, input, (d if input.ndim else 0,
                                        None if dtype is None else dtype.numpy))


def cumprod_(self, dim, *, dtype=None):
    from gradrepl.engine.ops.inplace import apply_inplace

    return apply_inplace(CUMPROD, self, (), (wrap_dim(dim, max(self.ndim, 1)), None))


register("prod", prod, section="reduction", rows=(PROD, PROD_DIM), out=True, out_dtype="computes",
         out_needs=(1, "dim"))  # prod(x) takes no out=, prod(x, dim) does
# cumsum and cumprod compute in out's dtype, which has to have a kernel
RUNNING_OUT = OutDtype("not_bool", "\"{name}_out_cpu\" not implemented for '{out}'", computes=True,
                       error=NotImplementedError)
register("cumsum", cumsum, section="reduction", rows=(CUMSUM,), inplace=cumsum_, out=True, out_dtype=RUNNING_OUT)
