"""The backward pass: ``backward`` (accumulate into leaves) and ``grad`` (return gradients).

The graph is walked iteratively, never recursively, so a 100,000-op chain works: the reachable
nodes are collected, then run latest-created first, which is the order torch's engine runs them
(every node runs after all its consumers, and the order decides how gradients are summed, so it
matters for the last bits of a float). Hooks and accumulation into leaves are in sinks.py.

Gradients flow as numpy arrays, unless ``create_graph=True``: then they are tensors and the
backward formulas run as recorded ops, so the gradients can be differentiated again.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from sys import getrefcount as _getrefcount
from itertools import count

import numpy as np

from gradrepl.engine import dtypes, grad_mode, inference
from gradrepl.engine.anomaly import _state as _anomaly
from gradrepl.engine.anomaly import check_nan, warn_error_detected
from gradrepl.engine.grad_versions import counted, first_grad_version, summed
from gradrepl.engine.graph import AccumulateGrad, SeveralOutputs, accumulator_for
from gradrepl.engine.ops import backends
from gradrepl.engine.ops.primitive import check_saved, formula_inputs
from gradrepl.engine.reachable import _discover, _reachable
from gradrepl.engine.sinks import _owned, accumulate, cast_like, run_post_hooks, run_pre_hooks
from gradrepl.engine.tensor import Tensor, _object_new, new_tensor

_arrays = backends.arrays
_ndarray = np.ndarray
_FLOAT_SCALARS = (np.float32, np.float64)  # a 0-d float tensor's data (tensor.py)
_SCALAR_ONES = dtypes.SCALAR_ONES


class _Pass:
    """The state of one backward pass. What a plain ``loss.backward()`` never changes is a
    class-level default, so starting a pass costs three attribute writes."""

    needed = None  # when only some inputs are wanted: the nodes leading to them
    accumulate = True  # False for autograd.grad: leaves' .grad stay untouched
    only_leaves = None  # backward(inputs=...): accumulate into these leaves only
    captures = _NO_CAPTURES = {}  # (node, output_nr) -> results index, for autograd.grad (never mutated)
    results = None
    reachable = None  # every node the pass can reach from its roots, once something asks
    roots = ()  # the root nodes, from which will_execute finds the reachable ones
    # in inference mode: the arrays of the normal (not inference) gradients the caller gave,
    # whose views stay normal tensors (inference.views_of_normal)
    normal_grads = ()
    adds = None  # (old, sum) of the adds into buffers torch may make in place (grad_versions.py)

    def __init__(self, create_graph: bool, retain_graph: bool):
        self.create_graph = create_graph
        self.retain_graph = retain_graph
        self.buffers = {}  # node -> incoming grad (a list per output for multi-output nodes)
        self.borrowed = set()  # ids of arrays the caller owns or that a .grad already holds
        # ids of the gradients the caller holds (its own, and torch's implicit ones_like): a
        # .grad made from one is a copy, torch's version 1 (grad_versions.py)
        self.held = ()

    def capture(self) -> dict:
        """The captures table, made on first use (autograd.grad, backward(inputs=...))."""
        if self.captures is _Pass._NO_CAPTURES:
            self.captures = {}
            self.results = []
        return self.captures


CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak. "
    "(Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)"
)


# -------------------------------------------------------------------------------------------------
# Public entry points


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    tensors = tensors if type(tensors) is tuple else _as_tuple(tensors)
    if grad_tensors is None:
        grads = (None,) * len(tensors)
    else:
        # torch's _tensor_or_tensors_to_tuple: a tensor, or an iterable of them (a number is
        # its "'float' object is not iterable")
        grads = (grad_tensors,) if isinstance(grad_tensors, Tensor) else tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        from gradrepl.engine.warn import warn_user_once

        warn_user_once(CREATE_GRAPH_WARNING, UserWarning)
    state = _Pass(create_graph, retain_graph)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        _set_targets(state, inputs, capture=False)
    roots = _roots(tensors, grads, state)
    if grad_mode._inference[0]:
        state.normal_grads = _normal_grads(grads)
    _run(state, roots)


def _normal_grads(grads) -> tuple:
    return tuple(g._data for g in grads if isinstance(g, Tensor) and not g.is_inference())


def backward_root(root: Tensor) -> None:
    """``root.backward()`` with no arguments, the form nearly every lesson uses: ``backward``'s
    setup (tuples of roots and grads, _roots' checks, the root's buffer, _run's choice of walk)
    done once for one tensor, which is a fifth of a small graph's backward. Anything unusual
    (no grad_fn, several outputs, not one element, anomaly mode) takes the general path, which
    raises torch's errors; tests/engine/test_short_paths.py compares the two."""
    node = root.grad_fn
    data = root._data
    # the gradient 1 of a 0-d float root: one shared numpy scalar (immutable, as every 0-d
    # gradient is: a .grad that receives it is never written through); a float scalar has
    # one element, no need to read its size
    one = _SCALAR_ONES.get(type(data))
    # (type(...) is SeveralOutputs: Node._multi, without the property's call)
    if not SHORT_PATHS or node is None or type(node._sequence_nr) is SeveralOutputs \
            or _anomaly["enabled"] or one is None and data.size != 1:
        return backward((root,), (None,))
    # _Pass(False, False), its attributes written in __init__'s order (so the pass's dict
    # shares its class's keys), without the call
    state = _object_new(_Pass)
    state.create_graph = state.retain_graph = False
    if one is None:
        one = data.dtype.type(1) if type(data) is not np.ndarray else np.ones(data.shape, data.dtype)
    state.buffers = {node: one}
    state.borrowed = set()
    state.held = (id(one),)  # torch's ones_like, which Python still holds
    state.roots = (node,)
    enabled, reported = grad_mode._enabled, grad_mode._grad_mode
    previous, was_reported = enabled[0], reported[0]
    enabled[0] = reported[0] = False
    _running.append(state)
    try:
        _run_plain(state, node)
    finally:
        _running.pop()
        enabled[0], reported[0] = previous, was_reported


# False sends backward_root to the general path (the property tests compare the two)
SHORT_PATHS = True


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if type(inputs) is dict:  # torch 2.13: gradients come back keyed as the inputs were
        results = grad(outputs, tuple(inputs.values()), grad_outputs, retain_graph, create_graph,
                       only_inputs, allow_unused, is_grads_batched, materialize_grads)
        return dict(zip(inputs.keys(), results))
    if not only_inputs:
        from gradrepl.engine.warn import warn_user

        warn_user("only_inputs argument is deprecated and is ignored now (defaults to True). To "
                  "accumulate gradient for other parts of the graph, please use torch.autograd.backward.",
                  FutureWarning)
    outputs = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    if not inputs_tuple:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    grads = grads[:len(outputs)]  # torch pairs them up with zip: extra grad_outputs are ignored
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        from gradrepl.engine.batched_grad import batched_grad

        return batched_grad(grad, outputs, inputs_tuple, grads, retain_graph, create_graph,
                            allow_unused, materialize_grads)
    for t in inputs_tuple:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    state = _Pass(create_graph, retain_graph)
    state.accumulate = False
    _set_targets(state, inputs_tuple, capture=True)
    roots = _roots(outputs, grads, state)
    if grad_mode._inference[0]:
        state.normal_grads = _normal_grads(grads)
    _run(state, roots)
    results = []
    for i, (t, g) in enumerate(zip(inputs_tuple, state.results or ())):
        if g is None:
            if materialize_grads:
                from gradrepl.engine.factories import zeros_like

                results.append(zeros_like(t, requires_grad=create_graph))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        else:
            results.append(g if isinstance(g, Tensor) else new_tensor(cast_like(g, t)))
            results[-1]._write_count += counted(state, g)
            if state.normal_grads:
                # torch hands back the caller's gradient itself (or a view of it): normal
                inference.keep_normal(results[-1], results[-1]._data, state.normal_grads)
    return tuple(results)


def call_node(node, grads):
    """``grad_fn(grad)``: run one node's backward formula directly, as torch allows."""
    expected = _node_outputs(node)
    if expected is not None and len(grads) != expected:
        raise TypeError(f"expected {expected} arguments, got {len(grads)} instead")
    arrays = [g._data if isinstance(g, Tensor) else g for g in grads]
    check_saved(node)
    out = _formula(node, arrays[0] if len(arrays) == 1 else list(arrays), create_graph=False)
    wrapped = tuple(None if g is None else new_tensor(g) for g in out)
    return wrapped if len(wrapped) != 1 else wrapped[0]


def _node_outputs(node):
    """How many gradients calling ``node`` takes (one per output of its op), when known."""
    if not node._multi:
        return 1
    out = getattr(node, "_out", None)
    return len(out) if isinstance(out, (list, tuple)) else None


# -------------------------------------------------------------------------------------------------
# Setting up a pass


def _as_tuple(x) -> tuple:
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _roots(tensors, grads, state: _Pass) -> list:
    # torch's _make_grads checks every gradient given (its shape first) before the engine
    # refuses an output that does not require grad
    # (zip: extra gradients are ignored; fewer are the engine's error below)
    given = grads
    grads = [None if g is None and not t._requires_grad else _root_grad(i, t, g, state, tensors, given)
             for i, (t, g) in enumerate(zip(tensors, grads))]
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        node = t.grad_fn if t.grad_fn is not None else accumulator_for(t)
        roots.append((node, t._output_nr, g))
    return roots


def _root_grad(i: int, t: Tensor, g, state: _Pass, tensors=None, given=None):
    original = g
    if g is None:
        data = t._data
        if data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        ones = data.dtype.type(1) if type(data) is not np.ndarray else np.ones(data.shape, data.dtype)
        state.held += (id(ones),)  # torch's ones_like, which Python still holds
        return new_tensor(ones) if state.create_graph else ones
    if not isinstance(g, Tensor):
        raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if g.shape != t.shape:
        # torch finds the positions with list.index, comparing tensors with ==: a tensor of
        # several elements met on the way is its "Boolean value ... is ambiguous" error
        g_at = list(given).index(original) if given is not None else i
        t_at = list(tensors).index(t) if tensors is not None else i
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{g_at}] has a shape of {g.shape} and output[{t_at}] "
            f"has a shape of {t.shape}."
        )
    if g.dtype is not t.dtype:
        g = g.to(t.dtype)  # torch refuses only a complex/real mismatch, and gradrepl has no complex
    if state.create_graph:
        return g
    state.borrowed.add(id(g._data))
    state.held += (id(g._data),)
    return g._data


