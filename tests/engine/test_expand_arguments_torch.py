"""x.expand's argument forms (sizes one by one, a tuple, a list, a torch.Size, size=, implicit=,
-1) and its refusals in torch's parser's words; live torch when installed (skipped without),
the main words also recorded below so that they are checked without it."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gt

CALLS = [
    "x.expand()", "x.expand(torch.Size([2, 3])).shape", "x.expand(-1, 3).shape",
    "x.expand([2, 3]).shape", "x.expand((4, 2, 3)).shape", "x.expand(2.0, 3)", "x.expand(2, 3.0)",
    "x.expand(None)", "x.expand(size=(2, 3)).shape", "x.expand(size=[4, 2, 3]).shape",
    "x.expand(2, 3, implicit=True).shape", "x.expand((2, 3), implicit=True).shape",
    "x.expand([2, 3], 3)", "x.expand(2, [3])", "x.expand(2, None)", "x.expand((2, 3.0))",
    "x.expand((2, None))", "x.expand(np.int64(2), 3).shape", "x.expand(torch.tensor(2), 3).shape",
    "x.expand(torch.tensor([2, 3]))", "x.expand(True, 3)", "x.expand('a')", "x.expand(sizes=(2, 3))",
    "x.expand(2, 3, foo=1)", "x.expand(size=(2, 3), implicit=1)", "x.expand(2, 3, implicit=None)",
    "x.expand(2, size=3)", "one.expand(-2, 3)", "one.expand(0, 3).shape", "one.expand(4, -1).shape",
    "one.expand(-1, -1).shape", "one.expand(2, -1, 3).shape", "one.expand(3)",
    "torch.ones(()).expand(()).shape", "torch.ones(()).expand()", "torch.ones(()).expand([]).shape",
    "torch.ones(()).expand(3).shape", "x.expand(torch.tensor(2.), 3)", "x.expand(2, torch.tensor(3.5))",
    "x.expand((True, 3))", "x.expand(True)", "x.expand((np.int64(2), 3)).shape",
    "x.expand((torch.tensor(2.), 3))", "x.expand(np.int32(2), np.int64(3)).shape", "x.expand(2, 3, 4)",
    "one.expand(-3, 1, 3)", "one.expand(2, -2)", "x.expand(2, 3, implicit=np.bool_(True))",
    "x.expand(size=2)", "x.expand(size=None)", "x.expand(size=(2, 3.5))", "x.expand(1, 3)",
    "x.expand(np.array([2, 3]))", "x.expand(torch.Size([2, 3]), 3)", "x.expand((2, True))",
    "x.expand((3.0, 2))", "x.expand(([2], 2))", "x.expand((2, torch.tensor(3.)))",
    "x.expand(2, torch.tensor([3])).shape", "x.expand(size=(True, 3))", "x.expand(-1, 3, 4)",
    "x.expand((2, 3), (2, 3))", "x.expand(2, 3, implicit=True, foo=1)", "x.expand(np.float64(2), 3)",
    "x.expand_as(torch.ones(4, 2, 3)).shape", "x.expand_as([4, 2, 3])", "x.expand_as()",
    "x.expand(2, 3, 4, 5, size=(2, 3))", "x.expand((2, 3), implicit=True, foo=2)",
]


def _outcome(torch, call):
    scope = {"torch": torch, "np": np, "x": torch.ones(2, 3), "one": torch.ones(1, 3)}
    try:
        value = eval(call, scope)
    except Exception as error:  # noqa: BLE001 - the words are what is compared
        return type(error).__name__, str(error)
    return "ok", str(tuple(value)) if isinstance(value, tuple) else str(value.tolist())


@pytest.mark.parametrize("call", CALLS)
def test_expand_matches_torch(call):
    torch = pytest.importorskip("torch")
    assert _outcome(gt, call) == _outcome(torch, call)


@pytest.mark.parametrize("call,kind,words", [
    ("x.expand()", "TypeError", 'expand() missing 1 required positional arguments: "size"'),
    ("x.expand(2.0, 3)", "TypeError", "expand() takes 1 positional argument but 2 were given"),
    ("x.expand(2, 3.0)", "TypeError", "expand(): argument 'size' failed to unpack the object at pos "
                                      '2 with error "type must be tuple of ints,but got float"'),
    ("x.expand(None)", "TypeError", "expand(): argument 'size' (position 1) must be tuple of ints, "
                                    "not NoneType"),
    ("x.expand((True, 3))", "TypeError", "expand(): argument 'size' (position 1) must be tuple of "
                                         "ints, but found element of type bool at pos 0"),
    ("one.expand(-2, 3)", "RuntimeError", "numel: integer multiplication overflow"),
    ("x.expand_as([4, 2, 3])", "TypeError", "expand_as(): argument 'other' (position 1) must be "
                                            "Tensor, not list"),
    ("x.expand(size=[4, 2, 3]).shape", "ok", "(4, 2, 3)"),
    ("x.expand(torch.Size([2, 3])).shape", "ok", "(2, 3)"),
])
def test_expand_words_without_torch(call, kind, words):
    assert _outcome(gt, call) == (kind, words)
