"""The op registry: every op gradrepl supports, declared once, and every surface derived from it.

An ``Op`` says how users reach an op: ``torch.<name>``, ``Tensor.<name>``, the in-place
``Tensor.<name>_`` (and ``torch.<name>_`` where real torch has one), aliases (``absolute`` for
``abs``) and Python operators (``x + y``). The rows it records (``Primitive``, derivatives.py) say
what it computes and how it differentiates. From the registry come:

- the ``gradrepl.torch`` namespace (``torch_functions``),
- the Tensor methods and operators (``tensor_methods``, ``tensor_operators``),
- the README's and docs/ops.md's list of supported ops (``scripts/generate_op_docs.py``),
- the drift tests (tests/engine/test_registry.py).

See docs/ops.md for a worked example of adding an op.
"""

from __future__ import annotations

from gradrepl.engine.errors import NotAnOperand, python_type_name

from dataclasses import dataclass, field
from typing import Callable

# README / docs sections, in the order they are listed
SECTIONS = (
    "arithmetic", "elementwise", "comparison", "reduction", "extrema", "shape", "combine",
    "indexing", "linear algebra", "neural network", "sampling", "copies",
)

# How an operator calls its op (the left operand is always the tensor ``self``):
CALL = "call"  # op(self, other): x + 1, and 1 + x for add and mul (torch puts the tensor first)
CHECKED = "checked"  # op(self, other), or NotImplemented when other is no tensor or number
REFLECTED = "reflected"  # op(other, self): 1 / x, 2 ** x
INPLACE = "inplace"  # the in-place op: x += 1
UNARY = "unary"  # op(self): -x, abs(x)


@dataclass
class Op:
    """One op and the ways users reach it (see the module docstring)."""

    name: str
    function: Callable  # torch.<name>(input, ...)
    section: str
    rows: tuple = ()  # the Primitives it may record: their grad_fn names are what users see
    in_torch: bool = True  # torch.<name> exists (Tensor-only ops such as view say False)
    method: Callable | bool = True  # Tensor.<name>: True for `function` itself, or its own callable
    inplace: Callable | None = None  # Tensor.<name>_ (and torch.<name>_ where torch has one)
    aliases: tuple = ()  # other names torch gives the same op, with the same variants
    operators: dict = field(default_factory=dict)  # dunder -> CALL, REFLECTED ... or a callable
    summary: str = ""  # one line for the docs
    out: int | tuple = 0  # torch.<name> takes out=: how many results (True: one, (1, 2): by overload)
    out_needs: tuple | None = None  # (position, name) of the argument out= needs (sum's dim)
    out_dtype: object = "cast"  # how torch checks a wrong-dtype out (ops/out.py: a policy or an OutDtype)
    inplace_rows: tuple = ()  # rows only the in-place form records (x.eq_(y): EqBackward0/1, torch.eq none)

    @property
    def grad_fn_names(self) -> tuple:
        return tuple(dict.fromkeys(row.grad_fn_name for row in self.rows))

    @property
    def inplace_grad_fn_names(self) -> tuple:
        """What ``Tensor.<name>_`` records: its own rows where it has them, else the op's."""
        rows = self.inplace_rows or self.rows
        return tuple(dict.fromkeys(row.grad_fn_name for row in rows))

    @property
    def names(self) -> tuple:
        return (self.name,) + tuple(self.aliases)

    def method_callable(self):
        if self.method is True:
            # Tensor methods take no out=: the op without the registry's out= wrapper
            return getattr(self.function, "__wrapped_op__", self.function)
        return self.method or None


OPS: dict[str, Op] = {}


