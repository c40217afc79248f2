"""Which nodes a backward pass can reach from its roots, and in which order torch runs them.

The general walk (autograd.py: create_graph, inputs=, autograd.grad, anomaly mode) finds every
reachable node first and sorts them; the plain walk orders nodes as gradients reach them and
asks for the reachable set only when a hook calls ``will_execute``.
"""

from __future__ import annotations

import operator


def _discover(state, root_nodes: list) -> list:
    """Every node reachable from the roots, in the order torch's engine would run them.

    torch runs, among the nodes whose consumers have all run, the most recently created first.
    A node is always created after the nodes of its inputs, so that is simply decreasing creation
    order over the whole graph: one sort replaces a ready queue and dependency counts.
    """
    seen = _reachable(root_nodes)
    if state.needed is not None:
        state.needed = _leading_to(seen, state.needed)
    state.reachable = seen
    order = list(seen)
    order.sort(key=_creation_order, reverse=True)
    return order


_creation_order = operator.attrgetter("_sequence_nr")  # in C: no Python call per node


def _reachable(root_nodes: list) -> set:
    """Every node reachable from the roots through next_functions, the roots included."""
    seen = set(root_nodes)
    add = seen.add
    stack = list(seen)
    push, pop = stack.append, stack.pop
    while stack:
        for nxt in pop()._next:
            if nxt is not None and nxt not in seen:
                add(nxt)
                push(nxt)
    return seen


def _leading_to(nodes: set, targets: set) -> set:
    """The nodes from which some target can be reached (targets included)."""
    needed = set(targets)
    # Reverse edges once, then walk back from the targets.
    parents: dict = {}
    for node in nodes:
        for nxt in node._next:
            if nxt is not None:
                parents.setdefault(nxt, []).append(node)
    stack = list(targets)
    while stack:
        node = stack.pop()
        for parent in parents.get(node, ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed
