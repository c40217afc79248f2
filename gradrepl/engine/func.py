"""``torch.func``: grad, grad_and_value, vjp, jacrev and vmap, for the common cases.

torch implements these as function transforms (functorch) with wrapper tensors. gradrepl builds
them from the ordinary graph: a transform gives its function fresh leaves (views of the caller's
tensors when those require grad, so transforms nest: ``grad(grad(f))``), differentiates with
``create_graph=True`` and detaches the result unless the caller's inputs needed a graph.
``vmap`` runs the function once per entry of the mapped dimension and stacks the results, which
gives the values torch's batching rules give.

Not covered: jacfwd, jvp, hessian (forward-mode AD), functional_call, vmap's ``chunk_size`` and
``randomness``, nested pytrees (dicts, lists) in inputs and outputs.
"""

from __future__ import annotations

import functools

from gradrepl.engine import grad_mode
from gradrepl.engine.autograd import grad as autograd_grad
from gradrepl.engine.tensor import Tensor
from gradrepl.engine.vmap import transform


def _argnums_tuple(argnums, n_args: int) -> tuple:
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for num in nums:
        if not isinstance(num, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -n_args <= num < n_args:
            raise RuntimeError(f"Got argnum={num}, but only {n_args} positional inputs")
    return tuple(num % n_args for num in nums)


def _fresh(x: Tensor) -> Tensor:
    if x.requires_grad:
        return x.view_as(x)  # stays connected to the caller's graph (an enclosing transform)
    return x.detach().requires_grad_(True)


def _finish(values, keep_graph: bool, leaves=()):
    """Detach results whose graph reaches only this transform's own fresh leaves: torch's
    transforms return plain tensors then, and keep the graph to anything else requiring grad
    (a caller's input, a tensor the function closes over)."""
    if keep_graph:
        return values
    if isinstance(values, tuple):
        return tuple(_finish(v, False, leaves) for v in values)
    if isinstance(values, Tensor) and not _reaches_outside(values, leaves):
        return values.detach()
    return values


def _reaches_outside(tensor: Tensor, leaves) -> bool:
    from gradrepl.engine.graph import AccumulateGrad

    own = {id(leaf) for leaf in leaves}
    if tensor.grad_fn is None:
        return tensor.requires_grad and id(tensor) not in own
    seen, stack = set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if type(node) is AccumulateGrad:
            if id(node.variable) not in own:
                return True
            continue
        stack.extend(node._next)
    return False


def _prepare(args: tuple, argnums) -> tuple:
    """(args with fresh leaves at argnums, those leaves, whether a caller's input needs a graph)."""
    nums = _argnums_tuple(argnums, len(args))
    args = list(args)
    keep_graph = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    for num in nums:
        args[num] = _fresh(args[num])
    return tuple(args), tuple(args[num] for num in nums), keep_graph


def grad_and_value(func, argnums=0, has_aux=False):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with grad_mode.enable_grad():
            args, leaves, keep_graph = _prepare(args, argnums)
            with transform("grad"):
                out = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a "
                                       "tuple: (output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, "
                                   f"got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar "
                                   f"Tensor, got tensor with {out.dim()} dims. Maybe you wanted to use "
                                   "the vjp or jacrev APIs instead?")
            grads = autograd_grad(out, leaves, create_graph=True, allow_unused=True,
                                  materialize_grads=True)
        grads = _finish(grads if isinstance(argnums, tuple) else grads[0], keep_graph, leaves)
        value = _finish(out, keep_graph, leaves)
        if has_aux:
            return grads, (value, _finish(aux, keep_graph, leaves))
        return grads, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    transformed = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = transformed(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]); vjp_fn(cotangents) gives one gradient per primal."""
    with grad_mode.enable_grad():
        args, leaves, keep_graph = _prepare(primals, tuple(range(len(primals))))
        with transform("vjp"):
            out = func(*args)
        if has_aux:
            out, aux = out
    outputs = out if isinstance(out, tuple) else (out,)

    def vjp_fn(cotangents):
        cot = cotangents if isinstance(cotangents, tuple) else (cotangents,)
        with grad_mode.enable_grad():
            grads = autograd_grad(outputs, leaves, cot, retain_graph=True, create_graph=True,
                                  allow_unused=True, materialize_grads=True)
        return _finish(tuple(grads), keep_graph, leaves)

    vjp_fn.__qualname__ = "_vjp_with_argnums.<locals>.wrapper"
    vjp_fn.__name__ = "wrapper"
    result = (_finish(out, keep_graph, leaves), vjp_fn)
    return result + (_finish(aux, keep_graph, leaves),) if has_aux else result


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    @functools.wraps(func)
    def wrapper(*args):
        with grad_mode.enable_grad():
            args, leaves, keep_graph = _prepare(args, argnums)
            with transform("jacrev"):
                out = func(*args)
            if has_aux:
                out, aux = out
            outputs = out if isinstance(out, tuple) else (out,)
            rows = tuple(_jacobian_rows(i, outputs, leaves) for i in range(len(outputs)))
        rows = _finish(rows, keep_graph, leaves)
        per_output = tuple(r if isinstance(argnums, tuple) else r[0] for r in rows)
        result = per_output if isinstance(out, tuple) else per_output[0]
        return (result, _finish(aux, keep_graph, leaves)) if has_aux else result
    return wrapper


def _jacobian_rows(i: int, outputs: tuple, leaves: tuple) -> tuple:
    """d outputs[i] / d leaf for each leaf, one vjp per element of outputs[i].

    Like torch's batched vjp, each vjp gets a one-hot cotangent for outputs[i] and zeros for the
    other outputs (which turns a -0. from this output's formula into 0., as in torch)."""
    from gradrepl.engine.factories import zeros_like
    from gradrepl.engine.ops.combine import stack

    out = outputs[i]
    zeros = [zeros_like(o) for o in outputs]
    per_leaf = [[] for _ in leaves]
    for j in range(out.numel()):
        one_hot = zeros_like(out)
        one_hot.view(-1)[j] = 1
        cotangents = tuple(one_hot if k == i else z for k, z in enumerate(zeros))
        row = autograd_grad(outputs, leaves, cotangents, retain_graph=True, create_graph=True,
                            allow_unused=True, materialize_grads=True)
        for k, g in enumerate(row):
            per_leaf[k].append(g)
    return tuple(stack(rows, dim=0).view(tuple(out.shape) + tuple(x.shape))
                 for rows, x in zip(per_leaf, leaves))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    from gradrepl.engine.vmap import vmapped

    return vmapped(func, in_dims, out_dims)


for _fn in (grad, grad_and_value, vjp, jacrev, vmap):
    _fn.__module__ = "torch.func"