def register(name: str, function: Callable, *, section: str, rows=(), in_torch=True,
             method=True, inplace=None, aliases=(), operators=None, summary="", out=False,
             out_dtype="cast", out_needs=None, inplace_rows=(), differentiable=True,
             out_resize_warns=True, out_autograd_name=None, out_composite=False) -> Op:
    """Declare an op. Registering a name twice is a mistake, so it raises.

    ``out=True``: torch.<name> accepts ``out=``; the registry wraps the function to honour it
    (ops/out.py), so an op never handles the keyword itself. ``differentiable=False``: torch has
    no derivative for the op (argmax, comparisons, nonzero, multinomial), so its out= also takes
    inputs that require grad. ``out_resize_warns=False``: torch resizes its out= silently.
    ``out_autograd_name``: the op whose out= form torch's autograd check names, for a composite
    that writes ``out`` through another op (torch.diff's is ``sub``). ``out_composite``: torch
    computes the op from others and copies the result into ``out`` (``CopyBackwards``), so
    inputs that require grad are allowed (quantile)."""
    if name in OPS:
        raise ValueError(f"op {name!r} is registered twice")
    if inplace_rows and inplace is None:
        raise ValueError(f"op {name!r}: inplace_rows without an in-place form")
    if section not in SECTIONS:
        raise ValueError(f"op {name!r}: unknown section {section!r} (one of {SECTIONS})")
    summary = summary or _first_line(function)
    if out:
        from gradrepl.engine.ops.out import with_out

        # rows torch records without a derivative record under out= too
        not_implemented = bool(rows) and all(row.grad_fn_name == "NotImplemented" for row in rows)
        function = with_out(name, function, results=out if isinstance(out, tuple) else int(out),
                            dtype_rule=out_dtype, needs=out_needs, differentiable=differentiable,
                            warns_on_resize=out_resize_warns, not_implemented=not_implemented,
                            autograd_name=out_autograd_name, composite=out_composite)
    op = Op(name, function, section, tuple(rows), in_torch, method, inplace, tuple(aliases),
            dict(operators or {}), summary, out, out_needs, out_dtype, tuple(inplace_rows))
    for surface, surface_name in ((function, name), (op.method_callable(), name), (inplace, name + "_")):
        _name_after_op(surface, surface_name)
    OPS[name] = op
    return op


def _name_after_op(function, name: str) -> None:
    """A function made by a factory (``elementwise_op.<locals>.function``) takes its op's name, so
    that Python's own words about it (``exp() got an unexpected keyword argument``, ``<function exp
    at 0x...>``) name the op as the user wrote it."""
    if callable(function) and "<" in getattr(function, "__qualname__", "<"):
        try:
            function.__name__ = function.__qualname__ = name
        except (AttributeError, TypeError):
            pass  # not a Python function (a bound method, a C callable): it keeps its name


def op(name: str | None = None, **declaration):
    """``register`` as a decorator: ``@op(section="arithmetic", rows=(ADD,))`` over ``def add``."""
    def decorate(function):
        register(name or function.__name__, function, **declaration)
        return function
    return decorate


