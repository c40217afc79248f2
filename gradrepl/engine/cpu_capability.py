"""Which of its compiled kernels PyTorch picks on this CPU, decided as ATen decides it.

ATen compiles its CPU kernels several times (DEFAULT, AVX2, AVX512) and picks one set at start-up
(aten/src/ATen/native/DispatchStub.cpp, ``compute_cpu_capability``): the ``ATEN_CPU_CAPABILITY``
environment variable when it holds exactly ``default``, ``avx2`` or ``avx512`` (anything else is
ignored with a warning), else AVX512 when the CPU has AVX512 VL, BW and DQ and FMA3, else AVX2
when it has AVX2 and FMA3, else DEFAULT.

Most results gradrepl reproduces bit for bit do not depend on the choice (sum's AVX512 kernel is
the AVX2 one; randn's 16-at-a-time transform is the same code in both), but the vector width
does: torch's elementwise loops run whole vectors through SLEEF and the leftover elements
through scalar C code, and a vector is 8 floats under AVX2, 16 under AVX512. MKL, which torch
uses for matrix products and for exp, log, sqrt, sin, cos, tanh, log2 and log10 of contiguous
tensors, chooses its own code path by the CPU and cannot be followed (see docs/floats.md).
"""

from __future__ import annotations

import functools
import os

DEFAULT, AVX2, AVX512 = "default", "avx2", "avx512"
_CHOICES = (DEFAULT, AVX2, AVX512)
# bytes per Vectorized<T> register under each capability
_VECTOR_BYTES = {DEFAULT: 32, AVX2: 32, AVX512: 64}


@functools.cache
def capability() -> str:
    """``"avx512"``, ``"avx2"`` or ``"default"``: what torch.backends.cpu.get_cpu_capability()
    would report here, lower-cased."""
    chosen = os.environ.get("ATEN_CPU_CAPABILITY")
    if chosen in _CHOICES:  # torch compares case-sensitively
        return chosen
    return from_cpu_flags(cpu_flags())


def from_cpu_flags(flags: set) -> str:
    """ATen's rule, given the CPU's feature names (lower case, as /proc/cpuinfo spells them)."""
    if {"avx512vl", "avx512bw", "avx512dq", "fma"} <= flags:
        return AVX512
    if {"avx2", "fma"} <= flags:
        return AVX2
    return DEFAULT


def cpu_flags() -> set:
    """The CPU's features as numpy detected them at import (the same cpuid bits cpuinfo reads),
    named as /proc/cpuinfo names them."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    return {("fma" if name == "FMA3" else name.lower()) for name, present in features.items()
            if present}


def vector_lanes(itemsize: int) -> int:
    """Elements of that size in one of torch's Vectorized<T> registers here."""
    return _VECTOR_BYTES[capability()] // itemsize