def _set_targets(state: _Pass, inputs: tuple, capture: bool) -> None:
    targets = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError("inputs must be tensors")
        if not capture and not t._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if t.grad_fn is not None:
            key = (t.grad_fn, t._output_nr)
        else:
            key = (accumulator_for(t), 0)
        targets.append(key)
        if capture:
            state.capture().setdefault(key, []).append(len(state.results))
            state.results.append(None)
    state.needed = {node for node, _ in targets}
    if not capture:
        state.only_leaves = {node for node, _ in targets if isinstance(node, AccumulateGrad)}
        for t, (node, nr) in zip(inputs, targets):
            if not isinstance(node, AccumulateGrad):
                # backward(inputs=[non_leaf]) fills that tensor's .grad, as retain_grad would.
                state.capture().setdefault((node, nr), []).append(("retain", t))


# -------------------------------------------------------------------------------------------------
# Running a pass


_running: list = []  # the passes under way, innermost last (a hook may start another)


def current_pass():
    """The backward pass running now (torch's current graph task), or None."""
    return _running[-1] if _running else None


def will_execute(state: _Pass, node) -> bool:
    """Whether this pass runs ``node`` (torch: _will_engine_execute_node)."""
    reachable = state.reachable
    if reachable is None:  # the plain walk never needed it: find it now, from the roots
        reachable = state.reachable = _reachable(state.roots)
    return node in reachable and (state.needed is None or node in state.needed)