def _first_line(function) -> str:
    doc = (getattr(function, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


# ---------------------------------------------------------------------------------------------
# The surfaces, derived


# numpy's names that torch's argument parser takes for two parameters of every native function
# (python_arg_parser.cpp, numpy_compatibility_arg_names): x.sum(axis=1, keepdims=True)
NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}
_WITH_NUMPY_NAMES: dict = {}
_ABSENT = object()  # an argument the call did not pass (with_numpy_names' wrappers)
# the surfaces torch writes in Python (torch/functional.py, torch/_tensor.py), which its parser's
# numpy names do not reach: torch.norm(x, dim=1, keepdims=True) is a TypeError
_WRITTEN_IN_PYTHON = {("function", "norm"), ("method", "norm"), ("function", "split"),
                      ("method", "split"), ("function", "unique"), ("method", "unique"),
                      ("method", "unflatten")}


def surface(function, name: str, kind: str):
    """What ``torch.<name>`` (kind "function") or ``Tensor.<name>`` ("method") is for an op's
    callable: with numpy's names unless torch writes that surface in Python."""
    if (kind, name) in _WRITTEN_IN_PYTHON:
        return function
    return with_numpy_names(function)


def with_numpy_names(function):
    """``function`` also taking ``axis=`` for its ``dim`` and ``keepdims=`` for its ``keepdim``
    (itself when it has neither parameter)."""
    if function in _WITH_NUMPY_NAMES:
        return _WITH_NUMPY_NAMES[function]
    import functools
    import inspect

    from gradrepl.engine.keywords import InvalidArguments

    parameters = _parameter_name_set(function)
    if parameters is None:
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
    aliases = {alias: name for alias, name in NUMPY_NAMES.items() if name in parameters}
    wrapped = function
    if aliases:
        @functools.wraps(function)
        def wrapped(_first=_ABSENT, _second=_ABSENT, /, *args, **kwargs):
            # the first two arguments by position (x.mean(), x.sum(1)), passed on in a plain
            # call when they are all there is: CPython 3.11 runs that call in the same
            # evaluation loop, where a call with * and ** takes the generic C route
            if not args and not kwargs:
                try:  # (free in CPython 3.11 unless it raises)
                    if _second is not _ABSENT:
                        return function(_first, _second)
                    return function() if _first is _ABSENT else function(_first)
                except AttributeError:
                    # torch.sum([a, b]): the engine met a list where a tensor goes
                    refuse_non_tensor(function.__name__, _first, _second)
                    raise
            # (with more than two by position, both slots are filled)
            args = (_first, _second, *args) if _second is not _ABSENT else \
                () if _first is _ABSENT else (_first,)
            if not kwargs or kwargs.keys().isdisjoint(aliases):
                try:
                    return function(*args, **kwargs)
                except AttributeError:
                    refuse_non_tensor(function.__name__, *args, **kwargs)
                    raise
            given, as_written = list(kwargs), dict(kwargs)
            for alias in kwargs.keys() & aliases:
                name = aliases[alias]
                if name in kwargs:  # torch's parser matched the name: the alias is extra
                    raise TypeError(f"{function.__name__}() got an unexpected keyword "
                                    f"argument '{alias}'")
                kwargs[name] = kwargs.pop(alias)
            try:
                return function(*args, **kwargs)
            except AttributeError:
                refuse_non_tensor(function.__name__, *args, **as_written)
                raise
            except InvalidArguments as error:  # torch's parser lists the keywords as written
                written = {name: alias for alias, name in aliases.items() if alias in given}
                renamed = {written.get(k, k): v for k, v in error.kwargs.items()}
                ordered = {**{k: renamed[k] for k in given if k in renamed}, **renamed}
                raise InvalidArguments(error.name, error.args_, ordered, error.method) from None
            except TypeError as error:
                unknown = _unexpected_keyword(error, function.__name__)
                if unknown not in given:
                    raise
                # another keyword is unknown too: torch's parser then names the first keyword,
                # in the call's order, that is not one of its own names, numpy's included
                # (np.sum(tensor) passes axis=, dtype=, out=)
                first = next(k for k in given if k == unknown or k in aliases)
                raise TypeError(f"{function.__name__}() got an unexpected keyword argument "
                                f"'{first}'") from None
    _WITH_NUMPY_NAMES[function] = wrapped
    return wrapped


_FUNCTION = type(surface)


def refuse_non_tensor(name: str, first=_ABSENT, *rest, **kwargs) -> None:
    """torch's argument parser's words for a call whose input is no tensor (``torch.sum([a, b])``,
    ``torch.mean(3)``), which reached the engine as an AttributeError; nothing when it is one."""
    from gradrepl.engine.tensor import Tensor

    if first is _ABSENT or isinstance(first, Tensor):
        return
    from gradrepl.engine.keywords import InvalidArguments
    from gradrepl.engine.torch_signatures import SIGNATURES

    args = (first,) + tuple(arg for arg in rest if arg is not _ABSENT)
    if name in SIGNATURES:
        raise InvalidArguments(name, args, kwargs, method=False) from None
    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                    f"{python_type_name(first)}") from None


