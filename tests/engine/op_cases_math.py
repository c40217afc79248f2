"""Cases for issue 7's math catalogue: trigonometric, special, logical and bitwise ops, each
with dtypes, method/in-place/out= forms, errors and second-order gradients. Run by
test_ops_catalogue.py against live torch, else tests/goldens/engine_ops_catalogue.json
(recorded by scripts/record_engine_goldens.py).
"""

from __future__ import annotations

from op_helper import A, Case, T

CASES: list[Case] = []
F16, F64, M = "float16", "float64", (2, 3)


def ints(shape=M, dtype="int64", **kw):
    return A(shape, dtype=dtype, **kw)


def second(f):
    """The gradient of f's sum, itself recorded (create_graph): the case then backpropagates
    through it, which checks the second derivative and the first gradient's grad_fn. (Not the
    nodes beneath it: torch's C++ formulas add Python numbers as Scalars, AddBackward1, where
    gradrepl's record AddBackward0, as Python's x + 1 does.)"""
    def fn(a, *rest):
        return T.autograd.grad(f(a, *rest).sum(), a, create_graph=True)[0]
    return fn


def case(id, fn, inputs=(), **kwargs):
    if id.endswith("second_order"):
        kwargs.setdefault("structure", False)
    if id.startswith("sgn"):
        kwargs.setdefault("backward", False)  # torch's sgn gradient is a ZeroTensor: see sgn_grad
    CASES.append(Case(id, fn, inputs, **kwargs))


def inplace(name, *args):
    def fn(a, *rest):
        b = a.clone()
        return getattr(b, name + "_")(*rest, *args)
    return fn


def into(name, *args):
    """torch.<name>(..., out=t) on inputs that need no gradient."""
    def fn(a, *rest):
        out = T.empty(0, dtype=a.dtype if a.is_floating_point() else T.float32)
        result = getattr(T, name)(a.detach(), *[r.detach() for r in rest], *args, out=out)
        return result is out, out
    return fn


# ---------------------------------------------------------------------------------------------
# one-tensor float functions: domain per op
UNARY = {
    "tan": dict(low=-1.2, high=1.2), "asin": dict(low=-0.9, high=0.9),
    "acos": dict(low=-0.9, high=0.9), "atan": {}, "sinh": {}, "cosh": {}, "asinh": {},
    "acosh": dict(low=1.1, high=3.0), "atanh": dict(low=-0.9, high=0.9), "erf": {}, "erfc": {},
    "erfinv": dict(low=-0.9, high=0.9), "trunc": dict(low=-3, high=3), "frac": dict(low=-3, high=3),
    "sgn": {}, "logit": dict(low=0.05, high=0.95), "nan_to_num": {},
}
for name, domain in UNARY.items():
    fn = (lambda a, n=name: getattr(T, n)(a))
    case(f"{name}", fn, [A(M, **domain)])
    case(f"{name}_f64", fn, [A(M, F64, **domain)])
    case(f"{name}_f16", fn, [A(M, F16, **domain)])
    case(f"{name}_0d", fn, [A((), **domain)])
    case(f"{name}_method", lambda a, n=name: getattr(a, n)(), [A(M, **domain)])
    case(f"{name}_inplace", inplace(name), [A(M, **domain)])
    if name != "sgn":  # sgn's gradient is a ZeroTensor in torch, with no graph to go through
        case(f"{name}_second_order", second(fn), [A((4,), F64, **domain)])
    case(f"{name}_out", into(name), [A(M, **domain)])
    case(f"{name}_int", fn, [ints(low=0, high=1) if name in ("acosh",) else ints()],
         known="torch's float32 cosh(5) is one ulp above the correctly rounded value: it prints "
               "74.2100, gradrepl 74.2099" if name == "cosh" else None)
    case(f"{name}_bool", fn, [A(M, "bool")])
