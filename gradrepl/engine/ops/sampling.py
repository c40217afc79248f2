"""``torch.multinomial``: category indices drawn from rows of weights, as torch's CPU kernel draws.

torch (aten/src/ATen/native/Distributions.cpp, ``multinomial_out``, and
native/cpu/MultinomialKernel.cpp) has two ways to draw, and which one it takes decides which
random numbers are used, so both are reproduced here:

- **the exponential race** when sampling without replacement, *or when drawing one sample* (the
  makemore lessons' ``multinomial(p, 1, replacement=True)`` takes it): one Exp(1) value ``q`` per
  weight, in the memory order of the weights (``empty_like`` keeps a transposed tensor's
  layout), then the largest ``p / q`` (argmax, or topk for several samples) wins;
- **the inverse CDF** when drawing several samples with replacement: per row, the running sum of
  the weights in their own precision (float for half), divided by the total, the last bucket
  set to 1, then one uniform double per sample and a binary search for the first bucket >= it.
  Rows are drawn one after another and checked as they are reached, so a bad row raises after
  the rows above it have drawn.

Each Exp(1) value is torch's ``exponential_distribution<double>``: a uniform double u (a 64-bit
draw's low 53 bits) and ``-log1p(-u)`` from the C library, rounded to the weights' dtype.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.out import OutDtype
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import Tensor, new_tensor

_MAX_CATEGORIES = 1 << 24  # torch indexes categories through float32 (FLOAT32_MAX_CONSECUTIVE_INT)

_NOT_A_DISTRIBUTION = "probability tensor contains either `inf`, `nan` or element < 0"
_SUM_NOT_POSITIVE = "invalid multinomial distribution (sum of probabilities <= 0)"
_NEGATIVE = "invalid multinomial distribution (encountering probability entry < 0)"
_NOT_FINITE = "invalid multinomial distribution (encountering probability entry = infinity or NaN)"


# ---------------------------------------------------------------------------------------------
# Arguments, in the words of torch's argument parser

_PARAMETERS = ("input", "num_samples", "replacement")


def _parse(args: tuple, kwargs: dict, method: bool):
    """(input, num_samples, replacement, generator) from a call of torch.multinomial or of the
    method (whose positions count from num_samples)."""
    names = _PARAMETERS[1:] if method else _PARAMETERS
    if len(args) > len(names):
        low = len(names) - 1
        raise TypeError(f"multinomial() takes from {low} to {len(names)} positional arguments but "
                        f"{len(args)} were given")
    values, positional = dict(zip(names, args)), set(names[:len(args)])
    for key, value in kwargs.items():
        if key not in names and key != "generator":
            raise TypeError(f"multinomial() got an unexpected keyword argument '{key}'")
        if key in values:
            raise TypeError(f"multinomial() got multiple values for argument '{key}'")
        values[key] = value
    missing = [name for name in names[:len(names) - 1] if name not in values]
    if missing:
        quoted = ", ".join(f'"{name}"' for name in missing)
        raise TypeError(f"multinomial() missing {len(missing)} required positional arguments: {quoted}"
                        if len(missing) == 1 else
                        f"multinomial() missing {len(missing)} required positional argument: {quoted}")

    def refuse(name, expected, value):
        where = f" (position {names.index(name) + 1})" if name in positional else ""
        kind = type(value)
        shown = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"multinomial(): argument '{name}'{where} must be {expected}, not {shown}")

    input = values.get("input") if not method else None
    if not method and not isinstance(input, Tensor):
        refuse("input", "Tensor", input)
    num_samples = values["num_samples"]
    count = _as_int(num_samples)
    if count is None:
        refuse("num_samples", "int", num_samples)
    replacement = values.get("replacement", False)
    if type(replacement) is not bool:
        refuse("replacement", "bool", replacement)
    generator = values.get("generator")
    if generator is not None:
        from gradrepl.engine.random import Generator

        if not isinstance(generator, Generator):
            refuse("generator", "torch.Generator", generator)
    return input, count, replacement, generator


def _as_int(value):
    """An int argument as torch's parser reads one: Python and numpy integers and one-element
    integer tensors, but not bools."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Tensor):
        data = value._data
        ok = np.ndim(data) == 0 and np.asarray(data).dtype.kind in "iu"
        return int(data) if ok else None
    try:
        return operator.index(value)
    except TypeError:
        return None


# ---------------------------------------------------------------------------------------------
# torch's checks, in its order


