"""Attaches the ops to Tensor as methods and operators.

The ops' methods, in-place forms and operators come from the op registry (ops/registry.py); the
rest of the Tensor API (conversions, fills, ``new_*`` factories, ``.T``) is listed here. Kept
apart from tensor.py so that the Tensor class stays about state.
"""

from __future__ import annotations


import numpy as np

from gradrepl.engine import dtypes, ops
from gradrepl.engine.errors import UnsupportedError
from gradrepl.engine.size_args import NO_SIZE
from gradrepl.engine.ops import compare, conversion, inplace, registry, shape
from gradrepl.engine.tensor import Tensor


def _to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``, with ``copy=``."""
    from gradrepl.engine.device import check_device, device

    dtype = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, str) and arg.split(":")[0] not in _DEVICE_TYPES:
            raise RuntimeError(f"Invalid device string: '{arg}'")
        elif arg is not None and not isinstance(arg, (str, int, device)):
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(arg).__name__}), but expected one of: (torch.device device, "
                            "torch.dtype dtype, bool non_blocking, bool copy, *, "
                            "torch.memory_format memory_format)")
        else:
            check_device(arg)
    check_device(kwargs.get("device"))
    if dtype is None:
        return conversion.clone(self) if copy else self
    return conversion.to_dtype(self, dtype, copy=copy)


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


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
    return inplace.copy_into(self, src)


_COPY_CONSTRUCT_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).")


def _new_factory(name):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        from gradrepl.engine import factories
        from gradrepl.engine.device import check_device

        check_device(device, creating=True)
        dtype = dtype or self.dtype
        if name == "new_tensor":
            if isinstance(size[0], Tensor):
                from gradrepl.engine.warn import warn_user

                warn_user(_COPY_CONSTRUCT_WARNING, UserWarning)
                return factories.tensor(size[0].detach().clone(), dtype=dtype,
                                        requires_grad=requires_grad)
            return factories.tensor(size[0], dtype=dtype, requires_grad=requires_grad)
        # the sizes as torch's parser reads them for this method (size_args.py), in its name
        if name == "new_full":
            full_args = dict(zip(("size", "fill_value"), size))
            for key in ("size", "fill_value"):
                if key in kwargs:
                    if key in full_args:
                        raise TypeError(f"new_full() got multiple values for argument '{key}'")
                    full_args[key] = kwargs[key]
            if len(size) > 2:
                raise TypeError(f"new_full() takes 2 positional arguments but {len(size)} were given")
            for key in ("size", "fill_value"):
                if key not in full_args:
                    raise TypeError(f'new_full() missing 1 required positional arguments: "{key}"')
            return factories.full_in(full_args["size"], full_args["fill_value"], dtype, requires_grad,
                                     "new_full")
        fill = 1 if name == "new_ones" else 0
        return factories._filled(fill, size, dtype, requires_grad, None, name,
                                 kwargs.get("size", NO_SIZE))
    return method


def _new(self, *args, **kwargs):
    """``x.new(...)``, torch's legacy constructor in x's dtype: no argument an empty tensor, sizes
    (ints or a torch.Size) a tensor of that shape (torch leaves it uninitialised; here zeros), a
    sequence its values, a tensor of x's dtype an alias of it (its memory, no copy)."""
    from gradrepl.engine import factories
    from gradrepl.engine.device import device as device_class
    from gradrepl.engine.keywords import InvalidArguments

    if any(key != "device" for key in kwargs):
        raise InvalidArguments("new", args, kwargs)
    device = kwargs.get("device")
    if device is not None:
        kind = str(device_class(device) if isinstance(device, str) else device).split(":")[0]
        if kind != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{kind} was passed")
    if not args:
        return factories.empty(0, dtype=self.dtype)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if first.dtype is not self.dtype:
            raise TypeError(f"expected {_tensor_options(self.dtype)} (got "
                            f"{_tensor_options(first.dtype)})")
        return ops.getitem(first, ...) if first.requires_grad else first.detach()
    if len(args) == 1 and (isinstance(first, (list, tuple)) and not isinstance(first, _Size())):
        return factories.tensor(first, dtype=self.dtype)
    sizes = tuple(first) if len(args) == 1 and isinstance(first, _Size()) else args
    for size in sizes:
        if isinstance(size, (bool, float, np.floating, np.bool_)):
            raise TypeError(f"new(): data must be a sequence (got {type(size).__name__})")
        if not isinstance(size, (int, np.integer)):
            raise TypeError(f"new(): invalid data type '{type(size).__name__}'")
    for size in sizes:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: "
                               f"{list(sizes)}")
    return factories.zeros(*sizes, dtype=self.dtype)


