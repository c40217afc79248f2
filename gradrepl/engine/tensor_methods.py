"""Attaches the ops to Tensor as methods and operators, in one table.

Kept apart from tensor.py so that the Tensor class stays about state, and so that the full list
of what ``x.<something>`` can do is readable in one place.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes, ops
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.ops import compare, conversion, fused, inplace, shape
from gradrepl.engine.tensor import Tensor


def _reflected(func):
    """``2 * x`` calls ``x.__rmul__(2)``: the number becomes the first argument."""
    def method(self, other):
        try:
            other = ops.operand(other)
        except TypeError:
            return NotImplemented
        return func(other, self)
    return method


def _forward(func):
    def method(self, other):
        try:
            other = ops.operand(other)
        except TypeError:
            return NotImplemented
        return func(self, other)
    return method


def _to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``."""
    dtype = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        else:
            from gradrepl.engine.device import check_device

            check_device(arg)
    if kwargs.get("device") is not None:
        from gradrepl.engine.device import check_device

        check_device(kwargs["device"])
    if dtype is None:
        return conversion.clone(self) if copy else self
    return conversion.to_dtype(self, dtype, copy=copy)


def _cast_method(dtype):
    def method(self, memory_format=None):
        return conversion.to_dtype(self, dtype)
    return method


def _zero_(self):
    return inplace.apply_inplace(inplace.ZERO, self)


def _fill_(self, value):
    value = value.item() if isinstance(value, Tensor) else value
    return inplace.apply_inplace(inplace.FILL, self, (), (value,))


def _copy_(self, src, non_blocking=False):
    if inplace.check_writable(self, (src,)):
        raise UnsupportedError("Tensor.copy_ on tensors that record history",
                               "use it under torch.no_grad()")
    inplace.write(self, np.broadcast_to(np.asarray(src._data if isinstance(src, Tensor) else src), self.shape))
    return self


def _new_factory(name):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        from gradrepl.engine import factories

        dtype = dtype or self.dtype
        if name == "new_tensor":
            return factories.tensor(size[0], dtype=dtype, requires_grad=requires_grad)
        if name == "new_full":
            return factories.full(size[0], size[1], dtype=dtype, requires_grad=requires_grad)
        return getattr(factories, name[len("new_"):])(*size, dtype=dtype, requires_grad=requires_grad)
    return method


def _view_as(self, other):
    return shape.view(self, other.shape)


def _reshape_as(self, other):
    return shape.reshape(self, other.shape)


def _random(name):
    def method(self, *args, **kwargs):
        from gradrepl.engine import random

        return getattr(random, name)(self, *args, **kwargs)
    return method



def _cuda():
    """``x.cuda()`` fails as it does on a CPU-only torch build."""
    raise AssertionError("Torch not compiled with CUDA enabled")


METHODS = {
    # arithmetic
    "add": ops.add, "sub": ops.sub, "mul": ops.mul, "multiply": ops.mul, "div": ops.div,
    "divide": ops.div, "true_divide": ops.div, "pow": ops.pow, "neg": ops.neg,
    "negative": ops.neg, "reciprocal": ops.reciprocal, "square": ops.square,
    "floor_divide": ops.floor_divide, "remainder": ops.remainder,
    "add_": ops.add_, "sub_": ops.sub_, "mul_": ops.mul_, "div_": ops.div_, "pow_": ops.pow_,
    "neg_": ops.neg_,
    # elementwise functions
    "exp": ops.exp, "log": ops.log, "sqrt": ops.sqrt, "sin": ops.sin, "cos": ops.cos,
    "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu, "abs": ops.abs,
    "absolute": ops.abs, "exp2": ops.exp2, "log2": ops.log2, "log10": ops.log10,
    "log1p": ops.log1p, "expm1": ops.expm1, "rsqrt": ops.rsqrt, "sign": ops.sign,
    "floor": ops.floor, "ceil": ops.ceil, "round": ops.round,
    "exp_": ops.exp_, "log_": ops.log_, "sqrt_": ops.sqrt_, "sin_": ops.sin_, "cos_": ops.cos_,
    "tanh_": ops.tanh_, "sigmoid_": ops.sigmoid_, "relu_": ops.relu_, "abs_": ops.abs_,
    # reductions
    "sum": ops.sum, "mean": ops.mean,
    # extrema
    "max": ops.max, "min": ops.min, "maximum": ops.maximum, "minimum": ops.minimum,
    "argmax": ops.argmax, "argmin": ops.argmin, "clamp": ops.clamp, "clip": ops.clamp,
    "clamp_min": ops.clamp_min, "clamp_max": ops.clamp_max, "clamp_": ops.clamp_,
    "clip_": ops.clamp_, "clamp_min_": ops.clamp_min_, "clamp_max_": ops.clamp_max_,
    "softmax": ops.softmax, "log_softmax": ops.log_softmax,
    # norms and statistics
    "norm": ops.norm, "std": ops.std, "var": ops.var, "prod": ops.prod, "cumsum": ops.cumsum,
    # shapes and views
    "view": ops.view, "view_as": _view_as, "reshape": ops.reshape, "reshape_as": _reshape_as,
    "flatten": ops.flatten, "t": ops.t, "transpose": ops.transpose, "permute": ops.permute,
    "unsqueeze": ops.unsqueeze, "squeeze": ops.squeeze, "expand": ops.expand,
    "expand_as": ops.expand_as, "unbind": ops.unbind,
    # products
    "matmul": ops.matmul, "mm": ops.mm, "mv": ops.mv, "dot": ops.dot,
    # comparisons
    "eq": compare.eq, "ne": compare.ne, "lt": compare.lt, "le": compare.le, "gt": compare.gt,
    "ge": compare.ge, "equal": compare.equal, "allclose": compare.allclose,
    "isclose": compare.isclose,
    # copies and casts
    "to": _to, "clone": ops.clone, "contiguous": ops.contiguous, "detach": ops.detach,
    "detach_": ops.detach_, "cpu": lambda self, memory_format=None: self,
    "cuda": lambda self, *args, **kwargs: _cuda(),
    "float": _cast_method(dtypes.float32), "double": _cast_method(dtypes.float64),
    "half": _cast_method(dtypes.float16), "long": _cast_method(dtypes.int64),
    "int": _cast_method(dtypes.int32), "short": _cast_method(dtypes.int16),
    "char": _cast_method(dtypes.int8), "byte": _cast_method(dtypes.uint8),
    "bool": _cast_method(dtypes.bool_),
    # writing
    "zero_": _zero_, "fill_": _fill_, "copy_": _copy_,
    "new_zeros": _new_factory("new_zeros"), "new_ones": _new_factory("new_ones"),
    "new_empty": _new_factory("new_empty"), "new_full": _new_factory("new_full"),
    "new_tensor": _new_factory("new_tensor"),
    # random fills
    "uniform_": _random("uniform_"), "normal_": _random("normal_"),
    # fused pointwise ops (ops/fused.py), what optimizers written by hand call
    "addcmul": fused.addcmul, "addcmul_": fused.addcmul_, "addcdiv": fused.addcdiv,
    "addcdiv_": fused.addcdiv_, "lerp": fused.lerp, "lerp_": fused.lerp_,
}

