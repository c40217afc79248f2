"""Our copy of IPython's plain-text pretty printer against IPython itself (skipped without IPython)."""

import collections
import re
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.session.pretty import pretty

ipython_pretty = pytest.importorskip("IPython.lib.pretty").pretty


class Plain:
    pass


class WithRepr:
    def __repr__(self):
        return "WithRepr(\n  multi-line\n)"


class WithPretty:
    def _repr_pretty_(self, p, cycle):
        with p.group(4, "Pty(", ")"):
            p.pretty([1, 2])
            p.text(",")
            p.breakable()
            p.text("x")


def func(a, b=2):
    return a


FIXED_CASES = [
    None, True, 1, 1.5, "text", b"bytes", [], (), {}, set(), frozenset(),
    (1,), [1, [2, [3]]], {"a": 1, "b": [1, 2]}, {3, 1, 2}, frozenset({"b", "a"}),
    list(range(40)), {i: "x" * i for i in range(12)}, tuple(range(30)),
    [list(range(15)), list(range(15)), "y" * 50],
    int, type(None), Plain, WithRepr(), WithPretty(), [WithRepr(), 1],
    func, len, ValueError("bad", 3), re.compile(r"\d+", re.IGNORECASE), range(3), slice(1, 2),
    types.SimpleNamespace(a=1, b=[2]), collections.OrderedDict(a=1), collections.Counter("aab"),
    collections.defaultdict(list, {"k": [1]}), collections.deque([1, 2], maxlen=3),
    list(range(1100)),
]


@pytest.mark.parametrize("value", FIXED_CASES, ids=lambda v: type(v).__name__)
def test_matches_ipython(value):
    assert pretty(value) == ipython_pretty(value)


def test_default_repr_shows_module_and_address():
    obj = Plain()
    assert re.fullmatch(r"<test_session_pretty\.Plain at 0x[0-9a-f]+>", pretty(obj))
    assert pretty(obj) == ipython_pretty(obj)


def test_cycles_match_ipython():
    items = [1, 2]
    items.append(items)
    mapping = {"a": 1}
    mapping["self"] = mapping
    assert pretty(items) == ipython_pretty(items)
    assert pretty(mapping) == ipython_pretty(mapping)


leaves = st.one_of(st.integers(-10**12, 10**12), st.text(max_size=20), st.floats(allow_nan=False), st.none(),
                   st.booleans())
nested = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=8),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=8), children, max_size=6),
    ),
    max_leaves=60,
)


@settings(max_examples=200, deadline=None)
@given(nested)
def test_nested_structures_match_ipython(value):
    assert pretty(value) == ipython_pretty(value)
