"""Small float32 matrix products summed in the order PyTorch's CPU BLAS sums them.

Measured against torch 2.13 (MKL, AVX512 machine; scripts/measure_nn_numerics.py and
tests/torch_api/test_blas_order.py): for ``mm`` with more than one output column, or a single
row times a single column, every output element is the sequential chain
``fma(a[i, k], b[k, j], acc)`` over k = 0, 1, ..., starting from the first product. numpy's BLAS
sums in blocks instead, which differs in the last bit on about half of the elements, and that is
what made seeded training lessons drift from torch after one step. Longer sums are cut into
chains that are added at the end (``_k_blocks``): with two rows or more, k of 385 to 768 is two
chains of ceil(k / 2) and k / 2 terms (MKL's k blocking); a single row times a matrix on two
threads, k >= 256 likewise (each thread sums one half).

The chain costs one emulated fused multiply-add per k, so it is used only for lesson-sized
products (m * k * n <= SMALL_PRODUCT), where its cost is microseconds, and for ``x @ w.t()``
with 16 rows or more (nn.Linear's forward, a transposed b) up to ``TRANSPOSED_CHAIN_PRODUCT``
and k <= ``TRANSPOSED_CHAIN_K``: numpy's BLAS differs from MKL there on about a third of such
products (makemore's ``dhprebn @ W1.T``, (32, 64) @ (64, 30), p-learner). Larger products and
the layouts listed in ``follows_torch`` (where MKL takes paths whose order is not reproduced)
stay on numpy's BLAS.

A matrix times one column (``nn.Linear(k, 1)`` on a batch, ``mv``) is MKL's AVX-512 gemv kernel
instead, found by summing crafted inputs (2**30 and -2**30 among ones, which names every partial
sum) and then checked on random ones (tests/torch_api/test_blas_order.py). For k <= 17 every row
is the first product ``p0`` plus the other k - 1 products in the 16 lanes of one vector,
``fma(a[i, k], b[k], lane)``, folded by halves (lane i + lane i ^ 8, then ^ 4, ^ 2, ^ 1). Rows
come in blocks of four, which start lane 0 from ``p0``; the rows after the last whole block
start every lane from 0 and add ``p0`` after the fold. With two threads MKL splits the rows into
halves of ceil(m / 2), each with its own blocks of four, once the smaller half holds 4096
multiply-adds or more (floor(m / 2) * k >= 4096: (m, k) = (745, 11) or (683, 12) stays whole).
Longer rows (MKL's tails after whole vectors follow other rules) stay on numpy's BLAS. A
product of at most ``GEMV_FEW_PRODUCTS`` multiplies (``nn.Linear(3, 1)`` on a lesson's batch)
runs the same order in Python floats (``few_lanes.gemv``), and a chain of a few lanes (its weight
gradient) likewise (``few_lanes.fma_chain``): there each numpy call costs more than its
arithmetic. nn.Linear(k, 1)'s forward with its bias (``linear_column``) and a row times a few
C-contiguous columns (a planned ``_row_chain_kernel``) run that arithmetic as functions written
out for their sizes (``few_lanes.linear_column_kernel``, ``few_lanes.row_chain_kernel``).

``x @ weight.t()`` (nn.Linear's forward: b the transpose of a C-contiguous matrix) is a chain
from 16 rows; with fewer rows MKL picks a kernel by m, n and k (``_transposed_kernel``, mapped
over m < 16, k <= 70, n <= 20): the chain, a 16-lane dot product (``_dot_lanes``), or on one row
the gemv above. ``nn.Linear(1, n)`` rounds bias + x * w once (``fuses_bias``).

All of the above was measured on Intel CPUs, and MKL chooses its kernels by CPU vendor
(cpu_capability.vendor): on an AMD CPU ``blas_order_amd`` holds the orders (measured on an AMD
EPYC), and on a CPU of any other vendor every product is numpy's BLAS.
"""

from __future__ import annotations

import functools
import struct
import threading
from array import array
from operator import mul

import numpy as np

from gradrepl.engine.cpu_capability import AMD, AVX512, INTEL, isa, this_cpus_isa, vendor
from gradrepl.engine.float_math import few_lanes, fused
from gradrepl.engine.ops import blas_order_amd, blas_order_double, dot_order_amd
from gradrepl.engine.ops.summation import THREADS

SMALL_PRODUCT = 1 << 15
# x @ w.t() with _TRANSPOSED_ROWS rows or more: the chain up to (not including) this many
# multiply-adds. Measured (p-learner, torch 2.13, 1 and 2 threads, 300 random shapes with
# 2**15 < m * k * n < 2**18, m >= 16, k <= 384): the chain was torch's bits on all 297 with
# n >= 2 (a column, n = 1, is gemv and never comes here); numpy's differed on 94 of the 300.
# Only up to k = TRANSPOSED_CHAIN_K: each k is a step of numpy calls, so W8's
# Linear(128, 10) on 32 rows (k = 128) would cost about 1.4 ms instead of numpy's 24 us; it stays
# on numpy's BLAS, which differs from torch's bits there (20 of 20 random products, p-learner).
TRANSPOSED_CHAIN_PRODUCT = 1 << 18
TRANSPOSED_CHAIN_K = 64
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_K_BLOCK = 384  # the k MKL sums in one chain with two rows or more
_ROW_SPLIT = 256  # a row times a matrix: from this k on, two threads sum the halves
_ROW_CHAIN = 4096  # a row times a matrix measured up to here
_ROW_COLUMNS = 16  # a row times a matrix of this many columns or more: not a chain
_TRANSPOSED_ROWS = 16  # a transposed b: a chain from this many rows
_GEMV_LANES = 16  # MKL's AVX-512 float vector
_GEMV_ROW_BLOCK = 4
_GEMV_HALF_SPLIT = 4096  # multiply-adds in floor(m / 2) rows from which MKL's gemv takes two threads
# a row times at most this many columns is computed in Python floats: a chain of fewer than
# SPLIT_STEPS steps per lane by few_lanes.fma_chain (struct's rounding of all lanes per step),
# a longer one by few_lanes.fma_chain_split (Veltkamp's rounding, one loop per lane, ~15 us of
# numpy screening per call). Measured on Intel (CPU time, m-replay in docs/benchmarks.md): the
# split is slower up to ~40 steps on 1 lane, ~60 on 2, ~100-150 on 3, still at 200 on 6 lanes,
# and faster beyond (1 lane, 200 steps: 85 against 155 us); FEW_LANES = 0 sends every chain
# through numpy (the tests compare)
FEW_LANES = 6
SPLIT_STEPS = 40
# a gemv of at most this many products is computed in Python floats (few_lanes.gemv); 0: numpy
GEMV_FEW_PRODUCTS = 32


