"""Small float32 matrix products summed in the order PyTorch's CPU BLAS sums them.

Measured against torch 2.13 (MKL, AVX512 machine; scripts/measure_nn_numerics.py and
tests/torch_api/test_blas_order.py): for ``mm`` with more than one output column, or a single
row times a single column, every output element is the sequential chain
``fma(a[i, k], b[k, j], acc)`` over k = 0, 1, ..., starting from the first product. numpy's BLAS
sums in blocks instead, which differs in the last bit on about half of the elements, and that is
what made seeded training lessons drift from torch after one step.

The chain costs one emulated fused multiply-add per k, so it is used only for lesson-sized
products (m * k * n <= SMALL_PRODUCT), where its cost is microseconds; larger products,
matrix @ column products and the layouts listed in ``follows_torch`` (where MKL takes paths whose
order is not reproduced) stay on numpy's BLAS.
"""

from __future__ import annotations

import numpy as np

SMALL_PRODUCT = 1 << 15
_F32 = np.dtype(np.float32)


def follows_torch(a, b) -> bool:
    """Whether ``matrix_product`` reproduces torch's bits for these operands."""
    if a.dtype != _F32 or b.dtype != _F32 or a.ndim != 2 or b.ndim != 2:
        return False
    m, k = a.shape
    n = b.shape[1]
    if k < 2 or m * k * n > SMALL_PRODUCT or n == 1 and m > 1:
        return False
    # MKL's layout-dependent paths whose order differs (measured): a row times a transposed
    # matrix, and two transposed operands
    c_order = a.flags.c_contiguous, b.flags.c_contiguous
    if m == 1 and n > 1 and not c_order[1]:
        return False
    return any(c_order)


def matrix_product(a, b):
    """``a @ b`` for 2-D arrays: torch's summation order where it is known, else numpy's."""
    if not follows_torch(a, b):
        return np.matmul(a, b)
    from gradrepl.engine.vector_math import fma

    total = a[:, 0:1] * b[0:1, :]
    for k in range(1, a.shape[1]):
        total = fma(a[:, k:k + 1], b[k:k + 1, :], total)
    # the BLAS accumulator starts from +0, so a zero result is never -0
    return np.add(total, _F32.type(0.0), out=total)
