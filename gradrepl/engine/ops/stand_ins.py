"""What a graph node keeps of a 0-d input whose value its backward never reads.

``y * 0.5`` saves only 0.5 and ``y + x`` saves nothing: their derivatives read ``y`` and ``x``
only for the shape a broadcast gradient is summed back to, and the dtype the general backward
casts to (``derivatives._compile``). torch's node keeps no tensor it does not save, only that
metadata. Keeping the numpy scalar itself (0-d tensors hold their value as one) would keep one
object per input alive with the graph, ~30 bytes a node on a scalar chain (docs/benchmarks.md
"Sixth pass: bytes per node"). So the node keeps, in ``_arrays``, one shared stand-in per numpy
scalar type, carrying exactly what those formulas read of a numpy scalar.

Only numpy scalars are stood in for: their shape, strides and size are the same for every value
of a type. An n-d array keeps itself (a formula may read its strides, which vary).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ScalarMetadata", "STAND_INS"]


class ScalarMetadata:
    """A numpy scalar's metadata without its value: shared, never changed after it is made."""

    __slots__ = ("dtype", "itemsize", "both")
    shape = ()
    strides = ()
    ndim = 0
    size = 1

    def __init__(self, dtype: np.dtype):
        set_ = object.__setattr__
        set_(self, "dtype", dtype)
        set_(self, "itemsize", dtype.itemsize)
        # the _arrays of a node whose two inputs are both numpy scalars of this type: one tuple
        # for every such node, not one each
        set_(self, "both", (self, self))

    def __setattr__(self, name, value):
        raise AttributeError(f"'{type(self).__name__}' object is shared and cannot be changed")

    def astype(self, dtype) -> ScalarMetadata:
        """What ``astype`` gives a numpy scalar, as metadata: the general backward casts every
        input to the gradient's dtype before it knows which derivative reads it."""
        return STAND_INS[np.dtype(dtype).type]

    def __reduce__(self):
        return (_stand_in, (self.dtype.str,))

    def __repr__(self) -> str:
        return f"ScalarMetadata({self.dtype})"


def _stand_in(dtype_str: str) -> ScalarMetadata:
    return STAND_INS[np.dtype(dtype_str).type]


# numpy scalar type -> its stand-in, for every type a tensor's 0-d data can be
STAND_INS: dict = {}
for _type in set(np.sctypeDict.values()):
    if issubclass(_type, np.generic) and np.dtype(_type).kind in "biufc":
        STAND_INS[_type] = ScalarMetadata(np.dtype(_type))
del _type