def follows_torch(a, b) -> bool:
    """Whether ``matrix_product`` reproduces torch's bits for these operands."""
    measured_on = vendor()
    if measured_on != INTEL:
        return measured_on == AMD and blas_order_amd.follows(a, b)
    if a.dtype != _F32 or b.dtype != _F32 or a.ndim != 2 or b.ndim != 2:
        return _double_kernel(a, b) is not None
    m, k = a.shape
    n = b.shape[1]
    if n == 1 and m > 1:
        return _follows_gemv(a, k)
    if k < 2 or m * k * n > SMALL_PRODUCT and not _long_transposed_chain(m, k, n, b):
        return False
    # MKL's layout-dependent paths whose order differs (measured): a row times a transposed
    # matrix, and two transposed operands
    c_order = a.flags.c_contiguous, b.flags.c_contiguous
    if _transposed(b):  # nn.Linear's x @ weight.t() (a dot with a transposed row included)
        return c_order[0] and _transposed_kernel(m, k, n) is not None
    if not c_order[1]:
        return False
    if m == 1 and n >= _ROW_COLUMNS:
        return False  # a row times 16+ columns: other kernels
    if k > (2 * _K_BLOCK if m > 1 else _ROW_CHAIN):
        return False  # three or more blocks, or a longer row: not measured / not reproduced
    return True


def _long_transposed_chain(m, k, n, b) -> bool:
    """Whether a product past SMALL_PRODUCT is still one of ``_transposed_kernel``'s chains:
    a transposed b and a shape ``_long_chain_shape`` admits."""
    return _long_chain_shape(m, k, n) and _transposed(b)


def _long_chain_shape(m, k, n) -> bool:
    """16 rows or more, k <= TRANSPOSED_CHAIN_K, fewer than TRANSPOSED_CHAIN_PRODUCT
    multiply-adds: x @ w.t() still summed as the chain past SMALL_PRODUCT."""
    return m >= _TRANSPOSED_ROWS and k <= TRANSPOSED_CHAIN_K and m * k * n < TRANSPOSED_CHAIN_PRODUCT


def _double_kernel(a, b):
    """The float64 kernel (``blas_order_double.kernel``) for Intel operands, or None."""
    if a.dtype != _F64 or b.dtype != _F64 or a.ndim != 2 or b.ndim != 2 or not _mkl_avx512():
        return None
    m, k = a.shape
    n = b.shape[1]
    if k < 2 or m * k * n > SMALL_PRODUCT:
        return None
    return blas_order_double.kernel(a, b, _transposed(b))


def _transposed(b) -> bool:
    """Whether b is the transpose of a C-contiguous matrix and not itself C-contiguous in
    numpy's sense, except that a column (k, 1) counts as transposed when its rows are apart (the
    weight of ``nn.Linear(k, 1)``, transposed): MKL reads such operands as rows."""
    transpose = b.T
    if not transpose.flags.c_contiguous or b.shape[0] < 2:
        return False
    return not b.flags.c_contiguous or b.shape[1] == 1 and b.strides[1] != b.itemsize


_CHAIN, _DOT, _QUARTERS, _GEMV = "chain", "dot", "quarters", "gemv"


def _transposed_kernel(m, k, n):
    """The kernel MKL sums ``a @ b`` with for a C-contiguous a (m, k) and b the transpose of a
    C-contiguous (n, k) matrix, as measured on torch 2.13 (scripts/sweep_small_blas.py: every m
    in 1..15, k in 1..70 and n in 1..20), or None where the order is not known.

    From 16 rows: one chain per element (``_chain``), k up to 384 (mm's two k blocks beyond
    match too, up to 768, but then F.linear's bias is added in another order: not followed). One row: MKL's gemv on the
    rows of b.T (``_matrix_times_column``), k up to 17. 2 to 15 rows: MKL's dot kernel
    (``_dot_lanes``) for 2 columns, for 3 columns up to 10 rows, and for 4 to 11 columns when
    there are more columns than rows and no more than columns' worth of k; otherwise a chain.
    Two rows with k of 48 or more: the dot kernel with a quarter fold, at every column count;
    3 to 15 rows with k of 48 to 63 where the dot kernel would run: not found. Fewer than 16 rows
    with k > 70: not mapped."""
    if k < 2 or m * k * n > SMALL_PRODUCT and not _long_chain_shape(m, k, n):
        return None
    if m >= _TRANSPOSED_ROWS:  # one k block (with two, addmm adds its bias otherwise)
        return _CHAIN if k <= _K_BLOCK else None
    if k > _FEW_ROWS_K:
        return None
    if m == 1:
        return _GEMV if k <= _GEMV_LANES + 1 and _mkl_avx512() else None
    if not _mkl_avx512():
        return None
    if m == 2 and k >= _QUARTER_K:
        return _QUARTERS
    dot = n == 2 or n == 3 and m <= _DOT_THREE_ROWS or 4 <= n <= _DOT_COLUMNS and n > m and n >= k
    if not dot:
        return _CHAIN
    return None if _QUARTER_K <= k < _DOT_AGAIN_K else _DOT


_FEW_ROWS_K = 70  # fewer than 16 rows: the kernels mapped up to this k
_DOT_AGAIN_K = 64  # 3 to 15 rows: the dot kernel's order found again from this k
_QUARTER_K = 48  # two rows from this k: the quarter fold
_DOT_THREE_ROWS = 10  # three columns: the dot kernel up to this many rows
_DOT_COLUMNS = 11  # the dot kernel with more columns than rows: up to this many columns


def _follows_gemv(a, k) -> bool:
    # MKL picks its kernel by the CPU itself (ATEN_CPU_CAPABILITY does not reach it)
    return 2 <= k <= _GEMV_LANES + 1 and a.flags.c_contiguous and _mkl_avx512()


