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
tensors, chooses its own code path by the CPU vendor, not by ATen's capability: ``vendor`` says
whose CPU this is, and ``mkl_order_measured`` whether gradrepl's emulations of MKL's summation
orders (ops/blas_order.py) and the bit-exact claims resting on MKL's float math were measured on
this kind of CPU (docs/floats.md, "CPU vendor").

The machine gradrepl computes as is the vendor and the instruction set (``isa``: MKL's Intel
kernels differ under AVX-512 too, and ATen's default capability is the CPU's): each read from
this CPU unless ``$GRADREPL_CPU_VENDOR`` / ``$GRADREPL_CPU_ISA`` say otherwise, and
``computing_as`` sets both for a replayed notebook recorded elsewhere, or for a test.
"""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager

DEFAULT, AVX2, AVX512 = "default", "avx2", "avx512"
_CHOICES = (DEFAULT, AVX2, AVX512)
# bytes per Vectorized<T> register under each capability
_VECTOR_BYTES = {DEFAULT: 32, AVX2: 32, AVX512: 64}


ISA_VARIABLE = "GRADREPL_CPU_ISA"  # overrides the CPU's instruction set (tests; a foreign machine's)


@functools.cache
def capability() -> str:
    """``"avx512"``, ``"avx2"`` or ``"default"``: what torch.backends.cpu.get_cpu_capability()
    would report here, lower-cased: ``$ATEN_CPU_CAPABILITY`` (it picks ATen's kernels, not
    MKL's), else the instruction set of the CPU (``isa``)."""
    chosen = os.environ.get("ATEN_CPU_CAPABILITY")
    if chosen in _CHOICES:  # torch compares case-sensitively
        return chosen
    return isa()


@functools.cache
def isa() -> str:
    """The CPU's instruction set in ATen's names (``from_cpu_flags``), or ``$GRADREPL_CPU_ISA``
    when it holds exactly one of them: the machine gradrepl computes as, beside ``vendor``. MKL
    picks its kernels by the CPU itself (ops/blas_order.py reads this, never ATEN_CPU_CAPABILITY).
    Another value is ignored, as ATen ignores one in ATEN_CPU_CAPABILITY."""
    chosen = os.environ.get(ISA_VARIABLE)
    if chosen in _CHOICES:
        return chosen
    return this_cpus_isa()


@functools.cache
def this_cpus_isa() -> str:
    """The instruction set of the CPU this process runs on, whatever is emulated (``isa``)."""
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


INTEL, AMD = "GenuineIntel", "AuthenticAMD"
# every MKL-order rule in gradrepl was measured on this vendor's CPUs (an AVX-512 Xeon)
MEASURED_VENDOR = INTEL
VENDOR_VARIABLE = "GRADREPL_CPU_VENDOR"  # overrides the detection (tests; a foreign machine's orders)


@functools.cache
def vendor() -> str:
    """The CPU's cpuid vendor string (``"GenuineIntel"``, ``"AuthenticAMD"``, ...) as
    /proc/cpuinfo's ``vendor_id`` reports it (Windows' and macOS's own reports without it), or
    ``$GRADREPL_CPU_VENDOR`` when set; ``""`` where nothing says (an ARM machine): treated as
    unmeasured."""
    chosen = os.environ.get(VENDOR_VARIABLE)
    if chosen:
        return chosen
    return vendor_from_cpuinfo(_read_cpuinfo()) or _vendor_elsewhere()


def vendor_from_cpuinfo(text: str) -> str:
    """The first ``vendor_id`` line's value of a /proc/cpuinfo text, or ``""``."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "vendor_id":
            return value.strip()
    return ""


def _vendor_elsewhere() -> str:
    """Without /proc/cpuinfo: Windows names the vendor in ``platform.processor()``, macOS in
    ``sysctl machdep.cpu.vendor`` (an Intel Mac); anything else is ``""``."""
    import platform
    import subprocess
    import sys

    for name in (INTEL, AMD):
        if name in platform.processor():
            return name
    if sys.platform == "darwin":
        try:
            found = subprocess.run(["sysctl", "-n", "machdep.cpu.vendor"], capture_output=True,
                                   text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
        return found if found in (INTEL, AMD) else ""
    return ""


def _read_cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def clear_caches() -> None:
    """Forget what was decided about this CPU: after ``$GRADREPL_CPU_VENDOR``,
    ``$GRADREPL_CPU_ISA`` or ``$ATEN_CPU_CAPABILITY`` changed in this process."""
    for decided in (vendor, isa, capability):
        decided.cache_clear()


@contextmanager
def computing_as(cpu_vendor: str | None = None, cpu_isa: str | None = None):
    """gradrepl computes as on a CPU of that vendor and instruction set (None: this CPU's, or
    what the environment says) until the block ends, then as before: a replayed notebook's
    recorded CPU (replay/runner.py ``as_recorded_cpu``), a test's (tests/cpu_vendor.py)."""
    chosen = {VENDOR_VARIABLE: cpu_vendor, ISA_VARIABLE: cpu_isa}
    before = {name: os.environ.get(name) for name in chosen}
    for name, value in chosen.items():
        if value is not None:
            os.environ[name] = value
    clear_caches()
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        clear_caches()


def mkl_order_measured() -> bool:
    """Whether MKL's kernels here are the ones gradrepl's bit-exact claims were measured on (an
    Intel CPU). MKL dispatches by vendor: on an AMD EPYC it sums small sgemms in other
    orders (ops/blas_order_amd.py follows most of them there) and its float32 sqrt is not
    correctly rounded (docs/floats.md, "CPU vendor")."""
    return vendor() == MEASURED_VENDOR


def mkl_unmeasured_reason() -> str:
    """Why a bit-exact comparison with this machine's torch is not claimed where it rests on MKL
    (the empty string where it is claimed): the one wording tests skip or loosen with."""
    if mkl_order_measured():
        return ""
    return (f"MKL's kernels were measured on {MEASURED_VENDOR} CPUs; this CPU is "
            f"{vendor() or 'of unknown vendor'}, where MKL picks others (its float32 sqrt is not "
            f"correctly rounded, and some matrix products sum in orders gradrepl does not follow "
            f"here: ops/blas_order.py, docs/floats.md)")


def onednn_order_measured() -> bool:
    """Whether oneDNN's kernels here are the ones gradrepl's float32 LSTM follows bit for bit
    (ops/onednn_math.py, ops/lstm_layer.py). oneDNN compiles its kernels for the CPU's
    instruction set, not by vendor, and gradrepl's were measured with AVX-512; under AVX2 (an AMD
    EPYC Zen 3, session 15) its gate products sum in other orders (docs/floats.md, "CPU vendor").
    Like ``mkl_order_measured``, it reads the machine gradrepl computes as (``isa``)."""
    return isa() == AVX512
