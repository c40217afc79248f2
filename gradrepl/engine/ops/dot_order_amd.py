"""torch.dot (sdot/ddot) in the order MKL sums it on an AMD CPU (blas_order.mkl_dot picks this by
cpu_capability.vendor; Intel's order is blas_order's own).

Measured on this project's AMD EPYC (Zen 3, AVX2; torch 2.13, MKL's non-Intel code path) with
crafted operands (+-2**30 among ones: the ones a pair absorbs before it cancels name the partial
sums it met) and then bit for bit on random vectors of every length from 1 to 399 and up to
100,001 (docs/floats.md "CPU vendor"):

- the products are rounded (no fused multiply-add anywhere); one SSE vector holds 4 floats or 2
  doubles; four accumulators start at +0;
- the first elements before the operand's address reaches a 16-byte boundary (the "head") are
  added one by one into lane 0 of accumulator 0, before anything else;
- whole vectors are dealt to the accumulators in turn while four remain; the last one to three
  go to accumulators 0, 1, 0 (float32) or 0, 0, 0 (float64); the elements after the last whole
  vector are added one by one into lane 0 of accumulator 0;
- then ``((a0 + a1) + a2) + a3``, and the lanes folded by halves: ``(l0 + l2) + (l1 + l3)``
  (float32) or ``l0 + l1``;
- from 32 KiB per vector, with two threads, the first ``ceil(n / 2)`` elements and the rest are
  summed so apart (the second part's head from its own start) and added.

Strided vectors (``x[::2]``, either operand, an expanded one too) take another kernel: one
unfused chain from +0 (float32), or two, of the even and the odd elements, added (float64); with
two threads from 32 KiB of elements, the same ``ceil(n / 2)`` split.

Operands whose starts differ modulo 16 bytes: float64 peels by the second operand's start (as
here); float32 takes some other order, not found (``follows`` leaves them to numpy).
"""

from __future__ import annotations

import numpy as np

_VECTOR_BYTES = 16
_THREADED_BYTES = 32768
_F32 = np.dtype(np.float32)
_DEAL = {np.dtype(np.float32): (0, 1, 0), np.dtype(np.float64): (0, 0, 0)}


def follows(a, b, threads: int) -> bool:
    """Whether ``dot`` reproduces AMD torch's bits: float vectors of one dtype, one or two
    threads (MKL's split was measured with two), not float32 ones starting apart (docstring)."""
    if not (a.dtype == b.dtype and a.dtype in _DEAL and a.shape[0] > 0 and threads <= 2):
        return False
    if not _contiguous(a, b) or a.dtype != _F32:
        return a.strides[0] >= 0 and b.strides[0] >= 0
    lanes = _VECTOR_BYTES // a.itemsize
    return (_offset(a) - _offset(b)) % lanes == 0


def dot(a, b, threads: int):
    """The dot of two float vectors in AMD MKL's order (module docstring)."""
    part = _part if _contiguous(a, b) else _strided_part
    start = _offset(b)
    if threads == 2 and a.shape[0] * a.itemsize >= _THREADED_BYTES:
        half = -(-a.shape[0] // 2)
        return part(a[:half], b[:half], start) + part(a[half:], b[half:], start + half)
    return part(a, b, start)


def _contiguous(a, b) -> bool:
    return a.strides[0] == b.strides[0] == a.itemsize


def _strided_part(a, b, start):
    products = a * b
    if a.dtype == _F32:
        total = np.add.accumulate(products)[-1]
    else:  # even and odd elements apart
        total = np.add.accumulate(products[0::2])[-1]
        if products.shape[0] > 1:
            total = total + np.add.accumulate(products[1::2])[-1]
    return total + a.dtype.type(0.0)  # from +0


def _offset(x) -> int:
    """Elements from the start of the array that owns ``x``'s memory: torch's storages start
    64-byte aligned, so this says where the 16-byte boundaries fall for torch."""
    owner = x.base
    if owner is None:  # owns its memory (a fresh result): the common case, without the lookups
        return 0
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    if not isinstance(owner, np.ndarray):
        owner = x
    return (x.__array_interface__["data"][0] - owner.__array_interface__["data"][0]) // x.itemsize


def _part(a, b, start):
    lanes = _VECTOR_BYTES // a.itemsize
    n = a.shape[0]
    head = min((-start) % lanes, n)
    products = a * b  # each rounded once
    vectors, tail = divmod(n - head, lanes)
    if not vectors:  # every product into accumulator 0's lane 0, in order; the rest are +0
        return np.add.accumulate(products)[-1] + a.dtype.type(0.0)
    total = a.dtype.type(0.0)
    for i in range(head):
        total = total + products[i]
    blocks = vectors // 4
    acc = np.zeros((4, lanes), a.dtype)
    if blocks:  # each lane a chain over the blocks, the head entering accumulator 0's lane 0
        steps = products[head:head + blocks * 4 * lanes].reshape(blocks, 4, lanes).copy()
        steps[0, 0, 0] = total + steps[0, 0, 0]
        acc = np.add.accumulate(steps, axis=0)[-1]
    else:
        acc[0, 0] = total
    for i, k in enumerate(_DEAL[a.dtype][:vectors - blocks * 4]):
        v = head + (blocks * 4 + i) * lanes
        acc[k] = acc[k] + products[v:v + lanes]
    for i in range(n - tail, n):
        acc[0, 0] = acc[0, 0] + products[i]
    folded = ((acc[0] + acc[1]) + acc[2]) + acc[3]
    while folded.shape[0] > 1:
        half = folded.shape[0] // 2
        folded = folded[:half] + folded[half:]
    # the accumulators start from +0: an all--0 chain is +0 there (adding +0 changes nothing else)
    return folded[0] + a.dtype.type(0.0)
