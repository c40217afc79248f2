"""torch's dtypes, their numpy counterparts, type inference and type promotion.

A ``dtype`` object is what users see as ``torch.float32``; the engine stores data as numpy arrays of
the matching numpy dtype, so converting between the two is a dictionary lookup.
"""

from __future__ import annotations

import builtins

import numpy as np

from gradrepl.engine.c_type import TorchCType  # named as torch's C type in errors


class dtype(metaclass=TorchCType):
    """One torch dtype (``torch.float32`` ...). Instances are unique, so compare them with ``is``."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, numpy_type, category: int):
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self._category = category  # 0 bool, 1 integral, 2 floating: torch's promotion categories
        self.is_floating_point = category == 2
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> "dtype":
        return self



float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
float16 = dtype("float16", np.float16, 2)
int64 = dtype("int64", np.int64, 1)
int32 = dtype("int32", np.int32, 1)
int16 = dtype("int16", np.int16, 1)
int8 = dtype("int8", np.int8, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool_ = dtype("bool", np.bool_, 0)

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)

_BY_NAME = {d.name: d for d in ALL}
_BY_NUMPY = {d.numpy: d for d in ALL}

# The legacy tensor type names that ``Tensor.type()`` prints and ``torch.FloatTensor`` stands for.
LEGACY_TYPE_NAMES = {
    float32: "torch.FloatTensor",
    float64: "torch.DoubleTensor",
    float16: "torch.HalfTensor",
    int64: "torch.LongTensor",
    int32: "torch.IntTensor",
    int16: "torch.ShortTensor",
    int8: "torch.CharTensor",
    uint8: "torch.ByteTensor",
    bool_: "torch.BoolTensor",
}

# torch's ScalarType names, as its error messages print them: Float, Double, Long ...
SCALAR_TYPE_NAMES = {d: name[len("torch."):-len("Tensor")] for d, name in LEGACY_TYPE_NAMES.items()}

# The C++ type names some of torch's kernels print instead ("long int", "c10::Half"), by dtype name.
CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                  "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                  "bool": "bool"}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


# numpy dtypes torch has a dtype for and gradrepl does not yet
_NOT_YET = frozenset(np.dtype(name) for name in
                     ("uint16", "uint32", "uint64", "complex64", "complex128"))


def from_numpy_dtype(np_dtype) -> dtype:
    """The torch dtype for a numpy dtype; TypeError (torch's wording) for ones torch lacks, and
    UnsupportedError for the ones torch has and gradrepl not yet (uint16, complex128 ...)."""
    np_dtype = np.dtype(np_dtype)
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        pass
    if np_dtype in _NOT_YET:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.{np_dtype.name}")
    # torch names the array's scalar type as Python does (numpy.str_, numpy.object_,
    # numpy.longdouble), not the dtype (str32, object, float128)
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype.type.__name__}. The only supported "
        "types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
        "uint64, uint32, uint16, uint8, and bool.")


# ---------------------------------------------------------------------------------------------
# The default floating dtype (torch.set_default_dtype)

_default = [float32]


# A Python float as a float32/float64 numpy scalar, what ``np.float32(value)`` gives, at a fifth
# of its cost (numpy's scalar constructor takes its general array-conversion route):
# ``SCALAR_ONES[np.float32] * value`` rounds the float to float32 once (NEP 50: a Python number
# takes the numpy scalar's type) and multiplies by 1, which is exact, -0.0 included. Only for a
# value within float32's finite range (``-FLOAT32_MAX <= value <= FLOAT32_MAX``): where the
# cast would overflow, and for a NaN (whose payload the product may quieten), the constructor
# is called. tests/engine/test_short_paths.py compares the two.
SCALAR_ONES = {np.float32: np.float32(1), np.float64: np.float64(1)}
FLOAT32_MAX = 3.4028234663852886e38  # np.finfo(np.float32).max, as a Python float
#: the same ones for the default dtype (torch.tensor(2.0) makes a scalar of it)
DEFAULT_ONES = {float32: SCALAR_ONES[np.float32], float64: SCALAR_ONES[np.float64]}


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


# ---------------------------------------------------------------------------------------------
# Promotion


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: like numpy's table, except that a float meets an int as the float."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 0:
        return a
    return _BY_NUMPY[np.promote_types(a.numpy, b.numpy)]


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python number when it becomes a tensor."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return get_default_dtype()


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # torch's rule: a group of higher priority keeps its dtype unless a lower group brings a
    # higher category (a float scalar turns an int tensor into the default float, say).
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype of an elementwise op's result, as torch.result_type computes it.

    Operands are tensors (anything with ``dtype`` and ``ndim``) or Python numbers. Tensors with
    dimensions outrank zero-dimensional tensors, which outrank Python numbers; a lower group only
    matters when it brings a higher category (bool < integral < floating).
    """
    dim_result = zero_dim_result = scalar_result = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_dim_result = d if zero_dim_result is None else promote_types(zero_dim_result, d)
        else:
            d = scalar_dtype(op)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
    return _combine_categories(dim_result, _combine_categories(zero_dim_result, scalar_result))


# ---------------------------------------------------------------------------------------------
# Inference from Python data (torch.tensor([...]))


def infer_dtype(data) -> dtype:
    """The dtype torch.tensor gives nested Python data: the highest category found wins."""
    category = -1
    found = None
    stack = [data]
    while stack:
        item = stack.pop()
        d = getattr(item, "dtype", None)
        if isinstance(item, np.ndarray) or isinstance(item, np.generic):
            d = from_numpy_dtype(item.dtype)
        elif isinstance(d, dtype):
            pass  # a tensor inside a list keeps its own dtype
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        elif isinstance(item, (bool, int, float)):
            d = scalar_dtype(item)
        elif isinstance(item, builtins.complex):
            raise TypeError("gradrepl does not support complex tensors yet")
        else:
            raise TypeError(f"Could not infer dtype of {type(item).__name__}")
        if found is None or d._category > category or (d._category == category and d is not found):
            found = d if found is None or d._category > category else promote_types(found, d)
            category = found._category
    return found if found is not None else get_default_dtype()


def scalar_type_name(np_dtype) -> str:
    """torch's short name of a dtype in error messages (Float, Double, Long ...), from numpy's."""
    return SCALAR_TYPE_NAMES[from_numpy_dtype(np_dtype)]
