"""test_saved_tensors.py's cases for issue 7's catalogue (merged into its CASES): each call runs
one op on inputs drawn from [0.5, 2), so domains are shifted inside the call where needed."""

from __future__ import annotations

_ONE = (2, 3)


def _unary(name, *args):
    return [(name, lambda T, a, _n=name: getattr(T, _n)(a, *args), [_ONE])]


def _method(case_id, *args, **kwargs):
    name = case_id.split("_")[0] if case_id not in ("var_mean", "std_mean") else case_id
    return (case_id, lambda T, a: getattr(T, name)(a, *args, **kwargs), [_ONE])


CASES = {
    **{name: _unary(name) for name in (
        "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc",
        "erfinv", "trunc", "frac", "sgn", "nan_to_num")},
    "logit": [("logit", lambda T, a: T.logit(a), [_ONE]),
              ("logit_eps", lambda T, a: T.logit(a, 0.3), [_ONE])],
    "atan2": [("atan2", lambda T, a, b: T.atan2(a, b), [_ONE, _ONE])],
    "xlogy": [("xlogy", lambda T, a, b: T.xlogy(a, b), [_ONE, _ONE]),
              ("xlogy_number_other", lambda T, a: T.xlogy(a, 2.0), [_ONE]),
              ("xlogy_number_self", lambda T, b: T.xlogy(2.0, b), [_ONE])],
    "fmod": [("fmod_scalar", lambda T, a: T.fmod(a, 0.7), [_ONE]),
             ("fmod", lambda T, a, b: T.fmod(a, b), [_ONE, _ONE])],
    "hypot": [("hypot", lambda T, a, b: T.hypot(a, b), [_ONE, _ONE])],
    "deg2rad": [("deg2rad", lambda T, a: T.deg2rad(a), [_ONE])],
    "rad2deg": [("rad2deg", lambda T, a: a.rad2deg(), [_ONE])],
    "logaddexp": [("logaddexp", lambda T, a, b: T.logaddexp(a, b), [_ONE, _ONE]),
                  ("logaddexp_broadcast", lambda T, a, b: T.logaddexp(a, b), [(2, 3), (3,)])],
    "logaddexp2": [("logaddexp2", lambda T, a, b: T.logaddexp2(a, b), [_ONE, _ONE]),
                   ("logaddexp2_broadcast", lambda T, a, b: T.logaddexp2(a, b), [(2, 3), (3,)])],
    # composites: sort, gather and lerp_ save what torch's save (the sort's indices, the weights)
    "quantile": [("quantile", lambda T, a: T.quantile(a, 0.3, 1), [_ONE]),
                 ("quantile_qs", lambda T, a: T.quantile(a, T.tensor([0.2, 0.9], dtype=a.dtype)), [_ONE])],
    "nanquantile": [("nanquantile", lambda T, a: T.nanquantile(a, 0.6, 0, True), [_ONE])],
    "nanmedian": [("nanmedian", lambda T, a: T.nanmedian(a), [_ONE]),
                  ("nanmedian_dim", lambda T, a: T.nanmedian(a, 0)[0], [_ONE])],
    "fmax": [("fmax", lambda T, a, b: T.fmax(a, b), [_ONE, _ONE])],
    "fmin": [("fmin", lambda T, a, b: T.fmin(a, b), [_ONE, _ONE])],
    "float_power": [("float_power", lambda T, a: T.float_power(a, 3), [_ONE]),
                    ("float_power_tensor", lambda T, a, b: T.float_power(a, b), [_ONE, _ONE])],
    "copysign": [("copysign", lambda T, a, b: T.copysign(a, b - 1.2), [_ONE, _ONE]),
                 ("copysign_number", lambda T, a: T.copysign(a, -2), [_ONE])],
    "amax": [_method("amax_dim", 1)], "amin": [_method("amin")],
    "aminmax": [("aminmax", lambda T, a: T.aminmax(a, dim=1), [_ONE])],
    "logsumexp": [_method("logsumexp", 1)],
    "cumprod": [_method("cumprod", 1)],
    "cummax": [_method("cummax", 1)], "cummin": [_method("cummin", 0)],
    "nansum": [_method("nansum")],
    "nanmean": [_method("nanmean", 1)],
    "var_mean": [_method("var_mean", 1)], "std_mean": [_method("std_mean")],
    "sort": [_method("sort", 1)], "topk": [_method("topk", 2)],
    "kthvalue": [_method("kthvalue", 2)], "mode": [_method("mode", 1)],
    "median": [_method("median"), _method("median_dim", 1)],
}
NOT_DIFFERENTIABLE = {
    "heaviside", "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "all", "any",
    "count_nonzero", "argsort", "unique", "isposinf", "isneginf", "isreal",
}
