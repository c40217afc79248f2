"""Activation rows: leaky_relu, elu, gelu (exact and tanh), silu, softplus and prelu.

Each follows its kernel in aten/src/ATen/native/cpu/Activation.cpp (pytorch/pytorch): the
coefficients are rounded to the tensor's dtype first, then the same operations in the same order.
exp and tanh come from the engine's unary rows, so they match torch as far as those do.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from gradrepl.engine import vector_math as _vector_math
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.float_math import fused as _fused
from gradrepl.engine.float_math import libm as _libm
from gradrepl.engine.float_math import loops as _loops
from gradrepl.engine.float_math import sleef as _sleef
from gradrepl.engine.float_math import sleef_double as _sleef_double
from gradrepl.engine.float_math import sleef_single as _sleef_single
from gradrepl.engine.ops import nn_double_backward as _double
from gradrepl.engine.ops import unary as _un
from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.primitive import Primitive, apply


def _floating_check(name):
    def check(a):
        if a.dtype.kind != "f":
            from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES, from_numpy_dtype

            raise NotImplementedError(
                f'"{name}" not implemented for \'{SCALAR_TYPE_NAMES[from_numpy_dtype(a.dtype)]}\'')
    return check


def _row(name, grad_fn_name, forward, grad, kernel, params=(), twice=None):
    """A row for f(self, *params) whose derivative is ``grad(self, grad, *params)``: it reads
    ``self`` (what torch's formula saves), computed on arrays; under create_graph=True,
    ``twice(grad, self, *params)`` records the gradient as a differentiable op, or the row says
    it is not supported."""
    check = _floating_check(kernel)

    def checked(a, *args):
        check(a)
        return forward(a, *args).astype(a.dtype, copy=False)

    def derivative(F, grad_in, a, *args):
        if F is not arrays:
            if twice is None:
                raise UnsupportedError(f"double backward (create_graph=True) through {name}")
            return twice(grad_in, a, *args)
        return grad(a, np.asarray(grad_in, dtype=a.dtype), *args).astype(a.dtype, copy=False)

    # the names the row reads: F, grad, self and the row's params, in the order passed
    derivative.__signature__ = inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for n in ("F", "grad", "self") + tuple(params)])
    return Primitive(name, grad_fn_name, checked, inputs=("self",), params=params,
                     derivatives={"self": derivative})


_FLOAT_PAIR = (np.dtype(np.float32), np.dtype(np.float64))
_LOG1P_SLEEF = {np.dtype(np.float32): _sleef_single.log1pf,
                np.dtype(np.float64): _sleef_double.log1p}
_EXPM1_SLEEF = {np.dtype(np.float32): _sleef_single.expm1f,
                np.dtype(np.float64): _sleef_double.expm1}


def _sleef_exp(x):
    """SLEEF's exp, as ATen's ``Vectorized<T>::exp`` computes whole vectors (not MKL's)."""
    return _sleef.expf(x) if x.dtype == np.float32 else _sleef.exp(x)


def _fma_same(a, b, c):
    if a.dtype == np.float32:
        return _fused.fma32(a, b, c)
    return _vector_math.fma64(a, b, c)


def _exp(x):
    return _un.EXP.forward(x)


# leaky_relu ------------------------------------------------------------------------------------
def _leaky_relu(a, slope):
    return np.where(a > 0, a, a * a.dtype.type(slope))


def _leaky_relu_grad(a, g, slope):
    return np.where(a > 0, g, g * a.dtype.type(slope))


# differentiable twice (create_graph=True), as a recorded LeakyReluBackwardBackward0
LEAKY_RELU = _row("leaky_relu", "LeakyReluBackward0", _leaky_relu, _leaky_relu_grad,
                  "leaky_relu_cpu", params=("negative_slope",),
                  twice=_double.leaky_relu_backward)


# elu -------------------------------------------------------------------------------------------
def _elu(a, alpha):
    t = a.dtype.type
    if a.dtype in _FLOAT_PAIR:
        # ATen's elu kernel: whole vectors take SLEEF's expm1(x * input_scale) * (alpha * scale)
        # where x < 0, the scalar loop std::expm1 (glibc) where x <= 0
        negative = t(alpha) * t(1.0)

        def vector(x):
            return np.where(x >= 0, x * t(1.0), _EXPM1_SLEEF[x.dtype](x * t(1.0)) * negative)

        def scalar(x):
            return np.where(x <= 0, _libm.call("expm1", x * t(1.0)) * negative, x * t(1.0))
        with np.errstate(over="ignore", invalid="ignore"):
            return _loops.elementwise(a, vector, scalar)
    # the vectorised kernel: expm1(x * input_scale) * (alpha * scale) where x <= 0
    with np.errstate(over="ignore", invalid="ignore"):
        negative = _un.EXPM1.forward(a * t(1.0)) * t(alpha)
    return np.where(a <= 0, negative, a * t(1.0))


def _elu_grad(a, g, alpha):
    t = a.dtype.type
    if a.dtype in _FLOAT_PAIR:
        # elu_backward_kernel: grad * input_scale * (alpha * scale) * exp(x * input_scale) where
        # x <= 0, with SLEEF's exp on whole vectors and glibc's on the rest (not MKL's exp)
        negative = t(alpha) * t(1.0)

        def step(exp):
            def f(d, x):
                return np.where(x <= 0, d * t(1.0) * negative * exp(x * t(1.0)), d * t(1.0))
            return f
        with np.errstate(over="ignore", invalid="ignore"):
            return _loops.elementwise_pair(np.asarray(g, a.dtype), a, step(_sleef_exp),
                                           step(lambda x: _libm.call("exp", x)))
    with np.errstate(over="ignore", invalid="ignore"):
        negative = g * t(1.0) * t(alpha) * _exp(a * t(1.0))
    return np.where(a <= 0, negative, g * t(1.0))


ELU = _row("elu", "EluBackward0", _elu, _elu_grad, "elu_cpu", params=("alpha",),
           twice=_double.activation_backward("elu_backward", "EluBackwardBackward0", _elu_grad,
                                             _double.elu_double_backward, ("alpha",)))


# gelu ------------------------------------------------------------------------------------------
_erf = np.frompyfunc(math.erf, 1, 1)
_SQRT1_2 = 1 / math.sqrt(2)
_SQRT2_PI = math.sqrt(2 / math.pi)
_COEF = 0.044715


def _erf_of(x):
    """erf in float64, rounded once to x's dtype (numpy has no erf)."""
    return _erf(x.astype(np.float64)).astype(np.float64).astype(x.dtype)


def _gelu(a, approximate):
    t = a.dtype.type
    if approximate == "tanh":
        inner = t(_SQRT2_PI) * (a + t(_COEF) * a * a * a)
        return t(0.5) * a * (t(1) + _un.TANH.forward(inner))
    return a * t(0.5) * (t(1) + _erf_of(a * t(_SQRT1_2)))


def _gelu_grad(a, g, approximate):
    t = a.dtype.type
    if approximate == "tanh":
        x_sq = a * a
        x_cube = x_sq * a
        inner = t(_SQRT2_PI) * (a + t(_COEF) * x_cube)
        tanh_inner = _un.TANH.forward(inner)
        left = t(0.5) * a
        right = t(1) + tanh_inner
        left_derivative = t(0.5) * right
        right_derivative = left * (t(1) - tanh_inner * tanh_inner) * (
            t(_SQRT2_PI) * (t(1) + t(3 * _COEF) * x_sq))
        return g * (left_derivative + right_derivative)
    cdf = t(0.5) * (t(1) + _erf_of(a * t(_SQRT1_2)))
    pdf = _exp(t(-0.5) * a * a) * t(2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5)
    return g * (cdf + a * pdf)


GELU = _row("gelu", "GeluBackward0", _gelu, _gelu_grad, "GeluKernelImpl",
            params=("approximate",),
            twice=_double.activation_backward("gelu_backward", "GeluBackwardBackward0", _gelu_grad,
                                              _double.gelu_double_backward, ("approximate",)))


# silu ------------------------------------------------------------------------------------------
def _silu(a):
    if a.dtype not in _FLOAT_PAIR:
        return a / (a.dtype.type(1) + _exp(-a))
    # ATen's silu_kernel: x / (1 + exp(-x)), SLEEF's exp on whole vectors, the C library's on the
    # rest (the same split as sigmoid; not MKL's exp)
    return _loops.elementwise(a, _silu_vector, _silu_scalar)


def _silu_vector(x):
    return x / (x.dtype.type(1) + _sleef_exp(-x))


def _silu_scalar(x):
    return x / (x.dtype.type(1) + _libm.call("exp", -x))


def _silu_grad(a, g):
    one = a.dtype.type(1)
    if a.dtype not in _FLOAT_PAIR:
        sigmoid = one / (one + _exp(-a))
        return g * sigmoid * (one + a * (one - sigmoid))
    # silu_backward_kernel: dy * s * (1 + x * (1 - s)), s = 1 / (1 + exp(-x)); the compiler
    # fuses 1 + x * (1 - s) into one multiply-add in both the vector and the scalar loop
    # (measured against torch 2.13, float and double, 7 to 100003 elements)
    return _loops.elementwise_pair(np.asarray(g, a.dtype), a, _silu_grad_vector,
                                   _silu_grad_scalar)


def _silu_grad_with(exp):
    def step(dy, x):
        one = x.dtype.type(1)
        s = one / (one + exp(-x))
        return dy * s * _fma_same(x, one - s, one)
    return step


_silu_grad_vector = _silu_grad_with(_sleef_exp)
_silu_grad_scalar = _silu_grad_with(lambda x: _libm.call("exp", x))


def _silu_differentiable(grad, a):
    # under grad mode torch's silu backward is infinitely_differentiable_silu_backward, ops that
    # are recorded one by one: grad * sigmoid * (1 + x * (1 - sigmoid))
    sigmoid = apply(_un.SIGMOID, (a,))
    return grad * sigmoid * (1.0 + a * (1.0 - sigmoid))


SILU = _row("silu", "SiluBackward0", _silu, _silu_grad, "silu_cpu", twice=_silu_differentiable)


# softplus --------------------------------------------------------------------------------------
def _softplus(a, beta, threshold):
    t = a.dtype.type
    if a.dtype in _FLOAT_PAIR:
        # softplus_kernel: log1p(exp(x * beta)) / beta where x * beta <= threshold, SLEEF's exp
        # and log1p on whole vectors, glibc's on the rest (not MKL's exp)
        def step(exp, log1p):
            def f(x):
                scaled = x * t(beta)
                return np.where(scaled > t(threshold), x, log1p(exp(scaled)) / t(beta))
            return f
        with np.errstate(over="ignore", invalid="ignore"):
            return _loops.elementwise(
                a, step(_sleef_exp, lambda x: _LOG1P_SLEEF[x.dtype](x)),
                step(lambda x: _libm.call("exp", x), lambda x: _libm.call("log1p", x)))
    scaled = a * t(beta)
    with np.errstate(over="ignore"):
        soft = _un.LOG1P.forward(_exp(scaled)) / t(beta)
    return np.where(scaled > t(threshold), a, soft)


def _softplus_grad(a, g, beta, threshold):
    t = a.dtype.type
    if a.dtype in _FLOAT_PAIR:
        # softplus_backward_kernel: z = exp(x * beta); g * z / (z + 1), SLEEF / glibc as above
        def step(exp):
            def f(d, x):
                scaled = x * t(beta)
                z = exp(scaled)
                return np.where(scaled > t(threshold), d, d * z / (z + t(1)))
            return f
        with np.errstate(over="ignore", invalid="ignore"):
            return _loops.elementwise_pair(np.asarray(g, a.dtype), a, step(_sleef_exp),
                                           step(lambda x: _libm.call("exp", x)))
    scaled = a * t(beta)
    with np.errstate(over="ignore", invalid="ignore"):
        z = _exp(scaled)
        soft = g * z / (z + t(1))
    return np.where(scaled > t(threshold), g, soft)


SOFTPLUS = _row("softplus", "SoftplusBackward0", _softplus, _softplus_grad, "softplus_cpu",
                params=("beta", "threshold"),
                twice=_double.activation_backward(
                    "softplus_backward", "SoftplusBackwardBackward0", _softplus_grad,
                    _double.softplus_double_backward, ("beta", "threshold")))


# prelu: one learnable slope per channel (or one for all) ---------------------------------------
def _prelu(a, w):
    return np.where(a > 0, a, w * a).astype(a.dtype, copy=False)


def _prelu_backward(g, inputs, out, params, needs):
    a, w = inputs
    grad_a = np.where(a > 0, g, w * g).astype(a.dtype, copy=False) if needs[0] else None
    grad_w = None
    if needs[1]:
        from gradrepl.engine.ops.backends import arrays

        grad_w = arrays.sum_to(np.where(a > 0, a.dtype.type(0), a * g).astype(a.dtype), w)
    return grad_a, grad_w


def _prelu_recorded(F, g, inputs, out, params, needs):
    # _prelu_kernel_backward as one node with two outputs (PreluKernelBackwardBackward0)
    from gradrepl.engine.ops.linalg_decomp import record_outputs
    from gradrepl.engine.tensor import data_of

    # torch's kernel gives the weight's gradient at the input's shape; the engine then sums it to
    # the weight's (SumBackward1), as torch's engine reduces a gradient to its input's shape
    a, w = inputs
    a_data, g_data = data_of(a), np.asarray(data_of(g), dtype=data_of(a).dtype)
    grads = (_prelu_backward(g_data, (a_data, data_of(w)), None, (), (True, False))[0],
             np.where(a_data > 0, a_data.dtype.type(0), a_data * g_data).astype(a_data.dtype))
    grad_a, grad_w = record_outputs(_double.PRELU_KERNEL_BACKWARD, grads, (g, a, w), ())
    return (grad_a if needs[0] else None, F.sum_to(grad_w, w) if needs[1] else None)


# torch's one formula for both inputs (_prelu_kernel_backward) reads both
PRELU = Primitive("prelu", "PreluKernelBackward0", _prelu,
                  twice(_prelu_backward, _prelu_recorded),
                  inputs=("self", "weight"), saves=("self", "weight"))


# hardtanh: clamp to [min_val, max_val]; relu6 is hardtanh(0, 6) -----------------------------------
def _hardtanh(a, min_val, max_val):
    t = a.dtype.type
    return np.minimum(np.maximum(a, t(min_val)), t(max_val))


def _hardtanh_grad(a, g, min_val, max_val):
    # hardtanh_backward: zero where self <= min_val or self >= max_val (nan passes grad through)
    t = a.dtype.type
    return np.where((a <= t(min_val)) | (a >= t(max_val)), t(0), g)


def _hardtanh_double(F, grad, grad_output, self, min_val, max_val):
    return F.zeros(np.shape(grad), grad)  # derivatives.yaml: self: zeros_like(grad)


_HARDTANH_BACKWARD = _double.activation_backward(
    "hardtanh_backward", "HardtanhBackwardBackward0", _hardtanh_grad, _hardtanh_double,
    ("min_val", "max_val"))


def _hardtanh_derivative(F, grad, self, min_val, max_val):
    if F is not arrays:
        return _HARDTANH_BACKWARD(grad, self, min_val, max_val)
    return _hardtanh_grad(self, np.asarray(grad, dtype=self.dtype), min_val,
                          max_val).astype(self.dtype, copy=False)


# integer tensors are clamped too (torch's hardtanh is clamp); only floats take a gradient
HARDTANH = Primitive("hardtanh", "HardtanhBackward0", _hardtanh, inputs=("self",),
                     params=("min_val", "max_val"), derivatives={"self": _hardtanh_derivative})
