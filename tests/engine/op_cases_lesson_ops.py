"""Cases for the ops autograd lessons reach for beyond arithmetic: extrema, clamp, softmax,
norms and statistics, more elementwise functions. Appended to op_cases.CASES (imported at the end
of op_cases.py), so the same helper, goldens and recording script cover them.
"""

from __future__ import annotations

from op_cases import F16, F64, M, case, ints
from op_helper import A, T

TIES = A(values=[[1.0, 3.0, 3.0], [0.0, 2.0, 3.0]])
NAN = A(values=[[1.0, float("nan"), 3.0], [0.0, 2.0, -1.0]])
R3 = (2, 3, 4)

# ---------------------------------------------------------------------------------------------
# max / min / maximum / minimum / argmax / argmin
for name in ("max", "min"):
    def m(a, *args, n=name, **kw):
        return getattr(a, n)(*args, **kw)
    case(f"{name}_all", lambda a, m=m: m(a), [R3])
    case(f"{name}_all_ties_evenly", lambda a, m=m: m(a), [TIES])
    case(f"{name}_all_nan", lambda a, m=m: m(a), [NAN])
    case(f"{name}_dim", lambda a, m=m: m(a, 1), [R3])
    case(f"{name}_dim_neg_keepdim", lambda a, m=m: m(a, -1, keepdim=True), [R3])
    case(f"{name}_dim_kw", lambda a, m=m: m(a, dim=0), [M])
    case(f"{name}_dim_ties_first_index", lambda a, m=m: m(a, 1), [TIES])
    case(f"{name}_dim_nan", lambda a, m=m: m(a, 1), [NAN])
    case(f"{name}_dim_values_only", lambda a, m=m: m(a, 0).values * 2, [M])
    case(f"{name}_dim_indices", lambda a, m=m: m(a, 0)[1], [M])
    case(f"{name}_dim_repr", lambda a, m=m: repr(m(a, 1)), [M])
    case(f"{name}_dim_repr_keepdim", lambda a, m=m: repr(m(a, 0, keepdim=True)), [M])
    case(f"{name}_0d", lambda a, m=m: m(a), [()])
    case(f"{name}_0d_dim", lambda a, m=m: m(a, 0), [()])
    case(f"{name}_int", lambda a, m=m: (m(a), m(a, 0)), [ints()])
    case(f"{name}_bool", lambda a, m=m: (m(a), m(a, 0)), [A((2, 3), "bool")])
    case(f"{name}_f16", lambda a, m=m: (m(a), m(a, 1)), [A(M, F16)])
    case(f"{name}_empty", lambda a, m=m: m(a), [(0, 3)])
    case(f"{name}_empty_dim", lambda a, m=m: m(a, 0), [(0, 3)])
    case(f"{name}_empty_other_dim", lambda a, m=m: m(a, 1), [(0, 3)])
    case(f"{name}_bad_dim", lambda a, m=m: m(a, 2), [M])
    case(f"torch_{name}", lambda a, n=name: getattr(T, n)(a), [M])
    case(f"torch_{name}_dim", lambda a, n=name: getattr(T, n)(a, 1, True), [M])
    case(f"torch_{name}_binary", lambda a, b, n=name: getattr(T, n)(a, b), [M, (3,)])
for name in ("maximum", "minimum"):
    case(f"{name}", lambda a, b, n=name: getattr(T, n)(a, b), [M, M])
    case(f"{name}_broadcast", lambda a, b, n=name: getattr(T, n)(a, b), [M, (2, 1)])
    case(f"{name}_ties_halve", lambda a, b, n=name: getattr(T, n)(a, b),
         [A(values=[1.0, 2.0, 3.0]), A(values=[1.0, 0.0, 3.0])])
    case(f"{name}_method", lambda a, b, n=name: getattr(a, n)(b), [M, ()])
    case(f"{name}_mixed_dtype", lambda a, b, n=name: getattr(T, n)(a, b), [M, A((3,), F64)])
    case(f"{name}_int_float", lambda a, b, n=name: getattr(T, n)(a, b), [ints(), M])
    case(f"{name}_nan", lambda a, b, n=name: getattr(T, n)(a, b), [NAN, M])
    case(f"{name}_broadcast_error", lambda a, b, n=name: getattr(T, n)(a, b), [M, (4,)])
    case(f"{name}_scalar_error", lambda a, n=name: getattr(T, n)(a, 1.0), [M])