def _check_weights(input: Tensor) -> None:
    """What torch checks before out's dtype: 1 or 2 dims of a floating dtype."""
    if not 1 <= input.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input._data.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           + scalar_type_name(input._data.dtype))


def _check_count(categories: int, count: int, replacement: bool) -> None:
    if count <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and count > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if categories > _MAX_CATEGORIES:
        raise RuntimeError("number of categories cannot exceed 2^24")


def _checks_before_out(*args, **kwargs) -> None:
    input = _parse(args, kwargs, method=False)[0]
    _check_weights(input)


# ---------------------------------------------------------------------------------------------
# The two ways torch draws


def _rows(weights: np.ndarray) -> np.ndarray:
    return weights if weights.ndim == 2 else weights[None]


def _race(weights: np.ndarray, count: int, generator) -> np.ndarray:
    """Without replacement, or one sample: the largest weight / Exp(1) wins."""
    if weights.size == 0:  # torch's validity check is an aminmax
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if not (np.all(weights >= 0) and np.all(weights < np.inf)):  # NaN fails both
        raise RuntimeError(_NOT_A_DISTRIBUTION)
    if not np.all(_rows(weights).any(axis=-1)):
        raise RuntimeError(_SUM_NOT_POSITIVE)
    from gradrepl.engine.random import exponential_values, fill_order

    # q is empty_like(weights).exponential_(): drawn in the memory order of the weights' layout
    order = fill_order(weights)
    drawn = exponential_values(weights.size, 1.0, weights.dtype, generator)
    q = np.transpose(drawn.reshape([weights.shape[d] for d in order]), np.argsort(order))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = weights / q
    if count == 1:
        return np.argmax(ratio, axis=-1)[..., None].astype(np.int64)
    from gradrepl.engine.ops.sorting import topk

    return np.asarray(topk(new_tensor(ratio), count).indices._data, np.int64)


def _inverse_cdf(weights: np.ndarray, count: int, generator) -> np.ndarray:
    """Several samples with replacement: binary searches in each row's normalised running sum."""
    rows = _rows(weights)
    # half and bfloat16 rows are summed in float, the others in their own precision
    accumulate = np.float32 if rows.dtype.itemsize < 4 else rows.dtype
    result = np.empty((rows.shape[0], count), np.int64)
    for i, row in enumerate(rows.astype(accumulate)):
        bad = ~(row >= 0) | np.isinf(row)
        if bad.any():
            first = row[np.argmax(bad)]
            raise RuntimeError(_NOT_FINITE if first >= 0 else _NEGATIVE)
        running = np.cumsum(row, dtype=accumulate)  # one element after another, rounding each
        total = running[-1] if running.size else np.zeros((), accumulate)
        if not total > 0:
            raise RuntimeError(_SUM_NOT_POSITIVE)
        running = running / total
        running[-1] = 1
        uniform = generator.uniform_float64(count)
        # the first bucket whose running sum is >= u, compared in double
        result[i] = np.searchsorted(running.astype(np.float64), uniform, side="left")
    return result.reshape(weights.shape[:-1] + (count,))


# ---------------------------------------------------------------------------------------------
# The op


def _multinomial(input: Tensor, count: int, replacement: bool, generator) -> Tensor:
    from gradrepl.engine.random import _gen

    _check_weights(input)
    weights = np.asarray(input._data)
    _check_count(weights.shape[-1], count, replacement)
    shape = (count,) if weights.ndim == 1 else (weights.shape[0], count)
    if math.prod(shape) == 0:
        return new_tensor(np.empty(shape, np.int64))
    if not replacement or count == 1:
        drawn = _race(weights, count, _gen(generator))
    else:
        drawn = _inverse_cdf(weights, count, _gen(generator))
    return new_tensor(drawn.reshape(shape))


def multinomial(*args, **kwargs):
    """indices drawn from each row of weights (torch's CPU draws, bit for bit)"""
    input, count, replacement, generator = _parse(args, kwargs, method=False)
    return _multinomial(input, count, replacement, generator)


def _multinomial_method(self, *args, **kwargs):
    _, count, replacement, generator = _parse(args, kwargs, method=True)
    return _multinomial(self, count, replacement, generator)


register("multinomial", multinomial, section="sampling", method=_multinomial_method, out=True,
         out_dtype=OutDtype("long", "multinomial expects Long tensor out, got: {out}",
                            checks_first=_checks_before_out),
         differentiable=False, out_resize_warns=False)


