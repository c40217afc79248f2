"""``out=``: writing an op's result into a tensor the user supplies, for every op that takes it.

An op declares ``out=True`` in the registry (``register(..., out=True)``) exactly when torch's
function accepts ``out=``; the registry then wraps ``torch.<name>`` with ``with_out``, so no op
handles the keyword itself. torch's rules, in the order torch checks them:

- autograd: ``out=`` is refused when grad mode is on and an argument (or ``out``) requires grad;
- dtypes, by the op's ``out_dtype`` (torch checks them op by op): ``"cast"`` (elementwise
  functions: the result is cast to ``out``'s dtype within or up a category, float64 into float32
  is fine, float into an integer tensor is not), ``"exact"`` (structured kernels such as mm,
  tril, gather: ``Expected out tensor to have dtype double, but got float instead``), ``"same"``
  (abs, neg, round: ``Found dtype Float but expected Double``), ``"computes"`` (cumsum: any
  dtype, the op computing in ``out``'s dtype as if given ``dtype=``); index outputs must be
  int64 exactly. Ops that check in their own words (amax: "Expected the dtype for input and out
  to match, ...", all: "all only supports bool tensor for result, got: Long") declare an
  ``OutDtype``: which dtypes they accept and torch's message, per output in torch's order. Every
  dtype is checked before anything is written;
- shapes: ``out`` is resized to the result's shape, with torch's deprecation warning when it
  had elements;
- ``out`` is changed in place (its version goes up) and is what the function returns.

Ops returning several tensors (``sort``: values, indices) take a tuple of as many tensors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from gradrepl.engine.errors import python_type_name
from gradrepl.engine import grad_mode
from gradrepl.engine.dtypes import CPP_TYPE_NAMES, LEGACY_TYPE_NAMES, from_numpy_dtype, scalar_type_name
from gradrepl.engine.errors import NotAnOperand
from gradrepl.engine.keywords import InvalidArguments, check_overloads
from gradrepl.engine.torch_signatures import SIGNATURES
from gradrepl.engine.tensor import Tensor
from gradrepl.engine.warn import warn_user

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


POLICIES = ("cast", "exact", "same", "computes")


@dataclass(frozen=True)
class OutDtype:
    """One op's own check of an ``out`` tensor's dtype: ``accepts`` one of ``ACCEPTS``, else
    ``message`` formatted with the op's ``name`` and the out's and the result's dtypes as torch
    names them: ``out``/``result`` (Long), ``out_cpp``/``result_cpp`` (long int),
    ``out_legacy``/``result_legacy`` (torch.LongTensor). ``output``: which result it checks (the
    values 0, the indices 1); ``computes``: the op then computes in out's dtype (cumsum);
    ``overload``: the check applies only when the op returns that many results (max(x) checks
    otherwise than max(x, dim)); ``error``: the exception torch raises; ``checks_first``: a
    function of the op's arguments raising what torch checks before out's dtype, which is then
    checked before anything is computed (multinomial: its dims, then out, then its draws)."""

    accepts: str
    message: str
    output: int = 0
    computes: bool = False
    overload: int = 0
    error: type = RuntimeError
    checks_first: object = None  # torch's checks of the other arguments that precede this one

    def refusal(self, name: str, result, out):
        """torch's message when ``out`` (a numpy dtype) cannot hold ``result``, else None."""
        if _ACCEPTS[self.accepts](np.dtype(result), np.dtype(out)):
            return None
        names = {}
        for role, dtype in (("out", out), ("result", result)):
            dtype = np.dtype(dtype)
            names[role] = scalar_type_name(dtype)
            names[role + "_cpp"] = CPP_TYPE_NAMES[dtype.name]
            # torch's argument checks name a bool tensor by its C++ type
            names[role + "_legacy"] = "CPUBoolType" if dtype == np.bool_ else LEGACY_TYPE_NAMES[from_numpy_dtype(dtype)]
        return self.message.format(name=name, **names)


_ACCEPTS = {
    "exact": lambda result, out: result == out,
    "cast": lambda result, out: _CATEGORY[result.kind] <= _CATEGORY[out.kind],
    "float": lambda result, out: out.kind == "f",
    "bool_or_byte": lambda result, out: out == np.bool_ or out == np.uint8,
    "not_bool": lambda result, out: out != np.bool_,
    "long": lambda result, out: out == np.int64,
}
ACCEPTS = tuple(_ACCEPTS)


def _own_checks(dtype_rule) -> tuple:
    if isinstance(dtype_rule, OutDtype):
        return (dtype_rule,)
    return dtype_rule if isinstance(dtype_rule, tuple) else ()


