"""The module's mirror of its tables (``module._Table``): ``model.weight`` found in the instance
``__dict__`` must be what torch's ``Module.__getattr__`` finds in ``_parameters``, ``_buffers``
and ``_modules``, after every way of changing them.

The property test runs one random sequence of changes on a gradrepl module and on a torch module
side by side and compares, after each change, what every name reads as (or the error), the
tables, ``dir`` and the state dict's keys, on every module the sequence made (shallow copies
share their tables in both)."""

from __future__ import annotations

import copy
from collections import OrderedDict

import pytest
from hypothesis import example, given, settings, strategies as st

import gradrepl.torch as gt
from gradrepl.torch.nn.modules import module as module_py

NAMES = ("a", "b", "weight", "forward", "training")
TABLES = ("_parameters", "_buffers", "_modules")
KINDS = ("param", "none", "tensor", "module", "int")

_OPS = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(NAMES), st.sampled_from(KINDS)),
    st.tuples(st.just("del"), st.sampled_from(NAMES)),
    st.tuples(st.just("register_parameter"), st.sampled_from(NAMES),
              st.sampled_from(("param", "none", "tensor"))),
    st.tuples(st.just("register_buffer"), st.sampled_from(NAMES),
              st.sampled_from(("tensor", "none", "int")), st.booleans()),
    st.tuples(st.just("add_module"), st.sampled_from(NAMES), st.sampled_from(("module", "none"))),
    st.tuples(st.just("table_set"), st.sampled_from(TABLES), st.sampled_from(NAMES),
              st.sampled_from(KINDS)),
    st.tuples(st.just("table_del"), st.sampled_from(TABLES), st.sampled_from(NAMES)),
    st.tuples(st.just("table_pop"), st.sampled_from(TABLES), st.sampled_from(NAMES)),
    st.tuples(st.just("table_update"), st.sampled_from(TABLES), st.sampled_from(NAMES),
              st.sampled_from(KINDS)),
    st.tuples(st.just("table_setdefault"), st.sampled_from(TABLES), st.sampled_from(NAMES),
              st.sampled_from(KINDS)),
    st.tuples(st.just("table_clear"), st.sampled_from(TABLES)),
    st.tuples(st.just("table_popitem"), st.sampled_from(TABLES)),
    st.tuples(st.just("table_replace"), st.sampled_from(TABLES)),
    # (not None: written past __setattr__, the very object a table holds for the name is
    # indistinguishable from the mirror; reads agree, torch's dir() would list the name twice)
    st.tuples(st.just("own_attribute"), st.sampled_from(NAMES),
              st.sampled_from(("param", "tensor", "module", "int"))),
    st.tuples(st.just("copy")),
    st.tuples(st.just("deepcopy")),
    st.tuples(st.just("double")),
    st.tuples(st.just("load_state_dict")),
    st.tuples(st.just("init_again")),
)


