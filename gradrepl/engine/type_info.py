"""torch.finfo and torch.iinfo: the limits of a floating or integer dtype, printed as torch prints
them (every number with six significant digits, C's %g)."""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.c_type import TorchCType


def _g(x) -> str:
    return f"{float(x):g}"


class finfo(metaclass=TorchCType):
    """torch.finfo(dtype=None): the default dtype when none is given."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        chosen = dtypes.get_default_dtype() if type is None else type
        if not isinstance(chosen, dtypes.dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{chosen.__class__.__name__}")
        if not chosen.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = np.finfo(chosen.numpy)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # numpy's is that, rounded to the dtype
        self.dtype = str(chosen).replace("torch.", "")

    def __repr__(self) -> str:
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
                f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, "
                f"tiny={_g(self.tiny)}, dtype={self.dtype})")

    __str__ = __repr__


class iinfo(metaclass=TorchCType):
    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):
        if type is dtypes.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, dtypes.dtype) or type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.numpy)
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)
        self.dtype = str(type).replace("torch.", "")

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"

    __str__ = __repr__
