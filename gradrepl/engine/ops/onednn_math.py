"""The float32 arithmetic of oneDNN's LSTM forward, as torch 2.13's CPU build runs it (AVX-512).

Measured against torch (scripts/measure_recurrent_ulps.py, tests/torch_api/test_nn_recurrent.py):

- gate products: each of ``x @ W_ih.T`` and ``h @ W_hh.T`` is summed as the sequential chain
  ``fma(a[i, k], b[k, j], acc)`` over k from a zero accumulator; the two are added, then the
  combined bias ``b_ih + b_hh``;
- sigmoid (oneDNN's jit "logistic"): ``e = exp(-|x|)`` by a degree-5 polynomial on the reduced
  argument ``r = x - n ln2`` (n = floor(x log2(e) + 1/2)), scaled by ``2 * 2^(n-1)``; then
  ``e / (e + 1)``, or ``1 - e / (e + 1)`` for x >= 0;
- tanh: |x| below 0x1.bb67aep-12 is returned as is, from 0x1.20596p3 on the result is 1; in
  between, one degree-6 polynomial per half binade (32 entries), evaluated by FMAs on
  ``|x| - (|x| with its mantissa cut to one bit)``, and the sign put back;
- the cell: ``c = fma(i, g, f * c_prev)``, ``h = o * tanh(c)``.

The polynomial coefficients are oneDNN's (src/cpu/x64/injectors/jit_uni_eltwise_injector.cpp,
``exp_polynomial`` and ``tanh_polynomial_table``), as float32 bit patterns.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math.fused import fma32

_F32 = np.float32


def _floats(words: str) -> np.ndarray:
    return np.array([int(w, 16) for w in words.split()], dtype=np.uint32).view(_F32)


_LOG2E, _LN2, _LN_MAX, _LN_MIN = _floats("3fb8aa3b 3f317218 42b17218 c2aeac50")
_EXP_POLY = _floats("3f7ffffb 3efffee3 3e2aad40 3d2b9d0d 3c07cfce")  # degrees 1 to 5

_TANH_INDEX_BIAS, _TANH_INDEX_MASK = np.uint32(0x39800000), np.uint32(0xffc00000)
_TANH_LINEAR_BELOW, _TANH_SATURATED_FROM = _floats("39ddb3d7 41102cb3")
# one row per degree (0 to 6), one column per half binade
_TANH_POLY = _floats("""
00000000 39bfffff 39ffffff 3a3ffffe 3a7ffffb 3abffff7 3affffeb 3b3fffdc 3b7fffab 3bbfff70 3bfffeab
3c3ffdc0 3c7ffaab 3cbff701 3cffeaad 3d3fdc08 3d7faacd 3dbf7081 3dfeacc9 3e3dc7fd 3e7acbf5 3eb77a9f
3eec9a9f 3f22991f 3f42f7d6 3f67b7cc 3f76ca83 3f7ebbe9 3f7fd40c 3f7fff32 3f7ffffc 3f800000
3f800000 3f800018 3f7fffe8 3f7fffda 3f7fffdc 3f7fffdc 3f7fffac 3f7fff70 3f7ffeec 3f7ffdc0 3f7ffbed
3f7ff704 3f7feff5 3f7fdbca 3f7fbfff 3f7f7041 3f7f009b 3f7dc36c 3f7c0aa8 3f7734b8 3f70a4de 3f5f1fd8
3f495493 3f18b9ec 3ed706cb 3e390b06 3d90b11f 3c21a053 3aaf7fdb 37ccc1a3 355c6733 00000000
00000000 be4e0ff1 3d25b1b1 3d6b6dab 3c9fb1d5 babff06f 3c07b3f6 bb3fc1bc 3a9f5921 bbbf06f2 bbb0f402
bc47db9e bc73d5e7 bca25bda bcfca780 bd40e07c bd7dab03 bdbe4a0f bdfb14a5 be36cc8d be6bd102 be9fe7c5
beba0f10 bec206a8 bea3c388 be277d62 bd8b7960 bc209f49 baad44ca b7c6eeac b663aa41 00000000
00000000 45b3ae96 c414eb20 c450e02e c3152b4e bead2f56 c2162e02 beb4bd5a c11a59a4 bed2f507 c020d32c
3dd0f506 bf2a75e2 bff950e3 bed47334 be809b8c beb64532 be961a5b be9b63ac bea0d4b2 be828a77 be378612
bdc20908 3d2d3957 3dd46e89 3db3f629 3d2c5e7b 3bd20403 3a59dfae 3770af45 372cc014 00000000
00000000 cc981a1b 4a7edd3d 4ab1007c 48fedd9c 41a557b5 477ee32a 422557f5 45ff3ce4 42a55641 446e0867
c33dc19a 42915214 43af4fad 4110fe88 c1099b75 3fc8a8dc bfbeaef5 be365aad 3f4d9652 3ddfa08f 3e34e9b8
3e2d07a6 3dc63567 3cdaeb78 bcd17537 bc92829c bb43ab99 b9b471dd b6baad5a b78bafc7 00000000
00000000 52f688d5 d0505c72 d08f98e3 ce505cc9 c7162b8a cc5061d6 c7162bdf ca50b37f c7162a3a c8422086
471a714e c5ece1f1 c70e3d90 c3eba94a 43e0c424 c21f4552 42217cc8 405e7dc4 c10dd401 3e96b602 bd1a6d2f
bd393883 bd674682 bd310016 b961e269 3ba32495 3a7680d5 38b3173c 35a9deea 375c3f2a 00000000
00000000 d8995ed1 558285ea 55b2cd69 53028625 4bc9991f 5082898a 4b4999b3 4e02c07c 4ac99764 4b72c822
ca40c0e1 489413e4 49b12224 46134c4e c60c2d57 43c83910 c3c872d1 c186bc9e 42325bc3 bf2ffa4a 3d9a203c
bc545a43 bae08fee 3c80225d 3b1fd1df ba36b9d1 b91de544 b71f100f b408e2ed b685fec8 00000000
""").reshape(7, 32)

# products up to this many multiply-adds (~9 ns each, so ~70 ms at the limit) run the emulated
# chain; larger ones use numpy's BLAS
# (then the gates can differ from torch's in the last bit)
CHAIN_LIMIT = 1 << 23


def gate_product(a: np.ndarray, b: np.ndarray, start=None) -> np.ndarray:
    """``a @ b`` (float32, 2-D) summed as oneDNN's GEMM sums it, a sequential FMA chain over k
    from zero (or from ``start``)."""
    m, k = a.shape
    n = b.shape[1]
    if m * k * n > CHAIN_LIMIT:
        product = np.matmul(a, b)
        return product if start is None else product + start
    total = np.zeros((m, n), _F32) if start is None else start
    for j in range(k):
        total = fma32(a[:, j:j + 1], b[j:j + 1, :], total)
    return total


def _exp_of_nonpositive(x: np.ndarray) -> np.ndarray:
    x = np.maximum(np.minimum(x, _LN_MAX), _LN_MIN)
    n = np.floor(x * _LOG2E + _F32(0.5))
    r = fma32(-n, _LN2, x)
    scale = ((np.rint(n - _F32(1)).astype(np.int32) + 127).astype(np.uint32) << 23).view(_F32)
    poly = np.full(x.shape, _EXP_POLY[4], _F32)
    for coefficient in (*_EXP_POLY[3::-1], _F32(1)):
        poly = fma32(poly, r, coefficient)
    return poly * scale * _F32(2)


def sigmoid(x: np.ndarray) -> np.ndarray:
    e = _exp_of_nonpositive(-np.abs(x))
    y = e / (e + _F32(1))
    return np.where(np.signbit(x), y, _F32(1) - y)


def tanh(x: np.ndarray) -> np.ndarray:
    magnitude = np.abs(x)
    bits = magnitude.view(np.uint32)
    # the half binade's index: exponent and first mantissa bit, counted from 2^-12
    index = ((bits - _TANH_INDEX_BIAS) & _TANH_INDEX_MASK) >> np.uint32(22) & np.uint32(31)
    r = magnitude - (bits & _TANH_INDEX_MASK).view(_F32)
    poly = _TANH_POLY[6][index]
    for degree in range(5, -1, -1):
        poly = fma32(poly, r, _TANH_POLY[degree][index])
    result = np.where(magnitude < _TANH_SATURATED_FROM, poly, _F32(1))
    result = np.where(magnitude < _TANH_LINEAR_BELOW, magnitude, result)
    return np.copysign(result, x).astype(_F32)
