"""``Tensor.bernoulli_(p)`` for a scalar p, drawing as torch's CPU kernel does.

torch's default bernoulli kernel (aten/src/ATen/native/cpu/DistributionTemplates.h,
``bernoulli_kernel``) walks the tensor serially and draws one double per element: a 64-bit
random number's low 53 bits times 2^-53, and the element is ``u < p``. Dropout's masks are this.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.random import _gen

_MASK53 = np.uint64((1 << 53) - 1)


def bernoulli_values(shape: tuple, p: float, np_dtype, generator=None) -> np.ndarray:
    """An array of ``shape`` holding 1 with probability ``p`` and 0 otherwise, in ``np_dtype``."""
    n = int(np.prod(shape, dtype=np.int64))
    bits = _gen(generator).random64(n) if n else np.zeros(0, np.uint64)
    uniform = (bits & _MASK53).astype(np.float64) * 2.0 ** -53
    return (uniform < p).astype(np_dtype).reshape(shape)