def _run(state: _Pass, roots: list) -> None:
    # (normal_grads: the plain walk's inlined first .grad does not look at them)
    general = state.create_graph or state.needed is not None or state.captures \
        or _anomaly["enabled"] or not SHORT_PATHS or state.normal_grads
    root_nodes = [node for node, _, _ in roots]
    if general:
        order = _discover(state, root_nodes)
    else:
        state.roots = root_nodes  # for will_execute, which finds what the walk reaches if asked
    for node, nr, g in roots:
        _add_to_buffer(state, state.buffers, node, nr, g)
    previous = grad_mode.is_grad_enabled()
    grad_mode._set(state.create_graph)
    _running.append(state)
    try:
        if general:
            buffers = state.buffers
            run_node = _run_node_reporting if _anomaly["enabled"] else _run_node
            for node in order:
                g = buffers.pop(node, None)
                if g is not None:
                    run_node(state, node, g)
        else:
            _run_plain(state)
    finally:
        _running.pop()
        grad_mode._set(previous)


def _run_plain(state: _Pass, root=None) -> None:
    """The common pass (no create_graph, inputs= or autograd.grad): _run_node, inlined and
    stripped to what plain nodes need, since it runs once per node of every backward.

    Nodes run in the order ``_discover`` would sort them, latest-created first, without that
    separate pass: a node waits in a heap keyed by its creation number from when its first
    gradient arrives. Every node is created after the nodes it has edges to, so by the time a
    node is the latest-created one waiting, every node that can still send it a gradient has
    run. The latest-created waiting node is held apart from the heap (``top``), with its
    gradient (``top_g``; None for a several-output node, whose slots stay in ``buffers``): along
    a chain, each node's successor is that node, and neither the heap nor the dict is touched.
    ``root``: the one node holding a gradient when the pass starts, if there is only one."""
    buffers = state.buffers
    pop, get = buffers.pop, buffers.get
    if root is None:
        heap = [(-node._sequence_nr, node) for node in buffers]
        heapify(heap)
        root = heappop(heap)[1]
    else:
        heap = []
    # the creation number of the latest-created node in the heap, -1 when it is empty (numbers
    # start at 0): read on every edge to a fresh node, kept here rather than as -heap[0][0]
    waiting = -heap[0][0] if heap else -1
    top, top_nr = root, root._sequence_nr
    top_g = None if type(top_nr) is not int else pop(root)  # (not int: several outputs)
    release = not state.retain_graph
    while True:
        if top is not None:
            node, g, top = top, top_g, None
            if g is None:
                g = pop(node)
        elif heap:
            node = heappop(heap)[1]
            waiting = -heap[0][0] if heap else -1
            g = pop(node)
        else:
            return
        step = node._step  # None: accumulators, hooks, several outputs, mixed dtypes (graph.py)
        if step is None:
            if type(node) is AccumulateGrad:
                variable = node.variable
                if variable._hooks is None and node._pre_hooks is None and node._hooks is None:
                    if variable._grad is None and variable._post_accumulate_hooks is None:
                        # sinks.accumulate for a leaf's first gradient, inlined (a plain pass
                        # always accumulates, into every leaf); a 0-d float leaf's numpy scalar
                        # is the new .grad itself (immutable: _owned shares it too)
                        kind = type(g)
                        grad_tensor = _object_new(Tensor)
                        grad_tensor._data = g if kind in _FLOAT_SCALARS and kind is type(variable._data) \
                            else _owned(g, variable, state)
                        variable._grad = grad_tensor
                        # (no note taken and a 0-d gradient torch's engine made: version 0)
                        if state.adds is not None or kind is _ndarray or id(g) in state.held:
                            version = first_grad_version(state, g, variable)
                            if version:
                                grad_tensor._write_count = version
                    else:
                        accumulate(state, node, g)
                    continue
            grads = _node_grads(state, node, g)
            if grads is None:
                continue
            edges = zip(node._next, grads, count())
        else:
            # the row's generated step (derivatives._compile_step), which the recording gave
            # the node: the node's checks, its backward and the release of what it saved, in
            # code that meets one row's nodes, so CPython 3.11 specialises its reads of them
            # (here, meeting a class per row, it could not). A node whose inputs' dtypes differ
            # from its output's has none: recording sets _mixed and _special (which clears
            # the step), and _node_grads casts its gradients back.
            edges = step(node, g, release)
        for nxt, gi, i in edges:  # per edge: the node, its gradient, the edge's position
            if gi is None or nxt is None:
                continue
            if nxt is top and top_g is not None:
                # grad_versions.summed, inlined (a chain's adds, W1's): the walk's top_g and
                # getrefcount's are the only references the buffer alone leaves, with one more
                # allowed for the running node's tuple of gradients
                total = top_g + gi
                if top_g is not gi and _getrefcount(top_g) <= 3:
                    if state.adds is None:
                        state.adds = [(top_g, total)]
                    else:
                        state.adds.append((top_g, total))
                top_g = total
                continue
            old = get(nxt)
            if old is not None:
                if type(old) is list:  # a node of several outputs: a slot per output
                    nr = node._output_nrs[i]
                    slot = old[nr]
                    old[nr] = gi if slot is None else slot + gi
                else:
                    buffers[nxt] = summed(state, old, gi, 5)
                continue
            # nxt waits from now on: as the top if it is the latest created, else in the heap
            nr = nxt._sequence_nr
            if type(nr) is not int:  # graph.SeveralOutputs: its gradients wait in slots
                _add_to_buffer(state, buffers, nxt, node._output_nrs[i], gi)
                gi = None
            if top is not None and nr > top_nr:
                if top_g is not None:
                    buffers[top] = top_g
                heappush(heap, (-top_nr, top))
                if top_nr > waiting:
                    waiting = top_nr
            elif top is not None or waiting > nr:
                if gi is not None:
                    buffers[nxt] = gi
                heappush(heap, (-nr, nxt))
                if nr > waiting:
                    waiting = nr
                continue
            top, top_nr, top_g = nxt, nr, gi


