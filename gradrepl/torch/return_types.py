"""``torch.return_types``: the named pairs that ``max(dim)`` and ``min(dim)`` return."""

from gradrepl.engine.ops.extrema import RETURN_TYPES as _RETURN_TYPES

max = _RETURN_TYPES["max"]
min = _RETURN_TYPES["min"]

# torch.linalg's named results (engine/ops/linalg_decomp.py)
from gradrepl.engine.ops.linalg_decomp import RETURN_TYPES as _LINALG_TYPES  # noqa: E402

linalg_slogdet = _LINALG_TYPES["linalg_slogdet"]
slogdet = _LINALG_TYPES["slogdet"]
linalg_qr = _LINALG_TYPES["linalg_qr"]
linalg_svd = _LINALG_TYPES["linalg_svd"]
linalg_eigh = _LINALG_TYPES["linalg_eigh"]
