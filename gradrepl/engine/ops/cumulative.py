"""prod (over everything: ``ProdBackward0``; along a dim: ``ProdBackward1``) and cumsum.

prod's gradient is result / x where no factor is zero (torch's prod_backward); where a slice holds
exactly one zero, that position gets the product of the others and the rest nothing; with two
zeros or more, the whole slice gets nothing. Integers and bools multiply and add up as int64.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.tensor import data_of as _data, wrap_dim
from gradrepl.engine.ops.registry import register


def _accumulator(a, dtype):
    if dtype is not None:
        return dtype
    return np.dtype(np.int64) if a.dtype.kind in "biu" else a.dtype


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


def prod(input, dim=None, keepdim=False, *, dtype=None):
    np_dtype = None if dtype is None else dtype.numpy
    if dim is None:
        dims = tuple(range(input.ndim))
        return apply_unary(PROD, input, (dims, False, np_dtype))
    d = wrap_dim(dim, input.ndim)
    return apply_unary(PROD_DIM, input, ((d,) if input.ndim else (), bool(keepdim), np_dtype))


# ---------------------------------------------------------------------------------------------
# cumsum: the gradient is the running sum taken from the other end

def _cumsum_forward(a, dim, dtype):
    out_dtype = _accumulator(a, dtype)
    if a.ndim == 0:
        return a.astype(out_dtype)
    if a.dtype == np.float16 and dtype is None:
        return np.cumsum(a, axis=dim, dtype=np.float32).astype(np.float16)
    return np.cumsum(a, axis=dim, dtype=out_dtype)


def _cumsum_backward(F, g, inputs, out, params, needs):
    dim = params[0]
    if np.ndim(_data(g)) == 0:
        return (g,)
    if F is arrays:
        work = np.float32 if g.dtype == np.float16 else g.dtype  # half adds up in float32
        return (np.flip(np.cumsum(np.flip(g, dim), axis=dim, dtype=work), dim).astype(g.dtype),)
    # the reversed running sum, as total - running sum + g, with recorded ops
    return (F.sum(g, (dim,), keepdim=True) - cumsum(g, dim) + g,)


CUMSUM = Primitive("cumsum", "CumsumBackward0", _cumsum_forward, _cumsum_backward, saves=())


def cumsum(input, dim=None, *, dtype=None):
    if dim is None:
        raise TypeError('cumsum() missing 1 required positional arguments: "dim"')
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


register("prod", prod, section="reduction", rows=(PROD, PROD_DIM), out=True, out_dtype="computes",
         out_needs=(1, "dim"))  # prod(x) takes no out=, prod(x, dim) does
register("cumsum", cumsum, section="reduction", rows=(CUMSUM,), inplace=cumsum_, out=True, out_dtype="computes")
