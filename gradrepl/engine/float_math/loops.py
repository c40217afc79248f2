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

from gradrepl.engine.cpu_capability import vector_lanes
from gradrepl.engine.ops.summation import GRAIN_SIZE, THREADS


def scalar_elements(n: int, itemsize: int) -> list:
    """The slices of a contiguous run of ``n`` elements that torch computes one at a time."""
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


def elementwise(x: np.ndarray, vector, scalar) -> np.ndarray:
    """``vector(x)`` where torch's loop takes whole vectors, ``scalar(x)`` (one value at a time
    in torch) on the rest; both are numpy functions of a flat array.

    float16 steps as float32 does (measured against torch 2.13: 32 halves a step under AVX512,
    two float vectors' worth, not two Vectorized<Half> of 32 each)."""
    x = np.asarray(x)
    lane_bytes = max(x.itemsize, 4)
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
