"""IPython's plain-text pretty printer, rule for rule, without importing IPython.

Jupyter's ``text/plain`` for a cell's value comes from ``IPython.lib.pretty``: a Wadler-style printer
that lays out groups on one line when they fit in 79 columns and breaks the outermost groups first
when they do not. Lessons print lists of tensors, dicts of gradients and tuples like
``(<AccumulateGrad at 0x...>, 0)``, so the line breaking must be the same, not merely similar.

The layout engine lives in ``layout.py``. ``Printer.pretty`` chooses a printer per object exactly as
IPython's ``RepresentationPrinter`` does: singletons, then the first class in the MRO that has a
registered printer, ``_repr_pretty_``, or its own ``__repr__``, else ``<module.Class at 0x...>``.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import types

from gradrepl.session.layout import MAX_WIDTH, Layout

_BUILTIN_MODULES = (None, "__builtin__", "builtins", "exceptions")


def pretty(obj, max_width: int = MAX_WIDTH) -> str:
    """The text IPython's PlainTextFormatter shows for ``obj``."""
    stream = io.StringIO()
    printer = Printer(stream, max_width)
    printer.pretty(obj)
    printer.flush()
    return stream.getvalue()


# --- choosing a printer per object -------------------------------------------------------------


def _safe_getattr(obj, attr, default=None):
    try:
        return getattr(obj, attr, default)
    except Exception:
        return default


def _mro(cls) -> tuple:
    return _safe_getattr(cls, "__mro__", None) or (cls,)


class Printer(Layout):
    """IPython's RepresentationPrinter: ``p.pretty(obj)``, ``p.text``, ``p.breakable``, ``p.group``.

    Objects with a ``_repr_pretty_(p, cycle)`` method receive this printer, so its method names are
    IPython's.
    """

    verbose = False

    def __init__(self, stream, max_width: int = MAX_WIDTH):
        super().__init__(stream, max_width)
        self.stack: list[int] = []
        self.type_printers = dict(_TYPE_PRINTERS)
        self.deferred_printers = dict(_DEFERRED_PRINTERS)

    def pretty(self, obj) -> None:
        obj_id = id(obj)
        cycle = obj_id in self.stack
        self.stack.append(obj_id)
        self.begin_group()
        try:
            if obj_id in _SINGLETON_IDS:
                return _repr_printer(obj, self, cycle)
            cls = _safe_getattr(obj, "__class__", None) or type(obj)
            for klass in _mro(cls):
                if klass in self.type_printers:
                    return self.type_printers[klass](obj, self, cycle)
                printer = self._deferred(klass)
                if printer is not None:
                    return printer(obj, self, cycle)
                if "_repr_pretty_" in klass.__dict__:
                    method = klass._repr_pretty_
                    if callable(method):
                        return method(obj, self, cycle)
                if klass is not object and callable(klass.__dict__.get("__repr__")):
                    return _repr_printer(obj, self, cycle)
            return _default_printer(obj, self, cycle)
        finally:
            self.end_group()
            self.stack.pop()

    def _deferred(self, cls):
        key = (_safe_getattr(cls, "__module__"), _safe_getattr(cls, "__name__"))
        printer = self.deferred_printers.pop(key, None)
        if printer is not None:
            self.type_printers[cls] = printer
        return printer


def _repr_printer(obj, p: Printer, cycle: bool) -> None:
    """The object's own repr, its lines joined by hard breaks at the current indentation."""
    with p.group():
        for idx, line in enumerate(repr(obj).splitlines()):
            if idx:
                p.break_()
            p.text(line)


def _default_printer(obj, p: Printer, cycle: bool) -> None:
    """``<module.Class at 0x...>`` for objects that keep object's own repr."""
    cls = _safe_getattr(obj, "__class__", None) or type(obj)
    if _safe_getattr(cls, "__repr__", None) is not object.__repr__:
        _repr_printer(obj, p, cycle)
        return
    p.begin_group(1, "<")
    p.pretty(cls)
    p.text(" at 0x%x" % id(obj))
    if cycle:
        p.text(" ...")
    p.end_group(1, ">")


def _sequence_printer(start: str, end: str):
    def print_sequence(obj, p: Printer, cycle: bool) -> None:
        if cycle:
            return p.text(start + "..." + end)
        p.begin_group(len(start), start)
        for idx, item in p.enumerate_limited(obj):
            if idx:
                p.text(",")
                p.breakable()
            p.pretty(item)
        if len(obj) == 1 and isinstance(obj, tuple):
            p.text(",")
        p.end_group(len(start), end)

    return print_sequence


