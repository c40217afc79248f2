"""What ops with several results return: torch.return_types' named tuples, and recording a node
that has several outputs (``aminmax``, ``var_mean``) or a differentiable first output beside an
index output (``sort``, ``topk``, ``cummax`` ...)."""

from __future__ import annotations

import functools

from gradrepl.engine.ops.primitive import wrap
from gradrepl.engine.tensor import new_tensor


class _NamedResult(tuple):
    """A torch.return_types tuple: fields by name, printed one per line as torch prints them."""

    __slots__ = ()
    _fields: tuple = ()

    def __new__(cls, *values):
        return super().__new__(cls, values)

    def __repr__(self) -> str:
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"


def return_type(name: str, fields=("values", "indices")):
    namespace = {"__slots__": (), "_fields": tuple(fields)}
    for i, field in enumerate(fields):
        namespace[field] = property(lambda self, i=i: self[i])
    cls = type(name, (_NamedResult,), namespace)
    cls.__module__ = "torch.return_types"
    cls.__qualname__ = name
    return cls


@functools.lru_cache(maxsize=None)
def out_type(cls):
    """What the op returns given ``out=``: torch.return_types.sort_out for sort, and so on."""
    return return_type(cls.__name__ + "_out", cls._fields)


RETURN_TYPES = {name: return_type(name) for name in (
    "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax", "cummin")}
RETURN_TYPES["aminmax"] = return_type("aminmax", ("min", "max"))


def record_outputs(prim, outputs, inputs, params=(), differentiable=None):
    """Tensors for ``outputs`` (arrays), the first ``differentiable`` of them (all by default)
    sharing one node of ``prim`` when recording; the rest (indices) are plain tensors."""
    differentiable = len(outputs) if differentiable is None else differentiable
    first = wrap(prim, outputs[0], inputs, params)
    node = first.grad_fn
    if node is not None and differentiable > 1:
        node._multi = node._special = True
    results = [first]
    for i, array in enumerate(outputs[1:], start=1):
        result = new_tensor(array)
        if node is not None and i < differentiable:
            result._requires_grad = True
            result.grad_fn = node
            result._output_nr = i
        results.append(result)
    return results
