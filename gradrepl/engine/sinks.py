"""Where gradients leave the graph during a backward pass: tensor hooks, retained and captured
gradients (``retain_grad``, ``autograd.grad``), and accumulation into leaves' ``.grad``.

Split from autograd.py, which walks the graph; these functions receive its pass state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gradrepl.engine.graph import AccumulateGrad
from gradrepl.engine.ops.primitive import apply
from gradrepl.engine.tensor import Tensor, new_tensor

if TYPE_CHECKING:
    from gradrepl.engine.autograd import _Pass


def run_pre_hooks(state: _Pass, node, g):
    if isinstance(node, AccumulateGrad):
        hooks = node.variable._hooks
        if hooks:
            g = _call_tensor_hooks(hooks, g, state)
        if node._pre_hooks:  # grad_fn.register_prehook on the accumulator itself: after tensor hooks
            g = _call_node_pre_hooks(node, g, state)
        _capture(state, node, 0, g)
        return g
    # torch's order: tensor hooks, then retain_grad, then the node's own pre-hooks
    if node._pre_hooks:
        for nr, hook in list(node._pre_hooks):
            if nr is not None:
                g = _replace(g, nr, _call_tensor_hooks([hook], _pick(g, nr), state))
    if node._retained:
        for nr, ref in node._retained:
            tensor = ref()
            if tensor is not None and _pick(g, nr) is not None:
                _retain(tensor, _pick(g, nr), state)
    if node._pre_hooks:
        g = _call_node_pre_hooks(node, g, state)
    if state.captures:
        if isinstance(g, list):
            for nr, gi in enumerate(g):
                _capture(state, node, nr, gi)
        else:
            _capture(state, node, 0, g)
    return g


def _call_node_pre_hooks(node, g, state: _Pass):
    """grad_fn.register_prehook hooks: fn(grad_outputs) with all of the node's incoming grads;
    a tuple returned replaces them (torch checks only their number)."""
    for nr, hook in list(node._pre_hooks):
        if nr is not None:
            continue
        grads = g if isinstance(g, list) else [g]
        result = hook(_as_tensors(grads))
        if result is None:
            continue
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(grads):
            name = getattr(hook, "__name__", "<unknown>")
            raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                               f"{len(result)}, but expected {len(grads)})")
        new = [None if r is None else (r if state.create_graph else r._data) for r in result]
        for r in new:
            if r is not None:
                state.borrowed.add(id(r))  # the hook may keep what it returned: never accumulate into it
        g = new if isinstance(g, list) else new[0]
    return g


def _pick(g, nr):
    return g[nr] if isinstance(g, list) else g


def _replace(g, nr, value):
    if isinstance(g, list):
        g = list(g)
        g[nr] = value
        return g
    return value


def _call_tensor_hooks(hooks, g, state: _Pass):
    if g is None:
        return g
    for hook in list(hooks):
        as_tensor = g if isinstance(g, Tensor) else new_tensor(g)
        result = hook(as_tensor)
        if result is not None:
            _check_hook_result(hook, as_tensor, result)
            g = result if state.create_graph else result._data
            state.borrowed.add(id(g))
    return g


def _capture(state: _Pass, node, nr: int, g) -> None:
    wanted = state.captures.get((node, nr))
    if not wanted or g is None:
        return
    for index in wanted:
        if isinstance(index, tuple):  # backward(inputs=[non_leaf])
            _retain(index[1], g, state)
        else:
            old = state.results[index]
            state.results[index] = g if old is None else old + g


def _retain(tensor: Tensor, g, state: _Pass) -> None:
    if not isinstance(g, Tensor):
        g = new_tensor(np.array(g))
    elif not state.create_graph:
        g = new_tensor(np.array(g._data))
    tensor._grad = g if tensor._grad is None else tensor._grad + g


def accumulate(state: _Pass, node: AccumulateGrad, g) -> None:
    if not state.accumulate:
        return
    if state.only_leaves is not None and node not in state.only_leaves:
        return
    variable = node.variable
    _add_into_grad(state, variable, g)
    if variable._post_accumulate_hooks:
        for hook in list(variable._post_accumulate_hooks):
            hook(variable)


def _add_into_grad(state: _Pass, variable: Tensor, g) -> None:
    if state.create_graph:
        g = g if isinstance(g, Tensor) else new_tensor(g)
        if variable._grad is None:
            from gradrepl.engine.ops.conversion import COPY_INTO_GRAD

            variable._grad = apply(COPY_INTO_GRAD, (None, g))
            if type(variable._data) is not np.ndarray or _dense(variable._data):
                variable._grad._write_count = 1  # torch's clone_obey_contract: empty_strided + copy_
        else:
            variable._grad = variable._grad + g
        return
    existing = variable._grad
    if existing is None:
        from gradrepl.engine.grad_versions import first_grad_version

        variable._grad = new_tensor(_owned(g, variable, state))
        variable._grad._write_count = first_grad_version(state, g, variable)
        if state.normal_grads and not any(g is given for given in state.normal_grads):
            # torch's AccumulateGrad keeps a view of the caller's gradient made by the backward
            # (it is used nowhere else) as it is, and that is a normal tensor; the gradient
            # itself, which the caller still holds, it copies (an inference tensor)
            from gradrepl.engine import inference

            inference.keep_normal(variable._grad, g, state.normal_grads)
        return
    memory = existing._data
    if type(memory) is np.ndarray and memory.flags.writeable:
        np.add(memory, g, out=memory, casting="unsafe")  # in place: references to .grad see it
    else:
        existing._data = (memory + g).astype(memory.dtype, copy=False)
    existing._bump_version()


_ndarray, _shape, _broadcast_to = np.ndarray, np.shape, np.broadcast_to  # (numpy's module
# attributes are read by the generic lookup: CPython 3.11 does not specialise them)


def _owned(g, variable: Tensor, state: _Pass):
    """An array the new .grad can own: the gradient itself when nothing else holds it and it
    has the layout torch's AccumulateGrad keeps, else a copy in that layout."""
    data = variable._data
    if type(g) is not _ndarray and type(data) is not _ndarray and g.dtype == data.dtype:
        return g  # a numpy scalar for a 0-d leaf: immutable, so it can be shared as is
    want = data.dtype
    shape = data.shape if type(data) is _ndarray else _shape(data)  # (np.shape: a wrapper)
    if type(g) is not _ndarray:
        return cast_like(_broadcast_to(g, shape) if _shape(g) != shape else g, variable)
    if (g.base is None and g.flags.writeable and id(g) not in state.borrowed
            and g.dtype == want and g.shape == shape
            and (g.strides == data.strides or _obeys_layout(g, data))):
        state.borrowed.add(id(g))
        return g
    return _copy_in_layout(g, data)


