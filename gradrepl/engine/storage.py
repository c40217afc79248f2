"""Storages: the memory under a tensor, as lessons on views look at it (``x.untyped_storage()``,
``x.storage()``, ``data_ptr()``, ``storage_offset()``).

A tensor's memory is a numpy array; the storage is that array's root (the array that owns the
buffer, reached through ``.base``), seen as bytes. Every view of a tensor therefore has the same
storage, with the same ``data_ptr()``, and writing through a storage changes every tensor on it.
As in torch, one storage object stands for one piece of memory: ``x.untyped_storage() is
y.untyped_storage()`` for two views while either object is alive.

``TypedStorage`` (what ``x.storage()`` returns) is deprecated in torch 2.13; it warns once per
process, at the user's line, with torch's words. Its values are Python numbers (``s[0]`` is
``0.0``), printed one per line under torch's header.
"""

from __future__ import annotations

import weakref

import numpy as np

from gradrepl.engine.warn import warn_user_once

_TYPED_DEPRECATED = (
    "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
    "only storage class. This should only matter to you if you are using storages directly.  To "
    "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()")

# roots share_memory_ moved to "shared memory" (nothing moves here: the flag is what is_shared()
# reads, for every tensor and storage on that memory)
_SHARED = weakref.WeakValueDictionary()
# one storage object per root while it is alive (torch keeps one PyObject per storage)
_STORAGES = weakref.WeakValueDictionary()


