"""Which elements of an elementwise op torch runs through its vector code and which through its
scalar loop, and running each part through its own function.

ATen's ``vectorized_loop`` (aten/src/ATen/native/cpu/Loops.h) takes two vectors per step, so in
each contiguous run of n elements the first n // (2 L) * 2 L go through the vector function
(L lanes: 8 floats under AVX2, 16 under AVX512) and the rest through the scalar one, which calls
the C library. A run is the whole tensor, split first between torch's threads when it has 32768
or more elements (at::parallel_for: equal chunks of ceil(n / threads)), or one row of the last
dim when only that dim is contiguous; a tensor without a contiguous inner dim is all scalar.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.cpu_capability import AVX512, capability, vector_lanes
from gradrepl.engine.ops.summation import GRAIN_SIZE, THREADS


def scalar_elements(n: int, itemsize: int) -> list:
    """The slices of a contiguous run of ``n`` elements that torch computes one at a time."""
    if n == 0:  # an empty tensor: no chunk, no tail
        return []
    step = 2 * vector_lanes(itemsize)
    tasks = min(THREADS, -(-n // GRAIN_SIZE)) if n >= GRAIN_SIZE else 1
    chunk = -(-n // tasks)
    tails = []
    for begin in range(0, n, chunk):
        end = min(n, begin + chunk)
        start = begin + (end - begin) // step * step
        if start < end:
            tails.append(slice(start, end))
    return tails


def _lane_bytes(itemsize: int) -> int:
    """The element size whose vector width sets the step: 32 halves a step under AVX2 and AVX512
    alike (elementwise's docstring)."""
    if itemsize >= 4:
        return itemsize
    return 4 if capability() == AVX512 else itemsize


def elementwise(x: np.ndarray, vector, scalar, lane_bytes: int | None = None) -> np.ndarray:
    """``vector(x)`` where torch's loop takes whole vectors, ``scalar(x)`` (one value at a time
    in torch) on the rest; both are numpy functions of a flat array.

    float16 steps 32 halves under both capabilities (measured against torch 2.13): two
    Vectorized<Half> of 16 under AVX2, but under AVX512 two float vectors' worth, not two
    Vectorized<Half> of 32 each, unless ``lane_bytes`` says otherwise (atanh's half loop steps
    two Vectorized<Half> there too: ``lane_bytes=2``)."""
    x = np.asarray(x)
    lane_bytes = lane_bytes or _lane_bytes(x.itemsize)
    if x.ndim == 0:
        return scalar(x.reshape(1)).reshape(())
    if x.flags.c_contiguous or x.flags.f_contiguous:
        order = "C" if x.flags.c_contiguous else "F"
        flat = x.ravel(order)
        out = vector(flat)
        for part in scalar_elements(flat.size, lane_bytes):
            out[part] = scalar(flat[part])
        return out.reshape(x.shape, order=order)
    if x.strides[-1] == x.itemsize and x.shape[-1] > 0:
        rows = x.reshape(-1, x.shape[-1])  # a copy: each row is a run of its own
        out = vector(rows.ravel()).reshape(rows.shape)
        for part in scalar_elements(rows.shape[1], lane_bytes):
            out[:, part] = scalar(rows[:, part].ravel()).reshape(rows.shape[0], -1)
        return out.reshape(x.shape)
    return scalar(x.ravel()).reshape(x.shape)


def elementwise_pair(a: np.ndarray, b: np.ndarray, vector, scalar,
                     output_c_order: bool = False) -> np.ndarray:
    """``elementwise`` for a binary op over the broadcast of ``a`` and ``b``. As TensorIterator
    does, the dims are first ordered by the inputs' strides (a transposed input is walked in its
    memory order), or in C order where torch allocates the output C-contiguous
    (``output_c_order``: its strides decide first); the runs torch's loop vectorises are then
    the trailing dims along which each input is either contiguous or broadcast (stride 0),
    which TensorIterator coalesces."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    order = tuple(range(len(shape))) if output_c_order else _memory_order((a, b))
    out = _pair_in_order(a.transpose(order), b.transpose(order), vector, scalar)
    return out.transpose(np.argsort(order))


def _memory_order(arrays) -> tuple:
    """The axes from the largest stride to the smallest, taken from the first input that is not
    broadcast along any axis (TensorIterator's reorder_dimensions); C order otherwise."""
    for x in arrays:
        strides = [abs(s) for s, n in zip(x.strides, x.shape) if n > 1]
        if strides and 0 not in strides:
            keys = [abs(s) if n > 1 else np.inf for s, n in zip(x.strides, x.shape)]
            return tuple(sorted(range(x.ndim), key=lambda axis: -keys[axis]))
    return tuple(range(arrays[0].ndim))


def _pair_in_order(a, b, vector, scalar):
    shape = a.shape
    run = _run_length((a, b), shape)
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    out = vector(flat_a, flat_b) if run > 1 else np.empty(flat_a.shape, np.result_type(a, b))
    if out.size == 0:
        return out.reshape(shape)
    tails = scalar_elements(run, max(out.itemsize, 4))
    if run == out.size:
        for part in tails:
            out[part] = scalar(flat_a[part], flat_b[part])
        return out.reshape(shape)
    rows_a, rows_b, rows_out = (v.reshape(-1, run) for v in (flat_a, flat_b, out))
    for tail in tails:
        rows_out[:, tail] = scalar(rows_a[:, tail].ravel(), rows_b[:, tail].ravel()).reshape(
            rows_out[:, tail].shape)
    return out.reshape(shape)


def _run_length(arrays, shape) -> int:
    """Elements in each run TensorIterator hands its inner loop: the product of the trailing
    dims over which every operand keeps one pattern, contiguous or stride 0 (1: no run)."""
    run, kinds = 1, [None] * len(arrays)
    for axis in reversed(range(len(shape))):
        if shape[axis] == 1:
            continue
        now = ["zero" if x.strides[axis] == 0 else
               "contiguous" if x.strides[axis] == x.itemsize * run else None for x in arrays]
        if None in now or any(k not in (None, n) for k, n in zip(kinds, now)):
            break
        kinds, run = now, run * shape[axis]
    return run
