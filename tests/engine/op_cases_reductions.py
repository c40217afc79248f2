"""Cases for issue 7's reductions: amax/amin/aminmax, logsumexp, cumulative ops, all/any,
nan-aware sums, order statistics, unique, var_mean/std_mean. Run by test_ops_catalogue.py."""

from __future__ import annotations

from op_cases_math import F16, F64, M, case, ints, into, second
from op_helper import A, T

R3 = (2, 3, 4)
TIES = A(values=[[1.0, 3.0, 3.0, 0.0], [0.0, 2.0, -1.0, 2.0]])
NAN = A(values=[[1.0, float("nan"), 3.0], [0.0, 2.0, -1.0]])

for name in ("amax", "amin"):
    def f(a, *args, n=name, **kw):
        return getattr(T, n)(a, *args, **kw)
    case(f"{name}_all", lambda a, f=f: f(a), [R3])
    case(f"{name}_dim", lambda a, f=f: f(a, 1), [R3])
    case(f"{name}_dims_keepdim", lambda a, f=f: f(a, (0, 2), keepdim=True), [R3])
    case(f"{name}_ties", lambda a, f=f: (f(a), f(a, 1)), [TIES])
    case(f"{name}_nan", lambda a, f=f: f(a, 1), [NAN])
    case(f"{name}_method", lambda a, n=name: getattr(a, n)(-1), [M])
    case(f"{name}_int_bool", lambda a, b, f=f: (f(a, 0), f(b, 1)), [ints(), A(M, "bool")])
    case(f"{name}_f16", lambda a, f=f: f(a, 0), [A(M, F16)])
    case(f"{name}_second_order", second(lambda a, f=f: f(a, 1) ** 2), [A(M, F64)])
    case(f"{name}_empty_error", lambda a, f=f: f(a, 0), [(0, 3)])
    case(f"{name}_out", into(name, 1), [M])
case("aminmax", lambda a: T.aminmax(a), [R3])
case("aminmax_dim", lambda a: T.aminmax(a, dim=1, keepdim=True), [R3])
case("aminmax_method_ties", lambda a: a.aminmax(dim=-1), [TIES])
case("aminmax_one_output", lambda a: T.aminmax(a, dim=0).max * 2, [M])
case("aminmax_int", lambda a: T.aminmax(a), [ints()])
case("aminmax_repr", lambda a: repr(T.aminmax(a, dim=0)), [M])
case("aminmax_empty_error", lambda a: T.aminmax(a), [(0, 3)])
case("logsumexp", lambda a: T.logsumexp(a, 1), [R3])
case("logsumexp_dims_keepdim", lambda a: a.logsumexp((0, 2), keepdim=True), [R3])
case("logsumexp_large", lambda a: T.logsumexp(a * 100, 0), [M])
case("logsumexp_inf", lambda a: T.logsumexp(a, 0),
     [A(values=[[float("inf"), -float("inf")], [1.0, -float("inf")]])])
case("logsumexp_int", lambda a: T.logsumexp(a, 1), [ints()])
case("logsumexp_f16", lambda a: T.logsumexp(a, 1), [A(M, F16)])
case("logsumexp_second_order", second(lambda a: T.logsumexp(a, 1)), [A(M, F64)])
case("logsumexp_0d", lambda a: T.logsumexp(a, 0), [()])
case("cumprod", lambda a: T.cumprod(a, 1), [R3])
case("cumprod_dim0", lambda a: a.cumprod(0), [M])
case("cumprod_zeros", lambda a: a.cumprod(-1),
     [A(values=[[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 1.5], [2.0, 3.0, 0.5, 0.0]])])
case("cumprod_int", lambda a: T.cumprod(a, 1), [ints()])
case("cumprod_dtype", lambda a: T.cumprod(a, 1, dtype=T.float64), [M])
case("cumprod_inplace", lambda a: a.clone().cumprod_(1), [M])
case("cumprod_second_order", second(lambda a: a.cumprod(1)), [A(R3, F64)])
case("cumprod_zeros_second_order", second(lambda a: a.cumprod(0) * a.cumprod(-1)),
     [A(values=[[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 1.5], [2.0, 3.0, 0.5, 0.0]], dtype=F64)])