def _sorted_for_display(items) -> list:
    items = list(items)
    try:
        return sorted(items)
    except Exception:
        try:
            return sorted(items, key=str)
        except Exception:
            return items


def _set_printer(start: str, end: str):
    def print_set(obj, p: Printer, cycle: bool) -> None:
        if cycle:
            return p.text(start + "..." + end)
        if len(obj) == 0:
            p.text(type(obj).__name__ + "()")
            return
        p.begin_group(len(start), start)
        # Sets show sorted, but only while small enough that sorting is cheap.
        items = obj if (p.max_seq_length and len(obj) >= p.max_seq_length) else _sorted_for_display(obj)
        for idx, item in p.enumerate_limited(items):
            if idx:
                p.text(",")
                p.breakable()
            p.pretty(item)
        p.end_group(len(start), end)

    return print_set


def _dict_printer(start: str, end: str):
    def print_dict(obj, p: Printer, cycle: bool) -> None:
        if cycle:
            return p.text("{...}")
        p.begin_group(len(start), start)
        for idx, key in p.enumerate_limited(obj.keys()):
            if idx:
                p.text(",")
                p.breakable()
            p.pretty(key)
            p.text(": ")
            p.pretty(obj[key])
        p.end_group(len(start), end)

    return print_dict


def _type_printer(obj, p: Printer, cycle: bool) -> None:
    """Classes show as ``module.QualName`` (``torch.Tensor``), builtins by bare name."""
    # A metaclass with its own __repr__ wins, as in IPython.
    if [m for m in _mro(type(obj)) if "__repr__" in vars(m)][:1] != [type]:
        _repr_printer(obj, p, cycle)
        return
    module = _safe_getattr(obj, "__module__", None)
    try:
        name = obj.__qualname__
        if not isinstance(name, str):
            raise TypeError
    except Exception:
        name = obj.__name__
        if not isinstance(name, str):
            name = "<unknown type>"
    p.text(name if module in _BUILTIN_MODULES else module + "." + name)


# torch's Tensor methods and most torch functions are C built-ins, which IPython shows as
# ``<function Tensor.item>`` and ``<function torch._VariableFunctionsClass.exp>`` (a learner who forgot
# the parentheses sees that); gradrepl's are Python functions: gradrepl.torch._builtins says how
# torch shows each one. Torch's own Python functions (x.backward, F.relu) keep Python's forms.


def _torch_builtin(obj):
    """torch's look for a gradrepl stand-in of a torch C built-in, else None (no import for others)."""
    func = _safe_getattr(obj, "__func__", obj)
    if not (_safe_getattr(func, "__module__", None) or "").startswith("gradrepl."):
        return None
    from gradrepl.torch._builtins import builtin_look

    return builtin_look(obj)


def _method_printer(obj, p: Printer, cycle: bool) -> None:
    look = _torch_builtin(obj)
    if look is not None:
        p.text(look.pretty())
        return
    _repr_printer(obj, p, cycle)


def _function_printer(obj, p: Printer, cycle: bool) -> None:
    look = _torch_builtin(obj) if type(obj) is types.FunctionType else None
    if look is not None:
        p.text(look.pretty())
        return
    name = _safe_getattr(obj, "__qualname__", obj.__name__)
    module = obj.__module__
    if module and module not in _BUILTIN_MODULES:
        name = module + "." + name
    from inspect import signature  # only functions need it; keeps ``import gradrepl.session`` light

    try:
        name += str(signature(obj))
    except (ValueError, TypeError):
        pass
    p.text("<function %s>" % name)


class _CallExpression:
    """Prints ``name(arg, key=value)`` with IPython's breaking, for exceptions and collections."""

    def __init__(self, name: str, *args, **kwargs):
        self.name, self.args, self.kwargs = name, args, kwargs

    def _repr_pretty_(self, p: Printer, cycle: bool) -> None:
        started = False

        def separate():
            nonlocal started
            if started:
                p.text(",")
                p.breakable()
            started = True

        prefix = self.name + "("
        with p.group(len(prefix), prefix, ")"):
            for arg in self.args:
                separate()
                p.pretty(arg)
            for arg_name, arg in self.kwargs.items():
                separate()
                with p.group(len(arg_name) + 1, arg_name + "="):
                    p.pretty(arg)


