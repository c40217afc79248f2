"""The op table. Each module beside this one holds one family of ops: its rows (``Primitive``:
forward and derivatives) and its registry entries (``registry.register``: how users reach it).

Importing this package imports every family, so the registry is complete; the functions it holds
are then available here under torch's names (``ops.add``, ``ops.exp`` ...), as in the torch
namespace and on Tensor, which are both generated from the registry.
"""

from __future__ import annotations

# every family registers its ops on import (the order is the docs' order within a section)
from gradrepl.engine.ops import (  # noqa: F401
    arithmetic_functions, clamp, combine, compare, conversion, cumulative, extrema, linalg,
    reductions, shape, softmax, statistics, unary, addmm, fused, nn_layers, padding, split,
    distance,
)
# the catalogue's families (issue 7): math, logic, more reductions, sorting
from gradrepl.engine.ops import (  # noqa: F401
    trigonometric, special, logical, reductions_more, sorting, elementwise_more,
)
from gradrepl.engine.ops import diagonals, gather_scatter, shape_more, stacking  # noqa: F401
from gradrepl.engine.ops import inplace_views  # noqa: F401  (after shape_more: swapaxes_)
from gradrepl.engine.ops import einsum, linalg_decomp, linalg_norms, linalg_products  # noqa: F401
from gradrepl.engine.ops import nan_aware, quantiles, sampling  # noqa: F401
from gradrepl.engine.ops import searching, shape_extra  # noqa: F401  (session 10: l-more)
from gradrepl.engine.ops import integration, log_running  # noqa: F401  (session 11: m-ops)
from gradrepl.engine.ops import registry
from gradrepl.engine.ops.conversion import detach_, to_dtype  # noqa: F401
from gradrepl.engine.ops.indexing import getitem  # noqa: F401
from gradrepl.engine.ops.inplace import apply_inplace, setitem  # noqa: F401
from gradrepl.engine.ops.primitive import apply, apply_binary, apply_unary, operand  # noqa: F401
from gradrepl.engine.ops.shape import reversed_dims  # noqa: F401

# ops.add, ops.exp_, ops.absolute ...: every registered function and in-place form by its name
for _entry in registry.OPS.values():
    for _name in _entry.names:
        globals()[_name] = _entry.function
        if _entry.inplace is not None:
            globals()[_name + "_"] = _entry.inplace
del _entry, _name