def _mkl_avx512() -> bool:
    """Whether MKL runs its AVX-512 kernels: it picks them by the CPU (or the one gradrepl
    computes as: cpu_capability.isa), never by ATEN_CPU_CAPABILITY."""
    return isa() == AVX512


def matrix_product(a, b):
    """``a @ b`` for 2-D arrays: torch's summation order where it is known, else numpy's."""
    if PLANS and type(a) is np.ndarray and type(b) is np.ndarray:
        plan = _plan(a, b)
        if plan is not _UNPLANNED:
            return np.matmul(a, b) if plan is None else plan(a, b)
    if not follows_torch(a, b):
        if vendor() == AMD:  # an operand torch copies before MKL sees it: the copy's order
            a, b = blas_order_amd.blas_layout(a), blas_order_amd.blas_layout(b)
            if follows_torch(a, b):
                return _ordered_product(a, b)
        kernel = _recorded_cpus_blas(a, b)
        return np.matmul(a, b) if kernel is None else kernel(a, b)
    return _ordered_product(a, b)


def _recorded_cpus_blas(a, b):
    """Where torch's order is not followed gradrepl's product is numpy's BLAS, and OpenBLAS picks
    its kernels by the CPU too: computing as an AVX-512 Intel CPU on another (cpu_capability.isa,
    a replayed sample's stamp), the kernel that gives what numpy's BLAS gave there, or None
    (numpy's product here). Its float32 gemm on such shapes (2+ rows and columns, k up to
    TRANSPOSED_CHAIN_K, fewer than TRANSPOSED_CHAIN_PRODUCT multiply-adds) sums one fused
    multiply-add chain down k from +0: the four products of samples/28's backprop lesson, whose
    outputs recorded on the AVX-512 Xeon gradrepl then reproduces (numpy's AVX2 kernels do not)."""
    if (a.dtype != _F32 or b.dtype != _F32 or a.ndim != 2 or b.ndim != 2 or vendor() != INTEL
            or not _mkl_avx512() or this_cpus_isa() == AVX512):
        return None
    m, k = a.shape
    n = b.shape[1]
    if m < 2 or n < 2 or not 2 <= k <= TRANSPOSED_CHAIN_K or m * k * n >= TRANSPOSED_CHAIN_PRODUCT:
        return None
    return _chain_from_zero


def _chain_from_zero(a, b):
    total = _chain(a, b)
    return np.add(total, _F32.type(0.0), out=total)


def matrix_vector(a, v):
    """``a @ v`` for a matrix and a vector (mv's gradient for its vector, ``a.t() @ grad``): on an
    AMD CPU in MKL's order where ``blas_order_amd`` follows it; elsewhere numpy's, as before
    (Intel's tests pass on it, and gemv's Intel rules were not measured for this caller)."""
    if vendor() == AMD and a.dtype == v.dtype:
        column = v[:, None]
        if blas_order_amd.follows(a, column):
            return blas_order_amd.product(a, column)[:, 0]
    return np.matmul(a, v)


# True: the kernel ``follows_torch`` and ``_ordered_product`` pick for a layout (shapes, strides,
# dtypes, and what the machine's MKL is) is memoised (``_plan``); False: decided at every call
# (the tests compare)
PLANS = True
_PLANS_HELD = 4096  # layouts remembered before the memo starts afresh
_plans: dict = {}
_UNPLANNED = object()  # no plan for these operands (AMD's rules read the data's alignment)


def _plan(a, b):
    """The function ``_ordered_product`` would run on arrays of these layouts (None: numpy's
    product, as ``follows_torch`` is false), memoised by what the decision reads: the arrays'
    shapes, strides (numpy's contiguity flags follow from them) and dtypes, the CPU's vendor,
    whether MKL runs its AVX-512 kernels (the CPU's instruction set, or the emulated one's: with
    the real CPU's, fixed, that also decides ``_recorded_cpus_blas``), the thread count
    (``_k_blocks``) and whether AMD's larger products are followed
    (``blas_order_amd.LARGE_PRODUCTS``). On an AMD CPU the rules also read where the data starts
    (``blas_order_amd._aligned``): ``_UNPLANNED`` for the layouts its rules admit and for operands
    torch would copy first (``blas_order_amd.blas_layout``), numpy's product (None) memoised for
    the others (W8's five products, past AMD's sizes unless ``LARGE_PRODUCTS``: no alignment to
    read, no rule to test again).
    A lesson's step asks twice (the forward's gemv, the weight gradient's chain), and the
    decision costs about as much as a quarter of the few-lane arithmetic it picks."""
    # (the dtypes as whether both are float32: every rule is float32's, and a dtype's own hash
    # costs more than the rest of the key)
    # (float64 operands: 2; any other dtypes: False)
    key = (a.shape, a.strides, b.shape, b.strides,
           a.dtype == _F32 == b.dtype or a.dtype == _F64 == b.dtype and 2, vendor(),
           _mkl_avx512(), THREADS, blas_order_amd.LARGE_PRODUCTS)
    plan = _plans.get(key, _UNPLANNED)
    if plan is _UNPLANNED:
        if key[5] != INTEL:
            if key[5] == AMD and _amd_decided_per_call(a, b):
                return _UNPLANNED  # alignment is not in the key, nor torch's copy's order
            plan = None  # no vendor's rules follow this layout, wherever the data starts
            if len(_plans) >= _PLANS_HELD:
                _plans.clear()
            _plans[key] = plan
            return plan
        plan = _intel_kernel(a, b) if follows_torch(a, b) else _recorded_cpus_blas(a, b)
        if len(_plans) >= _PLANS_HELD:
            _plans.clear()
        _plans[key] = plan
    return plan


def _amd_decided_per_call(a, b) -> bool:
    """Whether an AMD product of these layouts must be decided at each call: AMD's rules admit
    it (they also read the alignment), or torch copies an operand first and the copy might be
    admitted (``matrix_product``'s ``blas_layout`` step)."""
    return (_amd_layout_follows(a, b) or blas_order_amd.blas_layout(a) is not a
            or blas_order_amd.blas_layout(b) is not b)