def with_out(name: str, function, results: int = 1, dtype_rule: str = "cast", needs=None,
             autograd_name: str | None = None, composite: bool = False,
             differentiable: bool = True, warns_on_resize: bool = True,
             not_implemented: bool = False):
    """``function`` accepting ``out=``, by torch's rules (see the module docstring); ``results``
    is how many tensors it returns (``out`` is then a tuple of as many), or a tuple of counts for
    an op whose overloads differ (``max(x)`` one tensor, ``max(x, dim)`` values and indices).
    ``needs``: (position, keyword) of the argument without which torch's overload takes no
    ``out=`` (``sum(x)`` has none, ``sum(x, dim)`` has). ``autograd_name``: the kernel torch's
    autograd check names when it is not ``name`` (torch.linalg.det's is ``_linalg_det``);
    ``composite``: torch computes the op from others and copies the result into ``out``, so a
    result that requires grad is allowed and ``out`` records ``CopyBackwards`` (linalg.norm).
    ``differentiable=False``: torch has no derivative for the op (argmax, eq, nonzero,
    multinomial): no refusal of inputs that require grad. ``warns_on_resize=False``: torch's
    kernel resizes ``out`` itself, without the deprecation warning (multinomial).
    ``not_implemented``: torch records the op without a derivative (``<NotImplemented>``,
    floor_divide, heaviside), out= included: inputs that require grad give ``out`` that node
    as its grad_fn; only an ``out`` that requires grad is refused (in the words of
    ``aten::<name>``)."""
    counts = results if isinstance(results, tuple) else (results,)
    how = _How(autograd_name or name, composite, differentiable, warns_on_resize, not_implemented)

    @functools.wraps(function)
    def call(*args, out=None, **kwargs):
        if out is None:
            try:
                return function(*args, **kwargs)
            except (NotAnOperand, InvalidArguments) as error:  # the method's words, as torch.<name> counts
                raise error.of_function() from None
            except AttributeError:  # torch.round([1., 2.]): a list met where the tensor goes
                from gradrepl.engine.ops.registry import refuse_non_tensor

                refuse_non_tensor(name, *args, **kwargs)
                raise
        if needs is not None and len(args) <= needs[0] and needs[1] not in kwargs:
            if name in SIGNATURES:  # torch's listing of the overloads
                raise InvalidArguments(name, args, {**kwargs, "out": out}, method=False)
            given = ", ".join([python_type_name(a) for a in args] + [f"{k}={python_type_name(v)}"
                                                                for k, v in kwargs.items()])
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({given}, out={python_type_name(out)}), but expected one of: ...")
        if name in SIGNATURES:  # torch's parser first: its overloads with out= counted (out=
            # taken as written last; torch lists keywords in the reverse order)
            check_overloads(name, args, {**kwargs, "out": out})
        try:
            return _checked_into(name, function, args, kwargs, out, counts, results, dtype_rule, how)
        except InvalidArguments as error:  # an overload mismatch the op found: out= counts too
            given = [args[0] if args else kwargs.get("input"), *error.args_] if error.method \
                else error.args_
            raise InvalidArguments(name, given, {**error.kwargs, "out": out}, method=False) from None
        except NotAnOperand as error:
            if name not in SIGNATURES:
                raise error.of_function() from None
            # with out= several overloads take that many arguments: torch lists them
            raise InvalidArguments(name, args, {**kwargs, "out": out}, method=False) from None
    call.__wrapped_op__ = function
    return call


def _checked_into(name, function, args, kwargs, out, counts, results, dtype_rule, how):
    """with_out's call with an out= argument: torch's checks of out, then the op into it."""
    if len(counts) > 1:
        return _into(name, function, args, kwargs, out, counts, dtype_rule, how)
    if isinstance(out, (tuple, list)) != (results > 1):
        what = "tuple of Tensors" if results > 1 else "Tensor"
        raise TypeError(f"{name}(): argument 'out' must be {what}, not {python_type_name(out)}")
    if results > 1 and len(out) != results:
        raise TypeError(f"expected tuple of {results} elements but got {len(out)}")
    return _into(name, function, args, kwargs, out, counts, dtype_rule, how)


@dataclass(frozen=True)
class _How:
    autograd_name: str
    composite: bool
    differentiable: bool = True
    warns_on_resize: bool = True
    not_implemented: bool = False


