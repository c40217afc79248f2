"""``obj?``, ``?obj`` and ``help(obj)`` in the shell: the help texts of ``gradrepl.torch.docs`` for
torch names, Python's own docstrings for everything else, through a pager when they do not fit.

Help is looked up by the torch name of what was asked for: the name typed (``x.sum`` on a tensor
is ``torch.Tensor.sum``) or, for ``help(obj)``, the object itself. Internals (private names,
dunders, the engine's helpers) are never listed.
"""

from __future__ import annotations

import functools
import inspect
import re
import types

from gradrepl.repl.completer import MISSING, resolve_dotted
from gradrepl.repl.pager import page

_QUOTED_ANNOTATION = re.compile(r"""(->\s*|:\s*)['"]([\w.\[\], ]+)['"]""")


def _torch_modules(obj: object) -> str | None:
    """``torch`` or ``torch.autograd`` for gradrepl's torch modules (or real torch's), else None."""
    if not isinstance(obj, types.ModuleType):
        return None
    name = obj.__name__
    for prefix in ("gradrepl.torch", "torch"):
        if name == prefix or name.startswith(prefix + "."):
            return "torch" + name[len(prefix):]
    return None


def _is_tensor_class(obj: object) -> bool:
    return isinstance(obj, type) and obj.__name__ == "Tensor" and _owner_is_torch(obj)


def _owner_is_torch(obj: object) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in ("gradrepl", "torch")


def torch_name(path: str, namespace) -> str | None:
    """The torch name of the dotted path the user typed, when it names something of torch's."""
    owner_path, _, attr = path.rpartition(".")
    if not owner_path:
        obj = resolve_dotted(path, namespace)
        if _is_tensor_class(obj):
            return "torch.Tensor"
        return _name_by_identity(obj)
    owner = resolve_dotted(owner_path, namespace)
    module = _torch_modules(owner)
    if module is not None:
        return f"{module}.{attr}"
    if _is_tensor_class(owner) or _is_tensor_class(type(owner)):
        return f"torch.Tensor.{attr}"
    return _name_by_identity(resolve_dotted(path, namespace))


def _name_by_identity(obj: object) -> str | None:
    """``help(obj)`` has only the object: find which documented torch name it is."""
    from gradrepl.torch import docs

    if obj is MISSING or obj is None:
        return None
    if _is_tensor_class(obj):
        return "torch.Tensor"
    if _is_tensor_class(type(obj)):
        return None  # a tensor value: described as a value
    name = getattr(obj, "__name__", None)
    if not isinstance(name, str) or not _owner_is_torch(obj):
        return None
    if _is_tensor_class(type(getattr(obj, "__self__", None))):  # help(x.sum): a tensor's bound method
        return f"torch.Tensor.{name}" if docs.lookup(f"torch.Tensor.{name}") else None
    module = getattr(obj, "__module__", "") or ""
    home = "torch" + module[len("gradrepl.torch"):] if module.startswith("gradrepl.torch") else "torch"
    for candidate in (f"{home}.{name}", f"torch.{name}", f"torch.autograd.{name}", f"torch.Tensor.{name}"):
        if docs.lookup(candidate) is not None:
            return candidate
    return None


def clean_signature(obj: object) -> str | None:
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None
    return _QUOTED_ANNOTATION.sub(lambda m: m.group(1) + m.group(2), signature)


def _value_lines(obj: object) -> list[str]:
    lines = [f"Type:        {type(obj).__name__}"]
    form = repr(obj)
    if len(form) > 200:
        form = form[:200] + "..."
    lines.append(f"String form: {form}".replace("\n", "\n             "))
    if hasattr(obj, "__len__") and not isinstance(obj, (str, bytes)):
        try:
            lines.append(f"Length:      {len(obj)}")
        except Exception:
            pass
    return lines


def _tensor_members() -> str:
    """The public methods and attributes of Tensor, each with the first line of its help."""
    from gradrepl.torch import Tensor, docs

    rows = []
    for name in sorted(n for n in dir(Tensor) if not n.startswith("_")):
        doc = docs.lookup(f"torch.Tensor.{name}")
        if doc is not None:
            rows.append(f"  {name:<20}{doc.text.splitlines()[0]}")
    return "Documented methods and attributes (x.name? for each):\n" + "\n".join(rows)