def _amd_layout_follows(a, b) -> bool:
    """``blas_order_amd.follows`` without its alignment test: what the key's layout decides."""
    return (a.dtype == _F32 == b.dtype and a.ndim == 2 == b.ndim
            and blas_order_amd.layout_follows(a, b))


def _intel_kernel(a, b):
    """``_ordered_product``'s choice of kernel for Intel operands ``follows_torch`` admits, as a
    function of the two arrays."""
    if a.dtype == _F64:
        return functools.partial(blas_order_double.product, name=_double_kernel(a, b))
    if b.shape[1] == 1 and a.shape[0] > 1:
        return _column_kernel
    if _transposed(b):
        kernel = _transposed_kernel(*a.shape, b.shape[1])
        if kernel == _GEMV:
            return _row_gemv_kernel
        if kernel != _CHAIN:
            return functools.partial(_dot_kernel, quarters=kernel == _QUARTERS)
    blocks = _k_blocks(*a.shape)
    if len(blocks) == 1:
        written = _written_row_chain(a, b)
        return _one_chain_kernel if written is None else written
    return functools.partial(_blocked_chain_kernel, blocks=blocks)


# True: a row times a few C-contiguous columns (Linear(k, 1)'s weight gradient) runs the chain
# written out for its sizes (few_lanes.row_chain_kernel); False: _one_chain_kernel's
# few_lanes.fma_chain (the tests compare)
ROW_CHAINS = True


def _written_row_chain(a, b):
    """The plan for a row (1, k) times a (k, n) matrix, both C-contiguous float32, whose chain
    ``_chain_values`` runs in Python floats by ``few_lanes.fma_chain``: the same steps written
    out for k and n (``few_lanes.row_chain_kernel``), or None for other operands."""
    (m, k), n = a.shape, b.shape[1]
    if (m != 1 or a.dtype != _F32 or not a.flags.c_contiguous or not b.flags.c_contiguous
            or not 2 <= k < SPLIT_STEPS * n or n > FEW_LANES):
        return None
    kernel = few_lanes.row_chain_kernel(k, n)
    return None if kernel is None else functools.partial(_row_chain_kernel, kernel=kernel)


def _row_chain_kernel(a, b, kernel):
    # (the switches _chain_values reads, read at each call as it reads them)
    n = b.shape[1]
    if (ROW_CHAINS and fused.DEFERRED and not fused.EXACT_EVERYWHERE and n <= FEW_LANES
            and a.shape[1] < SPLIT_STEPS * n):
        out = kernel(a, b)
        if out is not None:
            return out
    return _one_chain_kernel(a, b)  # it hands back too, to numpy's steps


def _column_kernel(a, b):
    return _matrix_times_column(a, b[:, 0])[:, None]


def linear_column(x, w, bias):
    """``product_from_zero(x, w) + bias`` (addmm's sum, nn.Linear(k, 1)'s forward) for a float32
    matrix x times a column w (k, 1) that MKL's gemv sums (``_column_kernel``) in Python floats
    (``few_lanes.gemv_values``), with the bias (one float32 value) added to each result there
    too, rounded by struct's ``f`` format straight into a fresh (m, 1) array: a float32 add is
    the float64 one rounded (53 >= 2 * 24 + 2 bits), as numpy's float32 add. None where the
    numpy path must decide: other layouts or sizes, a gemv that hands back, a bias that is not
    finite (numpy's nan bits), a sum rounding past float32's range (numpy's warning)."""
    rows, k = x.shape
    if (not PLANS or rows * k > GEMV_FEW_PRODUCTS or bias.shape != (1,)
            or _plan(x, w) is not _column_kernel or not w.flags.c_contiguous):
        return None
    if LINEAR_KERNELS:  # the same arithmetic, written out for these sizes
        c = bias.item()
        if c - c != 0:
            return None
        return few_lanes.linear_column_kernel(rows, k, _GEMV_ROW_BLOCK)(x, w, c)
    floats = _float_struct(rows * k)
    exact = list(map(mul, floats.unpack_from(x), _float_struct(k).unpack_from(w) * rows))
    total = few_lanes.gemv_values(exact, k, _GEMV_ROW_BLOCK)
    if total is None:
        return None
    c = bias.item()
    if c - c != 0:
        return None
    sums = [t + c for t in total]
    # struct's native "f" casts without its OverflowError: a sum at or past float32's rounding
    # edge (an inf among them) is left to numpy, whose add warns
    if not (-_EDGE32 < min(sums) and max(sums) < _EDGE32):
        return None
    out = np.empty((rows, 1), _F32)
    _float_struct(rows).pack_into(out, 0, *sums)
    return out


# True: linear_column runs few_lanes.linear_column_kernel, its arithmetic written out per size;
# False: gemv_values and the bias added in lists (the tests compare)
LINEAR_KERNELS = True
_EDGE32 = 2.0**128 - 2.0**103  # float32's largest value plus half its ulp: from here on, inf


_float_structs: dict = {}


def _float_struct(n):
    """A ``struct.Struct`` of n native float32 values (C-contiguous float32 arrays are read and
    written through it: ``unpack_from``, ``pack_into``)."""
    packer = _float_structs.get(n)
    if packer is None:
        packer = _float_structs[n] = struct.Struct(f"{n}f")
    return packer


def _row_gemv_kernel(a, b):  # one row: MKL's gemv on the rows of b.T, the row the vector
    return _matrix_times_column(b.T, a[0])[None, :]


def _dot_kernel(a, b, quarters):
    return _dot_lanes(a, b.T, quarters=quarters)


def _one_chain_kernel(a, b):  # one chain over all of k: the operands as they are, no slices
    total = _chain_values(a, b)
    if type(total) is array:  # the few-lane chain's Python floats: the +0 added there too
        return np.frombuffer(_plus_zero(total), _F32).reshape(1, b.shape[1])
    return np.add(total, _F32.type(0.0), out=total)  # the accumulator starts from +0


def _blocked_chain_kernel(a, b, blocks):
    total = None
    for lo, hi in blocks:
        part = _chain(a[:, lo:hi], b[lo:hi])
        total = part if total is None else np.add(total, part, out=total)
    return np.add(total, _F32.type(0.0), out=total)


