"""Tensor-by-Python-number rows that torch records under their Scalar overload names.

A tensor times a number from Python code records MulBackward0 (the number is wrapped into a
tensor), but ATen code that multiplies by a C++ Scalar records ``MulBackward1`` and
``DivBackward1``: cross_entropy's label smoothing and its mean over probability targets show them.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.arithmetic import divided_by_one_value, times_by_one_value
from gradrepl.engine.ops.primitive import Primitive, apply_unary
from gradrepl.engine.ops.promotion import half_by_one_value


def _as_dtype(a, scalar):
    # the Scalar is rounded to the tensor's dtype before the float kernel runs
    return a.dtype.type(scalar) if a.dtype.kind == "f" else scalar


def _by_scalar(op):
    def forward(a, scalar):
        out = half_by_one_value(op, a, scalar)  # float16 computes in float32 (promotion.py)
        return op(a, _as_dtype(a, scalar)) if out is None else out
    return forward


# a Scalar argument is no tensor: the formulas save nothing (derivatives.yaml: mul.Scalar,
# div.Scalar)
MUL_SCALAR = Primitive("mul", "MulBackward1", _by_scalar(np.multiply),
                       inputs=("self",), params=("other",),
                       derivatives={"self": lambda grad, other: times_by_one_value(grad, other)})
DIV_SCALAR = Primitive("div", "DivBackward1", _by_scalar(np.true_divide),
                       inputs=("self",), params=("other",),
                       derivatives={"self": lambda grad, other: divided_by_one_value(grad, other)})


def mul_scalar(input, scalar):
    return apply_unary(MUL_SCALAR, input, (scalar,))


def div_scalar(input, scalar):
    return apply_unary(DIV_SCALAR, input, (scalar,))