def _parameter_name_set(function):
    """The names ``inspect.signature(function).parameters`` lists, as a set, read from the code
    object of a plain function (inspect's route costs ~25 us, and the engine's import asks for
    ~500 surfaces); None for anything else (a wrapper, a ``__signature__``, a builtin), which
    inspect decides. *args and **kwargs are named after the positional and keyword-only
    parameters in ``co_varnames``."""
    if type(function) is not _FUNCTION:
        return None
    attributes = function.__dict__
    if "__wrapped__" in attributes or "__signature__" in attributes:
        return None
    code = function.__code__
    count = code.co_argcount + code.co_kwonlyargcount
    count += (code.co_flags & 0x04 != 0) + (code.co_flags & 0x08 != 0)  # CO_VARARGS, CO_VARKEYWORDS
    return set(code.co_varnames[:count])


def _unexpected_keyword(error: TypeError, name: str):
    """The keyword a "name() got an unexpected keyword argument 'k'" error names, else None."""
    prefix = f"{name}() got an unexpected keyword argument '"
    text = str(error)
    return text[len(prefix):-1] if text.startswith(prefix) and text.endswith("'") else None


def torch_functions(torch_members=None) -> dict:
    """``torch.<name>`` for every op (aliases and ``torch.<name>_`` included)."""
    if torch_members is None:
        from gradrepl.engine.torch_names import TORCH_MEMBERS as torch_members
    functions = {}
    for entry in OPS.values():
        for name in entry.names:
            if entry.in_torch:
                functions[name] = _refusing_non_tensors(surface(entry.function, name, "function"), name)
            # torch has only some in-place functions (torch.exp_, not torch.add_): follow it
            if entry.inplace is not None and name + "_" in torch_members:
                functions[name + "_"] = _refusing_non_tensors(entry.inplace, name + "_")
    return functions


def refusing_non_tensors(function):
    """Decorator: ``function`` (a ``torch.nn.functional`` one, outside the registry) giving
    torch's TypeError for an input that is no tensor, as ``torch_functions``' surfaces do."""
    return _refusing_non_tensors(function, function.__name__)


def _refusing_non_tensors(function, name: str):
    """``torch.<name>`` giving torch's TypeError for an input that is no tensor (``torch.t([1,
    2])``) where the engine would meet it as an AttributeError. The numpy-names and ``out=``
    wrappers check already (at no cost to a call that succeeds); any other function gets a
    wrapper that does, its help kept, in the words of the name called (``torch.arccos_``)."""
    if getattr(function, "__wrapped__", None) is not None:
        return function  # with_numpy_names' or with_out's wrapper (functools.wraps sets __wrapped__)
    import functools

    @functools.wraps(function)
    def refusing(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except AttributeError:
            refuse_non_tensor(name, *args, **kwargs)
            raise
    return refusing


def tensor_methods() -> dict:
    """``Tensor.<name>`` and ``Tensor.<name>_`` for every op."""
    methods = {}
    for entry in OPS.values():
        method = entry.method_callable()
        for name in entry.names:
            if method is not None:
                methods[name] = surface(method, name, "method")
            if entry.inplace is not None:
                methods[name + "_"] = surface(entry.inplace, name + "_", "method")
    return methods


def tensor_operators(operand) -> dict:
    """The Python operators (``__add__`` ...) of every op; ``operand`` converts the other side."""
    operators = {}
    for entry in OPS.values():
        for dunder, kind in entry.operators.items():
            if dunder in operators:
                raise ValueError(f"operator {dunder} is declared by two ops")
            operators[dunder] = _operator(entry, kind, operand)
    return operators


def _operator(entry: Op, kind, operand):
    if callable(kind):
        return kind
    func = entry.function
    if kind == CALL:
        return func
    if kind == UNARY:
        return lambda self: func(self)
    if kind == INPLACE:
        inplace = entry.inplace

        def inplace_operator(self, other):
            try:
                return inplace(self, other)
            except NotAnOperand:
                # Python then tries x = x + other: t += ndarray is numpy's sum (operand())
                return NotImplemented
        return inplace_operator
    if kind in (CHECKED, REFLECTED):
        reflected = kind == REFLECTED

        def method(self, other):
            try:
                other = operand(other)
            except TypeError:
                return NotImplemented  # Python then tries the other side, or raises its TypeError
            return func(other, self) if reflected else func(self, other)
        return method
    raise ValueError(f"op {entry.name!r}: unknown operator kind {kind!r}")