def _obeys_layout(g: np.ndarray, data) -> bool:
    """torch's obeys_layout_contract: a dense leaf's gradient has the leaf's strides (size-1
    dims aside, where stride 0 marks a view); any other leaf's is contiguous."""
    if type(data) is not np.ndarray or not _dense(data):
        return g.flags.c_contiguous
    for size, stride, own in zip(g.shape, g.strides, data.strides):
        if stride != own if size != 1 else stride == 0:
            return False
    return True


def _copy_in_layout(g, data):
    """torch's clone_obey_contract: a dense leaf's strides (a transposed weight's gradient is
    transposed too), else contiguous; a sum's stride-0 gradient is copied out this way."""
    if type(data) is np.ndarray and not data.flags.c_contiguous and _dense(data):
        out = np.ndarray(data.shape, data.dtype, np.empty(data.size, data.dtype), 0, data.strides)
        np.copyto(out, g, casting="unsafe")
        return out
    shape = data.shape if type(data) is np.ndarray else np.shape(data)
    # np.array is the cheapest copy (a fifth of empty + copyto on a small gradient)
    return np.array(g if g.shape == shape else np.broadcast_to(g, shape), data.dtype, order="C")


def _dense(a: np.ndarray) -> bool:
    """No gaps and no shared elements, in some order of dims (torch's
    is_non_overlapping_and_dense); gradrepl's tensors have no negative strides."""
    size = a.itemsize
    for stride, n in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != size:
            return False
        size *= n
    return True


def cast_like(g, like: Tensor):
    want = like._data.dtype
    if type(g) is np.ndarray:
        return g.astype(want, copy=False)
    return np.asarray(g, dtype=want)[()] if np.ndim(g) == 0 else np.array(g, dtype=want)


def _check_hook_result(hook, original: Tensor, result) -> None:
    """A tensor hook may replace the gradient, but only with a tensor of the same type and size
    (torch/csrc/autograd/python_hook.cpp, check_single_result)."""
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", "<unknown>")
    if result.dtype is not original.dtype:
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

        raise RuntimeError(f"hook '{name}' has changed the type of value (was {LEGACY_TYPE_NAMES[original.dtype]} "
                           f"got {LEGACY_TYPE_NAMES[result.dtype]})")
    if result.shape != original.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _as_tensors(grads) -> tuple:
    return tuple(None if x is None else (x if isinstance(x, Tensor) else new_tensor(x)) for x in grads)


def run_post_hooks(state: _Pass, node, grads, g):
    """grad_fn.register_hook hooks: fn(grad_inputs, grad_outputs); a hook may return replacement
    grad_inputs (torch checks only their number)."""
    grad_outputs = _as_tensors(g if isinstance(g, list) else [g])
    for hook in list(node._hooks):
        result = hook(_as_tensors(grads), grad_outputs)
        if result is None:
            continue
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(grads):
            name = getattr(hook, "__name__", "<unknown>")
            raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                               f"{len(result)}, but expected {len(grads)})")
        grads = [None if r is None else (r if state.create_graph else r._data) for r in result]
        for r in grads:
            if r is not None:
                state.borrowed.add(id(r))  # the hook may keep what it returned
    return grads