case("cumprod_f32_large", lambda a: a.cumprod(1), [A((3, 40), low=0.9, high=1.15)])
for name in ("cummax", "cummin"):
    case(f"{name}", lambda a, n=name: getattr(T, n)(a, 1), [R3])
    case(f"{name}_ties", lambda a, n=name: getattr(a, n)(1), [TIES])
    case(f"{name}_nan", lambda a, n=name: getattr(a, n)(1), [A(values=[[1.0, float("nan"), 3.0, -1.0]])])
    case(f"{name}_int", lambda a, n=name: getattr(a, n)(0), [ints()])
    case(f"{name}_values_grad", lambda a, n=name: getattr(a, n)(0).values * 2, [M])
    case(f"{name}_0d", lambda a, n=name: getattr(a, n)(0), [()])
for name in ("all", "any"):
    for dtype in ("float32", "int64", "bool", "uint8"):
        case(f"{name}_{dtype}", lambda a, n=name: (getattr(T, n)(a), getattr(a, n)(1),
                                                   getattr(a, n)(0, keepdim=True)),
             [A(M, dtype, low=-0.5, high=0.5)])
    case(f"{name}_dims", lambda a, n=name: getattr(a, n)((0, 2)), [A(R3, "bool")])
    case(f"{name}_empty", lambda a, n=name: getattr(a, n)(), [(0, 3)])
case("count_nonzero", lambda a: (T.count_nonzero(a), a.count_nonzero(1), T.count_nonzero(a, (0, 1))),
     [A(M, "int64", low=-0.4, high=0.4)])
case("nansum", lambda a: (T.nansum(a), a.nansum(1)), [NAN])
case("nansum_grad", lambda a: T.nansum(a, 0, keepdim=True), [NAN])
case("nansum_int", lambda a: T.nansum(a), [ints()])
case("nanmean", lambda a: (T.nanmean(a), a.nanmean(1)), [NAN])
case("nanmean_grad", lambda a: T.nanmean(a, 1), [NAN])
case("nanmean_int_error", lambda a: T.nanmean(a), [ints()])
case("var_mean", lambda a: T.var_mean(a), [R3])
case("var_mean_dim", lambda a: T.var_mean(a, 1, keepdim=True), [R3])
case("var_mean_correction", lambda a: T.var_mean(a, (0, 2), correction=0), [R3])
case("var_mean_only_mean", lambda a: T.var_mean(a, 1)[1] * 3, [M])
case("std_mean", lambda a: T.std_mean(a), [R3])
case("std_mean_dim", lambda a: T.std_mean(a, dim=0, unbiased=False), [R3],
     known="gradients that should be 0 print as +-6e-08 noise, of other signs than torch's")
case("std_mean_int_error", lambda a: T.std_mean(a), [ints()])
case("var_mean_second_order", second(lambda a: T.var_mean(a, 1)[0]), [A(M, F64)])

for name in ("sort", "argsort"):
    case(f"{name}", lambda a, n=name: getattr(T, n)(a), [R3])
    case(f"{name}_dim_descending", lambda a, n=name: getattr(a, n)(0, descending=True), [R3])
    case(f"{name}_ties", lambda a, n=name: (getattr(a, n)(1), getattr(a, n)(1, descending=True)), [TIES])
    case(f"{name}_stable", lambda a, n=name: getattr(T, n)(a, stable=True, dim=1), [TIES])
    case(f"{name}_nan", lambda a, n=name: (getattr(a, n)(1), getattr(a, n)(1, descending=True)), [NAN])
    case(f"{name}_int_bool", lambda a, b, n=name: (getattr(a, n)(), getattr(b, n)(descending=True)),
         [ints(), A(M, "bool")])
    case(f"{name}_0d", lambda a, n=name: getattr(a, n)(), [()])
case("sort_second_order", second(lambda a: a.sort(1).values ** 2), [A(M, F64)],
     known="torch scatters the gradient back (ScatterBackward0), gradrepl index-puts it")
