"""``grad_fn._saved_<name>`` as torch answers it: the tensors an op saved for its backward, by
the names torch's formulas use (``self``, ``other``, ``result``), and its non-tensor arguments.

A tensor the node did not save for the gradients wanted here reads as None (``(x.detach() *
w).grad_fn._saved_other``), as in torch; after a backward without ``retain_graph`` a saved
tensor raises torch's error (the arguments stay readable). A saved input is the input itself
(``y.grad_fn._saved_self is x``); a Python number operand is the 0-d tensor torch wraps it in
(``(x * 2).grad_fn._saved_other`` is ``tensor(2)``); a saved output is a new tensor with this
node as its grad_fn, as torch unpacks one. The sizes, strides and counts torch keeps
(``_saved_self_sym_sizes`` of sum, mean, view, mm ...) and add's ``_saved_alpha`` answer for
the nodes in ``_KEPT`` / ``_ALPHA_ONE``; ``_raw_saved_<name>`` is a SavedTensor that prints as
torch's.
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


# what torch keeps of an input beside (or instead of) the tensor: its sizes (derivatives.yaml's
# self.sym_sizes()), its number of elements, its strides; node name -> ((torch's name, input
# position, what), ...)
_SIZES = ("self_sym_sizes", 0, "sizes")
_KEPT = {
    "SumBackward0": (_SIZES,), "SumBackward1": (_SIZES,),
    "MeanBackward0": (_SIZES, ("self_sym_numel", 0, "numel")),
    "MeanBackward1": (_SIZES, ("self_sym_numel", 0, "numel")),
    "ViewBackward0": (_SIZES,), "ExpandBackward0": (_SIZES,), "SqueezeBackward0": (_SIZES,),
    "MmBackward0": (("mat2_sym_sizes", 1, "sizes"), ("mat2_sym_strides", 1, "strides"),
                    _SIZES, ("self_sym_strides", 0, "strides")),
}
# torch's add and sub nodes keep alpha even where the call gave none (AddBackward0 of x + 2)
_ALPHA_ONE = ("AddBackward0", "SubBackward0")
# arguments gradrepl's row keeps that torch's node does not save: node name -> names
_NOT_SAVED = {"SumBackward1": ("dtype",), "MseLossBackward0": ("no_param",)}
# a loss's reduction as torch's node keeps it: ATen's Reduction enum
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def saved_names(node) -> tuple:
    """The ``_saved_*`` names (without the prefix) a node answers; ``_raw_saved_*`` for those
    that are tensors."""
    prim = node._primitive
    if prim is None:
        return ()
    return tuple(_names(node, prim))


def raw_saved_names(node) -> tuple:
    """The names torch answers as ``_raw_saved_<name>`` (its SavedTensor objects)."""
    prim = node._primitive
    if prim is None:
        return ()
    return tuple(name for name, (kind, _) in _names(node, prim).items() if kind in ("input", "result"))


class SavedTensor:
    """What ``grad_fn._raw_saved_<name>`` gives: torch's SavedTensor, here only its printed
    form (``<torch._C._autograd.SavedTensor object at 0x...>``). Its hooks and unpacking are
    not there (use ``_saved_<name>``)."""

    __slots__ = ()


SavedTensor.__module__ = "torch._C._autograd"


def raw_saved_attribute(node, name: str):
    """``(SavedTensor,)`` for ``node._raw_saved_<name>``, or None when torch has no such."""
    return (SavedTensor(),) if name in raw_saved_names(node) else None


def _names(node, prim) -> dict:
    """torch's name -> ("input", position) / ("result", None) / ("param", position)."""
    renamed = _TORCH_NAMES.get(prim.grad_fn_name, {})
    found = {}
    for name in prim.saved_names():
        if name == "result":
            found["result"] = ("result", None)
        else:
            found[renamed.get(name, name)] = ("input", prim.inputs.index(name))
    not_saved = _NOT_SAVED.get(prim.grad_fn_name, ())
    for i, name in enumerate(prim.params):
        if name not in not_saved:
            found.setdefault(renamed.get(name, name), ("param", i))
    if prim.grad_fn_name in _ALPHA_ONE:
        found.setdefault("alpha", ("one", None))
    for name, position, what in _KEPT.get(prim.grad_fn_name, ()):
        found[name] = (what, position)
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
        value = params[position] if position < len(params) else None
        return (_REDUCTIONS.get(value, value) if name == "reduction" else value,)
    if kind == "one":
        return (1,)
    if kind in ("sizes", "numel", "strides"):
        return (_kept(node, position, kind),)
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


def _kept(node, position: int, what: str):
    """An input's sizes, number of elements or strides, which torch keeps even once backward
    freed the saved tensors. Strides only for an input whose gradient is wanted (mm's mat2
    strides of a mat2 that does not require grad are ``()``, as in torch); sizes always."""
    needs = node._needs
    if what == "strides" and needs and position < len(needs) and not needs[position]:
        return ()
    value = node._inputs[position] if position < len(node._inputs) else None
    if value is not None:
        if what == "strides":
            return value.stride()
        return tuple(value.shape) if what == "sizes" else value.numel()
    import numpy as np

    array = node._arrays[position]
    if what == "strides":
        from gradrepl.engine.ops.layout import element_strides

        return tuple(element_strides(array))
    return tuple(np.shape(array)) if what == "sizes" else int(np.size(array))