def _Size():
    from gradrepl.engine.size import Size

    return Size


def _tensor_options(dtype) -> str:
    return (f"TensorOptions(dtype={dtypes.CPP_TYPE_NAMES[dtype.numpy.name]}, device=cpu, "
            "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def _pin_memory(self, device=None):
    """As on a CPU-only torch build: there is no accelerator to pin memory for."""
    from gradrepl.engine.device import NO_ACCELERATOR

    raise RuntimeError(NO_ACCELERATOR)


def _share_memory_(self):
    from gradrepl.engine import storage

    storage.share_memory(self._data)
    return self


def _is_shared(self):
    from gradrepl.engine import storage

    return storage.is_shared(self._data)


def _untyped_storage(self):
    from gradrepl.engine import storage

    return storage.untyped_storage_of(self)


def _storage(self):
    from gradrepl.engine import storage

    return storage.typed_storage_of(self)


def _random(name):
    def method(self, *args, **kwargs):
        from gradrepl.engine import random

        return getattr(random, name)(self, *args, **kwargs)
    return method



def _cuda():
    """``x.cuda()`` fails as it does on a CPU-only torch build."""
    raise AssertionError("Torch not compiled with CUDA enabled")


# The Tensor API that is not an op of the registry (ops/registry.py supplies x.add, x.exp_,
# x + y ... from each op's declaration): conversions, copies, fills, factories
METHODS = {
    "to": _to, "cpu": lambda self, memory_format=None: self,
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
    "new_tensor": _new_factory("new_tensor"), "new": _new,
    # memory: one CPU, nothing to pin; shared memory is a flag here
    "pin_memory": _pin_memory, "is_pinned": lambda self, device=None: False,
    "share_memory_": _share_memory_, "is_shared": _is_shared,
    "untyped_storage": _untyped_storage, "storage": _storage,
    # random fills
    "uniform_": _random("uniform_"), "normal_": _random("normal_"),
    "exponential_": _random("exponential_"),
}

OPERATORS = {
    "__pos__": lambda self: self,
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


class _Unsupported:
    """A Tensor method torch has and gradrepl does not yet: reading it on a tensor says so, in the
    user's terms (``UnsupportedError``, an AttributeError, so ``hasattr`` stays False and
    ``getattr`` defaults work); on the class it is missing, as any absent attribute.

    One of these per name on the class rather than a ``Tensor.__getattr__``: CPython 3.11
    specialises attribute reads (``t._data``, ``t.grad_fn``) only on classes without
    ``__getattr__``, and every op reads several (a class-wide ``__getattr__`` cost W1 and W6
    6-7% of their instructions, docs/benchmarks.md "Sixth pass")."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            raise AttributeError(f"type object '{owner.__name__}' has no attribute '{self.name}'")
        raise UnsupportedError(f"Tensor.{self.name}")


def _dir(self) -> list:
    """``dir(tensor)``: its attributes without the methods gradrepl does not support yet (as it
    was while they were answered by ``__getattr__``; the shell completes what ``dir`` lists)."""
    own, mro = self.__dict__, type(self).__mro__
    return [name for name in object.__dir__(self) if name in own or not _unsupported(mro, name)]


def _unsupported(mro: tuple, name: str) -> bool:
    for klass in mro:
        if name in klass.__dict__:
            return type(klass.__dict__[name]) is _Unsupported
    return False


def install() -> None:
    generated = {**registry.tensor_methods(), **registry.tensor_operators(ops.operand)}
    clash = generated.keys() & (METHODS.keys() | OPERATORS.keys())
    if clash:
        raise RuntimeError(f"Tensor attributes both registered and hand-written: {sorted(clash)}")
    for name, func in {**generated, **METHODS, **OPERATORS}.items():
        setattr(Tensor, name, func)
    for name, prop in PROPERTIES.items():
        setattr(Tensor, name, prop)
    from gradrepl.engine.torch_names import TENSOR_METHODS

    for name in TENSOR_METHODS:
        if not name.startswith("_") and not hasattr(Tensor, name):
            setattr(Tensor, name, _Unsupported(name))
    Tensor.__dir__ = _dir
    Tensor.__hash__ = lambda self: id(self)


install()
