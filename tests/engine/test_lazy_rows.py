"""An op row makes its backwards, node class and saved-tensor tables on first use, not at import
(derivatives.Primitive.__getattr__). What it makes late must be what it made at construction
before: a process with GRADREPL_EAGER_ROWS=1 makes everything eagerly, and every row's
description (generated backward sources, node class name/module/attributes, what is saved) must
equal the lazy process's once that one has made everything too."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from gradrepl.engine.ops.derivatives import Primitive, parameter_names

# every module that declares rows: the engine, and torch.nn / optim that load on first use
_IMPORTS = ("import gradrepl.torch, gradrepl.torch.nn, gradrepl.torch.nn.functional, "
            "gradrepl.torch.optim, gradrepl.torch.autograd")

_DESCRIBE = _IMPORTS + """
import gc, json
from gradrepl.engine.ops.derivatives import Primitive, _Unmade, all_needs

def name_of(value):
    if callable(value) and not isinstance(value, type):
        return "callable " + getattr(value, "__qualname__", type(value).__name__)
    return repr(value)

def describe(row):
    unset = [n for n in ("backward", "backward_arrays", "step")
             if row.derivatives and type(getattr(row, n)) is _Unmade]
    unsettled = type(row) is not Primitive
    row.make_all()
    assert type(row) is Primitive
    assert type(row.backward) is not _Unmade and type(row.backward_arrays) is not _Unmade
    assert type(row.step) is not _Unmade
    cls = row.node_class
    out = {
        "name": row.name, "grad_fn_name": row.grad_fn_name, "inputs": list(row.inputs),
        "params": list(row.params),
        "class": [cls.__name__, cls.__qualname__, cls.__module__,
                  [b.__name__ for b in cls.__mro__],
                  sorted((k, name_of(v)) for k, v in vars(cls).items()
                         if k not in ("__dict__", "__weakref__", "__doc__"))],
        "grad_fn": str(cls.__new__(cls).name()) if hasattr(cls, "name") else None,
        "saves": [row.saves, row.uses_output, list(row.unary_saved),
                  [[list(p) for p in a] for a in row.binary_saved], row.may_save_nothing],
        "saved_names": [list(row.saved_names(needs))
                        for needs in all_needs(max(len(row.inputs), 1))],
    }
    for attr in ("backward", "backward_arrays", "step"):
        fn = getattr(row, attr)
        out[attr] = [getattr(fn, "source", None), fn.__qualname__,
                     getattr(getattr(fn, "__code__", None), "co_filename", None)]
    return out, (unset, unsettled)

rows = [o for o in gc.get_objects() if issubclass(type(o), Primitive)]
described = [describe(r) for r in rows]
print(json.dumps({"rows": [d for d, _ in described],
                  "lazy_at_import": sum(1 for _, (unset, _) in described if unset),
                  "unsettled_at_import": sum(1 for _, (_, unsettled) in described if unsettled),
                  "with_derivatives": sum(1 for r in rows if r.derivatives)}))
"""


def _describe(eager: bool) -> dict:
    env = dict(os.environ)
    env.pop("GRADREPL_EAGER_ROWS", None)
    if eager:
        env["GRADREPL_EAGER_ROWS"] = "1"
    out = subprocess.run([sys.executable, "-c", _DESCRIBE], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def both():
    return _describe(eager=False), _describe(eager=True)


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


def test_lazy_rows_make_what_eager_rows_made(both):
    lazy, eager = both
    assert len(lazy["rows"]) > 200
    lazy_rows, eager_rows = Counter(map(_key, lazy["rows"])), Counter(map(_key, eager["rows"]))
    only_lazy, only_eager = lazy_rows - eager_rows, eager_rows - lazy_rows
    assert not only_lazy and not only_eager, (list(only_lazy)[:2], list(only_eager)[:2])


def test_import_leaves_most_backwards_uncompiled(both):
    """The point of being lazy: a row's backward is compiled when a backward first needs it.
    (A few rows are read at import, e.g. in-place renames that reuse another row's backward.)"""
    lazy, eager = both
    assert lazy["lazy_at_import"] > 0.9 * lazy["with_derivatives"]
    assert lazy["unsettled_at_import"] > 0.9 * len(lazy["rows"])
    assert eager["lazy_at_import"] == eager["unsettled_at_import"] == 0


def _rows():
    import gc

    import gradrepl.torch.nn.functional  # noqa: F401  (declares the rows)

    # type(), not isinstance: that would read __class__ of every object, real torch's included
    return [o for o in gc.get_objects() if issubclass(type(o), Primitive)]


def test_parameter_names_is_inspect_s():
    """The code-object shortcut lists what inspect.signature lists, for every derivative."""
    derivatives = [d for row in _rows() for d in row.derivatives.values()]
    assert len(derivatives) > 150
    for derivative in derivatives:
        assert parameter_names(derivative) == tuple(inspect.signature(derivative).parameters)


def test_parameter_names_falls_back_for_other_callables():
    import functools

    def wrapped(grad, self, *rest, dim=0, **options):
        return grad

    @functools.wraps(wrapped)
    def wrapper(*args, **kwargs):
        return wrapped(*args, **kwargs)

    partial = functools.partial(lambda grad, self, dim: grad, dim=1)
    for function in (wrapped, wrapper, partial, lambda grad, *, dim: grad, max):
        try:
            expected = tuple(inspect.signature(function).parameters)
        except ValueError:
            continue
        assert parameter_names(function) == expected
