"""The ``F`` of backward formulas under create_graph=True: the same names as ``backends.arrays``,
computed with recorded tensor ops so the resulting gradients can be differentiated again."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops import arithmetic, combine, linalg, unary
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.backends import sum_to_shape
from gradrepl.engine.ops.primitive import apply as _apply
from gradrepl.engine.ops.reductions import sum as _sum
from gradrepl.engine.tensor import Tensor, new_tensor


def exp(x):
    return _apply(unary.EXP, (x,))


def log(x):
    return _apply(unary.LOG, (x,))


def sin(x):
    return _apply(unary.SIN, (x,))


def cos(x):
    return _apply(unary.COS, (x,))


def sqrt(x):
    return _apply(unary.SQRT, (x,))


def tanh(x):
    return _apply(unary.TANH, (x,))


def tanh_backward(g, out):
    return _apply(unary.TANH_BACKWARD, (g, out))


def sigmoid_backward(g, out):
    return _apply(unary.SIGMOID_BACKWARD, (g, out))


def threshold_backward(g, out):
    return _apply(unary.THRESHOLD_BACKWARD, (g, out))


def sign(x):
    # recorded (SgnBackward0, whose gradient is zero) so that abs's second derivative is a zero
    # tensor, as in torch, rather than "does not require grad"
    return _apply(unary.SIGN, (x,))


def pow(a, b):
    if isinstance(b, Tensor):
        return _apply(arithmetic.POW_TENSOR, (a, b))
    return _apply(arithmetic.POW_SCALAR, (a,), (b,))


def where(cond, a, b):
    return combine._where(cond, a, b)


def matmul(a, b):
    return linalg.matmul(a, b)


def outer(a, b):
    # torch's outer (ger): a as a column times b, broadcast (mv's gradient records it so)
    return _shape.reshape(a, (a.shape[0], 1)) * b


def sum_to(g, like):
    target = tuple(like.shape) if hasattr(like, "shape") else ()
    return sum_to_shape(g, target, lambda x, axes: _sum(x, axes, keepdim=True),
                        lambda x, s: _shape.reshape(x, s))


def sum(g, dims, keepdim=False):
    return _sum(g, dims, keepdim)


def expand(g, shape):
    return _shape.expand(g, tuple(shape))


def mean_backward(g, shape, count):
    return expand(g, shape) / count


def reshape(g, shape):
    return _shape.reshape(g, tuple(shape))


def transpose(g, dim0, dim1):
    return _shape.transpose(g, dim0, dim1)


def t(g):
    return _apply(_shape.T, (g,))


def permute(g, dims):
    return _shape.permute(g, *dims)


def unsqueeze(g, dim):
    return _shape.unsqueeze(g, dim)


def zeros(shape, like):
    return new_tensor(np.zeros(shape, dtype=np.asarray(like._data).dtype))


def stack(grads, dim):
    return combine.stack(list(grads), dim)


def select(g, dim, index):
    from gradrepl.engine.ops.indexing import getitem

    return getitem(g, (slice(None),) * dim + (index,))


def narrow(g, dim, start, length):
    from gradrepl.engine.ops.indexing import getitem

    return getitem(g, (slice(None),) * dim + (slice(start, start + length),))


def index(g, index):
    from gradrepl.engine.ops.indexing import getitem

    return getitem(g, index)


def scatter_into(shape, like, index, g):
    return _apply(combine.PAD_INTO, (g,), (tuple(shape), index))


def apply(row, inputs, params=()):
    return _apply(row, tuple(inputs), tuple(params))
