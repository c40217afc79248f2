"""Shape and view ops: view/reshape, transpose/t/permute, (un)squeeze, expand, unbind.

Views share memory with their input as torch's do (numpy views do the same), and share its
version counter, so an in-place change through either is seen by autograd.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import views
from gradrepl.engine.keywords import check_types, torch_parsed
from gradrepl.engine.ops.primitive import Primitive, apply, wrap
from gradrepl.engine.size_args import is_int as _is_int
from gradrepl.engine.size_args import type_name as _tp_name
from gradrepl.engine.size_args import unpacked
from gradrepl.engine.tensor import Tensor, new_tensor, wrap_dim
from gradrepl.engine.ops.registry import register


def _as_view(result: Tensor, of: Tensor, kind: str | None = None, op: str | None = None) -> Tensor:
    """Mark ``result`` as sharing ``of``'s memory (and so its version counter), a view whose
    in-place changes rebase the graph (views.py)."""
    return views.track(result, of, kind, op)


def view_op(prim: Primitive, tensor: Tensor, params: tuple) -> Tensor:
    """Apply a view primitive to the tensor's shared memory."""
    arrays = tensor._memory()
    return _as_view(wrap(prim, prim.forward(arrays, *params), (tensor,), params), tensor,
                    op=prim.grad_fn_name)


# views and reshapes: the gradient takes the input's shape back (torch keeps only the sizes)
_RESHAPE_BACK = {"self": lambda F, grad, self_shape: F.reshape(grad, self_shape)}


# ---------------------------------------------------------------------------------------------
# view / reshape

def infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 in ``shape``, with torch's errors."""
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# numpy 2.1 can refuse to copy in reshape; before it, reshape and then check for a copy
_RESHAPE_CAN_REFUSE_COPY = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


def _reshape_without_copy(a, shape):
    if _RESHAPE_CAN_REFUSE_COPY:
        return np.reshape(a, shape, copy=False)
    out = np.reshape(a, shape)
    if isinstance(a, np.ndarray) and a.size and not np.may_share_memory(out, a):
        raise ValueError("a view is impossible")
    return out


def _view_forward(a, shape):
    try:
        return _reshape_without_copy(a, shape)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


VIEW = Primitive("view", "ViewBackward0", _view_forward, inputs=("self",), derivatives=_RESHAPE_BACK)
RESHAPE_ALIAS = Primitive("reshape", "ReshapeAliasBackward0", _view_forward, inputs=("self",),
                          derivatives=_RESHAPE_BACK)
# reshape of a tensor whose memory cannot be viewed copies, and torch names that node differently
UNSAFE_VIEW = Primitive("reshape", "UnsafeViewBackward0", lambda a, shape: np.reshape(a, shape),
                        inputs=("self",), derivatives=_RESHAPE_BACK)


def _shape_args(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def view(tensor: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and not hasattr(shape[0], "__index__"):
        from gradrepl.engine.dtypes import dtype

        if isinstance(shape[0], dtype):
            return view_dtype(tensor, shape[0])
    shape = infer_shape(_sizes("view", shape), tensor.numel())
    return view_op(VIEW, tensor, (shape,))


def view_dtype(tensor: Tensor, dtype) -> Tensor:
    """``x.view(dtype)``: the same bytes read as ``dtype`` (torch's view_dtype), a view of x's
    memory without autograd history (torch gives it no derivative). Between element sizes the
    last dim is split or merged, with torch's checks in its order."""
    from gradrepl.engine.dtypes import scalar_type_name

    memory = tensor._memory()
    have, want = memory.dtype, np.dtype(dtype.numpy)
    if have.itemsize != want.itemsize:
        what = (f"to view {scalar_type_name(have)} as {scalar_type_name(want)} (different "
                "element sizes)")
        strides = tensor.stride()
        if memory.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if have.itemsize < want.itemsize:
            ratio = want.itemsize // have.itemsize
            if memory.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got "
                                   f"{memory.shape[-1]}")
            if tensor.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, "
                                   f"but got {tensor.storage_offset()}")
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if have.itemsize < want.itemsize:
            for i, stride in enumerate(strides[:-1]):
                if stride % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, "
                                       f"but got {stride}")
    from gradrepl.engine.tensor import new_tensor

    result = new_tensor(memory.view(want))
    result._base = tensor._version_root()  # shares memory and version counter, as detach()
    return result


def reshape(tensor: Tensor, *shape) -> Tensor:
    shape = infer_shape(_sizes("reshape", shape), tensor.numel())
    try:
        # a non-contiguous tensor that can still be viewed is aliased: torch names that node
        # ReshapeAliasBackward0 (x.t().reshape(3, 4)); a contiguous one is a plain view
        return view_op(VIEW if tensor.is_contiguous() else RESHAPE_ALIAS, tensor, (shape,))
    except RuntimeError:
        # torch copies first (a CloneBackward0 node), then views the copy
        from gradrepl.engine.ops.conversion import CLONE

        return apply(UNSAFE_VIEW, (apply(CLONE, (tensor,)),), (shape,))


