"""``grad_fn._saved_<name>`` as torch answers it: the tensors an op saved for its backward, by
the names torch's formulas use (``self``, ``other``, ``result``), and its non-tensor arguments.

A tensor the node did not save for the gradients wanted here reads as None (``(x.detach() *
w).grad_fn._saved_other``), as in torch; after a backward without ``retain_graph`` a saved
tensor raises torch's error (the arguments stay readable). A saved input is the input itself
(``y.grad_fn._saved_self is x``); a Python number operand is the 0-d tensor torch wraps it in
(``(x * 2).grad_fn._saved_other`` is ``tensor(2)``); a saved output is a new tensor with this
node as its grad_fn, as torch unpacks one. Not yet: the sizes, strides and counts torch also
saves (``_saved_self_sym_sizes`` of sum, ``_saved_alpha`` of add).
"""

from __future__ import annotations

# where gradrepl's row names an argument otherwise than torch's formula does: row name -> torch's
_TORCH_NAMES = {
    "MmBackward0": {"other": "mat2"},
    "BmmBackward0": {"other": "mat2"},
    "MvBackward0": {"other": "vec"},
    "DotBackward0": {"other": "tensor"},
    "PowBackward1": {"other": "exponent"},
    "PowBackward2": {"self": "exponent", "base": "self"},
}


def saved_names(node) -> tuple:
    """The ``_saved_*`` names (without the prefix) a node answers."""
    prim = node._primitive
    if prim is None:
        return ()
    return tuple(_names(node, prim))


def _names(node, prim) -> dict:
    """torch's name -> ("input", position) / ("result", None) / ("param", position)."""
    renamed = _TORCH_NAMES.get(prim.grad_fn_name, {})
    found = {}
    for name in prim.saved_names():
        if name == "result":
            found["result"] = ("result", None)
        else:
            found[renamed.get(name, name)] = ("input", prim.inputs.index(name))
    for i, name in enumerate(prim.params):
        found.setdefault(renamed.get(name, name), ("param", i))
    return found


def saved_attribute(node, name: str):
    """``(value,)`` for ``node._saved_<name>``, or None when the op saves nothing so named."""
    prim = node._primitive
    if prim is None:
        return None
    kind, position = _names(node, prim).get(name, (None, None))
    if kind is None:
        return None
    if kind == "param":
        params = node._params
        return (params[position] if position < len(params) else None,)
    if node._released:
        from gradrepl.engine.graph import BACKWARD_TWICE

        raise RuntimeError(BACKWARD_TWICE)
    indices, result, _ = prim.saved(node._needs or (True,) * len(prim.inputs))
    if kind == "result":
        if not result:
            return (None,)
        from gradrepl.engine.autograd import _saved_output

        return (_saved_output(node),)
    if position not in indices:
        return (None,)
    value = node._inputs[position] if position < len(node._inputs) else None
    if value is None and node._arrays and type(node._arrays[position]) in (bool, int, float):
        value = node._arrays[position]  # a number the short path kept only among the arrays
    if type(value) in (bool, int, float):
        from gradrepl.engine.factories import tensor

        return (tensor(value) if type(value) is not float else tensor(value, dtype=_float64()),)
    return (value,)


def _float64():
    from gradrepl.engine.dtypes import float64

    return float64