def keeps_product_sign(a, b) -> bool:
    """A product of one inner dim (``k == 1``: a column times a row) of several rows and several
    columns is not summed from +0 by MKL: each element is its one product, -0 kept
    (``[[-1.], [1.]] @ [[0., 0.]]`` has -0s), and addmm adds it to ``input`` as it is (-0 + -0
    is -0). A single row or column goes to gemv, which starts from +0, as do mv and dot.
    Measured on the Intel Xeon's torch 2.13, float32 and float64 (batched ``@`` folded to mm)."""
    shape_a, shape_b = _shape(a), _shape(b)
    return (shape_a[-1] == 1 and shape_b[-1] > 1 and int(np.prod(shape_a[:-1])) > 1
            and vendor() == INTEL)


def addmm_keeps_product_sign(a, b) -> bool:
    """addmm (beta 1) of one inner dim accumulates into ``input`` without a +0 start for a
    single row too (gemv into the bias: -0 + -0 is -0); a single column still starts from +0
    (measured as ``keeps_product_sign``)."""
    return _shape(a)[-1] == 1 and _shape(b)[-1] > 1 and vendor() == INTEL


def _shape(a) -> tuple:
    """``np.shape(a)``, an array's own attribute read directly (np.shape's Python layer costs
    ~3 k instructions, twice for each nn.Linear forward)."""
    return a.shape if type(a) is np.ndarray else np.shape(a)


def column_times_row(a, b):
    """``a @ b`` for one inner dim, each element its one product (numpy's BLAS adds it to +0)."""
    return np.multiply(a, b[..., :1, :], dtype=np.result_type(a, b))


def product_from_zero(a, b):
    """addmm's product: ``matrix_product`` with a zero sum +0, never -0, as torch's BLAS sums
    start from +0 (but see ``addmm_keeps_product_sign``)
    (linalg._positive_zeros). torch's orders below end by adding +0 already, so only numpy's
    product takes the extra add (nn.Linear's forward saves a numpy call per step)."""
    plan = _plan(a, b) if PLANS and type(a) is np.ndarray and type(b) is np.ndarray \
        else _UNPLANNED
    if plan is _UNPLANNED:
        if follows_torch(a, b):
            return _ordered_product(a, b)
        kernel = _recorded_cpus_blas(a, b)
        if kernel is not None:
            return kernel(a, b)
    elif plan is not None:
        return plan(a, b)
    if addmm_keeps_product_sign(a, b):
        return column_times_row(a, b)
    product = np.matmul(a, b)
    return np.add(product, 0.0, out=product)


def bias_enters_blocks(a, b) -> bool:
    """Whether addmm (beta = alpha = 1) of these float32 operands is ``blas_order_amd.addmm``
    (the bias added into MKL's k blocks in turn) rather than the product plus the bias: on an AMD
    CPU, for products ``follows_torch`` admits whose fused chains are cut into k blocks."""
    # (the shape test first: it is false for every k up to 192, so nn.Linear's forward on a
    # lesson's layer pays no second ``follows``)
    return (vendor() == AMD and a.ndim == 2 == b.ndim
            and blas_order_amd.bias_enters_blocks(*a.shape, b.shape[1])
            and blas_order_amd.follows(a, b))


def fuses_bias(a, b) -> bool:
    """Whether torch's ``addmm(bias, a, b)`` (beta = alpha = 1, so ``nn.Linear(1, n)``) rounds
    each output once, as ``fma(a[i, 0], b[0, j], bias[j])``: MKL's gemm with k = 1, two rows or
    more and two columns or more, either layout of b (measured on torch 2.13, float32; a row or
    a column is gemv, which rounds the product first; float64 likewise, measured on the AVX-512
    Xeon, n-exact). Products of longer k add the bias after the sum, as ``mm(a, b) + bias``."""
    return (a.ndim == 2 == b.ndim and a.shape[1] == 1 and a.shape[0] > 1 and b.shape[1] > 1
            and b.shape[0] == 1 and (a.dtype == _F32 == b.dtype or a.dtype == _F64 == b.dtype
                                     and _mkl_avx512()) and vendor() == INTEL)


def _ordered_product(a, b):
    """``a @ b`` in torch's order for operands ``follows_torch`` admits; every result ends with
    an add of +0 (``product_from_zero`` counts on it)."""
    if vendor() != INTEL:  # AMD's rules: follows_torch admits no other vendor
        return blas_order_amd.product(a, b)
    if a.dtype == _F64:
        return blas_order_double.product(a, b, _double_kernel(a, b))
    if b.shape[1] == 1 and a.shape[0] > 1:
        return _matrix_times_column(a, b[:, 0])[:, None]
    if _transposed(b):
        kernel = _transposed_kernel(*a.shape, b.shape[1])
        if kernel == _GEMV:  # one row: MKL's gemv on the rows of b.T, the row the vector
            return _matrix_times_column(b.T, a[0])[None, :]
        if kernel != _CHAIN:
            return _dot_lanes(a, b.T, quarters=kernel == _QUARTERS)
    blocks = _k_blocks(*a.shape)
    if len(blocks) == 1:  # one chain over all of k: the operands as they are, no slices
        total = _chain_values(a, b)
        if type(total) is array:  # the few-lane chain's Python floats: the +0 added there too
            return np.frombuffer(_plus_zero(total), _F32).reshape(1, b.shape[1])
    else:
        total = None
        for lo, hi in blocks:
            part = _chain(a[:, lo:hi], b[lo:hi])
            total = part if total is None else np.add(total, part, out=total)
    # the BLAS accumulator starts from +0, so a zero result is never -0
    return np.add(total, _F32.type(0.0), out=total)


