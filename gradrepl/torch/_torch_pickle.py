"""The pickle inside a PyTorch file: writing torch's globals without torch, and a restricted
unpickler that builds tensors and refuses every other global.

A tensor pickles as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())`` whose storage is a persistent id
``('storage', torch.FloatStorage, key, 'cpu', numel)``; the storage's bytes are the zip record
``data/<key>``. A Parameter wraps that in ``torch._utils._rebuild_parameter``.
"""

from __future__ import annotations

import collections
import pickle

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.tensor import Tensor, new_tensor

# numpy dtype name -> torch's legacy storage class name
STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage",
    "uint8": "ByteStorage", "bool": "BoolStorage",
}
_STORAGE_DTYPES = {name: np.dtype(np_name) for np_name, name in STORAGE_NAMES.items()}


class _Global:
    """A reference to ``module.name`` written as a GLOBAL opcode (torch need not be importable)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce wants a callable; this is never called
        raise TypeError(f"{self.module}.{self.name} exists only inside a saved file")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_ORDERED_DICT = _Global("collections", "OrderedDict")


class _HooksDict:
    """Stands for the empty ``OrderedDict()`` of backward hooks torch writes for every tensor."""


class TorchPickler(pickle._Pickler):
    """Writes tensors as torch does; their bytes are collected in ``storages`` (key -> bytes)."""

    def __init__(self, file, protocol: int):
        super().__init__(file, protocol)
        self.storages = {}
        self._storage_keys = {}

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", _Global("torch", STORAGE_NAMES[obj.array.dtype.name]), obj.key,
                    "cpu", obj.array.size)
        return None

    def save_global_ref(self, ref: _Global, name=None) -> None:
        self.write(pickle.GLOBAL + f"{ref.module}\n{ref.name}\n".encode("utf-8"))
        self.memoize(ref)

    def save_hooks(self, obj) -> None:
        self.save_reduce(_ORDERED_DICT, (), obj=obj)

    def save_tensor(self, tensor: Tensor) -> None:
        array = np.asarray(tensor._data)  # not ascontiguousarray: it makes 0-d arrays 1-d
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        if array.dtype.name not in STORAGE_NAMES:
            raise TypeError(f"gradrepl cannot save tensors of dtype {tensor.dtype}")
        storage = self._storage_for(tensor, array)
        size = tuple(array.shape)
        stride = tuple(s // array.itemsize for s in array.strides)
        rebuild = (storage, 0, size, stride, bool(tensor._requires_grad and not tensor._is_param),
                   _HooksDict())
        if tensor._is_param:
            data = (storage, 0, size, stride, False, _HooksDict())
            self.save_reduce(_REBUILD_PARAMETER,
                             (_Rebuilt(data), bool(tensor._requires_grad), _HooksDict()), obj=tensor)
        else:
            self.save_reduce(_REBUILD_TENSOR, rebuild, obj=tensor)

    def save_rebuilt(self, rebuilt) -> None:
        self.save_reduce(_REBUILD_TENSOR, rebuilt.args)

    def save_dtype(self, dtype) -> None:
        self.save_global_ref(_Global("torch", dtype.name))

    def refuse_global(self, obj, name=None) -> None:
        if obj in _DATA_CLASSES:  # what containers and numbers pickle through
            return pickle._Pickler.save_global(self, obj, name)
        raise pickle.PicklingError(f"cannot save {obj!r}: a file for torch.load holds data, not code")

    def reducer_override(self, obj):
        """Containers pickle as usual, torch.Size as torch's; any other object (a Module, an
        optimizer) would need gradrepl's classes to load, so it is refused."""
        from gradrepl.engine.size import Size

        if type(obj) in self.dispatch or type(obj) in _DATA_CLASSES:
            return NotImplemented
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        raise pickle.PicklingError(f"cannot save a {type(obj).__name__} object")

    def _storage_for(self, tensor, array):
        key = self._storage_keys.get(id(tensor))
        if key is None:
            key = self._storage_keys[id(tensor)] = str(len(self.storages))
            self.storages[key] = array.tobytes()
        return _Storage(key, array)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[_Global] = save_global_ref
    dispatch[_HooksDict] = save_hooks
    dispatch[Tensor] = save_tensor


_DATA_CLASSES = (collections.OrderedDict, set, complex)  # what torch's weights_only load allows


class _Storage:
    def __init__(self, key, array):
        self.key, self.array = key, array


class _Rebuilt:
    """The inner ``_rebuild_tensor_v2(...)`` call of a Parameter."""

    def __init__(self, args):
        self.args = args


TorchPickler.dispatch[_Rebuilt] = TorchPickler.save_rebuilt
TorchPickler.dispatch[dtypes.dtype] = TorchPickler.save_dtype
for _code in (type, type(len), type(lambda: None)):
    TorchPickler.dispatch[_code] = TorchPickler.refuse_global


def dumps_state(obj, protocol: int):
    """The pickle bytes of ``obj`` and the storages its tensors refer to."""
    import io

    buffer = io.BytesIO()
    pickler = TorchPickler(buffer, protocol)
    _register_tensor_subclasses(pickler, obj)
    try:
        pickler.dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(
            "torch.save of objects other than tensors, state dicts and plain containers",
            f"{error}; save model.state_dict() instead") from None
    return buffer.getvalue(), pickler.storages


def _register_tensor_subclasses(pickler, obj) -> None:
    """The dispatch table is keyed by exact type: Parameter (and other subclasses) need a row."""
    from gradrepl.torch.nn.parameter import Parameter

    pickler.dispatch = dict(pickler.dispatch)
    pickler.dispatch[Parameter] = TorchPickler.save_tensor


# ---------------------------------------------------------------------------------------------
# Loading

class _StorageRef:
    def __init__(self, array):
        self.array = array


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    array = storage.array
    itemsize = array.itemsize
    if size and min(size) == 0:
        data = np.empty(size, dtype=array.dtype)
    else:
        data = np.lib.stride_tricks.as_strided(
            array[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)).copy()
    t = new_tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, *args):
    from gradrepl.torch.nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _allowed_globals() -> dict:
    allowed = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }
    for builtin in (set, complex):  # protocol 2 names the builtins module __builtin__
        allowed[("builtins", builtin.__name__)] = allowed[("__builtin__", builtin.__name__)] = builtin
    for name in _STORAGE_DTYPES:
        allowed[("torch", name)] = name
    for d in dtypes.ALL:
        allowed[("torch", d.name)] = d
    from gradrepl.engine.size import Size

    allowed[("torch", "Size")] = Size
    return allowed


class WeightsUnpickler(pickle.Unpickler):
    """Builds tensors, containers and numbers; any other global stops the load (no code runs)."""

    def __init__(self, file, read_record):
        super().__init__(file)
        self._read_record = read_record
        self._allowed = _allowed_globals()
        self._loaded = {}

    def find_class(self, module, name):
        value = self._allowed.get((module, name))
        if value is None:
            raise pickle.UnpicklingError(
                f"Weights only load failed: the file asks for {module}.{name}, which gradrepl's "
                "torch.load never unpickles (it loads only tensors, parameters, containers and "
                "numbers)")
        return value

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"Weights only load failed: unknown persistent id {pid!r}")
        _, storage_name, key, location, numel = pid
        if key not in self._loaded:
            dtype = _STORAGE_DTYPES[storage_name]
            raw = self._read_record(f"data/{key}")
            self._loaded[key] = _StorageRef(np.frombuffer(raw, dtype=dtype, count=numel).copy())
        return self._loaded[key]