def describe(path: str, obj: object, namespace) -> str:
    """IPython-style help for what ``path`` names: signature, docstring and type."""
    from gradrepl.torch import docs

    name = torch_name(path, namespace)
    doc = docs.lookup(name) if name else None
    if doc is not None and not _is_tensor_class(type(obj)):
        # As IPython does, the signature is named as it was typed: `x.backward(...)`, `torch.sum(...)`.
        typed_owner = path.rpartition(".")[0]
        signature = f"{typed_owner}.{doc.signature}" if typed_owner else doc.signature
        lines = [f"Signature:   {signature}" if doc.signature != "Tensor" else "Class:       torch.Tensor",
                 "Docstring:", doc.render()]
        if _is_tensor_class(obj):
            lines += ["", _tensor_members()]
        lines.append(f"Type:        {type(obj).__name__}")
        return "\n".join(lines)
    if _is_tensor_class(type(obj)):
        tensor_doc = docs.lookup("torch.Tensor")
        return "\n".join(_value_lines(obj) + ["Docstring:", tensor_doc.text, "", "Try x.backward?, x.grad? or help(torch.Tensor)."])
    if _is_instance_of_torch_class(obj):
        return "\n".join(_instance_lines(path, obj))
    lines = [] if callable(obj) or isinstance(obj, types.ModuleType) else _value_lines(obj)
    if callable(obj):
        signature = clean_signature(obj)
        if signature is not None:
            lines.append(f"Signature:   {path.rsplit('.', 1)[-1]}{signature}")
    text = _own_doc(obj)
    lines.append("Docstring:\n" + text if text else "Docstring:   <no docstring>")
    if callable(obj) or isinstance(obj, types.ModuleType):
        lines.append(f"Type:        {type(obj).__name__}")
    return "\n".join(lines)


def _own_doc(obj: object) -> str | None:
    """The docstring of ``obj`` itself: a class without one has none, where ``inspect.getdoc`` would
    show its base class's (``help(torch.optim.Adam)`` saying "Base class of the optimizers")."""
    if isinstance(obj, type):
        own = obj.__dict__.get("__doc__")
        return inspect.cleandoc(own) if isinstance(own, str) else None
    return inspect.getdoc(obj)


def _is_instance_of_torch_class(obj: object) -> bool:
    """A layer, a loss, an optimizer, a data loader, the user's own nn.Module...: an object of a
    torch class or of a subclass of one, not a class, function, module or tensor."""
    kinds = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
             types.BuiltinMethodType, functools.partial)
    if isinstance(obj, kinds) or any(_is_tensor_class(k) for k in type(obj).__mro__):
        return False
    return any(_owner_is_torch(k) for k in type(obj).__mro__[:-1])


def _instance_lines(path: str, obj: object) -> list[str]:
    """What the object is, how to call it (a module: its forward's arguments), and its class's help."""
    lines = _value_lines(obj)
    forward = getattr(type(obj), "forward", None)
    if callable(obj) and forward is not None:
        signature = clean_signature(forward)
        if signature is not None:
            signature = re.sub(r"^\(self,? ?", "(", signature)
            lines.append(f"Call signature: {path}{signature}")
    text = _own_doc(type(obj))
    lines.append("Docstring:\n" + text if text else "Docstring:   <no docstring>")
    return lines


def show_help(shell, path: str) -> None:
    """``obj?``: the help for a dotted name typed by the user."""
    obj = resolve_dotted(path, shell.namespace)
    if obj is MISSING:
        print(f"Object `{path}` not found.")
        return
    page(shell, describe(path, obj, shell.namespace))


GUIDE = """\
Help in gradrepl:
  obj? or help(obj)   what obj is, its signature, what it does and an example (torch.tensor?, x.backward?)
  %lsmagic            the magics (%who, %whos, %graph, %save ...)
  Tab                 completes names; the menu shows what each one is
Lessons run as on PyTorch 2.13: `torch` is already imported."""


def _variable_name(obj: object, namespace) -> str | None:
    """The user's name for ``obj`` (``help(loss_fn)`` shows ``loss_fn(input, target)``)."""
    for name, value in namespace.items():
        if value is obj and not name.startswith("_"):
            return name
    return None


def make_help(shell):
    """The ``help`` builtin of the shell's namespace."""
    import pydoc

    def help(*args, **kwargs):
        if not args and not kwargs:
            print(GUIDE)
            return None
        obj = args[0] if args else None
        if isinstance(obj, str):
            found = resolve_dotted(obj, shell.namespace) if re.fullmatch(r"[A-Za-z_][\w.]*", obj) else MISSING
            if found is MISSING:
                return pydoc.help(*args, **kwargs)
            path, obj = obj, found
        else:
            path = (_name_by_identity(obj) or getattr(obj, "__name__", None) or _variable_name(obj, shell.namespace)
                    or type(obj).__name__)
        page(shell, describe(path, obj, shell.namespace))
        return None

    return help
