"""What the completion menu says about each candidate: ``function``, ``method sum(dim=None,
keepdim=False, *, dtype=None) -> Tensor``, ``property``, ``Tensor``, ``keyword`` ...

Nothing is called and no property is evaluated: an attribute of an instance is looked up statically
on its class, and torch names take their signature from the help table.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import types
from typing import Callable, Mapping

from gradrepl.repl.completer import MISSING


def _static(owner: object, name: str) -> object:
    try:
        if isinstance(owner, (type, types.ModuleType)):
            return getattr(owner, name)
        return inspect.getattr_static(owner, name)
    except Exception:
        return MISSING


def _torch_signature(owner: object, name: str, value: object) -> str | None:
    from gradrepl.repl.help import _is_tensor_class, _name_by_identity, _torch_modules
    from gradrepl.torch import docs

    if owner is not MISSING and (_is_tensor_class(owner) or _is_tensor_class(type(owner))):
        doc = docs.lookup(f"torch.Tensor.{name}")
    elif owner is not MISSING and _torch_modules(owner):
        doc = docs.lookup(f"{_torch_modules(owner)}.{name}")
    else:
        torch_name = _name_by_identity(value)
        doc = docs.lookup(torch_name) if torch_name else None
    return doc.signature if doc is not None else None


def _kind(value: object, owner: object) -> str:
    if isinstance(value, property) or type(value).__name__ == "getset_descriptor":
        return "property"
    if isinstance(value, (staticmethod, classmethod)):
        return "method"
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "method" if owner is not MISSING and not isinstance(owner, types.ModuleType) else "function"
    return "attribute" if value is None else type(value).__name__


def describe_candidate(name: str, owner: object, namespace: Mapping[str, object]) -> tuple[str, Callable[[], str]]:
    """(``callable`` or ``other``, a function giving the meta text) for one completion candidate."""
    if owner is MISSING:
        value = namespace.get(name, getattr(builtins, name, MISSING))
        if value is MISSING and keyword.iskeyword(name):
            return "other", lambda: "keyword"
    else:
        value = _static(owner, name)
    kind = _kind(value, owner) if value is not MISSING else ""
    marked = "callable" if kind in ("function", "method") else "other"

    def meta() -> str:
        try:
            signature = _torch_signature(owner, name, value)
        except Exception:
            signature = None
        # a property's entry has no call signature, only its name
        return f"{kind} {signature}" if signature and "(" in signature else kind

    return marked, meta