def root(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` views."""
    while isinstance(getattr(array, "base", None), np.ndarray):
        array = array.base
    return array


def share_memory(array: np.ndarray) -> None:
    owner = root(array)
    if isinstance(owner, np.ndarray):
        _SHARED[id(owner)] = owner


def is_shared(array: np.ndarray) -> bool:
    owner = root(array)
    return _SHARED.get(id(owner)) is owner


def untyped_storage_of(tensor) -> "UntypedStorage":
    owner = root(tensor._memory())
    storage = _STORAGES.get(id(owner))
    if storage is None or storage._owner is not owner:
        storage = UntypedStorage._on(owner)
        _STORAGES[id(owner)] = storage
    return storage


def typed_storage_of(tensor) -> "TypedStorage":
    warn_user_once(_TYPED_DEPRECATED)
    return TypedStorage._on(untyped_storage_of(tensor), tensor.dtype)


def _bytes_of(owner: np.ndarray) -> np.ndarray:
    if owner.flags.c_contiguous or owner.flags.f_contiguous:
        return owner.reshape(-1, order="A").view(np.uint8)
    # an array not owning a buffer numpy can see whole (from a foreign object): its own bytes
    return np.ascontiguousarray(owner).reshape(-1).view(np.uint8)


def _wrapped(index, size: int) -> int:
    """An element's position from an index that may count from the end, in torch's words."""
    if not -size <= index < size:
        raise IndexError(f"index {index} out of range for storage of size {size}")
    return int(index) % size


class UntypedStorage:
    """The bytes of one piece of memory."""

    __module__ = "torch.storage"

    def __init__(self, *args, **kwargs):
        size = args[0] if args else kwargs.get("size", 0)
        self._owner = np.zeros(int(size), np.uint8)
        self._bytes = self._owner

    @classmethod
    def _on(cls, owner: np.ndarray) -> "UntypedStorage":
        storage = cls.__new__(cls)
        storage._owner, storage._bytes = owner, _bytes_of(owner)
        return storage

    @property
    def device(self):
        from gradrepl.engine.device import CPU

        return CPU

    is_cuda = False
    is_sparse = False

    def nbytes(self) -> int:
        return int(self._bytes.size)

    def size(self) -> int:
        return self.nbytes()

    def __len__(self) -> int:
        return self.nbytes()

    def element_size(self) -> int:
        return 1

    def data_ptr(self) -> int:
        return self._bytes.__array_interface__["data"][0] if self._bytes.size else 0

    def _index(self, index) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"can't index a torch.UntypedStorage with {type(index).__name__}")
        return _wrapped(index, self.nbytes())

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.nbytes())
            if step != 1:
                raise RuntimeError("Trying to slice with a step of {}, but only a step of 1 is "
                                   "supported".format(step))
            part = UntypedStorage.__new__(UntypedStorage)
            part._owner, part._bytes = self._owner, self._bytes[start:max(start, stop)]
            return part
        return int(self._bytes[self._index(index)])

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            self._bytes[index] = value
        else:
            self._bytes[self._index(index)] = value

    def tolist(self) -> list:
        return self._bytes.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __str__(self) -> str:
        values = " " + "\n ".join(str(b) for b in self.tolist())
        return f"{values}\n[torch.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"

    __repr__ = __str__

    def type(self, dtype=None, non_blocking=False):
        return "torch.storage.UntypedStorage" if dtype is None else NotImplemented

    def is_shared(self) -> bool:
        return is_shared(self._owner)

    def share_memory_(self) -> "UntypedStorage":
        share_memory(self._owner)
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def cpu(self) -> "UntypedStorage":
        return self

    def fill_(self, value) -> "UntypedStorage":
        self._bytes[...] = value
        return self

    def copy_(self, source, non_blocking=None) -> "UntypedStorage":
        source_bytes = source._untyped()._bytes if isinstance(source, TypedStorage) else source._bytes
        if source_bytes.size != self._bytes.size:
            raise RuntimeError(f"size does not match, self was {self.nbytes()} bytes but src was "
                               f"{source_bytes.size} bytes")
        self._bytes[...] = source_bytes
        return self

    def clone(self) -> "UntypedStorage":
        copy = UntypedStorage(self.nbytes())
        copy._bytes[...] = self._bytes
        return copy

    def untyped(self) -> "UntypedStorage":
        return self


class TypedStorage:
    """A storage seen as elements of one dtype (deprecated in torch: every use warns once)."""

    __module__ = "torch.storage"
    is_sparse = False

    @classmethod
    def _on(cls, untyped: UntypedStorage, dtype) -> "TypedStorage":
        storage = cls.__new__(cls)
        storage._untyped_storage, storage.dtype = untyped, dtype
        return storage

    def _untyped(self) -> UntypedStorage:
        return self._untyped_storage

    def _values(self) -> np.ndarray:
        data = self._untyped_storage._bytes
        itemsize = self.dtype.numpy.itemsize
        return data[:data.size // itemsize * itemsize].view(self.dtype.numpy)

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self) -> bool:
        return False

    def _size(self) -> int:
        return self._untyped_storage.nbytes() // self.dtype.numpy.itemsize

    def size(self) -> int:
        warn_user_once(_TYPED_DEPRECATED)
        return self._size()

    def __len__(self) -> int:
        warn_user_once(_TYPED_DEPRECATED)
        return self._size()

    def nbytes(self) -> int:
        warn_user_once(_TYPED_DEPRECATED)
        return self._untyped_storage.nbytes()

    def element_size(self) -> int:
        warn_user_once(_TYPED_DEPRECATED)
        return self.dtype.numpy.itemsize

    def data_ptr(self) -> int:
        warn_user_once(_TYPED_DEPRECATED)
        return self._untyped_storage.data_ptr()

    def untyped(self) -> UntypedStorage:
        warn_user_once(_TYPED_DEPRECATED)
        return self._untyped_storage

    def _index(self, index) -> int:
        if isinstance(index, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise RuntimeError(f"can't index a {type(self)} with {type(index)}")
        return _wrapped(index, self._size())

    def __getitem__(self, index):
        warn_user_once(_TYPED_DEPRECATED)
        return self._values()[self._index(index)].item()

    def __setitem__(self, index, value) -> None:
        warn_user_once(_TYPED_DEPRECATED)
        self._values()[self._index(index)] = value

    def tolist(self) -> list:
        warn_user_once(_TYPED_DEPRECATED)
        return self._values().tolist()

    def __iter__(self):
        warn_user_once(_TYPED_DEPRECATED)
        return iter(self._values().tolist())

    def __str__(self) -> str:
        warn_user_once(_TYPED_DEPRECATED)
        values = " " + "\n ".join(str(v) for v in self._values().tolist())
        return (f"{values}\n[torch.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
                f"{self._size()}]")

    __repr__ = __str__

    def type(self, dtype=None, non_blocking=False):
        warn_user_once(_TYPED_DEPRECATED)
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

        # torch.FloatTensor -> torch.FloatStorage
        return LEGACY_TYPE_NAMES[self.dtype].replace("Tensor", "Storage")

    def is_shared(self) -> bool:
        warn_user_once(_TYPED_DEPRECATED)
        return self._untyped_storage.is_shared()

    def share_memory_(self) -> "TypedStorage":
        warn_user_once(_TYPED_DEPRECATED)
        self._untyped_storage.share_memory_()
        return self

    def is_pinned(self, device=None) -> bool:
        warn_user_once(_TYPED_DEPRECATED)
        return False

    def cpu(self) -> "TypedStorage":
        warn_user_once(_TYPED_DEPRECATED)
        return self

    def fill_(self, value) -> "TypedStorage":
        warn_user_once(_TYPED_DEPRECATED)
        self._values()[...] = value
        return self

    def clone(self) -> "TypedStorage":
        warn_user_once(_TYPED_DEPRECATED)
        return TypedStorage._on(self._untyped_storage.clone(), self.dtype)

    def copy_(self, source, non_blocking=None) -> "TypedStorage":
        warn_user_once(_TYPED_DEPRECATED)
        self._untyped_storage.copy_(source)
        return self
