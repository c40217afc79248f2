"""The two backends a backward formula runs on: numpy arrays, or recorded tensor ops.

A formula like ``g * F.cos(a)`` works on both: Python's operators already do, and ``F`` supplies
the rest under the same names. ``arrays`` is the fast path of every ordinary backward;
``tensors`` runs when ``create_graph=True`` so that the gradient is itself differentiable.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from typing import Protocol

from gradrepl.engine.float_math import kernels
from gradrepl.engine.ops.blas_order import matrix_product, matrix_vector, small_batched_product
from gradrepl.engine.ops.summation import float_sum


class Backend(Protocol):
    """What a derivative may call on ``F``: ``backends.arrays`` (numpy, every ordinary backward)
    and ``tensor_backend`` (recorded tensor ops, under ``create_graph=True``) both implement each
    of these, with these argument names (tests/engine/test_registry.py checks it). Python's
    operators (``+ - * / ** -x``, comparisons, ``&``) work on both already. A new derivative that
    needs something else adds it here and to both backends.
    """

    def exp(self, x): """e ** x"""
    def log(self, x): """natural logarithm"""
    def sin(self, x): """sine"""
    def cos(self, x): """cosine"""
    def sqrt(self, x): """square root"""
    def tanh(self, x): """hyperbolic tangent"""
    def sign(self, x): """-1, 0 or 1 (recorded as sgn on tensors, whose own gradient is zero)"""
    def pow(self, a, b): """a ** b"""
    def tanh_backward(self, g, out): """g * (1 - out ** 2), as torch's tanh_backward"""
    def sigmoid_backward(self, g, out): """g * (1 - out) * out, as torch's sigmoid_backward"""
    def threshold_backward(self, g, out): """g where out > 0, else 0 (relu's backward)"""
    def where(self, cond, a, b): """a where cond, else b (cond is a numpy bool array)"""
    def matmul(self, a, b): """a @ b"""
    def outer(self, a, b): """the outer product of two vectors"""
    def sum_to(self, g, like): """g summed back to like's shape: the one unbroadcast"""
    def sum(self, g, dims, keepdim=False): """g summed over dims"""
    def expand(self, g, shape): """g broadcast to shape"""
    def mean_backward(self, g, shape, count):
        """expand(g, shape) / count, torch's mean_backward: a new, contiguous gradient"""
    def reshape(self, g, shape): """g with shape"""
    def transpose(self, g, dim0, dim1): """g with two dims swapped"""
    def t(self, g): """g.t() of a matrix (recorded as TBackward0 on tensors)"""
    def permute(self, g, dims): """g with its dims reordered"""
    def unsqueeze(self, g, dim): """g with a size-1 dim inserted"""
    def zeros(self, shape, like): """zeros of shape in like's dtype"""
    def scatter_into(self, shape, like, index, g): """zeros of shape with g added at index"""
    def select(self, g, dim, index): """g[..., index, ...] at dim"""
    def narrow(self, g, dim, start, length): """g[..., start:start + length, ...] at dim"""
    def index(self, g, index): """g[index] for a numpy index"""
    def stack(self, grads, dim): """grads stacked along a new dim"""
    def apply(self, row, inputs, params=()):
        """``row`` (a Primitive) on ``inputs``: its numpy forward on arrays, the row recorded on
        tensors. Ops whose backward is another op's row (flip, roll, tril, scatter_add, cosh,
        erfinv ...) say so with this instead of adding one name per op."""


