"""Python ints no torch Scalar holds (outside [-2**63, 2**64)) and arange's range checks: the
same exception type and message as live torch, for float and integer tensors, both operand
orders, in-place forms, comparisons, pow, alpha and full; arange's conversions and sizes."""

from __future__ import annotations

import pytest

import gradrepl.torch as gt

CASES = {
    "mul": lambda T, t: t * 2 ** 70,
    "rmul": lambda T, t: 2 ** 70 * t,
    "mul_negative": lambda T, t: t * -2 ** 70,
    "mul_2**64": lambda T, t: t * 2 ** 64,
    "mul_2**64-1": lambda T, t: t * (2 ** 64 - 1),  # held as a uint64: no error
    "mul_-2**63": lambda T, t: t * -2 ** 63,
    "mul_-2**63-1": lambda T, t: t * (-2 ** 63 - 1),
    "mul_": lambda T, t: t.clone().mul_(2 ** 70),
    "add": lambda T, t: t + 2 ** 70,
    "rsub": lambda T, t: 2 ** 70 - t,
    "sub_": lambda T, t: t.clone().sub_(2 ** 70),
    "div": lambda T, t: t / 2 ** 70,
    "pow": lambda T, t: t ** 2 ** 70,
    "lt": lambda T, t: t < 2 ** 70,
    "eq": lambda T, t: t == 2 ** 70,
    "alpha": lambda T, t: t.add(t, alpha=2 ** 70),
    "full": lambda T, t: T.full((2,), 2 ** 70),
}
ARANGE = [(2 ** 63,), (0, 2 ** 63, 2 ** 62), (2 ** 64,), (-2 ** 63 - 1, 0), (0.0, 2 ** 63),
          (2 ** 62, 2 ** 63 + 5), (0, 10, 2 ** 63), (0.0, 1e30), (0, float("inf")),
          (float("nan"), 3.0), (0.5, float("-inf")), (-2 ** 63, -2 ** 63 + 3),
          (0, 4.0, 2 ** 63)]


def _outcome(call):
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 (the type is what is compared)
        return type(error).__name__, str(error)
    return "ok", result.tolist()


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "float16"])
@pytest.mark.parametrize("name", list(CASES))
def test_int_operands_past_a_scalar_raise_as_torch(real_torch, name, dtype):
    outcomes = [_outcome(lambda: CASES[name](T, T.ones(2, dtype=getattr(T, dtype))))
                for T in (gt, real_torch)]
    assert outcomes[0] == outcomes[1]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [None, "float32", "int8"])
@pytest.mark.parametrize("args", ARANGE, ids=str)
def test_arange_out_of_range_as_torch(real_torch, args, dtype):
    outcomes = [_outcome(lambda: T.arange(*args, **({"dtype": getattr(T, dtype)} if dtype else {})))
                for T in (gt, real_torch)]
    assert outcomes[0] == outcomes[1]
