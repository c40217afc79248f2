"""``%graph EXPR``: the autograd graph behind a tensor, drawn as a text tree.

Only the public autograd surface is used (``grad_fn``, ``name()``, ``next_functions`` and
``AccumulateGrad.variable``), so the same drawing works on gradrepl's engine and on real torch.
"""

from __future__ import annotations

from typing import Mapping

_TEE, _ELBOW, _PIPE, _SPACE = "├── ", "└── ", "│   ", "    "


def _node_name(node: object) -> str:
    name = getattr(node, "name", None)
    if callable(name):
        try:
            # real torch names the leaf node `torch::autograd::AccumulateGrad`
            return name().rsplit("::", 1)[-1]
        except Exception:
            pass
    return type(node).__name__


def _variable_label(tensor: object, namespace: Mapping[str, object]) -> str:
    """``x  torch.Size([])``: the leaf's name in the user's namespace (if any) and its shape."""
    names = [k for k, v in namespace.items() if v is tensor and not k.startswith("_")]
    label = names[0] if names else "(unnamed leaf)"
    return f"{label}  {getattr(tensor, 'shape', '?')}"


def _label(node: object, namespace: Mapping[str, object]) -> str:
    name = _node_name(node)
    variable = getattr(node, "variable", None)
    if variable is not None:
        return f"{name}  {_variable_label(variable, namespace)}"
    return name


def _children(node: object) -> list[object]:
    return [fn for fn, _ in getattr(node, "next_functions", ()) or () if fn is not None]


def draw_graph(tensor: object, namespace: Mapping[str, object], expr: str = "") -> str:
    """The graph behind ``tensor`` as lines of text. Shared sub-graphs are drawn once and then
    referred to, so a graph that reuses a value many times stays small on screen."""
    grad_fn = getattr(tensor, "grad_fn", None)
    if grad_fn is None:
        if getattr(tensor, "requires_grad", False):
            return f"{expr or 'tensor'} is a leaf: AccumulateGrad  {_variable_label(tensor, namespace)}"
        return f"{expr or 'tensor'} has no grad_fn: it does not track gradients (requires_grad=False)"

    lines = [_label(grad_fn, namespace)]
    seen = {id(grad_fn)}
    # Iterative depth-first walk: deep graphs must not hit the recursion limit.
    kids = _children(grad_fn)
    stack = [(kids[i], "", i == len(kids) - 1) for i in range(len(kids) - 1, -1, -1)]
    while stack:
        node, prefix, last = stack.pop()
        branch = _ELBOW if last else _TEE
        label = _label(node, namespace)
        if id(node) in seen and _children(node):
            lines.append(f"{prefix}{branch}{label}  (shown above)")
            continue
        seen.add(id(node))
        lines.append(f"{prefix}{branch}{label}")
        kids = _children(node)
        child_prefix = prefix + (_SPACE if last else _PIPE)
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], child_prefix, i == len(kids) - 1))
    return "\n".join(lines)


def graph_of(expr: str, namespace: dict) -> str:
    """Evaluate ``expr`` in the namespace (the user typed it) and draw the graph of the result."""
    expr = expr.strip()
    if not expr:
        return "usage: %graph EXPR   (e.g. %graph y)"
    try:
        value = eval(expr, namespace)
    except Exception as exc:
        # a typo in the expression: report it as the prompt would, without eval's "<string>" frame
        raise exc.with_traceback(None) from None
    if not hasattr(value, "grad_fn"):
        kind = type(value).__name__
        return f"%graph: {expr} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not a tensor"
    return draw_graph(value, namespace, expr)