# ---------------------------------------------------------------------------------------------
# bernoulli and random_: torch's serial CPU kernels (native/cpu/DistributionTemplates.h), element
# by element in the output's memory order from the same generator:
# - bernoulli with a tensor p: a uniform float (24 bits of one 32-bit draw) per element, or a
#   uniform double (53 bits of a 64-bit draw) when p is float64; 1 where it is below p;
# - bernoulli with a number p: a uniform double per element;
# - random_(): one 32-bit draw per element (a 64-bit one for int64 and float64) modulo the
#   dtype's range (2^mantissa digits + 1 for floats, max + 1 for integers);
#   random_(from, to): modulo to - from (a 64-bit draw when that is 2^32 or more), plus from.
# Their rows have no gradient (zeros), as torch's BernoulliBackward* and RandomBackward*.

def _drawn_in_order(shape_of, values_in_order):
    """Values drawn in the memory order of ``shape_of`` (an array), put back in its shape."""
    from gradrepl.engine.random import fill_order

    order = fill_order(shape_of)
    walked = tuple(shape_of.shape[d] for d in order)
    return np.transpose(np.asarray(values_in_order).reshape(walked), np.argsort(order))


def _zeros_like_grad(F, grad):
    return F.zeros(np.shape(grad), grad)


def _drawn(name, grad_fn_name, inputs=("self",)):
    """A row whose forward returns the values already drawn (its last param)."""
    from gradrepl.engine.ops.primitive import Primitive

    return Primitive(name, grad_fn_name, lambda *arrays: arrays[-1], inputs=inputs,
                     params=("values",), derivatives={inputs[0]: _zeros_like_grad})


BERNOULLI = _drawn("bernoulli", "BernoulliBackward0")
BERNOULLI_INPLACE_NUMBER = _drawn("bernoulli_", "BernoulliBackward2")
BERNOULLI_INPLACE_TENSOR = _drawn("bernoulli_", "BernoulliBackward1", ("self", "p"))
RANDOM_INPLACE_FROM_TO = _drawn("random_", "RandomBackward0")
RANDOM_INPLACE_TO = _drawn("random_", "RandomBackward1")
RANDOM_INPLACE = _drawn("random_", "RandomBackward2")


def _bernoulli_of(p: np.ndarray, layout: np.ndarray, generator) -> np.ndarray:
    """1. where a uniform draw is below p, drawn in layout's memory order; p broadcast to it."""
    from gradrepl.engine.random import _gen

    gen = _gen(generator)
    p = np.broadcast_to(p, layout.shape)
    order_p = _in_memory_order(p, layout)
    n = order_p.size
    u = gen.uniform_float64(n) if p.dtype == np.float64 else gen.uniform_float32(n)
    return _drawn_in_order(layout, u < order_p.astype(u.dtype))


def _in_memory_order(values: np.ndarray, layout: np.ndarray) -> np.ndarray:
    from gradrepl.engine.random import fill_order

    return np.transpose(values, fill_order(layout)).reshape(-1)


def _check_probabilities(p: np.ndarray) -> None:
    if p.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{scalar_type_name(p.dtype)}'")
    if p.size and not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an enhancement "
                           "request to PyTorch.)")


def _check_p_number(p) -> float:
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return p


def _uniform_doubles_below(p: float, layout: np.ndarray, generator) -> np.ndarray:
    from gradrepl.engine.random import _gen

    return _drawn_in_order(layout, _gen(generator).uniform_float64(layout.size) < p)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (each element its own), else 0; with ``p``, every element with
    probability p (input gives the shape and dtype)"""
    from gradrepl.engine.ops.primitive import apply

    data = np.asarray(input._data)
    layout = np.empty(data.shape, data.dtype)  # torch's result is contiguous, filled in order
    if p is None:
        _check_probabilities(data)
        values = _bernoulli_of(data, layout, generator).astype(data.dtype)
        return apply(BERNOULLI, (input,), (values,))
    values = _uniform_doubles_below(_check_p_number(p), layout, generator).astype(data.dtype)
    out = new_tensor(values)
    if input.requires_grad:  # torch records this overload without a derivative
        from gradrepl.engine.ops.arithmetic import _not_implemented

        return apply(_not_implemented("bernoulli", lambda a, v: v, ("self",)), (input,), (values,))
    return out


def bernoulli_(self, p=0.5, *, generator=None):
    from gradrepl.engine.ops.inplace import apply_inplace, check_writable

    data = np.asarray(self._data)
    if isinstance(p, Tensor):
        check_writable(self, (p,))
        p_data = np.asarray(p._data)
        _check_probabilities(p_data)
        try:
            np.broadcast_to(p_data, data.shape)
        except ValueError:
            from gradrepl.engine.ops.shape import expand

            expand(p, tuple(self.shape))  # torch's expand error
        values = _bernoulli_of(p_data, data, generator).astype(data.dtype)
        return apply_inplace(BERNOULLI_INPLACE_TENSOR, self, (p,), (values,))
    check_writable(self)
    values = _uniform_doubles_below(_check_p_number(p), data, generator).astype(data.dtype)
    return apply_inplace(BERNOULLI_INPLACE_NUMBER, self, (), (values,))


_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def _dtype_bounds(dtype: np.dtype):
    """(lowest, highest) random_ may give: the exact integers of a float, an integer's range."""
    if dtype.kind == "f":
        return -(2 ** _DIGITS[dtype]), 2 ** _DIGITS[dtype]
    if dtype.kind == "b":
        return 0, 1
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _check_random_int(value, name="from"):
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))):
        raise _RandomUnmatched