case("sort_out", lambda a: T.sort(a.detach(), 1, out=(T.empty(0), T.empty(0, dtype=T.int64))), [M])
case("sort_out_bad_indices_error", lambda a: T.sort(a.detach(), out=(T.empty(0), T.empty(0))), [M])
case("topk", lambda a: T.topk(a, 2), [R3])
case("topk_smallest_dim0", lambda a: a.topk(1, dim=0, largest=False), [R3])
case("topk_ties", lambda a: a.topk(3), [TIES])
case("topk_k_error", lambda a: a.topk(5), [M])
case("topk_int", lambda a: a.topk(2), [ints()])
case("kthvalue", lambda a: T.kthvalue(a, 2), [R3])
case("kthvalue_dim_keepdim", lambda a: a.kthvalue(1, 0, True), [R3])
case("kthvalue_ties", lambda a: a.kthvalue(3), [TIES])
case("kthvalue_k_error", lambda a: a.kthvalue(4), [M])
case("median_all", lambda a: T.median(a), [R3])
case("median_all_ties", lambda a: a.median(), [A(values=[1.0, 2.0, 2.0, 2.0, 0.0])])
case("median_all_even", lambda a: a.median(), [A((4,))])
case("median_all_nan", lambda a: a.median(), [NAN])
case("median_dim", lambda a: T.median(a, 1), [R3])
case("median_dim_keepdim_even", lambda a: a.median(-1, keepdim=True), [R3])
case("median_dim_nan", lambda a: a.median(1), [NAN])
case("median_int", lambda a: (a.median(), a.median(0)), [ints()])
case("median_repr", lambda a: repr(a.median(0)), [M])
case("mode", lambda a: T.mode(a), [A(M, "int64", low=-0.5, high=0.5)])
case("mode_float_grad", lambda a: a.mode(1), [TIES])
case("mode_dim0_keepdim", lambda a: a.mode(0, keepdim=True), [A((4, 3), low=-0.4, high=0.4)])
case("unique", lambda a: T.unique(a), [A((10,), "int64", low=-1, high=1)])
case("unique_inverse_counts", lambda a: T.unique(a, return_inverse=True, return_counts=True),
     [A((3, 4), "int64", low=-1, high=1)])
case("unique_counts_float", lambda a: a.unique(return_counts=True), [A(values=[2.0, 1.0, 2.0, -0.0, 0.0])])
case("unique_requires_grad", lambda a: T.unique(a), [A(values=[2.0, 1.0, 2.0])])
case("unique_dim", lambda a: T.unique(a, dim=0, return_inverse=True, return_counts=True),
     [A(values=[[1.0, 2.0], [0.0, 1.0], [1.0, 2.0]])])
case("unique_dim1_int", lambda a: a.unique(dim=1), [A((2, 5), "int64", low=-0.3, high=0.3)])
case("unique_bool", lambda a: T.unique(a, return_inverse=True), [A((5,), "bool")])

# out= for the ops returning several tensors, and what out= does to the tensor it is given
case("topk_out", lambda a: T.topk(a.detach(), 2, out=(T.empty(0), T.empty(0, dtype=T.int64))), [M])
case("aminmax_out", lambda a: T.aminmax(a.detach(), dim=1, out=(T.empty(2), T.empty(2))), [M])
case("median_out", lambda a: T.median(a.detach(), 1, out=(T.empty(0), T.empty(0, dtype=T.int64))), [M])
case("sort_out_single_tensor_error", lambda a: T.sort(a.detach(), out=T.empty(0)), [M], message=False)
case("out_bumps_version", lambda a: _out_version(a), [M])
case("out_under_no_grad", lambda a: _out_no_grad(a), [M])
case("isclose_catalogue", lambda a, b: (T.isclose(a, b), a.isclose(b, rtol=0.5, atol=0.1),
                                        T.isclose(a, a), T.isclose(a, b, equal_nan=True)),
     [A(values=[1.0, float("nan"), 2.0, float("inf")]), A(values=[1.000001, float("nan"), 2.5, float("inf")])])
case("isclose_int", lambda a, b: T.isclose(a, b, atol=1), [ints(), ints()])
case("isclose_dtype_error", lambda a, b: T.isclose(a, b), [M, A(M, F64)])


def _out_version(a):
    out = T.zeros(2, 3)
    before = out._version
    result = T.amax(a.detach(), 0, out=T.zeros(3))
    T.erf(a.detach(), out=out)
    return out._version - before, result


def _out_no_grad(a):
    with T.no_grad():
        return T.logsumexp(a, 1, out=T.empty(2))
case("logsumexp_without_dim_error", lambda a: T.logsumexp(a), [M])
case("mode_empty_dim_error", lambda a: a.mode(0), [(0, 3)])
case("argsort_stable_descending", lambda a: T.argsort(a, descending=True, stable=True),
     [A(values=[1, 2, 1, 2, 0, 2], dtype="int64")])
case("lerp_weight_broadcast", lambda a, b, w: T.lerp(a, b, w), [M, (3,), A((2, 1), low=0, high=1)])
