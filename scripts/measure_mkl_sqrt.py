"""Rebuild and check engine/float_math/mkl_sqrt.py's table: the CPU's vrsqrt14ps estimates.

    PYTHONPATH=$PWD python scripts/measure_mkl_sqrt.py [--print-table]

Needs an x86 CPU with AVX-512 and a C compiler (gcc). Compiles a few lines of C that run
``_mm512_rsqrt14_ps`` on every float32 in [1, 4) (16,777,216 values), checks that the estimate is
constant over each block of 256 inputs (one per exponent parity and top 15 mantissa bits; only
x == 1.0 itself, an exact power of four, stands apart) and has 17 significant bits, then compares
the table with the one stored in mkl_sqrt.py and ``mkl_sqrt.rsqrt14`` with the instruction on 2
million random positive normal floats. With torch installed it also counts how many of those
``torch.sqrt`` and ``mkl_sqrt.sqrt32`` (and numpy's correctly rounded root) disagree on.
``--print-table`` prints the table in mkl_sqrt.py's form (first differences, zlib, base64).
"""

from __future__ import annotations

import argparse
import base64
import pathlib
import subprocess
import tempfile
import zlib

import numpy as np

C = r"""
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    float *x = malloc(4 * n), *y = malloc(4 * n);
    if (fread(x, 4, n, stdin) != (size_t)n) return 1;
    for (long i = 0; i < n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_rsqrt14_ps(_mm512_loadu_ps(x + i)));
    fwrite(y, 4, n, stdout);
    return 0;
}
"""


def rsqrt14_of(x: np.ndarray, exe: str) -> np.ndarray:
    x = np.ascontiguousarray(x, np.float32)
    assert x.size % 16 == 0
    out = subprocess.run([exe, str(x.size)], input=x.tobytes(), capture_output=True, check=True)
    return np.frombuffer(out.stdout, np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-table", action="store_true")
    args = parser.parse_args()
    from gradrepl.engine.float_math import mkl_sqrt

    with tempfile.TemporaryDirectory() as tmp:
        source, exe = pathlib.Path(tmp, "r.c"), str(pathlib.Path(tmp, "r"))
        source.write_text(C)
        subprocess.run(["gcc", "-O2", "-mavx512f", "-o", exe, str(source)], check=True)
        inputs = ((np.arange(1 << 24, dtype=np.uint32) + np.uint32(127 << 23))).view(np.float32)
        bits = rsqrt14_of(inputs, exe).view(np.uint32).astype(np.int64)
        blocks = bits.reshape(-1, 256)
        apart = np.nonzero(~(blocks == blocks[:, -1:]).all(1))[0]
        print(f"blocks of 256 inputs with more than one estimate: {apart.tolist()} "
              f"(expected [0]: 1.0 itself)")
        last = blocks[:, -1]
        assert (last & 0x7F == 0).all(), "an estimate with more than 17 significant bits"
        significands = ((last & 0x7FFFFF) | (1 << 23)) >> 7
        stored = (mkl_sqrt._significands() * 2 ** 17).astype(np.int64)
        print(f"table entries differing from mkl_sqrt.py's: {int((stored != significands).sum())}"
              f" of {significands.size}")
        rng = np.random.default_rng(0)
        x = rng.integers(0x00800000, 0x7F800000, size=2_000_000, dtype=np.int64)
        x = x.astype(np.uint32).view(np.float32)
        hardware = rsqrt14_of(x, exe)
        print(f"mkl_sqrt.rsqrt14 differing from vrsqrt14ps on random normal floats: "
              f"{int((mkl_sqrt.rsqrt14(x) != hardware).sum())} of {x.size}")
        if args.print_table:
            steps = np.diff(np.concatenate([[1 << 17], significands])).astype(np.int8)
            blob = base64.b64encode(zlib.compress(steps.tobytes(), 9)).decode()
            for i in range(0, len(blob), 96):
                print(f'    "{blob[i:i + 96]}"')
    try:
        import torch
    except ImportError:
        return
    theirs = torch.sqrt(torch.from_numpy(x)).numpy()
    print(f"torch.sqrt differing from mkl_sqrt.sqrt32: {int((theirs != mkl_sqrt.sqrt32(x)).sum())}"
          f", from numpy's correctly rounded root: {int((theirs != np.sqrt(x)).sum())} of {x.size}")
    every = inputs
    print(f"every float32 in [1, 4): torch.sqrt differing from mkl_sqrt.sqrt32: "
          f"{int((torch.sqrt(torch.from_numpy(every)).numpy() != mkl_sqrt.sqrt32(every)).sum())}"
          f", from numpy's: {int((torch.sqrt(torch.from_numpy(every)).numpy() != np.sqrt(every)).sum())}"
          f" of {every.size}")


if __name__ == "__main__":
    main()