class _RandomUnmatched(Exception):
    pass


def random_(self, *args, generator=None, **kwargs):
    """whole numbers drawn uniformly: over the dtype's range, ``[0, to)`` or ``[from, to)``"""
    from gradrepl.engine.dtypes import CPP_TYPE_NAMES
    from gradrepl.engine.keywords import InvalidArguments
    from gradrepl.engine.ops.inplace import apply_inplace, check_writable
    from gradrepl.engine.random import _gen

    given = dict(kwargs)
    try:
        names = ("from", "to")[2 - len(args):] if len(args) < 2 else ("from", "to")
        if len(args) > 2 or any(k not in ("from", "to") for k in kwargs):
            raise _RandomUnmatched
        bounds = dict(zip(("to",) if len(args) == 1 and "to" not in kwargs else names, args))
        bounds.update(kwargs)
        low, high = bounds.get("from"), bounds.get("to", _ABSENT)
        if low is None and "from" in bounds:
            raise _RandomUnmatched
        if low is not None:
            _check_random_int(low)
        if high is not _ABSENT and high is not None:
            _check_random_int(high)
        if high is None and low is None:
            raise _RandomUnmatched
    except _RandomUnmatched:
        raise InvalidArguments("random_", args, given) from None
    check_writable(self)
    data = np.asarray(self._data)
    dtype = data.dtype
    gen = _gen(generator)
    n = data.size
    if low is None and high is _ABSENT:  # random_(): the whole range
        wide = dtype in (np.dtype(np.int64), np.dtype(np.float64))
        span = 2 ** _DIGITS[dtype] + 1 if dtype.kind == "f" else _dtype_bounds(dtype)[1] + 1
        raw = gen.random64(n) if wide else gen.random32(n)
        drawn = (raw % np.uint64(span)).astype(np.int64)
        row = RANDOM_INPLACE
    else:
        low = 0 if low is None else int(low)
        lowest, highest = _dtype_bounds(dtype)
        type_name = CPP_TYPE_NAMES.get(dtype.name, dtype.name)
        if high is None or high is _ABSENT:
            span = highest - low + 1
            row = RANDOM_INPLACE_FROM_TO
        else:
            high = int(high)
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                                   f"from={low} >= to={high}")
            if dtype.kind != "f":
                if not lowest <= low <= highest:
                    raise RuntimeError(f"from is out of bounds for {type_name}")
                if not lowest <= high - 1 <= highest:
                    raise RuntimeError(f"to - 1 is out of bounds for {type_name}")
            span = high - low
            row = RANDOM_INPLACE_TO if "from" not in bounds else RANDOM_INPLACE_FROM_TO
        raw = gen.random64(n) if span >= 2 ** 32 else gen.random32(n)
        drawn = (raw % np.uint64(span)).astype(np.int64) + low
    values = _drawn_in_order(data, drawn).astype(dtype)
    return apply_inplace(row, self, (), (values,))


_ABSENT = object()

register("bernoulli", bernoulli, section="sampling", inplace=bernoulli_,
         rows=(BERNOULLI, BERNOULLI_INPLACE_NUMBER, BERNOULLI_INPLACE_TENSOR))
register("random_", random_, section="sampling", in_torch=False,
         rows=(RANDOM_INPLACE, RANDOM_INPLACE_TO, RANDOM_INPLACE_FROM_TO))