def _into(name, function, args, kwargs, out, counts=(1,), dtype_rule="cast", how=None):
    how = how or _How(name, False)
    results_are_tuple = isinstance(out, (tuple, list))
    targets = tuple(out) if results_are_tuple else (out,)
    for target in targets:
        if not isinstance(target, Tensor):
            what = "tuple of Tensors" if results_are_tuple else "Tensor"
            raise TypeError(f"{name}(): argument 'out' must be {what}, not {python_type_name(target)}")
    if not how.composite and how.differentiable and grad_mode._enabled[0] \
            and any(_requires_grad(x) for x in (*args, *kwargs.values(), *targets)):
        if not how.not_implemented:
            raise RuntimeError(f"{how.autograd_name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad.")
        if any(_requires_grad(target) for target in targets):
            raise RuntimeError(f"aten::{how.autograd_name}(): functions with out=... arguments don't "
                               "support automatic differentiation, but one of the arguments requires grad.")
    own = _own_checks(dtype_rule)
    computes = dtype_rule == "computes" or any(check.computes for check in own)
    for check in own:
        if check.checks_first is not None:
            check.checks_first(*args, **kwargs)
            _check_before_computing(name, (check,), targets)
    if computes and kwargs.get("dtype") is None:
        _check_before_computing(name, own, targets)
        kwargs = {**kwargs, "dtype": from_numpy_dtype(targets[0]._data.dtype)}
    result = function(*args, **kwargs)
    values = tuple(result) if isinstance(result, tuple) else (result,)
    if len(counts) > 1 and isinstance(result, tuple) != results_are_tuple:
        # the overload the arguments chose returns the other kind (torch's parser says so)
        what = "tuple of Tensors" if isinstance(result, tuple) else "Tensor"
        raise TypeError(f"{name}(): argument 'out' must be {what}, not {python_type_name(out)}")
    if len(values) != len(targets):
        raise TypeError(f"{name}(): expected out to be a tuple of {len(values)} Tensors, "
                        f"got {len(targets)}")
    own = tuple(check for check in own if check.overload in (0, len(values) if results_are_tuple else 1))
    for check in own:
        refusal = check.refusal(name, values[check.output]._data.dtype, targets[check.output]._data.dtype)
        if refusal:
            raise check.error(refusal)
    policy = "own" if own else dtype_rule
    for i, (target, value) in enumerate(zip(targets, values)):
        if how.composite:
            _copy_into(target, value)
            continue
        _write(target, value._data, index_output=i > 0 and value._data.dtype == np.int64 and not own,
               dtype_rule=policy, warn_on_resize=how.warns_on_resize)
        if how.not_implemented and value.grad_fn is not None:  # its <NotImplemented> node
            from gradrepl.engine.ops.inplace import commit

            commit(target, value.grad_fn)
    if not results_are_tuple:
        return out
    if not hasattr(result, "_fields"):
        return tuple(targets)
    # torch.return_types.sort_out and the like (built as a tuple: the classes' constructors differ)
    from gradrepl.engine.ops.named_results import out_type

    return tuple.__new__(out_type(type(result)), targets)


def _check_before_computing(name, own, targets) -> None:
    """An op computing in out's dtype (cumsum) refuses the dtypes it has no kernel for first."""
    for check in own:
        out = targets[check.output]._data.dtype
        refusal = check.refusal(name, out, out)
        if refusal:
            raise check.error(refusal)


def _copy_into(target: Tensor, value: Tensor) -> None:
    """A composite op's ``out``: resized as a kernel's would be, then ``copy_`` (recorded)."""
    shape = tuple(value.shape)
    if tuple(target.shape) != shape:
        if target._data.size:
            _warn_resized(target._data, shape)
        target._data = np.empty(shape, dtype=target._data.dtype)
    target.copy_(value)


def _warn_resized(data, shape) -> None:
    warn_user(
        "An output with one or more elements was resized since it had shape "
        f"{list(np.shape(data))}, which does not match the required output shape "
        f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
        "outputs will not be resized unless they have zero elements. You can explicitly "
        "reuse an out tensor t by resizing it, inplace, to zero elements with "
        "t.resize_(0). (Triggered internally at "
        "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def _requires_grad(x) -> bool:
    if isinstance(x, Tensor):
        return x._requires_grad
    if isinstance(x, (tuple, list)):
        return any(_requires_grad(i) for i in x)
    return False


def _write(target: Tensor, value: np.ndarray, index_output: bool, dtype_rule: str = "cast",
           warn_on_resize: bool = True) -> None:
    have, want = np.dtype(value.dtype), np.dtype(target._data.dtype)
    if dtype_rule == "same" and have != want:
        raise RuntimeError(f"Found dtype {scalar_type_name(want)} but expected {scalar_type_name(have)}")
    if (index_output or dtype_rule == "exact") and have != want:
        raise RuntimeError(f"Expected out tensor to have dtype {CPP_TYPE_NAMES[have.name]}, "
                           f"but got {CPP_TYPE_NAMES[want.name]} instead")
    if dtype_rule not in ("computes", "own") and _CATEGORY[have.kind] > _CATEGORY[want.kind]:
        raise RuntimeError(f"result type {scalar_type_name(have)} can't be cast to the desired "
                           f"output type {scalar_type_name(want)}")
    from gradrepl.engine.ops.inplace import guard_saved_output

    guard_saved_output(target)
    shape = np.shape(value)
    if np.shape(target._data) == shape:
        memory = target._memory()
        np.copyto(memory, value, casting="unsafe")
    else:
        if target._data.size and warn_on_resize:
            _warn_resized(target._data, shape)
        target._data = np.array(value, dtype=want)
    target._bump_version()