def _add_to_buffer(state: _Pass, buffers: dict, node, output_nr: int, g) -> None:
    if type(node._sequence_nr) is not int:  # several outputs (Node._multi, without its call)
        slots = buffers.get(node)
        if slots is None:
            slots = buffers[node] = [None] * node._primitive.n_outputs
        old = slots[output_nr]
        slots[output_nr] = g if old is None else old + g
    else:
        old = buffers.get(node)
        buffers[node] = g if old is None else summed(state, old, g, 5)


def _run_node_reporting(state: _Pass, node, g) -> None:
    """_run_node in anomaly mode: any error while running a node is preceded by torch's warning
    naming the node."""
    try:
        _run_node(state, node, g)
    except Exception:
        warn_error_detected(node)
        raise


def _run_node(state: _Pass, node, g) -> None:
    """Run one node that received gradient ``g``, with everything a node may need."""
    grads = _node_grads(state, node, g)
    if grads is None:
        return
    buffers = state.buffers
    needed = state.needed
    for nxt, nr, gi in zip(node._next, node._output_nrs, grads):
        if nxt is None or gi is None or (needed is not None and nxt not in needed):
            continue
        if type(nxt._sequence_nr) is not int:  # several outputs (Node._multi, without its call)
            _add_to_buffer(state, buffers, nxt, nr, gi)
        else:
            old = buffers.get(nxt)
            buffers[nxt] = gi if old is None else summed(state, old, gi, 5)


