"""Record what real PyTorch prints for a few hundred tensors into tests/goldens/printing.json.

Every case is built with numpy first, so the very same array can be handed to gradrepl's formatter;
the array is stored exactly (raw little-endian bytes, zlib + base64), never as decimal text, so a
golden can be replayed bit for bit without torch. Run with the pinned torch (2.13) installed:

    python scripts/record_printing_goldens.py
"""

from __future__ import annotations

import base64
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "goldens" / "printing.json"

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
FLOATS = DTYPES[:3]
F32 = "float32"


# ---------------------------------------------------------------------------------------------
# One case: an array, and how to print it


def case(name, arr, options=None, autograd=None, parameter=False, default_dtype=None):
    """A case description; ``autograd`` is None, "requires_grad" or a way to get a grad_fn."""
    return {
        "name": name,
        "array": np.asarray(arr),
        "options": options,
        "autograd": autograd,
        "parameter": parameter,
        "default_dtype": default_dtype,
    }


def encode(arr: np.ndarray) -> dict:
    raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
    return {
        "dtype": arr.dtype.name,
        "shape": list(arr.shape),
        "data": base64.b64encode(zlib.compress(raw, 9)).decode("ascii"),
    }


class LongNamedIdentityFunction(torch.autograd.Function):
    """A custom Function only for its long grad_fn name, which pushes the suffix past column 80."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad


def torch_tensor(c):
    """The torch tensor of a case, with the grad_fn or requires_grad the case asks for.

    Every autograd route keeps the values bit for bit (x * 1 keeps -0. and nan, clone copies).
    """
    t = torch.from_numpy(c["array"].copy())
    if c["parameter"]:
        return torch.nn.Parameter(t)
    route = c["autograd"]
    if route is None:
        return t
    leaf = t.requires_grad_()
    return {
        "requires_grad": lambda: leaf,
        "mul": lambda: leaf * 1,
        "clone": lambda: leaf.clone(),
        "view": lambda: leaf.view(leaf.shape),
        "long": lambda: LongNamedIdentityFunction.apply(leaf),
    }[route]()


def record(c) -> dict:
    torch.set_printoptions(profile="default")
    torch.set_default_dtype(getattr(torch, c["default_dtype"] or F32))
    try:
        t = torch_tensor(c)
        if c["options"]:
            torch.set_printoptions(**c["options"])
        try:
            expected, error = repr(t), None
        except Exception as exc:  # torch fails the same way gradrepl must (e.g. precision=-1)
            expected, error = None, [type(exc).__name__, str(exc)]
    finally:
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)
    grad_fn = getattr(t, "grad_fn", None)
    return {
        "name": c["name"],
        "input": encode(c["array"]),
        "options": c["options"],
        "grad_fn": type(grad_fn).__name__ if grad_fn is not None else None,
        "requires_grad": bool(t.requires_grad),
        "parameter": c["parameter"],
        "default_dtype": c["default_dtype"],
        "expected": expected,
        "error": error,
    }


# ---------------------------------------------------------------------------------------------
# Hand-picked cases: each names one rule of torch/_tensor_str.py


def f32(values):
    return np.array(values, dtype=np.float32)


def number_cases():
    """How single numbers are written: modes, rounding, specials, every dtype."""
    nan, inf = math.nan, math.inf
    yield case("int_mode_scalar", f32(63.0))
    yield case("int_mode_vector", f32([5.0, 8.0, 11.0]))
    yield case("int_mode_nonfinite", f32([1.0, nan, inf, -inf, -0.0]))
    yield case("fixed_rounding", f32([0.1, 0.25, 1.00005, 2.675, 1 / 3]))
    yield case("fixed_nonfinite", f32([0.5, nan, -0.0, inf]))
    yield case("sci_small", f32([1e-5, 1.0]))
    yield case("sci_ratio", f32([1.0, 1001.0]))
    yield case("no_sci_ratio_1000", f32([1.0, 1000.0]))
    yield case("sci_large", f32([1e9, 2e9]))
    yield case("sci_nonfinite", f32([1e-5, inf, -0.0, nan]))
    yield case("all_zero", f32([0.0, -0.0, 0.0]))
    yield case("all_nan", f32([nan, nan]))
    yield case("only_inf", f32([inf, -inf]))
    yield case("arange_1001", np.arange(1001, dtype=np.float32))
    yield case("arange_2000", np.arange(2000, dtype=np.float32))
    yield case("arange_int_2000", np.arange(2000))
    yield case("float64_values", np.array([0.1, 1 / 3, 2.5]))
    yield case("float64_scalar", np.array(1 / 3))
    yield case("float64_tiny_huge", np.array([1e-300, 1e300]))
    yield case("float64_extremes", np.array([5e-324, 1.7976931348623157e308, -2.2250738585072014e-308]))
    yield case("float32_extremes", f32([np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45]))
    yield case("float16_values", np.array([0.1, 65504.0, 6e-8, -2.5], dtype=np.float16))
    yield case("float16_int_mode", np.array([1, 2, 2048], dtype=np.float16))
    yield case("bool_mixed", np.array([True, False, True]))
    yield case("bool_all_true", np.array([[True, True], [True, True]]))
    yield case("bool_scalar", np.array(False))
    for name in DTYPES[3:8]:
        info = np.iinfo(name)
        yield case(f"{name}_extremes", np.array([info.min, 0, info.max, 7], dtype=name))
        yield case(f"{name}_scalar", np.array(info.max, dtype=name))
    for name in DTYPES:
        yield case(f"{name}_empty_1d", np.zeros(0, dtype=name))
        yield case(f"{name}_empty_2d", np.zeros((0, 3), dtype=name))


def layout_cases():
    """Shapes, wrapping, summaries, suffixes: how the numbers are put together."""
    yield case("empty_3d", np.zeros((2, 0, 4), dtype=np.float32))
    yield case("matrix_3x3", np.arange(9, dtype=np.float32).reshape(3, 3) / 7)
    yield case("block_3d", np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.5)
    yield case("block_4d", np.arange(48, dtype=np.float32).reshape(2, 2, 3, 4) * 0.37)
    yield case("long_row_wraps", np.arange(40, dtype=np.float32) * 1.5)
    yield case("long_int_row_wraps", np.arange(100) * 997)
    yield case("summarised_matrix", np.arange(100 * 100, dtype=np.float32).reshape(100, 100) / 3)
    yield case("summarised_edges_decide_width", _hidden_outlier())
    yield case("summarised_4d", np.arange(5 * 6 * 7 * 8, dtype=np.float32).reshape(5, 6, 7, 8) - 800)
    yield case("summarised_one_long_dim", np.arange(2 * 1000, dtype=np.float32).reshape(2, 1000) / 4)
    yield case("requires_grad_suffix", f32([1.0, 2.0]), autograd="requires_grad")
    yield case("grad_fn_suffix", f32([1.5, -2.0]), autograd="mul")
    yield case("float64_grad_fn", np.array([1.5, -2.0]), autograd="clone")
    yield case("scalar_grad_fn", f32(3.0), autograd="clone")
    yield case("suffix_wraps", np.arange(11, dtype=np.float64) / 3, autograd="long")
    yield case("suffix_fits", np.arange(8, dtype=np.float64) / 3, autograd="long")
    yield case("suffix_after_matrix", np.arange(12, dtype=np.float64).reshape(3, 4) / 3, autograd="long")
    yield case("parameter", f32([[0.5, -0.25]]), parameter=True)
    yield case("parameter_float64", np.array([0.5, -0.25]), parameter=True)
    yield case("default_float64_f32", f32([1.5, 2.0]), default_dtype="float64")
    yield case("default_float64_f64", np.array([1.5, 2.0]), default_dtype="float64")
    yield case("default_float64_empty_f64", np.zeros(0), default_dtype="float64")
    yield case("default_float64_empty_f32", np.zeros(0, np.float32), default_dtype="float64")


def _hidden_outlier():
    # the 1e6 sits in a hidden column: the shown edge items alone decide fixed mode and width
    arr = np.ones((40, 40), dtype=np.float32) * 0.5
    arr[20, 20] = 1e6
    return arr


def option_cases():
    base = np.arange(-6, 6, dtype=np.float32).reshape(3, 4) / 3
    big = np.arange(20 * 25, dtype=np.float64).reshape(20, 25) * 1.25 - 3
    row = np.arange(60, dtype=np.float32) / 7
    opts = [
        {"profile": "default"}, {"profile": "short"}, {"profile": "full"}, {"profile": "unknown"},
        {"precision": 0}, {"precision": 1}, {"precision": 2}, {"precision": 6}, {"precision": 10},
        {"threshold": 5}, {"threshold": 0}, {"threshold": 499}, {"threshold": 500},
        {"edgeitems": 0}, {"edgeitems": 1}, {"edgeitems": 2}, {"edgeitems": 5}, {"edgeitems": 20},
        {"threshold": 5, "edgeitems": 1}, {"threshold": 5, "edgeitems": 0},
        {"linewidth": 0}, {"linewidth": 20}, {"linewidth": 40}, {"linewidth": 120}, {"linewidth": 200},
        {"sci_mode": True}, {"sci_mode": False}, {"sci_mode": True, "precision": 2},
        {"profile": "short", "precision": 6}, {"profile": "full", "linewidth": 150},
        {"profile": "short", "sci_mode": True}, {"precision": -1}, {"threshold": 10, "edgeitems": -1},
    ]
    for i, o in enumerate(opts):
        for label, arr in (("base", base), ("big", big), ("row", row), ("int", np.arange(30) * 31)):
            yield case(f"options_{i}_{label}", arr, options=o)
    yield case("sci_mode_false_tiny", f32([1e-9, 3e-7]), options={"sci_mode": False})
    yield case("sci_mode_true_ints", f32([1.0, 2.0]), options={"sci_mode": True})
    yield case("sci_mode_true_zeros", f32([0.0, 0.0]), options={"sci_mode": True})
    yield case("edgeitems_0_small", np.arange(5), options={"edgeitems": 0})
    yield case("edgeitems_0_scalar", f32(3.0), options={"edgeitems": 0})
    yield case("edgeitems_0_empty", np.zeros((0, 2), np.int32), options={"edgeitems": 0})
    yield case("edgeitems_0_grad", f32([1.0, 2.0]), options={"edgeitems": 0}, autograd="long")
    yield case("threshold_0_scalar", f32(2.5), options={"threshold": 0})


# ---------------------------------------------------------------------------------------------
# Random cases: shapes up to 4-D, every dtype, magnitudes from tiny to huge, nan/inf sprinkled


def random_shape(rng):
    ndim = int(rng.integers(0, 5))
    sides = [int(rng.choice([1, 2, 3, 4, 5, 7, 9, 13])) for _ in range(ndim)]
    if ndim and rng.random() < 0.15:
        sides[int(rng.integers(ndim))] = int(rng.choice([0, 40, 300, 1100]))
    while math.prod(sides) > 1200:
        sides[int(np.argmax(sides))] //= 3
    return tuple(sides)


def random_floats(rng, shape, dtype):
    style = rng.choice(["normal", "scaled", "mixed", "whole", "small_whole", "extreme"])
    n = math.prod(shape)
    if style == "normal":
        vals = rng.standard_normal(n)
    elif style == "scaled":
        vals = rng.standard_normal(n) * 10.0 ** rng.uniform(-12, 12)
    elif style == "mixed":
        vals = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
    elif style == "whole":
        vals = np.round(rng.standard_normal(n) * 10.0 ** rng.uniform(0, 9))
    elif style == "small_whole":
        vals = rng.integers(-20, 21, n).astype(np.float64)
    else:
        info = np.finfo(dtype)
        pool = [info.max, -info.max, info.tiny, info.smallest_subnormal, 1.0, -0.5, 0.0]
        vals = rng.choice(pool, n)
    with np.errstate(over="ignore"):  # huge float64 draws become inf in float16: wanted
        vals = vals.astype(dtype)
    if n and rng.random() < 0.35:
        k = int(rng.integers(1, max(2, n // 4) + 1))
        vals[rng.integers(0, n, k)] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0], k)
    return vals.reshape(shape)


def random_ints(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < rng.random()
    info = np.iinfo(dtype)
    bound = rng.choice([10, 1000, 10**6, int(info.max)])
    low = max(int(info.min), -int(bound))
    return rng.integers(low, min(int(info.max), int(bound)), shape, dtype=dtype, endpoint=True)


def random_options(rng):
    if rng.random() < 0.55:
        return None
    choices = {
        "precision": [0, 1, 2, 3, 5, 8],
        "threshold": [3, 10, 50, 1000, math.inf],
        "edgeitems": [0, 1, 2, 3, 4],
        "linewidth": [10, 40, 80, 100, 160],
        "sci_mode": [True, False],
        "profile": ["default", "short", "full"],
    }
    keys = rng.choice(list(choices), int(rng.integers(1, 4)), replace=False)
    return {str(k): _plain(rng.choice(choices[str(k)])) for k in keys}


def _plain(value):
    # numpy scalars from rng.choice back to the Python values a user would pass
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.str_):
        return str(value)
    if isinstance(value, np.floating) and np.isinf(value):
        return math.inf
    return int(value)


def random_cases(count, seed=2013):
    rng = np.random.default_rng(seed)
    for i in range(count):
        dtype = str(rng.choice(DTYPES, p=[0.3, 0.15, 0.1, 0.1, 0.07, 0.07, 0.07, 0.07, 0.07]))
        shape = random_shape(rng)
        floating = dtype in FLOATS
        arr = random_floats(rng, shape, dtype) if floating else random_ints(rng, shape, dtype)
        autograd = None
        if floating and rng.random() < 0.25:
            autograd = str(rng.choice(["requires_grad", "mul", "clone", "view", "long"]))
        default = "float64" if rng.random() < 0.05 else None
        name = f"random_{i:03d}_{dtype}_{'x'.join(map(str, shape))}"
        yield case(name, arr, random_options(rng), autograd, default_dtype=default)


# ---------------------------------------------------------------------------------------------
# The option state itself: set_printoptions calls in a row, then a printoptions() block

OPTION_SEQUENCES = [
    [],
    [{"profile": "short"}],
    [{"profile": "full"}],
    [{"profile": "full"}, {"profile": "unknown"}],
    [{"profile": "short", "precision": 7}],
    [{"sci_mode": True}],
    [{"sci_mode": True}, {"precision": 2}],
    [{"precision": 2, "threshold": 5, "edgeitems": 1, "linewidth": 40, "sci_mode": False}],
    [{"threshold": 2.5}, {"profile": "default"}],
    [{"linewidth": 120}, {"profile": "short"}],
]


def record_option_states():
    from torch._tensor_str import get_printoptions, printoptions

    states = []
    for calls in OPTION_SEQUENCES:
        for block in (None, {"precision": 1}, {"profile": "full", "sci_mode": True}):
            torch.set_printoptions(profile="default")
            for kwargs in calls:
                torch.set_printoptions(**kwargs)
            before = get_printoptions()
            inside = None
            if block is not None:
                with printoptions(**block):
                    inside = get_printoptions()
            states.append({"calls": calls, "block": block, "before": before, "inside": inside,
                           "after": get_printoptions()})
    torch.set_printoptions(profile="default")
    return states


def main():
    cases = [*number_cases(), *layout_cases(), *option_cases(), *random_cases(320)]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    records = [record(c) for c in cases]
    payload = {
        "torch_version": torch.__version__,
        "count": len(records),
        "option_states": record_option_states(),
        "cases": records,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {OUT} (torch {torch.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
