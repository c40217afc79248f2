"""``torch.func.vmap`` by looping: the function runs once per entry of the mapped dimension, on
that entry's slice of each mapped argument, and the results are stacked along ``out_dims``.

torch's checks and their messages are kept (same batch size everywhere, in_dim in range, only
tensors returned); what a batching rule would compute per entry is what the loop computes.
"""

from __future__ import annotations

import contextlib
import functools

from gradrepl.engine.tensor import Tensor


@contextlib.contextmanager
def transform(name: str):
    """Marks a torch.func transform as running (custom Functions check what runs them)."""
    from gradrepl.engine.function import ACTIVE_TRANSFORMS

    ACTIVE_TRANSFORMS.append(name)
    try:
        yield
    finally:
        ACTIVE_TRANSFORMS.pop()


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def vmapped(func, in_dims=0, out_dims=0):
    @functools.wraps(func)
    def wrapper(*args):
        dims = _in_dims_per_arg(func, in_dims, args)
        size = _batch_size(func, in_dims, args, dims)
        with transform("vmap"):
            results = [func(*[_slice(a, d, b) for a, d in zip(args, dims)]) for b in range(size)]
        return _stack_results(func, results, out_dims)
    return wrapper


def _in_dims_per_arg(func, in_dims, args) -> list:
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, "
                         "or you are trying to vmap over a function with no inputs. The latter is unsupported.")
    if isinstance(in_dims, int) or in_dims is None:
        dims = [in_dims] * len(args)
    elif isinstance(in_dims, tuple):
        if len(in_dims) != len(args):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             "compatible with the structure of `inputs`.")
        dims = list(in_dims)
    else:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be "
                         f"int or a (potentially nested) tuple matching the structure of inputs, got: "
                         f"{type(in_dims)}.")
    for arg, dim in zip(args, dims):
        if dim is None:
            continue
        if not isinstance(dim, int):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for "
                             "an input but in_dim must be either an integer dimension or None.")
        if not isinstance(arg, Tensor):
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for "
                             f"an input but the input is of type {type(arg)}. We cannot vmap over "
                             "non-Tensor arguments, please use None as the respective in_dim")
        if not -arg.dim() <= dim < arg.dim():
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for "
                             f"some input, but that input is a Tensor of dimensionality {arg.dim()} so "
                             f"expected in_dim to satisfy -{arg.dim()} <= in_dim < {arg.dim()}.")
    return [d if isinstance(a, Tensor) else None for a, d in zip(args, dims)]


def _batch_size(func, in_dims, args, dims) -> int:
    sizes = [a.shape[d] for a, d in zip(args, dims) if d is not None]
    if not sizes:
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must "
                         "be a Tensor with a non-None in_dim.")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got "
                         f"sizes {sizes} for the mapped dimension")
    return sizes[0]


def _slice(arg, dim, b):
    if dim is None:
        return arg
    return arg[(slice(None),) * (dim % arg.dim()) + (b,)]


def _stack_results(func, results: list, out_dims):
    from gradrepl.engine.ops.combine import stack

    first = results[0]
    if isinstance(first, tuple):
        dims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(first)
        return tuple(_stack_one(func, [r[i] for r in results], dims[i], stack) for i in range(len(first)))
    return _stack_one(func, results, out_dims, stack)


def _stack_one(func, values: list, out_dim, stack):
    if not isinstance(values[0], Tensor):
        raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                         f"{type(values[0])}. Did you mean to set out_dims= to None for output?")
    return stack(values, dim=out_dim)
