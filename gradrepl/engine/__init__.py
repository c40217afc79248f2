"""The numpy autograd engine. Importing it attaches the ops to Tensor (see tensor_methods)."""

import numpy as _np

from gradrepl.engine import memory as _memory
from gradrepl.engine import tensor_methods as _tensor_methods  # noqa: F401  (installs methods)

# torch never warns on overflow or division by zero (it just gives inf/nan); numpy would, on every
# such element-wise op, so its floating-point warnings are off while the engine is in use.
_np.seterr(all="ignore")

_memory.tune_allocator()
_memory.tune_collector()
