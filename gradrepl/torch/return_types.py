"""``torch.return_types``: the named pairs that ``max(dim)`` and ``min(dim)`` return."""

from gradrepl.engine.ops.extrema import RETURN_TYPES as _RETURN_TYPES

max = _RETURN_TYPES["max"]
min = _RETURN_TYPES["min"]
