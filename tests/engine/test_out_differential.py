"""``out=`` on every registered op, against live torch.

For each op with a ``torch.<name>``, the first sample call (from a short list of argument
shapes) that torch accepts is run with ``out=`` tensors: of the result's dtype and empty, of the
result's dtype and the wrong shape (torch resizes it with a deprecation warning), and of another
dtype. gradrepl must do what torch does: accept or refuse ``out=`` (what torch accepts is found
by trying it, never read from a docstring), return the very ``out`` object, write the same
values, warn the same warning, and raise the same error type and message.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradrepl.torch as gtorch
from gradrepl.engine.ops.registry import OPS

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _samples(lib):
    """Argument lists to try, in order; the first torch accepts is the op's sample."""
    x = lib.tensor([[1.5, 0.75, 2.0], [0.5, 3.0, 1.25], [2.5, 1.0, 0.625]], dtype=lib.float64)
    y = lib.tensor([[0.5, 2.0, 1.5], [1.0, 0.25, 3.0], [2.0, 1.5, 0.75]], dtype=lib.float64)
    v = lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64)
    b = lib.stack([x, y])
    index = lib.tensor([[0, 1], [1, 0]])
    rows = lib.tensor([0, 2])
    ints = lib.tensor([[3, 5, 6], [1, 12, 7]])
    return [(x,), (x, y), (x, 1), (x, 0), ((x, y),), (x > 1, x, y), (x, 0, index),
            (x, 0, index, y), (x, 0, rows), (x, 0, rows, y[:2]), (x, x > 1), (x, rows),
            (v, v), (b, b), (b, b, b), (x, v), (x, y, y), (ints, ints), (ints,), (ints, 1)]


def _sample(name):
    """The first sample call torch accepts with ``out=`` (else the first it accepts at all, to
    check the refusal): (its index, how many results it returns as a tuple, 0 for one)."""
    function = getattr(torch, name)
    first = None
    for i, args in enumerate(_samples(torch)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = function(*args)
        except Exception:
            continue
        results = result if isinstance(result, tuple) else (result,)
        if not all(isinstance(r, torch.Tensor) for r in results):
            continue
        found = i, len(results) if isinstance(result, tuple) else 0
        outs = tuple(torch.empty(0, dtype=r.dtype) for r in results)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                function(*args, out=outs if isinstance(result, tuple) else outs[0])
            return found
        except TypeError:
            first = first or found
        except Exception:
            return found  # out= accepted, and refused for another reason
    return first


OP_NAMES = sorted(name for name, entry in OPS.items() if entry.in_torch and name in dir(torch))


def _outs(lib, kind, result_dtypes):
    """``out`` for a result of ``result_dtypes``: right, resized, or of another dtype."""
    made = []
    for dtype in result_dtypes:
        d = getattr(lib, dtype)
        if kind == "empty":
            made.append(lib.empty(0, dtype=d))
        elif kind == "resized":
            made.append(lib.zeros(2, dtype=d))
        else:  # another dtype: an integer for a float result, a float for the others
            other = "int64" if dtype.startswith("float") else "float32"
            made.append(lib.empty(0, dtype=getattr(lib, other)))
    return made


def _outcome(lib, name, sample, tuple_results, kind, result_dtypes, make_outs=None):
    args = _samples(lib)[sample]
    outs = (make_outs or _outs)(lib, kind, result_dtypes)
    out = tuple(outs) if tuple_results else outs[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.manual_seed(0)  # random ops (multinomial) draw the same numbers in both
        try:
            returned = getattr(lib, name)(*args, out=out)
        except TypeError as error:
            # refused: torch's argument parser lists every overload, gradrepl says the keyword
            # is unexpected; both name the function and refuse it with a TypeError
            message = str(error).splitlines()[0]
            if "out" in message and "unexpected keyword" in message or "invalid combination" in message:
                return {"error": "TypeError", "message": f"{name}() refuses out="}
            return {"error": "TypeError", "message": message}
        except Exception as error:  # the error is the observable
            return {"error": type(error).__name__, "message": str(error).splitlines()[0]}
    got = returned if isinstance(returned, tuple) else (returned,)
    return {
        "identity": [r is o for r, o in zip(got, outs)] if tuple_results else returned is out,
        "returns": type(returned).__name__,  # torch.return_types.sort_out for a tuple
        "values": [repr(np.asarray(o.tolist())) for o in outs],  # repr: nan equals nan
        "dtypes": [str(o.dtype) for o in outs],
        # torch's warnings (numpy's floating-point RuntimeWarnings are not out='s concern)
        "warnings": sorted(str(w.message).split(" (Triggered")[0] for w in caught
                           if not issubclass(w.category, RuntimeWarning)),
    }


# Where gradrepl still differs from torch, and why (remove an entry once fixed).
KNOWN = {}
KNOWN.update({
    ("kthvalue", "resized"): "torch resizes to the keepdim shape first",
    ("mode", "resized"): "torch resizes to the keepdim shape first",
    ("cross", "empty"): "torch warns once about cross without dim, gradrepl at every call",
})


@pytest.mark.parametrize("kind", ["empty", "resized", "dtype"])
@pytest.mark.parametrize("name", OP_NAMES)
def test_out_matches_torch(name, kind):
    found = _sample(name)
    if found is None:
        pytest.skip(f"no sample call torch accepts for torch.{name}")
    sample, tuple_results = found
    args = _samples(torch)[sample]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = getattr(torch, name)(*args)
    results = result if isinstance(result, tuple) else (result,)
    dtypes = [str(r.dtype).removeprefix("torch.") for r in results]
    expected = _outcome(torch, name, sample, tuple_results, kind, dtypes)
    mine = _outcome(gtorch, name, sample, tuple_results, kind, dtypes)
    if (name, kind) in KNOWN and mine != expected:
        pytest.xfail(KNOWN[(name, kind)])
    assert mine == expected


_OUT_DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
# torch.all/any into a uint8 out reduce the input cast to uint8 when a slice has two elements or
# more (all([0.5, 2.]) is 0, all([0.5]) is 1): a quirk gradrepl does not copy
_QUIRKS = {("all", "uint8", None), ("any", "uint8", None)}


@pytest.mark.parametrize("name", OP_NAMES)
def test_out_of_every_dtype_matches_torch(name):
    """Each out dtype in turn (all outputs alike, then each output of a tuple alone): accepted and
    written as torch writes it, or refused in torch's words, with torch's exception."""
    found = _sample(name)
    if found is None:
        pytest.skip(f"no sample call torch accepts for torch.{name}")
    sample, tuple_results = found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = getattr(torch, name)(*_samples(torch)[sample])
    results = result if isinstance(result, tuple) else (result,)
    right = [str(r.dtype).removeprefix("torch.") for r in results]
    combos = [([dtype] * len(right), None) for dtype in _OUT_DTYPES]
    if len(right) > 1:
        combos += [(right[:i] + [dtype] + right[i + 1:], i) for i in range(len(right)) for dtype in _OUT_DTYPES]
    wrong = []
    for dtypes, which in combos:
        if (name, dtypes[0], which) in _QUIRKS:
            continue

        def outs(lib, kind, result_dtypes, dtypes=dtypes):
            return [lib.empty(0, dtype=getattr(lib, d)) for d in dtypes]
        expected = _outcome(torch, name, sample, tuple_results, "empty", right, make_outs=outs)
        mine = _outcome(gtorch, name, sample, tuple_results, "empty", right, make_outs=outs)
        if mine != expected:
            wrong.append((dtypes, expected, mine))
    assert not wrong, wrong[:3]