def flatten(tensor: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if tensor.ndim == 0:
        return reshape(tensor, 1)
    start, end = wrap_dim(start_dim, tensor.ndim), wrap_dim(end_dim, tensor.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return tensor
    shape = tensor.shape
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(tensor, tuple(shape[:start]) + (merged,) + tuple(shape[end + 1:]))


# ---------------------------------------------------------------------------------------------
# transpose / permute

TRANSPOSE = Primitive(
    "transpose", "TransposeBackward0", lambda a, d0, d1: np.swapaxes(a, d0, d1),
    inputs=("self",), params=("dim0", "dim1"),
    derivatives={"self": lambda F, grad, dim0, dim1: F.transpose(grad, dim0, dim1)})
T = Primitive(
    "t", "TBackward0", lambda a: a.T, inputs=("self",),
    # grad.t(): recorded as TBackward0 under create_graph=True, as torch's linear weight shows
    derivatives={"self": lambda F, grad: F.apply(T, (grad,))})
PERMUTE = Primitive(
    "permute", "PermuteBackward0", lambda a, dims: np.transpose(a, dims),
    inputs=("self",), params=("dims",),
    derivatives={"self": lambda F, grad, dims: F.permute(grad, tuple(np.argsort(dims)))})


def transpose(tensor: Tensor, dim0: int, dim1: int) -> Tensor:
    if type(dim0) is not int or type(dim1) is not int:
        check_types(("int", dim0), ("int", dim1))  # else torch's parser's words (torch_parsed)
    ndim = tensor.ndim
    return view_op(TRANSPOSE, tensor, (wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)))


def t(tensor: Tensor) -> Tensor:
    if tensor.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {tensor.ndim}D")
    return view_op(T, tensor, ())


def permute(tensor: Tensor, *dims) -> Tensor:
    dims = _shape_args(dims)
    if len(dims) == tensor.ndim:
        dims = tuple(wrap_dim(d, tensor.ndim) for d in dims)  # torch checks the count first
    else:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {tensor.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_op(PERMUTE, tensor, (dims,))


def reversed_dims(tensor: Tensor) -> Tensor:
    """``tensor.T``: all dims reversed (a permute in torch's graph)."""
    return view_op(PERMUTE, tensor, (tuple(range(tensor.ndim - 1, -1, -1)),))


# ---------------------------------------------------------------------------------------------
# unsqueeze / squeeze / expand

def _unsqueeze_forward(a, dim):
    out = np.expand_dims(a, dim)
    if dim == a.ndim and out.strides[-1] != a.itemsize:
        # torch gives a new last dim stride 1 (inferUnsqueezeGeometry); numpy repeats the stride
        # of the dim before it, which differs for a non-contiguous input (x.t().unsqueeze(-1))
        out = np.lib.stride_tricks.as_strided(a, out.shape, a.strides + (a.itemsize,))
    return out


UNSQUEEZE = Primitive("unsqueeze", "UnsqueezeBackward0", _unsqueeze_forward,
                      inputs=("self",), derivatives=_RESHAPE_BACK)
SQUEEZE_ALL = Primitive("squeeze", "SqueezeBackward0", lambda a: np.squeeze(a), inputs=("self",), derivatives=_RESHAPE_BACK)
SQUEEZE_DIM = Primitive("squeeze", "SqueezeBackward1",
                        lambda a, dim: np.squeeze(a, dim) if a.ndim and a.shape[dim] == 1 else a,
                        inputs=("self",), derivatives=_RESHAPE_BACK)
# squeeze((0, 2)), the user-facing overload of several dims
SQUEEZE_DIM_LIST = Primitive(
    "squeeze", "SqueezeBackward2",
    lambda a, dims: np.squeeze(a, tuple(d for d in dims if a.shape[d] == 1)),
    inputs=("self",), derivatives=_RESHAPE_BACK)
# vector @ matrix squeezes the unsqueezed vector's dim away; torch records that as this overload
SQUEEZE_DIMS = Primitive("squeeze", "SqueezeBackward4",
                         lambda a, dims: np.squeeze(a, tuple(d for d in dims if a.shape[d] == 1)),
                         inputs=("self",), derivatives=_RESHAPE_BACK)


def _expand_forward(a, shape):
    # a writable view (numpy's broadcast_to is read-only): torch lets x.expand(3)[0] = 1 write,
    # and refuses writes that reach one element twice itself (views.check_no_overlap)
    # and torch's strides (a new leading dim of size 1 spans the dims after it: .stride() shows it)
    from gradrepl.engine.ops.backends import expand_strides

    return np.lib.stride_tricks.as_strided(a, shape, expand_strides(a, shape),
                                           writeable=a.flags.writeable)


EXPAND = Primitive(
    "expand", "ExpandBackward0", _expand_forward,
    lambda F, g, inputs, out, params, needs: (F.sum_to(g, inputs[0]),), saves=(),
)


def unsqueeze(tensor: Tensor, dim: int) -> Tensor:
    return view_op(UNSQUEEZE, tensor, (wrap_dim(dim, tensor.ndim + 1),))


def squeeze(tensor: Tensor, dim=None) -> Tensor:
    if dim is None:
        return view_op(SQUEEZE_ALL, tensor, ())
    if isinstance(dim, (tuple, list)):
        dims = tuple(wrap_dim(d, max(tensor.ndim, 1)) for d in dim)
        return view_op(SQUEEZE_DIM_LIST, tensor, (dims if tensor.ndim else (),))
    dim = wrap_dim(dim, max(tensor.ndim, 1))
    return view_op(SQUEEZE_DIM, tensor, (dim,))


def _unpacked(items, start: int = 0, name: str = "expand", param: str = "size") -> tuple:
    """The ints of a list whose first ``start`` elements passed the parser's check."""
    return unpacked(items, name, param, start)


def _sizes(name: str, args: tuple) -> tuple:
    """view's or reshape's sizes, given one by one or as one list: plain ints pass at once; else
    torch's parser reads them (``x.view(-1, n / 2)``: a float is refused, not truncated)."""
    items = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    for size in items:
        if type(size) is not int or not -2**63 <= size < 2**63:  # x.view(2**63): parser's overflow
            return _parsed_sizes(name, args, items)
    return tuple(items) if items else _parsed_sizes(name, args, items)


def _parsed_sizes(name: str, args: tuple, items) -> tuple:
    if args and (not items or _is_int(items[0], bool_ok=False)):
        return _unpacked(items, 1, name, "size" if name == "view" else "shape")
    # the first is no int: no overload takes the call as a whole
    if name == "view":
        from gradrepl.engine.keywords import InvalidArguments

        raise InvalidArguments("view", args, {})
    if not args:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    if len(args) > 1:
        raise TypeError(f"reshape() takes 1 positional argument but {len(args)} were given")
    if items is args:
        raise TypeError(f"reshape(): argument 'shape' (position 1) must be tuple of ints, not "
                        f"{_tp_name(args[0])}")
    raise TypeError(f"reshape(): argument 'shape' (position 1) must be tuple of ints, but found "
                    f"element of type {_tp_name(items[0])} at pos 0")


def _expand_size(args: tuple, kwargs: dict) -> tuple:
    """torch's argument parser on ``expand(SymIntArrayRef size, *, bool implicit=False)``, which
    also takes the sizes one by one (``x.expand(2, 3)``) when the first is an int."""
    if args:
        first = args[0]
        if len(args) > 1:
            if not _is_int(first, bool_ok=False):
                raise TypeError(f"expand() takes 1 positional argument but {len(args)} were given")
            size = _unpacked(args)
        elif isinstance(first, (tuple, list)):
            if first and not _is_int(first[0], bool_ok=False):
                raise TypeError(f"expand(): argument 'size' (position 1) must be tuple of ints, "
                                f"but found element of type {_tp_name(first[0])} at pos 0")
            size = _unpacked(first)
        elif _is_int(first, bool_ok=False):
            size = _unpacked(args)  # one int, which may still overflow a long long
        else:
            raise TypeError(f"expand(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{_tp_name(first)}")
    elif "size" in kwargs:
        given = kwargs["size"]
        if not isinstance(given, (tuple, list)) or (given and not _is_int(given[0], False)):
            raise TypeError(f"expand(): argument 'size' must be tuple of ints, not {_tp_name(given)}")
        size = _unpacked(given)
    else:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    implicit = kwargs.get("implicit", False)
    if type(implicit) is not bool:
        raise TypeError(f"expand(): argument 'implicit' must be bool, not {_tp_name(implicit)}")
    names = ("size", "implicit")
    if any(key not in names or (key == "size" and args) for key in kwargs):
        for key in kwargs:  # a keyword the parser did not take: named as torch's parser names it
            if key in names and names.index(key) < len(args):
                raise TypeError(f"expand() got multiple values for argument '{key}'")
            if key not in names:
                raise TypeError(f"expand() got an unexpected keyword argument '{key}'")
    return size


def expand(tensor: Tensor, *sizes, **kwargs) -> Tensor:
    if kwargs or not (sizes and all(type(n) is int and -2**63 <= n < 2**63 for n in sizes)):
        sizes = _expand_size(sizes, kwargs)
    shape = tensor.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({tensor.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = [0] * len(sizes)
    # torch checks from the last dimension back, so that is the mismatch it reports
    for i in range(len(sizes) - 1, -1, -1):
        size = sizes[i]
        current = shape[i - lead] if i >= lead else 1
        if size == -1:
            if i < lead:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                    f"dimension {i}"
                )
            size = current
        elif current != 1 and current != size:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size ({current}) "
                f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}"
            )
        target[i] = int(size)
    if min(target, default=0) < 0:  # another negative size: torch's numel check refuses it
        raise RuntimeError("numel: integer multiplication overflow")
    return view_op(EXPAND, tensor, (tuple(target),))


def expand_as(tensor: Tensor, *args, **kwargs) -> Tensor:
    other = args[0] if args else kwargs.pop("other", None)
    if not args and other is None:
        raise TypeError('expand_as() missing 1 required positional arguments: "other"')
    if len(args) > 1 or kwargs:
        raise TypeError(f"expand_as() takes 1 positional argument but {len(args)} were given"
                        if len(args) > 1 else
                        f"expand_as() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not isinstance(other, Tensor):
        raise TypeError(f"expand_as(): argument 'other' (position 1) must be Tensor, not "
                        f"{_tp_name(other)}")
    return expand(tensor, other.shape)


# ---------------------------------------------------------------------------------------------
# unbind (iteration)

def _unbind_backward(F, grads, inputs, out, params, needs):
    (dim,) = params
    shape = np.shape(inputs[0])
    part_shape = shape[:dim] + shape[dim + 1:]
    like = inputs[0]
    filled = [g if g is not None else F.zeros(part_shape, like) for g in grads]
    return (F.stack(filled, dim),)


def multi_output_views(prim: Primitive, parts: list, input: Tensor, params: tuple) -> tuple:
    """Tensors viewing ``parts`` of ``input``'s memory that share one node with several outputs
    (unbind, split, chunk): output i is the node's output i, as in torch."""
    first = wrap(prim, parts[0], (input,), params)
    node = first.grad_fn
    if node is not None:
        node._multi = node._special = True
    results = []
    for i, part in enumerate(parts):
        result = first if i == 0 else new_tensor(part)
        if node is not None and i:
            result._requires_grad = True
            result.grad_fn = node
            result._output_nr = i
        # torch forbids changing these in place while recording: "Output 0 of Unbind is a view"
        results.append(_as_view(result, input, views.MULTI_OUTPUT, prim.grad_fn_name))
    return tuple(results)


def unbind(tensor: Tensor, dim: int = 0) -> tuple:
    dim = wrap_dim(dim, tensor.ndim)
    memory = tensor._memory()
    n = memory.shape[dim]
    prim = Primitive("unbind", "UnbindBackward0", None, _unbind_backward, saves=(), n_outputs=n)
    parts = [memory[(slice(None),) * dim + (i, Ellipsis)] for i in range(n)]  # views, even 0-d
    if not parts:
        return ()
    return multi_output_views(prim, parts, tensor, (dim,))


def view_as(tensor: Tensor, other: Tensor) -> Tensor:
    return view(tensor, other.shape)


def reshape_as(tensor: Tensor, other: Tensor) -> Tensor:
    return reshape(tensor, other.shape)


_S = "shape"
register("view", view, section=_S, rows=(VIEW,), in_torch=False)
register("view_as", view_as, section=_S, rows=(VIEW,), in_torch=False)
register("reshape", reshape, section=_S, rows=(VIEW, RESHAPE_ALIAS, UNSAFE_VIEW))
register("reshape_as", reshape_as, section=_S, rows=(VIEW, RESHAPE_ALIAS, UNSAFE_VIEW),
         in_torch=False)
register("flatten", flatten, section=_S, rows=(VIEW, RESHAPE_ALIAS, UNSAFE_VIEW))
register("t", t, section=_S, rows=(T,))
register("transpose", torch_parsed("transpose", method=False)(transpose), section=_S, rows=(TRANSPOSE,),
         method=torch_parsed("transpose")(transpose))
register("permute", permute, section=_S, rows=(PERMUTE,))
register("unsqueeze", unsqueeze, section=_S, rows=(UNSQUEEZE,))
register("squeeze", squeeze, section=_S,
         rows=(SQUEEZE_ALL, SQUEEZE_DIM, SQUEEZE_DIM_LIST, SQUEEZE_DIMS))
register("expand", expand, section=_S, rows=(EXPAND,), in_torch=False)
register("expand_as", expand_as, section=_S, rows=(EXPAND,), in_torch=False)
register("unbind", unbind, section=_S)