def _shape(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") else ()


def sum_to_shape(g, shape: tuple, sum_fn, reshape_fn):
    """Reduce a broadcast gradient back to ``shape``: the one ``unbroadcast`` every op uses.

    Broadcasting added leading dims and stretched size-1 dims; their gradients are the sums over
    those dims.
    """
    g_shape = _shape(g)
    if g_shape == shape:
        return g
    lead = len(g_shape) - len(shape)
    axes = list(range(lead))
    axes += [lead + i for i, size in enumerate(shape) if size == 1 and g_shape[lead + i] != 1]
    if axes:
        g = sum_fn(g, tuple(axes))
    return reshape_fn(g, shape) if _shape(g) != shape else g


# the short path of _sum_axes; tests/engine/test_training_step_paths.py turns it off to check
# it against the general path
SHORT_PATHS = True
_FLOAT_DATA = (np.ndarray, np.float32, np.float64)
_NUMPY_VALUES = (np.ndarray, np.generic)

_UNSIGNED = {2: np.uint16, 4: np.uint32, 8: np.uint64}
_ndarray = np.ndarray
_ZERO_STRIDES = [(0,) * n for n in range(65)]  # by ndim (numpy allows 64 dims)
_BITWISE_MIN_SIZE = 4096


def select(cond, a, b):
    """``np.where(cond, a, b)``, bit for bit, but fast on large float arrays.

    np.where branches per element and runs ~8x slower than a plain pass on an unpredictable mask
    (relu's backward on random data): there, pick bits with and/or masks instead, which selects
    exactly the same values (signed zeros, inf and nan included).
    """
    dtype = np.result_type(a, b)
    if dtype.kind != "f" or np.size(cond) < _BITWISE_MIN_SIZE:
        return np.where(cond, a, b)
    shape = np.broadcast_shapes(np.shape(cond), np.shape(a), np.shape(b))
    unsigned = _UNSIGNED[dtype.itemsize]
    take_a = np.broadcast_to(cond, shape).astype(unsigned)
    np.negative(take_a, out=take_a)  # True -> all ones, False -> 0
    bits_a = np.broadcast_to(np.asarray(a, dtype=dtype), shape).view(unsigned)
    bits_b = np.broadcast_to(np.asarray(b, dtype=dtype), shape).view(unsigned)
    out = np.bitwise_and(bits_b, np.invert(take_a))
    np.bitwise_and(take_a, bits_a, out=take_a)
    np.bitwise_or(out, take_a, out=out)
    return out.view(dtype)


# relu's backward, ``g where out > 0 else +0``, by masking g's bits: np.where branches per
# element, and relu's mask is as unpredictable as its input's signs (a hidden layer's: half
# zeros); from this size on the bit masks cost less (W8's 32 x 128 hidden layer: ~8 -> ~6 us
# alone, more inside the training step). The same bits: kept lanes are g's own, the others +0;
# C-contiguous operands only, so that the result's layout is np.where's too.
_MASK_MIN_SIZE = 1024
_MASK_BITS = {np.dtype(np.float32): (np.uint32, np.array(1, np.uint32)),
              np.dtype(np.float64): (np.uint64, np.array(1, np.uint64))}


def _threshold_backward_bits(g, out):
    unsigned, one = _MASK_BITS[g.dtype]
    # 1 where out <= 0 (nan compares False: its lane keeps g, as np.where keeps it), less one:
    # all zero bits there, all ones elsewhere
    keep = np.less_equal(out, out.dtype.type(0)).view(np.uint8).astype(unsigned)
    np.subtract(keep, one, out=keep)
    np.bitwise_and(keep, g.view(unsigned), out=keep)
    return keep.view(g.dtype)


def _sum_axes(x, axes):
    if x.dtype.char in "efd":  # torch's sum_to_size runs its sum kernel: the same order, bits
        if SHORT_PATHS and x.size and math.prod([x.shape[axis] for axis in axes]) == x.size:
            # short path: every kept dim has size 1 (a bias of one feature, a (10, 1) gradient),
            # so torch's iterator drops them and this is the sum of everything, which
            # float_sum takes its own short path for (tests/engine/test_short_paths.py)
            kept = [n for axis, n in enumerate(x.shape) if axis not in axes]
            total = float_sum(x)
            # a numpy scalar's own reshape: what np.reshape calls, without its dispatch
            return total.reshape(kept) if isinstance(total, _NUMPY_VALUES) else np.reshape(total, kept)
        return float_sum(x, axes)
    return x.sum(axis=axes)


def expand_strides(g, shape: tuple) -> tuple:
    """The byte strides of torch's ``g.expand(shape)`` (inferExpandGeometry): a stretched dim
    gets stride 0, a kept dim its own, and a new leading dim of size 1 the extent of the dim
    after it; a 0-d tensor's expand has stride 0 everywhere."""
    g = np.asarray(g)
    if not g.ndim:
        return (0,) * len(shape)
    strides = [0] * len(shape)
    lead = len(shape) - g.ndim
    following = None
    for i in range(len(shape) - 1, -1, -1):
        if i >= lead:
            size, stride = g.shape[i - lead], g.strides[i - lead]
        else:
            size, stride = 1, following
        strides[i] = 0 if size != shape[i] else stride
        following = shape[i] * strides[i]
    return tuple(strides)


class _Arrays:
    """numpy: gradients are arrays or numpy scalars."""

    @staticmethod
    def tanh_backward(g, out):
        if out.dtype == np.float16:
            # torch computes this for half tensors in float32 and rounds once (sigmoid_backward,
            # by contrast, rounds every step as numpy does), and the printed digits show it
            g, out = g.astype(np.float32), out.astype(np.float32)
            return kernels.tanh_backward(g, out).astype(np.float16)
        return kernels.tanh_backward(g, out)

    @staticmethod
    def sigmoid_backward(g, out):
        return g * (1 - out) * out

    @staticmethod
    def threshold_backward(g, out):
        if (SHORT_PATHS and type(g) is np.ndarray and type(out) is np.ndarray
                and g.dtype == out.dtype and g.shape == out.shape and g.size >= _MASK_MIN_SIZE
                and g.dtype in _MASK_BITS and out.flags.c_contiguous
                and (g.flags.c_contiguous or not any(g.strides))):
            # a gradient of all-zero strides is a sum's expanded one (W4's `.relu().sum()`):
            # masked as it is, where np.where took 5.7x the time at 1024x1024
            return _threshold_backward_bits(g, out)
        return np.where(out <= 0, np.zeros((), dtype=np.result_type(g)), g)

    # the same kernels as the forward ops, so a gradient's cos(x) has torch's bits
    exp = staticmethod(kernels.exp)
    log = staticmethod(kernels.log)
    sin = staticmethod(kernels.sin)
    cos = staticmethod(kernels.cos)
    sqrt = staticmethod(np.sqrt)
    sign = staticmethod(np.sign)
    tanh = staticmethod(kernels.tanh)
    where = staticmethod(lambda cond, a, b: select(cond, a, b))
    @staticmethod
    def matmul(a, b):
        # an array's own ndim: what np.ndim reads, without its dispatch
        if (a.ndim if isinstance(a, np.ndarray) else np.ndim(a)) == 2 == \
                (b.ndim if isinstance(b, np.ndarray) else np.ndim(b)):
            return matrix_product(a, b)
        if np.ndim(a) == 2 and np.ndim(b) == 1:  # mv's gradient for its vector: a.t() @ g
            return matrix_vector(a, b)
        if np.ndim(a) > 2 and np.ndim(b) > 2:  # bmm: small matrices take torch's own loop
            small = small_batched_product(a, b)
            if small is not None:
                return small.astype(a.dtype, copy=False)
        return np.matmul(a, b)
    outer = staticmethod(np.multiply.outer)

    @staticmethod
    def pow(a, b):
        # a 0-d tensor's data is a numpy scalar (tensor.py): its own ** is the C library's pow,
        # where torch computes x ** 3 as x * x * x and x ** -0.5 as 1 / sqrt(x)
        if type(a) in _FLOAT_DATA and a.dtype.char in "fd" and type(b) in (int, float):
            return kernels.pow_scalar(a, b)
        return kernels.power(a, b) if type(b) is np.ndarray else a ** b  # cheap on scalars

    @staticmethod
    def sum_to(g, like):
        shape = like.shape
        if g.shape == shape:
            return g
        if SHORT_PATHS and like.size == 1 and g.size and g.dtype.char in "efd":
            # short path: a target of one element (a bias of one feature) is the sum of
            # everything, what sum_to_shape and _sum_axes' short path come to
            total = float_sum(g)
            out = total.reshape(shape) if isinstance(total, _NUMPY_VALUES) else \
                np.reshape(total, shape)
        else:
            out = sum_to_shape(g, shape, _sum_axes, np.reshape)
        if g.ndim > len(shape) and type(out) is np.ndarray and out.base is None:
            # torch's sum_to views its keepdim sum when it drops leading dims: a view, which
            # backward never adds into in place (the gradient's _version, grad_versions.py)
            out = out.view()
        return out

    @staticmethod
    def sum(g, dims, keepdim=False):
        return np.sum(g, axis=dims, keepdims=keepdim)

    @staticmethod
    def expand(g, shape):
        # one value seen everywhere, stride 0 and read-only, as torch's expand at every size: a
        # hook's in-place write into a sum's gradient raises torch's overlap error, and a sum
        # over a million elements does not fill a million ones for the next product to read
        if type(g) in _FLOAT_DATA and not g.ndim:
            if not shape:
                return g
            # a view of the number itself: a tenth of np.broadcast_to's cost, no more than
            # filling a small array; a numpy scalar's buffer is read-only, a 0-d array's is not
            value = g if type(g) is not np.ndarray else g[()]
            if math.prod(shape) <= 1:  # nothing overlaps: torch lets a hook write into it
                value = np.array(value)
            return _ndarray(shape, value.dtype, value, 0, _ZERO_STRIDES[len(shape)])
        if np.shape(g) == shape:
            return g  # torch's expand to the same sizes keeps the strides
        if 1 in shape:  # numpy zeroes the strides of size-1 dims, torch keeps or derives them
            return as_strided(g, shape, expand_strides(g, shape), writeable=False)
        return np.broadcast_to(g, shape)

    @staticmethod
    def mean_backward(g, shape, count):
        # (a float gradient of no dims beside a shaped input, a lesson's loss.mean(), takes
        # reductions._mean_grad's short path, which fills the quotient in)
        return _Arrays.expand(g, shape) / count

    @staticmethod
    def reshape(g, shape):
        return np.reshape(g, shape)

    @staticmethod
    def transpose(g, dim0, dim1):
        # the method skips np.swapaxes' dispatch (two per linear layer's backward)
        return g.swapaxes(dim0, dim1) if type(g) is np.ndarray else np.swapaxes(g, dim0, dim1)

    @staticmethod
    def t(g):
        return g.T

    @staticmethod
    def permute(g, dims):
        return np.transpose(g, dims)

    @staticmethod
    def unsqueeze(g, dim):
        out = np.expand_dims(g, dim)
        if type(g) is not np.ndarray:
            return out
        # torch keeps the strides and gives the new dim the extent of the dim it lands before;
        # numpy recomputes the strides of size-1 dims (a stride-0 sum gradient's among them)
        if dim < 0:
            dim += out.ndim
        strides = g.strides
        new = strides[dim] * g.shape[dim] if dim < g.ndim else g.itemsize
        want = strides[:dim] + (new,) + strides[dim:]
        if out.strides != want:
            out = as_strided(out, out.shape, want)
        return out

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape, dtype=np.asarray(like).dtype)

    @staticmethod
    def scatter_into(shape, like, index, g):
        """A zero array of ``shape`` with ``g`` added at ``index`` (the backward of indexing)."""
        out = np.zeros(shape, dtype=np.result_type(g))
        # repeated indices must add up, which only np.add.at does
        if isinstance(index, np.ndarray) or isinstance(index, tuple) and _advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    @staticmethod
    def select(g, dim, index):
        return np.asarray(g)[(slice(None),) * dim + (index,)]

    @staticmethod
    def narrow(g, dim, start, length):
        return np.asarray(g)[(slice(None),) * dim + (slice(start, start + length),)]

    @staticmethod
    def index(g, index):
        return np.asarray(g)[index]

    @staticmethod
    def stack(grads, dim):
        return np.stack(grads, axis=dim)

    @staticmethod
    def apply(row, inputs, params=()):
        return row.forward(*inputs, *params)


def _advanced(index: tuple) -> bool:
    return any(isinstance(i, (np.ndarray, list)) for i in index)


class _Tensors:
    """Recorded tensor ops, looked up lazily because the ops modules import this one."""

    def __getattr__(self, name):
        from gradrepl.engine.ops import tensor_backend

        value = getattr(tensor_backend, name)
        setattr(self, name, value)
        return value


arrays = _Arrays()
tensors = _Tensors()
