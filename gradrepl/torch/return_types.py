"""``torch.return_types``: the named tuples that max(dim), sort, topk, aminmax ... return."""

from gradrepl.engine.ops.extrema import RETURN_TYPES as _EXTREMA
from gradrepl.engine.ops.named_results import RETURN_TYPES as _NAMED

max = _EXTREMA["max"]
min = _EXTREMA["min"]
globals().update(_NAMED)
