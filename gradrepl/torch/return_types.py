"""``torch.return_types``: the named tuples that max(dim), sort, topk, aminmax ... return."""

from gradrepl.engine.ops.extrema import RETURN_TYPES as _EXTREMA
from gradrepl.engine.ops.named_results import RETURN_TYPES as _NAMED

max = _EXTREMA["max"]
min = _EXTREMA["min"]
globals().update(_NAMED)

# torch.linalg's named results (engine/ops/linalg_decomp.py)
from gradrepl.engine.ops.linalg_decomp import RETURN_TYPES as _LINALG_TYPES  # noqa: E402

linalg_slogdet = _LINALG_TYPES["linalg_slogdet"]
slogdet = _LINALG_TYPES["slogdet"]
linalg_qr = _LINALG_TYPES["linalg_qr"]
linalg_svd = _LINALG_TYPES["linalg_svd"]
linalg_eigh = _LINALG_TYPES["linalg_eigh"]

# what those ops return given out= (torch.return_types.sort_out ...), one class per result type
from gradrepl.engine.ops.named_results import out_type as _out_type  # noqa: E402

globals().update({cls.__name__ + "_out": _out_type(cls) for cls in
                  (*_NAMED.values(), max, min, linalg_slogdet, slogdet, linalg_qr, linalg_svd, linalg_eigh)})
