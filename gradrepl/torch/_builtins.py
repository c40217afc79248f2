"""How torch shows the callables it writes in C, for the gradrepl callables that stand in for them.

torch's Tensor methods and most ``torch.*`` functions are C functions: ``x.exp`` is a
``builtin_function_or_method`` that prints as ``<built-in method exp of Tensor object at 0x...>``,
and a learner who forgets the parentheses (``x.exp.sum()``) reads "'builtin_function_or_method'
object has no attribute 'sum'". gradrepl's are Python functions, so Python names them 'function'
and 'method'. Making them anything else would cost every method call (a descriptor per method:
~190 ns a call, rejected), so the session, which owns what the learner sees, asks here instead:
``builtin_look(obj)`` says whether real torch's counterpart of ``obj`` is a C built-in and how it
shows. Which of torch's callables are built-ins is recorded from torch (engine/torch_names.py).
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Optional

TYPE_NAME = "builtin_function_or_method"

# the gradrepl namespaces whose functions stand in for torch's, by the name torch gives them
_NAMESPACES = ("torch", "torch.linalg", "torch.nn.functional", "torch.special")


@dataclass(frozen=True)
class BuiltinLook:
    """One torch built-in: ``exp`` qualified as ``Tensor.exp`` (a method) or as
    ``torch._VariableFunctionsClass.exp`` / ``torch._C._linalg.linalg_inv`` (a function), with
    torch's repr of it (``{address}`` where it shows one)."""

    name: str
    qualified: str
    repr_template: str

    def repr(self, address: int) -> str:
        return self.repr_template.format(address=f"{address:#x}")

    def pretty(self) -> str:
        """IPython's text for it: ``<function Tensor.exp>``, ``<function torch._C._linalg.linalg_inv>``."""
        return f"<function {self.qualified}>"


def builtin_look(obj) -> Optional[BuiltinLook]:
    """How real torch shows its counterpart of ``obj`` if that is a C built-in, else None.

    ``obj`` is a bound Tensor method (``x.exp``) or a gradrepl function (``torch.exp``). A function
    that also stands for one torch writes in Python (gradrepl's F.max_pool2d is its torch.max_pool2d)
    keeps Python's look: learners reach it through F far more often."""
    if isinstance(obj, types.MethodType):
        from gradrepl.engine.tensor import Tensor

        if not isinstance(obj.__self__, Tensor):
            return None
        names = _index().methods.get(id(obj.__func__))
        return _method_look(obj.__func__, names) if names else None
    if not _is_ours(obj):
        return None
    index = _index()
    keys = index.functions.get(id(obj))
    if not keys or id(obj) in index.python:
        return None
    from gradrepl.engine.torch_names import BUILTIN_FUNCTIONS

    key = _preferred(obj, keys)
    return BuiltinLook(key.rpartition(".")[2], *BUILTIN_FUNCTIONS[key])


def is_torch_builtin(function) -> bool:
    """Is ``function`` (as an AttributeError names it: the function behind ``x.exp`` or ``torch.exp``
    itself) a C built-in in torch? A Tensor method first: ``x.sum.item()`` is the usual slip."""
    if not _is_ours(function):
        return False
    index = _index()
    if id(function) in index.methods:
        return True
    return id(function) in index.functions and id(function) not in index.python


def _is_ours(obj) -> bool:
    return isinstance(obj, types.FunctionType) and (obj.__module__ or "").startswith("gradrepl.")


def _method_look(func, names) -> BuiltinLook:
    name = _preferred(func, names)
    return BuiltinLook(name, f"Tensor.{name}", f"<built-in method {name} of Tensor object at {{address}}>")


def _preferred(func, names: tuple) -> str:
    """Of the names one function serves (abs, absolute), its own, else the first declared."""
    own = getattr(func, "__name__", "")
    return next((n for n in names if n.rpartition(".")[2] == own), names[0])


@dataclass(frozen=True)
class _Index:
    functions: dict  # id -> the torch.<ns>.<name> keys of torch built-ins the function stands for
    python: frozenset  # ids of functions that also stand for one torch writes in Python
    methods: dict  # id -> the Tensor method names torch writes in C that the function serves


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    """Built once, on first need, from gradrepl's namespaces and torch's recorded names."""
    import importlib

    from gradrepl.engine.tensor import Tensor
    from gradrepl.engine import torch_names

    members = {"torch": torch_names.TORCH_MEMBERS, "torch.nn.functional": torch_names.FUNCTIONAL_MEMBERS}
    functions: dict = {}
    python = set()
    for namespace in _NAMESPACES:
        try:
            module = importlib.import_module("gradrepl." + namespace)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if not isinstance(value, types.FunctionType) or name.startswith("_"):
                continue
            key = f"{namespace}.{name}"
            if key in torch_names.BUILTIN_FUNCTIONS:
                functions.setdefault(id(value), []).append(key)
            elif name in members.get(namespace, ()):
                python.add(id(value))
    methods: dict = {}
    for name, value in vars(Tensor).items():
        if isinstance(value, types.FunctionType) and name in torch_names.TENSOR_METHODS \
                and name not in torch_names.TENSOR_PYTHON_METHODS:
            methods.setdefault(id(value), []).append(name)
    return _Index({k: tuple(v) for k, v in functions.items()}, frozenset(python),
                  {k: tuple(v) for k, v in methods.items()})
