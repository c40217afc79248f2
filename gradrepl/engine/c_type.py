"""Classes that Python's own error messages name as torch's C types are named.

torch.Size, torch.dtype and torch.device are C types whose internal name is "torch.Size" ...:
Python's errors print that name ("'torch.Size' object is not callable"), while
``type(x).__name__`` is still "Size". A Python class has one name for both, so this metaclass
keeps them apart: the internal name gets the "torch." prefix, ``__name__`` stays short.
"""

from __future__ import annotations


class TorchCType(type):
    def __new__(mcs, name, bases, namespace):
        namespace.setdefault("__qualname__", name)
        namespace["__module__"] = "torch"
        return super().__new__(mcs, f"torch.{name}", bases, namespace)

    @property
    def __name__(cls) -> str:
        return cls.__qualname__
