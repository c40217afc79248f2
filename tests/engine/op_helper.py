"""One helper for every op test, like tinygrad's ``helper_test_op``.

A case is a function of tensors, written once against ``T`` (a stand-in for whichever torch is
running: gradrepl.torch or real PyTorch), plus a description of its inputs. ``run_case`` builds the
inputs from the same numpy arrays on either library, runs the function, backpropagates a fixed
gradient through the result, and returns a plain-data record: printed repr, dtype, shape, exact
values, grad_fn name and its next_functions, the gradient of every input, and any error (type and
message). ``compare`` checks gradrepl's record against torch's: live torch when it is installed,
otherwise the record stored in ``tests/goldens/engine_ops.json`` by
``scripts/record_engine_goldens.py``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GOLDENS_DIR = Path(__file__).resolve().parent.parent / "goldens"

# Values may differ from torch's in the last bits where torch uses its own vectorised math
# (exp, log, sin ... via SLEEF) or sums in another order; printing must still agree exactly.
TOLERANCE = {
    "float16": dict(rtol=2e-3, atol=1e-3),
    "float32": dict(rtol=2e-6, atol=1e-6),
    "float64": dict(rtol=1e-12, atol=1e-12),
}

# The slack for printed numbers of MKL cases (Case.mkl): float32's value tolerance, which covers
# the largest cancellation seen between two of MKL's code paths (-6.5997e-03 against -6.5995e-03)
MKL_PRINT_SLACK = TOLERANCE["float32"]


# ---------------------------------------------------------------------------------------------
# ``T``: the torch namespace the case functions call, swapped between the two libraries


class _Library:
    """``T.where(...)`` calls the library currently under test."""

    current = None

    def __getattr__(self, name):
        return getattr(_Library.current, name)


T = _Library()


@contextlib.contextmanager
def using(library):
    previous, _Library.current = _Library.current, library
    try:
        yield
    finally:
        _Library.current = previous


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class A:
    """One input tensor: shape, dtype and value range, or exact ``values``.

    ``grad`` defaults to True for floating dtypes. Values are drawn per case from a generator
    seeded by the case id, so gradrepl and torch get the same array.
    """

    shape: tuple = ()
    dtype: str = "float32"
    low: float = -2.0
    high: float = 2.0
    values: object = None
    grad: bool | None = None


def _spec(item) -> A:
    if isinstance(item, A):
        return item
    return A(shape=tuple(item))


def make_arrays(case_id: str, specs) -> list:
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    arrays = []
    for item in specs:
        spec = _spec(item)
        if spec.values is not None:
            arrays.append(np.array(spec.values, dtype=spec.dtype))
            continue
        dtype = np.dtype(spec.dtype)
        if dtype.kind == "f":
            values = rng.uniform(spec.low, spec.high, size=spec.shape)
        elif dtype.kind == "b":
            values = rng.integers(0, 2, size=spec.shape)
        else:
            low = max(int(spec.low * 3), 0 if dtype.kind == "u" else -128)
            values = rng.integers(low, int(spec.high * 3) + 1, size=spec.shape)
        arrays.append(np.asarray(values).astype(dtype))
    return arrays


def make_inputs(library, case_id: str, specs) -> list:
    tensors = []
    for item, array in zip(specs, make_arrays(case_id, specs)):
        spec = _spec(item)
        t = library.from_numpy(array.copy())
        wants_grad = spec.grad if spec.grad is not None else array.dtype.kind == "f"
        if wants_grad:
            t.requires_grad_(True)
        tensors.append(t)
    return tensors


# ---------------------------------------------------------------------------------------------
# Running a case into a plain-data record


def encode(array: np.ndarray) -> dict:
    array = np.asarray(array)
    raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    return {"dtype": array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(zlib.compress(raw, 9)).decode("ascii")}


def decode(encoded: dict) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(encoded["data"]))
    dtype = np.dtype(encoded["dtype"]).newbyteorder("<")
    return np.frombuffer(raw, dtype=dtype).astype(encoded["dtype"]).reshape(encoded["shape"])


def error_record(exc: BaseException) -> list:
    return [type(exc).__name__, str(exc)]


def _node_name(node):
    return None if node is None else type(node).__name__


def tensor_record(library, t) -> dict:
    record = {
        "repr": repr(t),
        "dtype": str(t.dtype),
        "shape": list(t.shape),
        "values": encode(t.detach().numpy()),
        "requires_grad": bool(t.requires_grad),
        "grad_fn": _node_name(t.grad_fn),
    }
    if t.grad_fn is not None:
        record["next_functions"] = [[_node_name(n), nr] for n, nr in t.grad_fn.next_functions]
    return record


def value_record(library, value):
    if isinstance(value, library.Tensor):
        return tensor_record(library, value)
    if isinstance(value, (tuple, list)) and not isinstance(value, library.Size):
        return {"sequence": [value_record(library, v) for v in value]}
    return {"python": repr(value), "type": type(value).__name__}


def _tensors_in(library, value) -> list:
    if isinstance(value, library.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors_in(library, v)]
    return []


def _upstream_grad(case_id: str, t) -> np.ndarray:
    # a fixed, uneven gradient exposes mixed-up positions that a gradient of ones would hide
    rng = np.random.default_rng(zlib.crc32(case_id.encode()) + 1)
    return rng.uniform(0.5, 1.5, size=tuple(t.shape)).astype(t.detach().numpy().dtype)


def run_case(library, case) -> dict:
    """Everything observable about one case on one library, as JSON-able data."""
    record = {"error": None, "output": None, "grads": None, "backward_error": None}
    with using(library), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            inputs = make_inputs(library, case.id, case.inputs)
            out = case.fn(*inputs)
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            record["error"] = error_record(exc)
            return record
        record["output"] = value_record(library, out)
        roots = [t for t in _tensors_in(library, out) if t.requires_grad]
        if not roots or not case.backward:
            return record
        try:
            grads = [library.from_numpy(_upstream_grad(case.id, t)) for t in roots]
            library.autograd.backward(roots, grads)
        except Exception as exc:  # noqa: BLE001
            record["backward_error"] = error_record(exc)
            return record
        record["grads"] = [None if x.grad is None else tensor_record(library, x.grad)
                           for x in inputs if x.requires_grad and x.is_leaf]
    return record


# ---------------------------------------------------------------------------------------------
# Cases and comparison


class Case:
    """``Case("add_broadcast", lambda a, b: a + b, [(2, 3), (3,)])``."""

    def __init__(self, id: str, fn, inputs=(), backward: bool = True, exact: bool = False,
                 message: bool = True, structure: bool = True, known: str | None = None,
                 mkl: bool = False):
        self.id = id
        self.known = known  # why gradrepl still differs here (the test is a strict xfail)
        # torch computes these values with MKL (BLAS products; VML's exp, log, sqrt ...), whose
        # code path, and so whose last bits, depend on the CPU: values agree within TOLERANCE
        # and printed numbers within that plus one unit of their last digit (MKL_PRINT_SLACK)
        self.mkl = mkl
        # False where gradrepl records a composite op as one node (batched matmul): the output's
        # grad_fn name still matches torch's, the nodes beneath it do not
        self.structure = structure
        self.fn = fn
        self.inputs = list(inputs)
        self.backward = backward
        self.exact = exact  # values must match bit for bit, not just within TOLERANCE
        self.message = message  # compare error messages, not only exception types

    def __repr__(self) -> str:
        return f"Case({self.id!r})"


def _values_match(mine: dict, theirs: dict, exact: bool, tolerance: dict | None = None) -> bool:
    a, b = decode(mine), decode(theirs)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if exact or a.dtype.kind != "f":
        return np.array_equal(a, b, equal_nan=True)
    tol = dict(TOLERANCE[a.dtype.name])
    for key, value in (tolerance or {}).items():
        tol[key] = max(tol[key], value)
    return np.allclose(a.astype(np.float64), b.astype(np.float64), equal_nan=True, **tol)


_PRINTED_NUMBER = re.compile(r"-?\d+\.?\d*(?:e[+-]\d+)?")


def _prints_alike(mine: str, theirs: str, tolerance: dict) -> bool:
    """The same text but for numbers that differ by no more than the value tolerance plus one
    unit of their last printed digit (how a one-ulp difference can show at 4 decimals)."""
    if _PRINTED_NUMBER.split(mine) != _PRINTED_NUMBER.split(theirs):
        return False
    for a, b in zip(_PRINTED_NUMBER.findall(mine), _PRINTED_NUMBER.findall(theirs)):
        if a == b:
            continue
        mantissa, _, exponent = a.partition("e")
        decimals = len(mantissa.partition(".")[2])
        unit = 10.0 ** (int(exponent or 0) - decimals)
        x, y = float(a), float(b)
        if abs(x - y) > unit * 1.01 + tolerance["atol"] + tolerance["rtol"] * abs(y):
            return False
    return True


def differences(mine, theirs, exact: bool = False, message: bool = True, where: str = "",
                tolerance: dict | None = None, printed: dict | None = None) -> list:
    """Human-readable differences between two records (empty when they agree). ``printed``: a
    float tolerance that reprs may differ by (MKL cases), else reprs must be equal."""
    if printed is not None and isinstance(mine, str) and where.endswith(".repr"):
        return [] if isinstance(theirs, str) and _prints_alike(mine, theirs, printed) else [
            f"{where}:\n  gradrepl: {mine!r}\n  torch:    {theirs!r}"]
    if type(mine) is not type(theirs):
        return [f"{where}: {mine!r} != {theirs!r}"]
    if isinstance(mine, list) and where.endswith("error") and not message:
        return [] if mine[0] == theirs[0] else [f"{where}: {mine!r} != {theirs!r}"]
    if isinstance(mine, dict):
        if "data" in mine and "shape" in mine:
            return [] if _values_match(mine, theirs, exact, tolerance) else [
                f"{where}: values {decode(mine).tolist()} != {decode(theirs).tolist()}"]
        found = []
        for key in sorted(set(mine) | set(theirs)):
            found += differences(mine.get(key), theirs.get(key), exact, message, f"{where}.{key}",
                                 tolerance, printed)
        return found
    if isinstance(mine, list):
        if len(mine) != len(theirs):
            return [f"{where}: {mine!r} != {theirs!r}"]
        found = []
        for i, (a, b) in enumerate(zip(mine, theirs)):
            found += differences(a, b, exact, message, f"{where}[{i}]", tolerance, printed)
        return found
    return [] if mine == theirs else [f"{where}:\n  gradrepl: {mine!r}\n  torch:    {theirs!r}"]


def load_goldens(name: str) -> dict:
    path = GOLDENS_DIR / name
    if not path.exists():
        return {}
    return json.loads(path.read_text())["cases"]


def live_torch():
    """Real torch, or None when it is missing (or GRADREPL_TESTS_WITHOUT_TORCH=1 asks to check
    against the recorded goldens only, as a machine without torch would)."""
    if os.environ.get("GRADREPL_TESTS_WITHOUT_TORCH"):
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def helper_test_op(case: Case, goldens: dict) -> None:
    """Assert that gradrepl agrees with torch (live, else recorded) on ``case``."""
    import gradrepl.torch as gtorch

    torch = live_torch()
    if torch is not None:
        expected = run_case(torch, case)
    else:
        if case.id not in goldens:
            raise AssertionError(f"no golden for {case.id}: run scripts/record_engine_goldens.py")
        expected = goldens[case.id]
    mine = run_case(gtorch, case)
    if not case.structure:
        mine, expected = _without_structure(mine), _without_structure(expected)
    found = case_differences(mine, expected, case)
    assert not found, "\n".join(found)


def case_differences(mine: dict, expected: dict, case: Case) -> list:
    """How ``mine`` differs from ``expected`` under the case's own comparison: bit for bit, or
    within tolerance where gradrepl does not reproduce torch's last bits (libm's and MKL's
    paths depend on the CPU: an AMD and an Intel machine's torch differ there too)."""
    return differences(mine, expected, case.exact and not case.mkl, case.message, case.id,
                       printed=MKL_PRINT_SLACK if case.mkl else None)


def _without_structure(record: dict) -> dict:
    record = json.loads(json.dumps(record))
    if record.get("output"):
        record["output"].pop("next_functions", None)
    return record


# ---------------------------------------------------------------------------------------------
# What the op test modules (test_ops, test_ops_catalogue, test_ops_shape) share


def case_param(case: "Case"):
    """A case as a pytest parameter: a case with a known difference is a strict xfail."""
    import pytest

    marks = [pytest.mark.xfail(strict=True, reason=case.known)] if case.known else []
    return pytest.param(case, id=case.id, marks=marks)


def stale_goldens(torch, cases, goldens: dict) -> list:
    """The ids of recorded cases live torch no longer answers as recorded, compared as the case
    itself is: a case gradrepl matches bit for bit must match its golden exactly, one compared
    within tolerance (``Case.exact`` False, ``Case.mkl``) only within it, since those last bits
    depend on the CPU the goldens were recorded on (seen: tan, atan, erfc's and logsumexp's
    gradients differ by an ulp between an Intel and an AMD EPYC machine's torch 2.13)."""
    return [c.id for c in cases if c.id in goldens
            and case_differences(run_case(torch, c), goldens[c.id], c)]