class _World:
    """One library's side: the modules made so far and a label for every value handed out."""

    def __init__(self, torch):
        self.torch = torch
        nn = torch.nn

        class Net(nn.Module):
            def forward(self, x):
                return x

        self.Net = Net
        self.modules = [Net()]
        self.labels = {}
        self.kept = []

    def value(self, kind: str, label: int):
        torch = self.torch
        made = {"param": lambda: torch.nn.Parameter(torch.zeros(1)),
                "tensor": lambda: torch.zeros(1), "module": lambda: torch.nn.Identity(),
                "none": lambda: None, "int": lambda: label}[kind]()
        if made is not None and kind != "int":
            self.labels[id(made)] = f"{kind}{label}"
            self.kept.append(made)
        return made

    def label(self, value):
        if value is None or isinstance(value, (bool, int)):
            return repr(value)
        if callable(value) and hasattr(value, "__func__"):
            return "method " + value.__func__.__name__
        if id(value) in self.labels:
            return self.labels[id(value)]
        return type(value).__name__  # (copies: a deep copy's values are new objects)

    def apply(self, op, label: int) -> str:
        m = self.modules[-1]
        kind, *args = op
        if kind in ("double", "load_state_dict") and not self.well_typed(m):
            return "skipped"  # walking a table that holds junk fails in each library's own words
        try:
            if kind == "set":
                setattr(m, args[0], self.value(args[1], label))
            elif kind == "del":
                delattr(m, args[0])
            elif kind == "register_parameter":
                m.register_parameter(args[0], self.value(args[1], label))
            elif kind == "register_buffer":
                m.register_buffer(args[0], self.value(args[1], label), persistent=args[2])
            elif kind == "add_module":
                m.add_module(args[0], self.value(args[1], label))
            elif kind == "table_set":
                getattr(m, args[0])[args[1]] = self.value(args[2], label)
            elif kind == "table_del":
                del getattr(m, args[0])[args[1]]
            elif kind == "table_pop":
                return self.label(getattr(m, args[0]).pop(args[1], "missing"))
            elif kind == "table_update":
                getattr(m, args[0]).update({args[1]: self.value(args[2], label)})
            elif kind == "table_setdefault":
                return self.label(getattr(m, args[0]).setdefault(args[1], self.value(args[2], label)))
            elif kind == "table_clear":
                getattr(m, args[0]).clear()
            elif kind == "table_popitem":
                name, value = getattr(m, args[0]).popitem()
                return name + " " + self.label(value)
            elif kind == "table_replace":  # torch's Sequential renumbers into an OrderedDict
                setattr(m, args[0], OrderedDict(getattr(m, args[0])))
            elif kind == "own_attribute":  # an attribute of the instance itself, past __setattr__
                object.__setattr__(m, args[0], self.value(args[1], label))
            elif kind == "copy":
                self.modules.append(copy.copy(m))
            elif kind == "deepcopy":
                self.modules.append(copy.deepcopy(m))
            elif kind == "double":
                m.double()
            elif kind == "load_state_dict":
                return repr(m.load_state_dict(m.state_dict(), strict=False))
            elif kind == "init_again":
                self.torch.nn.Module.__init__(m)
        except Exception as error:  # the wording is compared
            return f"{type(error).__name__}: {error}"
        return "ok"

    def well_typed(self, m) -> bool:
        """Whether the tables hold what state_dict can walk (direct writes may put anything)."""
        nn = self.torch.nn
        kinds = zip(TABLES, (nn.Parameter, self.torch.Tensor, nn.Module))
        return all(v is None or isinstance(v, kind) for key, kind in kinds
                   for v in getattr(m, key).values())

    def view(self) -> list:
        seen = []
        for m in self.modules:
            reads = {}
            for name in NAMES:
                try:
                    reads[name] = self.label(getattr(m, name))
                except Exception as error:
                    reads[name] = f"{type(error).__name__}: {error}"
            tables = {key: ({name: self.label(v) for name, v in getattr(m, key).items()},
                            type(getattr(m, key)).__name__ == "OrderedDict")
                      for key in TABLES}
            seen.append((reads, tables, [n for n in dir(m) if n in NAMES],
                         list(m.state_dict()) if self.well_typed(m) else None))
        return seen


@pytest.mark.torch
@settings(max_examples=60, deadline=None)
@given(st.lists(_OPS, min_size=1, max_size=12))
# assigning keeps the name in the table assigned into (torch's remove_from skips it), so a class
# attribute's name already there passes register_parameter's check
@example(ops=[("table_set", "_parameters", "forward", "param"), ("set", "forward", "param")])
# an instance attribute that is the table's value too (None) is still the instance's: dir lists both
@example(ops=[("set", "a", "none"), ("table_set", "_parameters", "a", "none")])
# a name in two tables, then a deep copy: the copy mirrors it once, not as its own attribute
@example(ops=[("set", "a", "param"), ("table_set", "_buffers", "a", "param"), ("deepcopy",)])
def test_module_attributes_read_as_torchs_after_any_change(ops):
    torch = pytest.importorskip("torch")
    ours, theirs = _World(gt), _World(torch)
    for label, op in enumerate(ops):
        done = ours.apply(op, label), theirs.apply(op, label)
        assert done[0] == done[1], (op, done)
        assert ours.view() == theirs.view(), op