case("out_requires_grad_error", lambda a: T.tan(a, out=T.empty(2, 3)), [M])
case("out_float_into_long_error", lambda a: T.tan(a.detach(), out=T.empty(2, 3, dtype=T.int64)), [M])
case("out_not_a_tensor_error", lambda a: T.atan(a.detach(), out=[1]), [M])
case("out_double_into_float", lambda a: T.tan(a.detach(), out=T.empty(2, 3)), [A(M, F64)])
case("out_resized_with_warning", lambda a: T.erf(a.detach(), out=T.zeros(5)), [M])
case("inplace_int_error", lambda a: a.clone().tan_(), [ints()])
case("inplace_leaf_error", lambda a: a.tan_(), [M])
for alias, name in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                    ("arcsinh", "asinh"), ("arctanh", "atanh"), ("fix", "trunc")):
    case(f"alias_{alias}", lambda a, n=alias: (getattr(T, n)(a), getattr(a, n)()),
         [A(M, low=-0.9, high=0.9)])
case("alias_arccosh", lambda a: T.arccosh(a), [A(M, low=1.1, high=2)])
case("erf_extremes", lambda a: (T.erf(a), T.erfc(a)),
     [A(values=[0.0, -0.0, 1e-8, 3.0, 6.0, -6.0, 30.0, float("inf"), float("nan")])])
case("erfinv_extremes", lambda a: T.erfinv(a),
     [A(values=[-1.0, 1.0, 0.0, 0.999, -0.999999, 1.5, float("nan")])])
case("logit_eps", lambda a: T.logit(a, eps=0.2), [A((6,), low=-0.5, high=1.5)])
case("logit_eps_second_order", second(lambda a: T.logit(a, 0.2)), [A((6,), F64, low=0.05, high=0.95)])
case("logit_outside", lambda a: T.logit(a), [A(values=[-0.5, 0.0, 0.5, 1.0, 1.5])])
case("nan_to_num_values", lambda a: (T.nan_to_num(a), a.nan_to_num(1.0, 2.0, -2.0)),
     [A(values=[float("nan"), float("inf"), -float("inf"), 1.5])])
case("nan_to_num_f16_infinities", lambda a: T.nan_to_num(a), [A(values=[float("inf"), -float("inf")], dtype=F16)])
case("sgn_values", lambda a: T.sgn(a), [A(values=[-2.0, -0.0, 0.0, 3.0, float("nan")])])
case("trunc_frac_values", lambda a: (T.trunc(a), T.frac(a)), [A(values=[-2.5, -0.5, 0.5, 2.7])])
case("asin_outside", lambda a: T.asin(a), [A(values=[-2.0, 0.5, 2.0])])

# ---------------------------------------------------------------------------------------------
# two-tensor functions
case("atan2", lambda a, b: T.atan2(a, b), [M, (3,)])
case("atan2_method", lambda a, b: a.atan2(b), [M, M])
case("atan2_arctan2", lambda a, b: T.arctan2(a, b), [M, (2, 1)])
case("atan2_int", lambda a, b: T.atan2(a, b), [ints(), ints()])
case("atan2_mixed", lambda a, b: T.atan2(a, b), [M, A(M, F64)])
case("atan2_f16", lambda a, b: T.atan2(a, b), [A(M, F16), A(M, F16)])
case("atan2_inplace", lambda a, b: a.clone().atan2_(b), [M, (3,)])
case("atan2_second_order", second(lambda a, b: T.atan2(a, b)), [A((3,), F64), A((3,), F64)])
case("atan2_number_error", lambda a: T.atan2(a, 2), [M])
case("atan2_broadcast_error", lambda a, b: T.atan2(a, b), [M, (4,)])
case("atan2_out", into("atan2"), [M, M])
case("xlogy", lambda a, b: T.xlogy(a, b), [M, A((3,), low=0.1, high=2)])
case("xlogy_zeros", lambda a, b: T.xlogy(a, b),
     [A(values=[0.0, 0.0, 0.0, 1.0, 2.0]), A(values=[0.0, -1.0, float("nan"), 0.0, 3.0])])
case("xlogy_number_other", lambda a: (T.xlogy(a, 2.0), a.xlogy(0)), [A(values=[0.0, 1.0, 2.0])])
case("xlogy_number_self", lambda b: T.xlogy(2, b), [A(M, low=0.1, high=2)])
case("xlogy_int", lambda a, b: T.xlogy(a, b), [ints(), ints(low=0)])
case("xlogy_inplace", lambda a, b: a.clone().xlogy_(b), [M, A(M, low=0.1, high=2)])
case("xlogy_second_order", second(lambda a, b: T.xlogy(a, b)), [A((3,), F64), A((3,), F64, low=0.5)],
     known="torch masks with masked_fill (MaskedFillBackward0), gradrepl with where")
