"""Which function torch's float16 unary ops round on this CPU, read from the SLEEF builds torch
itself bundles (needs torch, gcc and an AVX2 CPU; docs/floats.md "q-amdfloat").

    PYTHONPATH=$PWD python scripts/measure_sleef_builds.py [sin,cos,asin,asinh,log1p]

``libtorch_cpu.so`` exports every SLEEF build it carries (``Sleef_sinf8_u10avx2``,
``Sleef_sinf8_u35avx2``, ..., beside the ``f16`` AVX512 ones). A small C program, compiled here,
``dlopen``s it and runs one of them over 8 floats at a time. For each op, every one of the
65,536 halves goes through torch, through each 8-lane build rounded to half, through the C
library (``float_math.libm``) and through gradrepl, and the script counts the finite halves
where each differs from torch; then the NaN bits of float32 ``log1p`` of a few NaNs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

PROBE = r"""
#include <immintrin.h>
#include <dlfcn.h>
#include <stdio.h>
typedef __m256 (*f8)(__m256);
int main(int argc, char **argv) {  /* probe LIB FUNC < floats > floats */
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  f8 f = lib ? (f8)dlsym(lib, argv[2]) : 0;
  if (!f) return 1;
  float in[8], out[8];
  size_t n;
  while ((n = fread(in, 4, 8, stdin)) > 0) {
    for (size_t i = n; i < 8; i++) in[i] = 0;
    _mm256_storeu_ps(out, f(_mm256_loadu_ps(in)));
    fwrite(out, 4, n, stdout);
  }
  return 0;
}
"""


def build_probe(folder: str) -> str:
    source, program = os.path.join(folder, "probe.c"), os.path.join(folder, "probe")
    with open(source, "w") as f:
        f.write(PROBE)
    subprocess.run(["gcc", "-O1", "-mavx2", "-mfma", "-o", program, source, "-ldl"], check=True)
    return program


def sleef(program: str, library: str, name: str, x: np.ndarray):
    """``name`` from torch's library over float32 ``x``; None where the build is not there."""
    done = subprocess.run([program, library, name], capture_output=True,
                          input=np.ascontiguousarray(x, np.float32).tobytes())
    return None if done.returncode else np.frombuffer(done.stdout, np.float32)


def main(ops):
    import torch

    import gradrepl.torch as gt
    from gradrepl.engine.float_math import libm

    warnings.simplefilter("ignore")
    library = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    halves = np.arange(65536, dtype=np.uint16).view(np.float16)
    print(f"capability {torch.backends.cpu.get_cpu_capability()}")
    with tempfile.TemporaryDirectory() as folder:
        program = build_probe(folder)
        for op in ops:
            theirs = getattr(torch, op)(torch.from_numpy(halves.copy())).numpy().view(np.uint16)
            finite = np.isfinite(halves) & np.isfinite(theirs.view(np.float16))
            candidates = {f"SLEEF {v}": sleef(program, library, f"Sleef_{op}f8_{v}avx2",
                                              halves.astype(np.float32))
                          for v in ("u10", "u35")}
            candidates["C library"] = libm.call(op, halves.astype(np.float32))
            counts = []
            for name, floats in candidates.items():
                if floats is not None:
                    mine = floats.astype(np.float16).view(np.uint16)
                    counts.append(f"{name} {int(((mine != theirs) & finite).sum())}")
            ours = getattr(gt, op)(gt.from_numpy(halves.copy())).numpy().view(np.uint16)
            counts.append(f"gradrepl {int(((ours != theirs) & finite).sum())}")
            print(f"{op}: halves differing from torch's: " + ", ".join(counts))
        nans = np.array([0x7fc00000, 0xffc00000, 0xffc12345, 0x7f800001], np.uint32)
        out = sleef(program, library, "Sleef_log1pf8_u10avx2", nans.view(np.float32))
        print("Sleef_log1pf8_u10avx2 of NaNs " + ", ".join(
            f"{a:#x} -> {b:#x}" for a, b in zip(nans.tolist(), out.view(np.uint32).tolist())))


if __name__ == "__main__":
    main(sys.argv[1].split(",") if len(sys.argv) > 1 else ["sin", "cos", "asin", "asinh", "log1p"])