@pytest.mark.torch
def test_containers_read_as_torchs(same_output):
    def lesson(torch):
        nn = torch.nn
        seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
        seq.insert(1, nn.Identity())
        print(seq, getattr(seq, "1"), type(seq._modules).__name__)
        del seq[0]
        print(seq, getattr(seq, "0"), getattr(seq, "3", "gone"), type(seq._modules).__name__)
        seq.append(nn.ReLU())
        print(getattr(seq, "3"), seq[-1])
        mods = nn.ModuleList([nn.ReLU()])
        mods.insert(0, nn.Tanh())
        mods += [nn.Sigmoid()]
        print(mods, getattr(mods, "0"), getattr(mods, "2"))
        md = nn.ModuleDict({"act": nn.ReLU()})
        md["out"] = nn.Tanh()
        del md["act"]
        print(md.out, getattr(md, "act", "gone"))
        md.clear()
        print(getattr(md, "out", "gone"))
        plist = nn.ParameterList([nn.Parameter(torch.ones(1)), torch.zeros(2)])
        plist[0] = nn.Parameter(torch.full((1,), 3.0))
        print(getattr(plist, "0"), getattr(plist, "1"), plist)
        pdict = nn.ParameterDict({"w": nn.Parameter(torch.ones(1))})
        pdict["w"] = torch.zeros(1)
        del pdict["w"]
        print(getattr(pdict, "w", "gone"), "w" in dir(pdict))
        bn = nn.BatchNorm1d(2)
        bn.running_mean = torch.ones(2)
        print(bn.running_mean, bn.num_batches_tracked, bn.double().running_mean.dtype)
        print(bn.float().weight.dtype, bn.to(torch.float64).bias.dtype)
        layer = nn.Linear(2, 1)
        layer.load_state_dict({"weight": torch.ones(1, 2), "bias": torch.zeros(1)})
        print(layer.weight, layer(torch.ones(3, 2)))
        print([n for n in dir(layer) if n in ("weight", "bias", "in_features", "training")])
    same_output(lesson)


# ---------------------------------------------------------------------------------------------
# Without torch


def test_the_mirror_is_the_tables_and_reads_skip_getattr(monkeypatch):
    layer = gt.nn.Linear(3, 2)
    assert layer.__dict__["weight"] is layer._parameters["weight"]
    calls = []
    original = module_py.Module.__getattr__
    monkeypatch.setattr(module_py.Module, "__getattr__",
                        lambda self, name: calls.append(name) or original(self, name))
    layer(gt.ones(4, 3))
    assert layer.weight is layer._parameters["weight"] and calls == []
    shared = copy.copy(layer)  # shares the tables: no mirror of its own, read through __getattr__
    assert "weight" not in vars(shared) and shared.weight is layer.weight and calls == ["weight"]


def test_state_leaves_the_mirror_out_and_a_restored_module_mirrors_again():
    layer = gt.nn.Linear(3, 2)
    object.__setattr__(layer, "note", 1)
    state = layer.__getstate__()
    assert "weight" not in state and "bias" not in state and state["note"] == 1
    plain = {key: (dict(value) if key in TABLES else value) for key, value in state.items()}
    restored = gt.nn.Linear.__new__(gt.nn.Linear)
    restored.__setstate__(plain)  # as an unpickled module gets it: plain dicts
    assert restored.__dict__["weight"] is layer.weight and restored.bias is layer.bias
    restored.bias = None
    assert restored.bias is None and restored._parameters["bias"] is None
    assert layer.bias is not None