case("lerp_scalar", lambda a, b: T.lerp(a, b, 0.3), [M, (3,)])
case("lerp_scalar_above_half", lambda a, b: a.lerp(b, 0.75), [M, M])
case("lerp_tensor", lambda a, b, w: T.lerp(a, b, w), [M, M, A((3,), low=-0.5, high=1.5)])
case("lerp_inplace", lambda a, b: a.clone().lerp_(b, 0.4), [M, M])
case("lerp_second_order", second(lambda a, b, w: T.lerp(a, b, w)), [A((3,), F64), A((3,), F64), A((3,), F64)])
case("lerp_dtype_error", lambda a, b: T.lerp(a, b, 0.5), [M, A(M, F64)])
case("lerp_int_error", lambda a, b: T.lerp(a, b, 0.5), [ints(), ints()])
case("lerp_f16", lambda a, b: T.lerp(a, b, 0.3), [A(M, F16), A(M, F16)])
case("lerp_f16_tensor_weight", lambda a, b, w: T.lerp(a, b, w), [A(M, F16), A(M, F16), A(M, F16)])
case("lerp_out", into("lerp", 0.6), [M, M])
# out= on the fused and linear-algebra ops main declares (ops/fused.py, ops/addmm.py)
case("addcmul_out", into("addcmul"), [M, M, M])
case("addcdiv_out", into("addcdiv"), [M, M, A(M, low=0.5, high=2)])
case("addmm_out", into("addmm"), [M, (2, 4), (4, 3)])
case("fmod_scalar", lambda a: T.fmod(a, 1.5), [A(M, low=-4, high=4)])
case("fmod_tensor", lambda a, b: T.fmod(a, b), [A(M, low=-4, high=4), A((3,), low=0.5, high=2)])
case("fmod_int", lambda a, b: (T.fmod(a, b), a.fmod(3)), [ints(), ints(low=1)])
case("fmod_int_zero_error", lambda a: T.fmod(a, 0), [ints()])
case("fmod_bool_error", lambda a, b: T.fmod(a, b), [A((3,), "bool"), A((3,), "bool")])
case("fmod_number_first_error", lambda b: T.fmod(2, b), [M], message=False)
case("fmod_inplace", lambda a, b: a.clone().fmod_(b), [A(M, low=-4, high=4), A(M, low=0.5, high=2)])
case("fmod_second_order", second(lambda a: T.fmod(a, 0.7) * a), [A((3,), F64)])
case("hypot", lambda a, b: T.hypot(a, b), [M, (3,)])
case("hypot_inplace", lambda a, b: a.clone().hypot_(b), [M, M])
case("hypot_second_order", second(lambda a, b: T.hypot(a, b)), [A((3,), F64), A((3,), F64)])
case("hypot_int_error", lambda a, b: T.hypot(a, b), [ints(), ints()])
case("hypot_number_error", lambda a: T.hypot(a, 2), [M])
case("heaviside", lambda a, b: T.heaviside(a, b), [A(values=[-1.0, 0.0, 2.0]), A(values=[0.5, 0.5, 0.5])])
case("heaviside_int", lambda a, b: a.heaviside(b), [ints(), ints((3,))])
case("heaviside_dtype_error", lambda a, b: T.heaviside(a, b), [M, ints()])
case("heaviside_requires_grad", lambda a, b: T.heaviside(a, b), [M, M])

# ---------------------------------------------------------------------------------------------
# float tests, logical and bitwise ops
SPECIAL = A(values=[1.0, float("nan"), float("inf"), -float("inf"), 0.0])
for name in ("isnan", "isinf", "isfinite"):
    case(f"{name}", lambda a, n=name: (getattr(T, n)(a), getattr(a, n)()), [SPECIAL])
    case(f"{name}_int", lambda a, n=name: getattr(T, n)(a), [ints()])
    case(f"{name}_f16", lambda a, n=name: getattr(T, n)(a), [A(values=[1.0, float("inf")], dtype=F16)])