for name in ("argmax", "argmin"):
    case(f"{name}_all", lambda a, n=name: getattr(a, n)(), [R3])
    case(f"{name}_dim", lambda a, n=name: getattr(a, n)(1), [R3])
    case(f"{name}_keepdim", lambda a, n=name: getattr(T, n)(a, dim=-1, keepdim=True), [R3])
    case(f"{name}_all_keepdim", lambda a, n=name: getattr(T, n)(a, keepdim=True), [M])
    case(f"{name}_ties", lambda a, n=name: (getattr(a, n)(), getattr(a, n)(1)), [TIES])
    case(f"{name}_nan", lambda a, n=name: (getattr(a, n)(), getattr(a, n)(0)), [NAN])
    case(f"{name}_int", lambda a, n=name: getattr(a, n)(0), [ints()])
    case(f"{name}_empty", lambda a, n=name: getattr(a, n)(), [(0, 3)])
case("max_then_backward_chain", lambda a: (a * 2).max(1).values.sum() + a.min(), [M])

# ---------------------------------------------------------------------------------------------
# clamp / clip / clamp_min / clamp_max
CLAMP_X = A(values=[1.0, -2.0, 3.0, float("nan"), 0.5, -1.0])
case("clamp_both", lambda a: a.clamp(-1, 1), [CLAMP_X])
case("clamp_min_kw", lambda a: a.clamp(min=0), [CLAMP_X])
case("clamp_max_kw", lambda a: a.clamp(max=0.5), [CLAMP_X])
case("clamp_crossed", lambda a: a.clamp(2, 1), [CLAMP_X])
case("clamp_torch", lambda a: T.clamp(a, -0.5, 0.5), [M])
case("clip_method", lambda a: a.clip(0, 1), [M])
case("clip_torch", lambda a: T.clip(a, min=-1), [M])
case("clamp_no_bounds", lambda a: a.clamp(), [M])
case("clamp_none_bounds", lambda a: T.clamp(a, None, None), [M])
case("clamp_int", lambda a: a.clamp(0, 2), [ints()])
case("clamp_int_float_bound", lambda a: a.clamp(0.5), [ints()])
case("clamp_bool", lambda a: a.clamp(0, 1), [A((3,), "bool")])
case("clamp_f16", lambda a: a.clamp(-0.5, 0.5), [A(M, F16)])
case("clamp_min_method", lambda a: a.clamp_min(0.25), [CLAMP_X])
case("clamp_max_method", lambda a: T.clamp_max(a, 0.25), [CLAMP_X])
case("clamp_tensor_bounds", lambda a, lo, hi: a.clamp(lo, hi),
     [CLAMP_X, A(values=[0.0, 0.0, 3.0, 0.0, 1.0, -2.0]), A(values=[2.0, -3.0, 3.0, 1.0, 2.0, -1.5])])
case("clamp_tensor_min_only", lambda a, lo: a.clamp(min=lo), [M, (3,)])
case("clamp_tensor_max_only", lambda a, hi: T.clamp(a, max=hi), [M, (2, 1)])
case("clamp_min_tensor", lambda a, lo: a.clamp_min(lo), [M, M])
case("clamp_max_tensor", lambda a, hi: a.clamp_max(hi), [M, ()])
case("clamp_mixed_bounds_error", lambda a, hi: a.clamp(0, hi), [M, M])
case("clamp_relu_chain", lambda a: (a.clamp(min=0) * a).sum(), [M])

# ---------------------------------------------------------------------------------------------
# softmax / log_softmax
BIG = A(values=[[1000.0, 1001.0, 999.0], [-1000.0, 0.0, 1000.0]])
for name in ("softmax", "log_softmax"):
    case(f"{name}_last", lambda a, n=name: getattr(a, n)(-1), [R3])
    case(f"{name}_dim0", lambda a, n=name: getattr(T, n)(a, 0), [R3])
    case(f"{name}_dim1_kw", lambda a, n=name: getattr(T, n)(a, dim=1), [R3])
    case(f"{name}_1d", lambda a, n=name: getattr(a, n)(0), [(5,)])
    case(f"{name}_large_values", lambda a, n=name: getattr(a, n)(1), [BIG])
    case(f"{name}_inf", lambda a, n=name: getattr(a, n)(1),
         [A(values=[[float("-inf"), 0.0, 1.0], [float("inf"), 0.0, 1.0]])])
    case(f"{name}_nan", lambda a, n=name: getattr(a, n)(1), [NAN])
    case(f"{name}_f64", lambda a, n=name: getattr(a, n)(1), [A(M, F64)])
    case(f"{name}_f16", lambda a, n=name: getattr(a, n)(1), [A(M, F16)])
    case(f"{name}_0d", lambda a, n=name: getattr(a, n)(0), [()])
    case(f"{name}_empty", lambda a, n=name: getattr(a, n)(0), [(0, 3)])
    case(f"{name}_int_error", lambda a, n=name: getattr(a, n)(1), [ints()])
    case(f"{name}_int_error_dim0", lambda a, n=name: getattr(a, n)(0), [ints()])
    case(f"{name}_int_dtype", lambda a, n=name: getattr(T, n)(a, 1, dtype=T.float64), [ints()])
    case(f"{name}_dtype_kw", lambda a, n=name: getattr(a, n)(0, dtype=T.float64), [M])
    case(f"{name}_no_dim", lambda a, n=name: getattr(T, n)(a), [M])
    case(f"{name}_bad_dim", lambda a, n=name: getattr(a, n)(2), [M])