OPERATORS = {
    # add and mul take the tensor first whichever side it was on, as torch records them
    "__add__": ops.add, "__radd__": ops.add,
    "__sub__": ops.sub, "__rsub__": lambda self, other: ops.rsub(self, other),
    "__mul__": ops.mul, "__rmul__": ops.mul,
    "__truediv__": ops.div, "__rtruediv__": _reflected(ops.div),
    "__floordiv__": _forward(ops.floor_divide), "__rfloordiv__": _reflected(ops.floor_divide),
    "__mod__": _forward(ops.remainder), "__rmod__": _reflected(ops.remainder),
    "__pow__": ops.pow, "__rpow__": _reflected(ops.pow),
    "__matmul__": lambda self, other: ops.matmul(self, other) if isinstance(other, Tensor) else NotImplemented,
    "__rmatmul__": lambda self, other: ops.matmul(other, self) if isinstance(other, Tensor) else NotImplemented,
    "__iadd__": lambda self, other: ops.add_(self, other),
    "__isub__": lambda self, other: ops.sub_(self, other),
    "__imul__": lambda self, other: ops.mul_(self, other),
    "__itruediv__": lambda self, other: ops.div_(self, other),
    "__ipow__": lambda self, other: ops.pow_(self, other),
    "__neg__": ops.neg, "__pos__": lambda self: self, "__abs__": ops.abs,
    "__eq__": compare.eq, "__ne__": compare.ne, "__lt__": compare.lt, "__le__": compare.le,
    "__gt__": compare.gt, "__ge__": compare.ge,
    "__invert__": compare.invert,
    "__and__": _forward(compare.logical_and_bits), "__rand__": _reflected(compare.logical_and_bits),
    "__or__": _forward(compare.logical_or_bits), "__ror__": _reflected(compare.logical_or_bits),
    "__xor__": _forward(compare.logical_xor_bits), "__rxor__": _reflected(compare.logical_xor_bits),
    "__getitem__": ops.getitem, "__setitem__": ops.setitem,
}

_T_DEPRECATED = {
    0: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. (Triggered "
       "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)",
    "other": "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
             "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
             "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered "
             "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)",
}


def _T(self):
    if self.ndim == 2:
        return shape.permute(self, 1, 0)
    # torch warns (once per process, TORCH_WARN_ONCE) whenever .T is not a matrix transpose
    from gradrepl.engine.warn import warn_user_once

    warn_user_once(_T_DEPRECATED[0 if self.ndim == 0 else "other"])
    return shape.reversed_dims(self)


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return shape.transpose(self, -2, -1)


PROPERTIES = {"T": property(_T), "mT": property(_mT)}


def _unsupported_attribute(self, name: str):
    """Tensor methods torch has and gradrepl does not yet: say so, in the user's terms."""
    if name.startswith("_"):
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")
    from gradrepl.engine.torch_names import TENSOR_METHODS

    if name in TENSOR_METHODS:
        raise UnsupportedError(f"Tensor.{name}")
    raise AttributeError(f"'Tensor' object has no attribute '{name}'")


def install() -> None:
    for name, func in {**METHODS, **OPERATORS}.items():
        setattr(Tensor, name, func)
    for name, prop in PROPERTIES.items():
        setattr(Tensor, name, prop)
    Tensor.__getattr__ = _unsupported_attribute
    Tensor.__hash__ = lambda self: id(self)


install()
