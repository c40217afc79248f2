"""Errors that name a gradrepl method's Python type where PyTorch names its C type.

torch's Tensor methods and most torch functions are C built-ins, gradrepl's Python functions
(gradrepl/torch/_builtins.py says why and which). So a learner's slip reads differently:
``x.exp.sum()`` raises "'function' object has no attribute 'sum'" and ``x.size[0]`` "'method' object
is not subscriptable", where torch says 'builtin_function_or_method' in both. The session puts
torch's type name back:

- an AttributeError carries the object (``exc.obj``): it is rewritten when that is a gradrepl
  stand-in for a torch built-in;
- a TypeError carries no object, so the line that raised it is read: only when an attribute chain
  on it (``x.size``, ``torch.exp``) names such a stand-in, evaluated by attribute lookups alone in
  the cell's namespace, and the message names that stand-in's Python type, is the type renamed.
"""

from __future__ import annotations

import ast
import re
import traceback
import types
from typing import Optional

# a name or an attribute chain on it (x, x.size, torch.exp)
_CHAIN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\s*\.\s*[A-Za-z_][A-Za-z_0-9]*)*")


def torch_type_message(exc: BaseException, message: str, is_cell: callable) -> Optional[str]:
    """``message`` with torch's type name, or None when the error is not about a stand-in."""
    if isinstance(exc, AttributeError):
        return _attribute_error(exc, message)
    if isinstance(exc, TypeError):
        return _type_error(exc, message, is_cell)
    return None


def _rename(message: str, python_type: str) -> str:
    from gradrepl.torch._builtins import TYPE_NAME

    message = message.replace(f"'{python_type}'", f"'{TYPE_NAME}'")
    # torch's argument parser names the type unquoted: "must be Tensor, not builtin_function_or_method"
    return re.sub(rf"((?:must be [^,]+, not |but got )){python_type}$", rf"\g<1>{TYPE_NAME}", message)


def _names_python_type(message: str, python_type: str) -> bool:
    return f"'{python_type}'" in message or re.search(rf"(, not |but got ){python_type}$", message) is not None


def _attribute_error(exc: AttributeError, message: str) -> Optional[str]:
    obj = getattr(exc, "obj", None)
    if not isinstance(obj, types.FunctionType) or not (obj.__module__ or "").startswith("gradrepl."):
        return None
    from gradrepl.torch._builtins import is_torch_builtin

    python_name = f"'{type(obj).__name__}' object"
    if not is_torch_builtin(obj) or not message.startswith(python_name):
        return None
    return _rename(message, type(obj).__name__)


def _type_error(exc: TypeError, message: str, is_cell) -> Optional[str]:
    if not any(_names_python_type(message, python_type) for python_type in ("method", "function")):
        return None
    frame, line = _learners_line(exc, message, is_cell)
    if frame is None:
        return None
    for chain in _CHAIN.findall(line):
        if "." in chain and chain.rpartition(".")[2].strip() not in _torch_names():
            continue  # only attribute chains ending in a torch name are looked up; a plain name
            # (a parameter bound to x.abs) is a dictionary lookup
        python_type = _stand_in_type(chain, frame.f_globals, frame.f_locals)
        if python_type and _names_python_type(message, python_type):
            return _rename(message, python_type)
    return None


def _learners_line(exc: TypeError, message: str, is_cell):
    """The frame and line of the cell that raised ``exc``: the last frame, or, for the argument
    parser's "must be Tensor, not method" raised inside gradrepl's torch, the last cell frame that
    called it (``torch.exp(x.exp)``). Any other error raised inside a library is not the learner's slip."""
    entries = list(zip(traceback.extract_tb(exc.__traceback__), traceback.walk_tb(exc.__traceback__)))
    if not entries:
        return None, None
    if not is_cell(entries[-1][0].filename):
        if not re.search(r"(must be [^,]+, not |but got )(method|function)$", message):
            return None, None
        entries = [entry for entry in entries if is_cell(entry[0].filename)]
    if not entries or not entries[-1][0].line:
        return None, None
    summary, (frame, _) = entries[-1]
    return frame, summary.line


def _torch_names() -> frozenset:
    from gradrepl.engine.torch_names import BUILTIN_FUNCTIONS, TENSOR_METHODS

    return TENSOR_METHODS | {key.rpartition(".")[2] for key in BUILTIN_FUNCTIONS}


def _stand_in_type(chain: str, global_names: dict, local_names: dict) -> Optional[str]:
    """'method' or 'function' when ``chain`` (``x.size``) names a gradrepl stand-in for a torch
    built-in; looked up attribute by attribute, never calling anything."""
    try:
        tree = ast.parse(chain, mode="eval").body
    except SyntaxError:
        return None
    names = []
    while isinstance(tree, ast.Attribute):
        names.append(tree.attr)
        tree = tree.value
    if not isinstance(tree, ast.Name):
        return None
    missing = object()
    value = local_names.get(tree.id, global_names.get(tree.id, missing))
    for name in reversed(names):
        if value is missing:
            return None
        try:
            value = getattr(value, name, missing)
        except Exception:  # a property that fails: not ours to evaluate
            return None
    if value is missing:
        return None
    from gradrepl.torch._builtins import builtin_look

    return type(value).__name__ if builtin_look(value) is not None else None