case("softmax_of_scores_chain", lambda a, b: (T.softmax(a @ b, 1) * T.log_softmax(a @ b, 1)).sum(),
     [(2, 3), (3, 4)])

# ---------------------------------------------------------------------------------------------
# More elementwise functions
POSITIVE = A((2, 3), low=0.2, high=3.0)
SPECIAL = A(values=[-1.0, 0.0, -0.0, 1.0, float("inf"), float("nan")], grad=True)
for name, domain in {"exp2": M, "log2": POSITIVE, "log10": POSITIVE, "log1p": A(M, low=-0.5),
                     "expm1": M, "rsqrt": POSITIVE, "sign": M, "floor": M, "ceil": M,
                     "round": A(values=[[0.5, 1.5, 2.5], [-0.5, -1.49, 2.51]]), "square": M}.items():
    case(f"{name}_method", lambda a, n=name: getattr(a, n)(), [domain])
    case(f"torch_{name}", lambda a, n=name: getattr(T, n)(a), [domain])
    case(f"{name}_special", lambda a, n=name: getattr(a, n)(), [SPECIAL])
    case(f"{name}_int", lambda a, n=name: getattr(a, n)(), [ints()])
    case(f"{name}_bool", lambda a, n=name: getattr(a, n)(), [A((2,), "bool")])
    case(f"{name}_f64", lambda a, n=name: getattr(a, n)(), [A(M, F64, low=0.2)])
    case(f"{name}_f16", lambda a, n=name: getattr(a, n)(), [A(M, F16, low=0.2)])
    case(f"{name}_chain", lambda a, n=name: (getattr(a, n)() * a).sum(), [domain])
case("round_decimals", lambda a: a.round(decimals=2), [M])
case("torch_round_decimals", lambda a: T.round(a, decimals=1), [A(M, F64)])

# ---------------------------------------------------------------------------------------------
# norm / std / var
WITH_ZERO_ROW = A(values=[[0.0, 0.0, 0.0], [3.0, -4.0, 1.0]])
INF_TIES = A(values=[[1.0, -3.0, 3.0], [2.0, 0.5, -1.0]])
case("norm_default", lambda a: a.norm(), [R3])
case("norm_torch", lambda a: T.norm(a), [M])
case("norm_dim", lambda a: a.norm(dim=1), [R3])
case("norm_dim_keepdim", lambda a: T.norm(a, 2, -1, True), [R3])
case("norm_dims_tuple", lambda a: a.norm(dim=(0, 2)), [R3])
case("norm_p1", lambda a: a.norm(1), [M])
case("norm_p1_dim", lambda a: a.norm(p=1, dim=0), [M])
case("norm_inf", lambda a: a.norm(float("inf")), [INF_TIES])
case("norm_inf_dim", lambda a: a.norm(float("inf"), dim=1), [INF_TIES])
case("norm_neg_inf", lambda a: a.norm(float("-inf")), [M])
case("norm_p3", lambda a: a.norm(3), [M])
case("norm_p0", lambda a: a.norm(0), [WITH_ZERO_ROW])
case("norm_fro", lambda a: a.norm("fro"), [M])
case("norm_zero_row", lambda a: a.norm(dim=1), [WITH_ZERO_ROW])
case("norm_all_zero", lambda a: a.norm(), [A(values=[0.0, 0.0])])
case("norm_0d", lambda a: a.norm(), [()])
case("norm_f64", lambda a: a.norm(), [A(M, F64)])
case("norm_f16", lambda a: a.norm(dim=0), [A(M, F16)])
case("norm_dtype", lambda a: a.norm(dtype=T.float64), [M])
case("norm_int_error", lambda a: a.norm(), [ints()])
case("norm_bad_dim", lambda a: a.norm(dim=2), [M])
case("norm_large_values", lambda a: a.norm(), [A(values=[1e20, 1e20, 3e19])])
for name in ("std", "var"):
    case(f"{name}_all", lambda a, n=name: getattr(a, n)(), [R3])
    case(f"{name}_torch", lambda a, n=name: getattr(T, n)(a), [M])
    case(f"{name}_dim", lambda a, n=name: getattr(a, n)(1), [R3])
    case(f"{name}_dim_keepdim", lambda a, n=name: getattr(a, n)(-1, keepdim=True), [R3])
    case(f"{name}_dims_tuple", lambda a, n=name: getattr(a, n)((0, 2)), [R3])
    case(f"{name}_unbiased_false", lambda a, n=name: getattr(a, n)(unbiased=False), [M])
    case(f"{name}_positional_unbiased", lambda a, n=name: getattr(a, n)(0, False, True), [M])
    case(f"{name}_bool_overload", lambda a, n=name: getattr(a, n)(False), [M])
    case(f"{name}_correction0", lambda a, n=name: getattr(a, n)(dim=1, correction=0), [M])
    case(f"{name}_correction2", lambda a, n=name: getattr(T, n)(a, 1, correction=2), [R3])
    case(f"{name}_single_element", lambda a, n=name: getattr(a, n)(), [(1,)])
    case(f"{name}_constant", lambda a, n=name: getattr(a, n)(0), [A(values=[[2.0, 1.0], [2.0, 3.0]])])
    case(f"{name}_0d", lambda a, n=name: getattr(a, n)(), [()])
    case(f"{name}_f64", lambda a, n=name: getattr(a, n)(0), [A(M, F64)])
    case(f"{name}_f16", lambda a, n=name: getattr(a, n)(1), [A(M, F16)])
    case(f"{name}_int_error", lambda a, n=name: getattr(a, n)(), [ints()])
    case(f"{name}_both_error", lambda a, n=name: getattr(a, n)(unbiased=True, correction=1), [M])
    case(f"{name}_bad_dim", lambda a, n=name: getattr(a, n)(3), [M])