DTYPES = ["float32", "int64", "bool", "uint8"]
for name in ("logical_and", "logical_or", "logical_xor"):
    for dtype in DTYPES:
        case(f"{name}_{dtype}", lambda a, b, n=name: getattr(T, n)(a, b),
             [A(M, dtype, low=-1, high=1), A((3,), dtype, low=-1, high=1)])
    case(f"{name}_mixed", lambda a, b, n=name: getattr(a, n)(b), [A(M, low=-1, high=1), ints()])
    case(f"{name}_inplace_float", inplace(name), [A(M, low=-1, high=1), ints(low=-0.4, high=0.4)])
    case(f"{name}_number_error", lambda a, n=name: getattr(T, n)(a, 1), [M])
    case(f"{name}_out", into(name), [ints(), ints()])
case("logical_not", lambda a, b: (T.logical_not(a), b.logical_not()), [A(M, low=-1, high=1), ints(low=-0.4, high=0.4)])
case("logical_not_inplace_float", inplace("logical_not"), [A(M, low=-1, high=1)])
BITS = ["int64", "int32", "int8", "uint8", "bool"]
for dtype in BITS:
    pair = [A(M, dtype, low=-3, high=3), A((3,), dtype, low=-3, high=3)]
    case(f"bitwise_ops_{dtype}", lambda a, b: (a & b, a | b, a ^ b, ~a), pair)
    case(f"bitwise_functions_{dtype}", lambda a, b: (T.bitwise_and(a, b), T.bitwise_or(a, b),
                                                      T.bitwise_xor(a, b), T.bitwise_not(a)), pair)
    case(f"bitwise_inplace_{dtype}", lambda a, b: (a.clone().bitwise_and_(b), a.clone().bitwise_or_(b),
                                                    a.clone().bitwise_xor_(b), a.clone().bitwise_not_()), pair)
for dtype in ("int64", "int32", "int8", "uint8"):
    pair = [A(M, dtype, low=-3, high=3), A((3,), dtype, low=0, high=2)]
    case(f"shifts_{dtype}", lambda a, b: (a << b, a >> b, T.bitwise_left_shift(a, b),
                                          T.bitwise_right_shift(a, b)), pair)
case("shifts_scalars", lambda a: (a << 2, a >> 1, 1 << a, 64 >> a), [ints(low=0, high=1)])
case("shifts_out_of_range", lambda a, b: (a << b, a >> b),
     [A(values=[5, -5, 7, -1], dtype="int64"), A(values=[64, 70, -1, 63], dtype="int64")])
case("shifts_int8_out_of_range", lambda a: (a << 8, a >> 9), [A(values=[5, -5], dtype="int8")])
case("shift_inplace_operators", lambda a: _ishift(a), [ints()])
case("bitwise_scalars", lambda a: (a & 6, 6 | a, a ^ True, a.bitwise_and(3)), [ints()])
case("bitwise_float_error", lambda a: a & 1, [M])
case("bitwise_float_scalar_error", lambda a: a & 1.5, [ints()])
case("bitwise_not_float_error", lambda a: T.bitwise_not(a), [M])
case("invert_float_error", lambda a: ~a, [M])
case("shift_float_error", lambda a: a << 1, [M])
case("shift_bool_error", lambda a: a << a, [A((3,), "bool")])
case("bitwise_out", into("bitwise_xor"), [ints(), ints()])
case("bitwise_broadcast_error", lambda a, b: a & b, [ints(), ints((4,))])
case("floor_divide_catalogue", lambda a, b: (a // b, a // 2, 7 // b),
     [A(M, low=-4, high=4), A(M, low=0.5, high=2)])
case("remainder_catalogue", lambda a, b: (a % b, a % 2.5), [A(M, low=-4, high=4), A(M, low=0.5, high=2)])
case("remainder_number_first", lambda b: 7 % b, [A(M, low=0.5, high=2)])
case("sgn_grad", lambda a: (T.sgn(a).sum().backward(), repr(a.grad))[1], [M])
case("remainder_grad", lambda a, b: a % b, [A(M, low=-4, high=4), A(M, low=0.5, high=2)])


def _ishift(a):
    b = a.clone()
    b <<= 2
    b >>= 1
    b &= 6
    b |= 1
    b ^= 3
    return b
case("tan_of_a_string_error", lambda: T.tan("a"), [])
case("exp_of_a_list_error", lambda: T.exp([1.0]), [])