class _RawText:
    def __init__(self, value: str):
        self.value = value

    def _repr_pretty_(self, p: Printer, cycle: bool) -> None:
        p.text(self.value)


class _RawStringLiteral:
    def __init__(self, value: str):
        self.value = value

    def _repr_pretty_(self, p: Printer, cycle: bool) -> None:
        p.text("r" + repr(self.value).replace("\\\\", "\\"))


class _ReFlags:
    _NAMES = ("TEMPLATE", "IGNORECASE", "LOCALE", "MULTILINE", "DOTALL", "UNICODE", "VERBOSE", "DEBUG")

    def __init__(self, value: int):
        self.value = value

    def _repr_pretty_(self, p: Printer, cycle: bool) -> None:
        p.text("|".join("re." + flag for flag in self._NAMES if self.value & getattr(re, flag, 0)))


def _exception_printer(obj, p: Printer, cycle: bool) -> None:
    cls = obj.__class__
    name = getattr(cls, "__qualname__", cls.__name__)
    if cls.__module__ not in ("exceptions", "builtins"):
        name = f"{cls.__module__}.{name}"
    p.pretty(_CallExpression(name, *getattr(obj, "args", ())))


def _super_printer(obj, p: Printer, cycle: bool) -> None:
    p.begin_group(8, "<super: ")
    p.pretty(obj.__thisclass__)
    p.text(",")
    p.breakable()
    p.pretty(obj.__self__)
    p.end_group(8, ">")


def _pattern_printer(obj, p: Printer, cycle: bool) -> None:
    args = [_RawStringLiteral(obj.pattern)]
    if obj.flags:
        args.append(_ReFlags(obj.flags))
    p.pretty(_CallExpression("re.compile", *args))


def _namespace_printer(obj, p: Printer, cycle: bool) -> None:
    if cycle:
        p.pretty(_CallExpression("namespace", _RawText("...")))
    else:
        p.pretty(_CallExpression("namespace", **obj.__dict__))


def _collection_printer(make_args):
    """defaultdict, OrderedDict, deque, Counter, UserList show as a constructor call."""

    def print_collection(obj, p: Printer, cycle: bool) -> None:
        name = obj.__class__.__name__
        if cycle:
            p.pretty(_CallExpression(name, _RawText("...")))
        else:
            args, kwargs = make_args(obj)
            p.pretty(_CallExpression(name, *args, **kwargs))

    return print_collection


_TYPE_PRINTERS = {
    int: _repr_printer,
    float: _repr_printer,
    str: _repr_printer,
    tuple: _sequence_printer("(", ")"),
    list: _sequence_printer("[", "]"),
    dict: _dict_printer("{", "}"),
    set: _set_printer("{", "}"),
    frozenset: _set_printer("frozenset({", "})"),
    super: _super_printer,
    type(re.compile("")): _pattern_printer,
    type: _type_printer,
    types.FunctionType: _function_printer,
    types.BuiltinFunctionType: _function_printer,
    types.MethodType: _method_printer,
    types.SimpleNamespace: _namespace_printer,
    datetime.datetime: _repr_printer,
    datetime.timedelta: _repr_printer,
    BaseException: _exception_printer,
    types.MappingProxyType: _dict_printer("mappingproxy({", "})"),
    slice: _repr_printer,
    range: _repr_printer,
    bytes: _repr_printer,
}
if type(os.environ) is not dict:
    _TYPE_PRINTERS[type(os.environ)] = _dict_printer("environ{", "}")

_DEFERRED_PRINTERS = {
    ("collections", "defaultdict"): _collection_printer(lambda d: ((d.default_factory, dict(d)), {})),
    ("collections", "OrderedDict"): _collection_printer(lambda d: ((list(d.items()),) if len(d) else (), {})),
    ("collections", "deque"): _collection_printer(
        lambda d: ((list(d),), {"maxlen": d.maxlen} if d.maxlen is not None else {})
    ),
    ("collections", "Counter"): _collection_printer(lambda d: ((dict(d),) if len(d) else (), {})),
    ("collections", "UserList"): _collection_printer(lambda d: ((d.data,), {})),
}

_SINGLETON_IDS = frozenset(map(id, [None, True, False, Ellipsis, NotImplemented]))