def _k_blocks(m, k):
    """The ranges of k that MKL sums as separate chains, then adds: a row times a matrix is
    split between two threads from 256 on; more rows are blocked from 385 on (both at
    ceil(k / 2))."""
    split = k >= _ROW_SPLIT and THREADS > 1 if m == 1 else k > _K_BLOCK
    if split:
        half = -(-k // 2)
        return ((0, half), (half, k))
    return ((0, k),)


def _plus_zero(values: array) -> array:
    """``values + 0`` for an ``array('f')`` of finite float32 values: a -0 becomes +0 (a BLAS
    sum starts from +0), every other value is its own sum with +0, so only an array holding a
    zero (``in`` finds -0 too, as -0.0 == 0.0) is copied."""
    return array("f", [v + 0.0 for v in values]) if 0.0 in values else values


def _chain(a, b):
    """``_chain_values`` as a (m, n) float32 array."""
    total = _chain_values(a, b)
    if type(total) is array:
        return np.frombuffer(total, _F32).reshape(1, b.shape[1])
    return total


def _chain_values(a, b):
    """Sequential fused multiply-adds down k (MKL's order for these shapes), rounded once each.

    The k products are exact in float64 and made in one call; each step adds one to the running
    float32 total in float64 and rounds, and every step's float64 sum is screened once at the
    end as ``fused.deferred_checks`` screens a kernel's (a chain of tiny steps pays per numpy
    call, not per element). If a sum may have rounded twice, the chain runs again with each
    step screened (``_fma_chain``); ``fused.DEFERRED = False`` always takes that path. A row times
    a few columns (``FEW_LANES``) runs its steps in Python floats (``few_lanes.fma_chain``, or
    ``few_lanes.fma_chain_split`` from ``SPLIT_STEPS`` steps per lane on: the same arithmetic), handing back to the numpy steps anything it cannot vouch for; its result
    comes back as the ``array('f')`` of the row's n values (``_chain`` makes it an array).
    """
    m, k = a.shape
    n = b.shape[1]
    if not fused.DEFERRED or fused.EXACT_EVERYWHERE or k < 2 or k * m * n > _CHAIN_IN_ONE_GO:
        return _fma_chain(a, b)
    if m == 1 and n <= FEW_LANES:
        if k < SPLIT_STEPS * n:
            few = few_lanes.fma_chain(a[0].tolist(), b.tolist())
        else:
            few = few_lanes.fma_chain_split(a[0], b)
        if few is not None:  # an array('f') of the n finite results: the caller wraps it
            return few
    products, sums, steps = _chain_work(k, m * n)
    # (k, m, n), exact: the operands made float64 first (k * (m + n) casts), as a float32
    # multiply into float64 would cast each broadcast operand to the full k * m * n in buffers;
    # written into C-ordered rows (a product left in the operands' order, k innermost for a
    # transposed b, was copied whole by the rows' reshape)
    np.multiply(a.T.astype(_F64, order="C")[:, :, None], b.astype(_F64, order="C")[:, None, :],
                out=products.reshape(k, m, n))
    first = a[:, 0:1] * b[0:1, :]
    # the running total rounded to float32 (``rounded``) but held in float64: each step's add
    # is then one dtype (numpy's mixed-dtype adds, buffered, cost more than the two casts,
    # which copy into the same two arrays at every step); the steps run on rows of m * n
    # values, as one-dimensional arrays take numpy's contiguous loops without its iterator
    # (together ~23% fewer instructions in the loop on makemore's (32, 64) @ (64, 30))
    total = first.reshape(m * n).astype(_F64)
    rounded = np.empty(m * n, _F32)
    add = np.add
    for product, out in steps:
        add(product, total, out)  # out positional: numpy parses no keywords (~0.3 us a step)
        rounded[...] = out
        total[...] = rounded
    if fused.may_have_rounded_twice(sums) and not _chain_rounded_once(products, first, sums):
        return _fma_chain(a, b)
    return rounded.reshape(m, n)


# True: a chain's products and sums go into two work arrays kept for the thread, each layout's
# (k, lanes) views of them and their rows made once (``_chain_work``); False: made at each call
# (the tests compare)
CHAIN_WORK = True
_CHAIN_WORK_HELD = 1 << 19  # float64 values in each work array at most (4 MB): larger, per call
_CHAIN_LAYOUTS_HELD = 64  # layouts' views remembered before the memo starts afresh
_chain_works = threading.local()  # .arrays: (products, sums) flat; .layouts: {(k, lanes): work}


def _chain_work(k, lanes):
    """A chain's (k, lanes) products and (k - 1, lanes) sums arrays and its steps' pairs of rows
    (product i + 1, sum i). A lesson's training loop multiplies a few layouts hundreds of times:
    each layout's arrays are views of the same two work arrays (the memory every chain reuses,
    as a fresh array would reuse the block the last one freed), made with their rows' views
    once instead of two ndarrays a step."""
    size = k * lanes
    layouts = getattr(_chain_works, "layouts", None)
    if CHAIN_WORK and size <= _CHAIN_WORK_HELD:
        work = None if layouts is None else layouts.get((k, lanes))
        if work is not None:
            return work
        arrays = getattr(_chain_works, "arrays", None)
        if arrays is None or arrays[0].size < size or len(layouts) >= _CHAIN_LAYOUTS_HELD:
            if arrays is None or arrays[0].size < size:
                arrays = _chain_works.arrays = (np.empty(size, _F64), np.empty(size, _F64))
            layouts = _chain_works.layouts = {}
        products = arrays[0][:size].reshape(k, lanes)
        sums = arrays[1][:size - lanes].reshape(k - 1, lanes)
        work = layouts[(k, lanes)] = products, sums, list(zip(products[1:], sums))
        return work
    products = np.empty((k, lanes), _F64)
    sums = np.empty((k - 1, lanes), _F64)
    return products, sums, list(zip(products[1:], sums))


def _chain_rounded_once(products, first, sums) -> bool:
    """``fused.all_rounded_once`` for a chain's steps, all in one pass: step i's float64 sum
    is its exact product plus the float32 total before it, and a flagged sum whose TwoSum error
    is zero was exact in float64, so rounding it to float32 was the only rounding. (Few-bit
    gradients make such exact midpoint sums often: a quarter of W9's weight-gradient chains.)
    Only the flagged lanes' errors are computed (a few in a chain's tens of thousands of sums),
    each from the same three values as over the whole chain."""
    from gradrepl.engine.vector_math import _two_sum_error

    lanes = first.size
    sums = sums.reshape(-1, lanes)
    steps, within = np.divmod(np.flatnonzero(fused.rounding_suspects(sums)), lanes)
    # the total before step i: the first product rounded, else step i - 1's sum rounded
    before = np.where(steps == 0, first.reshape(lanes)[within].astype(_F64),
                      sums[steps - 1, within].astype(_F32).astype(_F64))
    with np.errstate(all="ignore"):  # inf and nan lanes are never flagged
        error = _two_sum_error(products.reshape(-1, lanes)[steps + 1, within], before,
                               sums[steps, within])
    return not fused.count_nonzero(error)


# products and sums of a chain held at once: k * m * n float64 values (16 MB at the cap)
_CHAIN_IN_ONE_GO = 1 << 20


def _fma_chain(a, b):
    from gradrepl.engine.float_math.fused import fma32 as fma

    total = a[:, 0:1] * b[0:1, :]
    for k in range(1, a.shape[1]):
        total = fma(a[:, k:k + 1], b[k:k + 1, :], total)
    return total

def _matrix_times_column(a, x):
    """MKL's gemv order for k <= 17 (module docstring), split between threads as MKL splits."""
    m, k = a.shape
    if THREADS > 1 and m // 2 * k >= _GEMV_HALF_SPLIT:
        half = -(-m // 2)
        return np.concatenate([_gemv_rows(a[:half], x), _gemv_rows(a[half:], x)])
    return _gemv_rows(a, x)


def _gemv_rows(a, x):
    from gradrepl.engine.float_math.fused import fma32

    m, k = a.shape
    if m * k <= GEMV_FEW_PRODUCTS:
        # the products in Python floats: exact, and silent where numpy's path warns (inf * 0)
        exact = list(map(mul, a.ravel().tolist(), x.tolist() * m))
        few = few_lanes.gemv(exact, k, _GEMV_ROW_BLOCK)
        if few is not None:
            return np.frombuffer(few, _F32)
    products = a * x  # every product rounded, as each lane's fma(a, b, 0) rounds it
    first = products[:, 0]
    blocked = m // _GEMV_ROW_BLOCK * _GEMV_ROW_BLOCK
    # one 16-lane vector holds the k - 1 <= 16 products: each lane's fma(a, b, 0) is the rounded
    # product, except lane 0 of the blocked rows, which starts from the first product
    # lanes past the k - 1 products hold +0, and adding +0 changes no sum but a -0 (made +0 at
    # the end anyway), so the fold starts at the first power of two that covers the products
    width = 1 << (k - 2).bit_length()
    if width == k - 1 > 1:  # no padding: the products after the first are the lanes (the
        # fold below makes fresh arrays, so the result never shares memory with them)
        lanes = products[:, 1:]
    else:
        lanes = np.zeros((m, width), _F32)
        lanes[:, :k - 1] = products[:, 1:]
    lanes[:blocked, 0] = fma32(a[:blocked, 1], x[1:2], first[:blocked])
    while width > 1:  # lane i + lane i ^ (width / 2): only the low lanes reach lane 0
        width //= 2
        lanes = lanes[:, :width] + lanes[:, width:2 * width]
    total = lanes[:, 0]
    total[blocked:] = first[blocked:] + total[blocked:]
    return np.add(total, _F32.type(0.0), out=total)


def _dot_lanes(x, w, quarters=False):
    """``x @ w.T`` for x (m, k) and w (n, k) as MKL's AVX-512 dot kernel sums it (``_DOT``
    regions of ``_transposed_kernel``): each output is the dot of a row of x and a row of w in 16
    lanes, lane l summing the products l, l + 16, l + 32, ... by fused multiply-adds from the
    first (rounded); then the lanes folded by halves (lane i + lane i ^ 8, then ^ 4, ^ 2, ^ 1).
    The even rows of x (0, 2, ...) with two whole vectors of k or more sum the whole vectors in
    two accumulators, the even vectors in one and the odd in the other, add the two, and then
    fuse the partial vector (k % 16 products) in; the odd rows keep one accumulator. With
    ``quarters`` (MKL's kernel for two rows and long k: one accumulator) the fold adds the four
    128-bit quarters in order, then (l0 + l1) + (l2 + l3)."""
    from gradrepl.engine.float_math.fused import fma32

    m, n = x.shape[0], w.shape[0]
    part = x.shape[1] % _GEMV_LANES
    xs, ws, whole, vectors = blas_order_double.lane_operands(x, w, _GEMV_LANES, _F32)

    def accumulate(rows, steps):
        lanes = xs[steps[0]][:, rows] * ws[steps[0]]
        for t in steps[1:]:
            lanes = fma32(xs[t][:, rows], ws[t], lanes)
        return lanes

    if whole >= 2 and not quarters:
        lanes = np.empty((_GEMV_LANES, m, n), _F32)
        lanes[:, 1::2] = accumulate(slice(1, None, 2), range(vectors))
        even = slice(0, None, 2)
        pair = accumulate(even, range(0, whole, 2)) + accumulate(even, range(1, whole, 2))
        if part:
            pair = fma32(xs[whole][:, even], ws[whole], pair)
        lanes[:, even] = pair
    else:
        lanes = accumulate(slice(None), range(vectors))
    if quarters:
        quarter = lanes[0:4]
        for q in range(4, _GEMV_LANES, 4):
            quarter = quarter + lanes[q:q + 4]
        total = (quarter[0] + quarter[1]) + (quarter[2] + quarter[3])
    else:
        half = _GEMV_LANES
        while half > 1:
            half //= 2
            lanes = lanes[:half] + lanes[half:2 * half]
        total = lanes[0]
    return np.add(total, _F32.type(0.0), out=total)

def one_matrix_batch(a, b):
    """``a @ b`` for a bmm of one matrix pair (einsum's contraction, (1, m, k) @ (1, k, n)) in
    MKL's order where it is the pair's mm, else None: on an AMD CPU for the products
    ``blas_order_amd`` follows (session 15, Zen 3: 161 of 161 random batch-1 shapes the bits of
    mm; batches of more pairs sum otherwise, in 134 of 653 matrices: not followed). Intel's bmm
    stays numpy's (not measured there)."""
    if vendor() != AMD or a.ndim != 3 or b.ndim != 3 or a.shape[0] != 1 or b.shape[0] != 1:
        return None
    if not blas_order_amd.follows(a[0], b[0]):
        return None
    return blas_order_amd.product(a[0], b[0])[None]


# torch's bmm of small matrices (contraction * rows * cols < 400) skips BLAS for its own loop
# (LinearAlgebra.cpp, baddbmm_cpu_kernel): per element, a sum from 0 over k in order, in the
# dtype's opmath type (float for half), each product rounded before it is added (no FMA)
SMALL_BMM = 400


def small_batched_product(a, b):
    """``a @ b`` for batched operands of at least 3 dims as torch's small-matrix bmm kernel sums
    it, or None when the matrices are too large for that kernel (BLAS takes them)."""
    rows, inner, cols = a.shape[-2], a.shape[-1], b.shape[-1]
    if inner * rows * cols >= SMALL_BMM or a.dtype.kind not in "fiu" or inner == 0:
        return None
    acc = np.dtype(np.float32) if a.dtype == np.float16 else a.dtype
    a, b = a.astype(acc, copy=False), b.astype(acc, copy=False)
    # every product (fewer than 400 per matrix), then numpy's accumulate, which adds in order in
    # the dtype itself; the kernel's sum starts from 0, so a zero sum is +0: one add of +0 gives
    # that and changes nothing else
    products = a[..., :, :, None] * b[..., None, :, :]
    total = np.add.accumulate(products, axis=-2)[..., -1, :]
    return total + acc.type(0) if acc.kind == "f" else total


# MKL's AVX-512 sdot and ddot (torch.dot, and a vector @ a vector), measured on Intel against
# torch 2.13 for every n up to 199 (float32; 149 for float64) and n = 200 ... 8191 (4095), 12
# to 24 random pairs each: one 64-byte vector holds 16 floats or 8 doubles, summed in four
# accumulators by fused multiply-adds from +0; whole vectors dealt to the four in turn while
# four remain, then the last two or three to accumulators 0, 1 (and 0 again), the zero-padded
# partial vector fused into accumulator 0; then (a0 + a1) + (a2 + a3) and the lanes folded
# i + (i ^ 8), ^ 4, ^ 1, ^ 2 (float32) or i + (i ^ 4), ^ 2, ^ 1 (float64). From 32 KiB per
# vector (8192 floats, 4096 doubles) MKL's two threads take the first ceil(n / 2) elements and
# the rest, each summed so, and add the two (measured to 50,001 floats, 9,999 doubles); followed
# up to 64 KiB (the emulated multiply-adds cost ~11 ms for 16k floats, ~67 ms for 8k doubles).
# Strided vectors take another kernel: not followed (numpy's order).
_DOT_VECTOR_BYTES = 64
_DOT_THREADED_BYTES = 32768
_DOT_FOLLOWED_BYTES = 65536
_DOT_TYPES = (_F32, _F64)
_DOT_LEFTOVER = (0, 1, 0)  # the accumulators the last whole vectors (n // lanes % 4) go to


def follows_torch_dot(a, b) -> bool:
    """Whether ``torch_dot`` reproduces torch's dot of these vectors on this CPU."""
    if vendor() == AMD:
        return dot_order_amd.follows(a, b, THREADS)
    return follows_mkl_dot(a, b)


def torch_dot(a, b):
    """torch's dot of two float vectors ``follows_torch_dot`` admits, in its CPU vendor's order."""
    if vendor() == AMD:
        return dot_order_amd.dot(a, b, THREADS)
    return mkl_dot(a, b)


def follows_mkl_dot(a, b) -> bool:
    size = a.itemsize
    limit = _DOT_FOLLOWED_BYTES if THREADS == 2 else _DOT_THREADED_BYTES
    return (a.dtype == b.dtype and a.dtype in _DOT_TYPES and 0 < a.shape[0] * size < limit
            and a.strides[0] == b.strides[0] == size and vendor() == INTEL and _mkl_avx512())


def mkl_dot(a, b):
    """The dot of two contiguous float vectors in MKL's order (``follows_mkl_dot``)."""
    if a.nbytes < _DOT_THREADED_BYTES:
        return _mkl_dot_part(a, b)
    half = -(-a.shape[0] // 2)
    return _mkl_dot_part(a[:half], b[:half]) + _mkl_dot_part(a[half:], b[half:])


def _mkl_dot_part(a, b):
    from gradrepl.engine.float_math.fused import fma32
    from gradrepl.engine.vector_math import fma64

    fma = fma32 if a.dtype == _F32 else fma64
    n, lanes = a.shape[0], _DOT_VECTOR_BYTES // a.itemsize
    vectors, part = divmod(n, lanes)
    blocks = vectors // 4
    acc = np.zeros((4, lanes), a.dtype)
    # a multiply-add into an accumulator still at +0 is the rounded product (+ 0 turns a -0 into
    # MKL's +0): the emulated fused multiply-adds are needed from each one's second vector on
    used = [blocks > 0] * 4
    if blocks:  # four vectors a step, one to each accumulator
        xs = a[:blocks * 4 * lanes].reshape(blocks, 4, lanes)
        ys = b[:blocks * 4 * lanes].reshape(blocks, 4, lanes)
        acc = xs[0] * ys[0] + acc
        for step in range(1, blocks):
            acc = fma(xs[step], ys[step], acc)
    for i in range(vectors % 4):
        v = (blocks * 4 + i) * lanes
        k = _DOT_LEFTOVER[i]
        x, y = a[v:v + lanes], b[v:v + lanes]
        acc[k] = fma(x, y, acc[k]) if used[k] else x * y + acc[k]
        used[k] = True
    if part:
        x = np.zeros(lanes, a.dtype)
        y = np.zeros(lanes, a.dtype)
        x[:part], y[:part] = a[n - part:], b[n - part:]
        acc[0] = fma(x, y, acc[0]) if used[0] else x * y + acc[0]
    total = (acc[0] + acc[1]) + (acc[2] + acc[3])
    # lane 0 of the folds i + (i ^ 8), ^ 4, ^ 1, ^ 2 (float32) or ^ 4, ^ 2, ^ 1 (float64): halves
    # (an add is commutative, so lane i and lane i ^ s hold the same sum), then float32's last
    # four lanes in pairs
    halved_to = 4 if a.dtype == _F32 else 1
    while lanes > halved_to:
        lanes //= 2
        total = total[:lanes] + total[lanes:]
    if lanes == 4:
        return (total[0] + total[1]) + (total[2] + total[3])
    return total[0]
