"""Shape helpers course notebooks call (session 10, ``l-more``): atleast_1d/2d/3d,
hsplit/vsplit/dsplit, tril_indices/triu_indices, cartesian_prod, combinations, block_diag.

Each is composed of recorded rows as ATen composes it, so the grad_fn chain a user sees is torch's:
atleast_* reshape a 0-d tensor (ViewBackward0) and unsqueeze a 1-d or 2-d one; h/v/dsplit are
tensor_split's slices (SliceBackward0); cartesian_prod is meshgrid, flatten, stack;
combinations is meshgrid, masked_select by a triangular mask, stack; block_diag is its own row
(BlockDiagBackward0), as in derivatives.yaml.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine.keywords import InvalidArguments, check_types, torch_parsed
from gradrepl.engine.ops import shape as _shape
from gradrepl.engine.ops.primitive import Primitive, apply
from gradrepl.engine.ops.registry import register
from gradrepl.engine.ops.shape_more import SLICE, tensor_split
from gradrepl.engine.tensor import Tensor, new_tensor

_S = "shape"


# ---------------------------------------------------------------------------------------------
# atleast_1d / atleast_2d / atleast_3d (torch/functional.py over ATen's TensorShape.cpp)

def _atleast_one(t: Tensor, ndim: int) -> Tensor:
    if t.ndim == 0:
        return _shape.reshape(t, (1,) * ndim)  # a 0-d tensor is reshaped: ViewBackward0
    if ndim == 2 and t.ndim == 1:
        return _shape.unsqueeze(t, 0)
    if ndim == 3 and t.ndim == 1:
        return _shape.unsqueeze(_shape.unsqueeze(t, 0), -1)
    if ndim == 3 and t.ndim == 2:
        return _shape.unsqueeze(t, -1)
    return t


def _atleast(name: str, ndim: int, tensors: tuple):
    if len(tensors) == 1:
        tensors = tensors[0]
    if isinstance(tensors, Tensor):
        return _atleast_one(tensors, ndim)
    if not isinstance(tensors, (tuple, list)):
        raise InvalidArguments(name, (tensors,), {}, method=False)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{python_type_name(t)}")
    return tuple(_atleast_one(t, ndim) for t in tensors)


def atleast_1d(*tensors):
    """the tensor(s) with at least one dimension: a 0-d tensor becomes shape (1,)"""
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors):
    """the tensor(s) with at least two dimensions: (n,) becomes (1, n)"""
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors):
    """the tensor(s) with at least three dimensions: (n,) becomes (1, n, 1), (m, n) (m, n, 1)"""
    return _atleast("atleast_3d", 3, tensors)


register("atleast_1d", atleast_1d, section=_S, rows=(_shape.VIEW,), method=False)
register("atleast_2d", atleast_2d, section=_S, rows=(_shape.VIEW, _shape.UNSQUEEZE),
         method=False)
register("atleast_3d", atleast_3d, section=_S, rows=(_shape.VIEW, _shape.UNSQUEEZE),
         method=False)


# ---------------------------------------------------------------------------------------------
# hsplit / vsplit / dsplit: tensor_split along dim 1 (0 for vectors), 0, 2

def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _directional_split(name: str, least: int, dim, input, args, kwargs, method: bool):
    given = dict(kwargs)
    spec = None
    if len(args) == 1 and not given:
        spec = args[0]
    elif method and len(args) > 1 and not given and all(_is_int(a) for a in args):
        spec = list(args)  # the method's one int-list parameter takes its ints one by one
    elif not args and len(given) == 1 and ("sections" in given or "indices" in given):
        spec = given.pop("sections", given.pop("indices", None))
        if ("sections" in kwargs) != _is_int(spec):
            spec = None
    if spec is None or not (_is_int(spec) or (isinstance(spec, (list, tuple))
                                             and all(_is_int(i) for i in spec))):
        raise InvalidArguments(name, args if method else (input,) + tuple(args), kwargs,
                               method=method)
    if input.ndim < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but "
                           f"got a tensor with {input.ndim} dimensions!")
    dim = dim(input)
    if _is_int(spec):
        size = input.shape[dim]
        if int(spec) == 0 or size % int(spec) != 0:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the split_size "
                               f"{int(spec)}!")
        return tensor_split(input, int(spec), dim)
    return tensor_split(input, [int(i) for i in spec], dim)


def _split_surface(name: str, least: int, dim):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise InvalidArguments(name, (input,) + args, kwargs, method=False)
        return _directional_split(name, least, dim, input, args, kwargs, method=False)

    def method(self, *args, **kwargs):
        return _directional_split(name, least, dim, self, args, kwargs, method=True)

    function.__name__ = method.__name__ = name
    return function, method


hsplit, _hsplit_method = _split_surface("hsplit", 1, lambda t: 0 if t.ndim == 1 else 1)
vsplit, _vsplit_method = _split_surface("vsplit", 2, lambda t: 0)
dsplit, _dsplit_method = _split_surface("dsplit", 3, lambda t: 2)
hsplit.__doc__ = "split into pieces along dim 1 (dim 0 of a vector): tensor_split's views"
vsplit.__doc__ = "split into pieces along dim 0: tensor_split's views"
dsplit.__doc__ = "split into pieces along dim 2: tensor_split's views"

for _name, _function, _method in (("hsplit", hsplit, _hsplit_method),
                                  ("vsplit", vsplit, _vsplit_method),
                                  ("dsplit", dsplit, _dsplit_method)):
    _method.__doc__ = _function.__doc__
    register(_name, _function, section=_S, rows=(SLICE,), method=_method)


# ---------------------------------------------------------------------------------------------
# tril_indices / triu_indices: the (row, col) coordinates of a triangle, row by row

_INDEX_DTYPES = ("int32", "int64")  # ATen's kernel is built for int and long only


def _triangle_indices(name: str, row, col, offset, dtype, device, lower: bool) -> Tensor:
    from gradrepl.engine import dtypes
    from gradrepl.engine.device import check_device
    check_types(("int", row), ("int", col), ("int", offset))
    check_device(device, creating=True)
    dtype = dtypes.int64 if dtype is None else dtype
    row, col, offset = int(row), int(col), int(offset)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if str(dtype.numpy) not in _INDEX_DTYPES:
        from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

        raise NotImplementedError(f'"{name}" not implemented for \'{SCALAR_TYPE_NAMES[dtype]}\'')
    rows, cols = np.indices((row, col)).reshape(2, -1)
    keep = cols - rows <= offset if lower else cols - rows >= offset
    return new_tensor(np.stack([rows[keep], cols[keep]]).astype(dtype.numpy))


@torch_parsed("tril_indices", method=False)
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """the indices of the lower triangle of a row x col matrix (2 x N: rows, then columns)"""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


@torch_parsed("triu_indices", method=False)
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """the indices of the upper triangle of a row x col matrix (2 x N: rows, then columns)"""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)


register("tril_indices", tril_indices, section=_S, method=False, differentiable=False)
register("triu_indices", triu_indices, section=_S, method=False, differentiable=False)


# ---------------------------------------------------------------------------------------------
# cartesian_prod / combinations (ATen's Itertools.cpp)

def _vectors(tensors) -> None:
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def _meshgrid(tensors):
    from gradrepl.engine.ops.stacking import meshgrid

    return meshgrid(list(tensors), indexing="ij")


def cartesian_prod(*tensors) -> Tensor:
    """every tuple of one element from each vector, in order, as the rows of a matrix"""
    from gradrepl.engine.ops.combine import stack

    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{python_type_name(t)}")
    _vectors(tensors)
    if len(tensors) == 1:
        return tensors[0]
    return stack([_shape.flatten(grid) for grid in _meshgrid(tensors)], 1)


def combinations(input, r=2, with_replacement=False) -> Tensor:
    """every r-element combination of the vector's elements (with_replacement: repeats too), in
    lexicographic order of their positions, as the rows of a matrix"""
    from gradrepl.engine.ops.combine import stack
    from gradrepl.engine.ops.gather_scatter import masked_select

    _vectors((input,))
    r = int(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return new_tensor(np.empty((0,), dtype=input._data.dtype))
    grids = _meshgrid((input,) * r)
    # ATen's _triu_mask: positions i < j < k ... (i <= j <= k ... with replacement)
    index = np.indices((input.shape[0],) * r)
    mask = np.ones(index.shape[1:], dtype=bool)
    for a, b in zip(index[:-1], index[1:]):
        mask &= (a <= b) if with_replacement else (a < b)
    mask = new_tensor(mask)
    return stack([masked_select(grid, mask) for grid in grids], 1)


register("cartesian_prod", cartesian_prod, section=_S, rows=(), method=False)
register("combinations", combinations, section=_S, rows=(), method=False)


# ---------------------------------------------------------------------------------------------
# block_diag: its own row (derivatives.yaml: block_diag_backward, which saves only sizes)

def _block_shape(shape) -> tuple:
    if len(shape) == 2:
        return tuple(shape)
    if len(shape) == 1:
        return (1, shape[0])  # a vector is one row
    return (1, 1)


def _block_diag_forward(*arrays_dtype):
    *arrays, dtype = arrays_dtype
    shapes = [_block_shape(np.shape(a)) for a in arrays]
    out = np.zeros((sum(s[0] for s in shapes), sum(s[1] for s in shapes)), dtype=dtype)
    r = c = 0
    for a, (m, n) in zip(arrays, shapes):
        out[r:r + m, c:c + n] = np.reshape(a, (m, n)) if m * n else np.empty((m, n))
        r, c = r + m, c + n
    return out


def _block_diag_backward(F, g, inputs, out, params, needs):
    grads, r, c = [], 0, 0
    for x, need in zip(inputs, needs):
        shape = np.shape(x)
        if shape == (0,):
            # torch's block_diag_backward: an empty vector gets an empty gradient and does not
            # advance the corners (though its forward gave it a row), as ATen does
            grads.append(F.zeros((0,), x) if need else None)
            continue
        m, n = _block_shape(shape)
        if need:
            piece = F.narrow(F.narrow(g, 0, r, m), 1, c, n)
            grads.append(F.reshape(piece, shape))
        else:
            grads.append(None)
        r, c = r + m, c + n
    return tuple(grads)


BLOCK_DIAG = Primitive("block_diag", "BlockDiagBackward0", _block_diag_forward,
                       _block_diag_backward, saves=())


def block_diag(*tensors) -> Tensor:
    """the tensors (each at most 2-d; a vector is one row) along the diagonal of a matrix of
    zeros"""
    from gradrepl.engine import dtypes

    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{python_type_name(t)}")
    if not tensors:
        return new_tensor(np.empty((1, 0), dtype=dtypes.get_default_dtype().numpy))
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
    dtype = dtypes.result_type(*tensors)
    return apply(BLOCK_DIAG, tuple(tensors), (dtype.numpy,))


register("block_diag", block_diag, section=_S, rows=(BLOCK_DIAG,), method=False)