case("std_normalize_chain", lambda a: ((a - a.mean(1, keepdim=True)) / a.std(1, keepdim=True)).sum(), [R3])

# ---------------------------------------------------------------------------------------------
# prod / cumsum
ONE_ZERO = A(values=[[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]])
TWO_ZEROS = A(values=[[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]])
case("prod_all", lambda a: a.prod(), [A(M, low=0.5, high=1.5)])
case("prod_dim", lambda a: a.prod(1), [R3])
case("prod_dim_keepdim", lambda a: T.prod(a, -1, keepdim=True), [R3])
case("prod_dim_kw", lambda a: a.prod(dim=0), [M])
case("prod_one_zero", lambda a: (a.prod(), a.prod(1), a.prod(0)), [ONE_ZERO])
case("prod_two_zeros", lambda a: (a.prod(), a.prod(1), a.prod(0)), [TWO_ZEROS])
case("prod_0d", lambda a: (a.prod(), a.prod(0)), [()])
case("prod_int", lambda a: (a.prod(), a.prod(0)), [ints(dtype="int32")])
case("prod_bool", lambda a: a.prod(), [A((3,), "bool")])
case("prod_f16", lambda a: a.prod(1), [A(M, F16)])
case("prod_dtype", lambda a: a.prod(dtype=T.float64), [M])
case("prod_empty", lambda a: (a.prod(), a.prod(0)), [(0, 3)])
case("prod_bad_dim", lambda a: a.prod(2), [M])
case("cumsum_dim0", lambda a: a.cumsum(0), [R3])
case("cumsum_last", lambda a: T.cumsum(a, dim=-1), [R3])
case("cumsum_1d", lambda a: a.cumsum(0), [(6,)])
case("cumsum_0d", lambda a: a.cumsum(0), [()])
case("cumsum_int", lambda a: a.cumsum(1), [ints(dtype="int32")])
case("cumsum_bool", lambda a: a.cumsum(0), [A((4,), "bool")])
case("cumsum_f16", lambda a: a.cumsum(1), [A(M, F16)])
case("cumsum_dtype", lambda a: a.cumsum(0, dtype=T.float64), [M])
case("cumsum_no_dim", lambda a: a.cumsum(), [M])
case("cumsum_bad_dim", lambda a: a.cumsum(2), [M])


def clamp_inplace(a, *args, **kw):
    a = a.clone(); a.clamp_(*args, **kw); return a  # noqa: E702


case("clamp_inplace", lambda a: clamp_inplace(a, -0.5, 0.5), [M])
case("clamp_inplace_min_kw", lambda a: clamp_inplace(a, min=0), [CLAMP_X])
case("clamp_inplace_tensor", lambda a, lo, hi: clamp_inplace(a, lo, hi), [M, (3,), A((2, 1), low=0.5)])
case("clamp_inplace_int_float_error", lambda a: a.clamp_(0.5), [ints()])
case("clamp_inplace_int", lambda a: a.clamp_(0, 2), [ints()])
case("clamp_inplace_leaf_error", lambda a: a.clamp_(min=0), [M])
case("clamp_min_inplace", lambda a: a.clone().clamp_min_(0.1), [M])
case("clamp_max_inplace_tensor", lambda a, b: a.clone().clamp_max_(b), [M, (3,)])
case("clip_inplace_no_grad", lambda a: (a.detach().clip_(0, 1), a), [M])
case("max_dim_type_and_fields",
     lambda a: (str(type(a.max(1))), isinstance(a.max(1), T.return_types.max), tuple(a.min(0))),
     [M])