def _node_grads(state: _Pass, node, g):
    """What ``node`` hands on to its next_functions, one gradient per edge, after its hooks; None
    when it hands on nothing (an accumulator, or a node that does not run)."""
    if node._pre_hooks is not None or node._retained is not None or state.captures \
            or type(node) is AccumulateGrad:
        g = run_pre_hooks(state, node, g)
    if type(node) is AccumulateGrad:
        accumulate(state, node, g)
        if node._hooks:
            run_post_hooks(state, node, (), g)  # an accumulator has no inputs: its grad_inputs are ()
        return None
    needed = state.needed
    if needed is not None and node not in needed:
        return None  # nothing wanted lies beyond this node: torch does not run it either
    if node._multi and all(x is None for x in g):
        return None
    if node._released or node._versions:
        check_saved(node)
    prim = node._primitive
    if state.create_graph:
        grads = _formula(node, g, True)
    else:
        grads = prim.backward(_arrays, g, node._arrays, node._out, node._params, node._needs)
    if node._hooks:
        grads = run_post_hooks(state, node, grads, g)
    if _anomaly["enabled"] and _anomaly["check_nan"]:
        check_nan(node, grads)
    if node._mixed:
        grads = [None if gi is None else _match_input(gi, x) for gi, x in zip(grads, node._inputs)]
    if not state.retain_graph and prim.saves and not node._saved_nothing:
        node._release()  # after the cast above: it reads the inputs
    return grads


def _formula(node, g, create_graph: bool):
    prim = node._primitive
    needs = node._needs
    if create_graph:
        from gradrepl.engine.ops.primitive import ARRAYS_ARE_OPERANDS

        inputs = formula_inputs(node)
        if not isinstance(g, list):
            g = g if isinstance(g, Tensor) else new_tensor(g)
        out = _saved_output(node) if prim.uses_output else None
        ARRAYS_ARE_OPERANDS[0] += 1  # the formulas' own numpy masks and weights (operand())
        try:
            return prim.backward(backends.tensors, g, inputs, out, node._params, needs)
        finally:
            ARRAYS_ARE_OPERANDS[0] -= 1
    return prim.backward(backends.arrays, g, node._arrays, node._out, node._params, needs)


def _saved_output(node) -> Tensor:
    """The node's output as torch unpacks a saved output: the same values, with this node as its
    grad_fn, so that differentiating through it again meets this node, not a copy of it."""
    out = new_tensor(node._out)
    out.grad_fn = node
    out._requires_grad = True
    return out


def _match_input(g, x):
    """Cast a gradient to its input's dtype, as torch does at every edge."""
    if isinstance(g, Tensor):
        return g if g.dtype is x.dtype else g.to(x.dtype)
    want = x._data.dtype
    if g.dtype != want:
        return np.asarray(g).astype(want)
    return g
