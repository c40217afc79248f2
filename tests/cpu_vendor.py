"""What gradrepl claims to reproduce of this machine's torch where MKL computes, read from
gradrepl's own predicate (gradrepl.engine.cpu_capability): tests never keep a vendor list of
their own. MKL picks its kernels by CPU vendor, and gradrepl's bit-exact claims resting on MKL's
kernels (beyond the products ops/blas_order.follows_torch admits) were measured on Intel CPUs."""

from __future__ import annotations

import contextlib

import pytest

from gradrepl.engine.cpu_capability import (AMD, mkl_order_measured, mkl_unmeasured_reason,
                                           onednn_order_measured, vendor)

MKL_MEASURED = mkl_order_measured()
# why a claim resting on MKL's kernels is not made here ("" where it is)
UNMEASURED = mkl_unmeasured_reason()

# the float32 LSTM's oneDNN arithmetic: bit for bit where it was measured (an AVX-512 CPU)
ONEDNN_MEASURED = onednn_order_measured()
ONEDNN_UNMEASURED = "" if ONEDNN_MEASURED else (
    "oneDNN's LSTM kernels were measured on an AVX-512 CPU; this one has none, and oneDNN's "
    "AVX2 kernels sum the gate products in other orders (docs/floats.md)")

needs_measured_mkl = pytest.mark.skipif(not MKL_MEASURED, reason=UNMEASURED or "measured here")
# AMD MKL's product orders (engine/ops/blas_order_amd.py) are compared with torch on AMD CPUs only
needs_amd_mkl = pytest.mark.skipif(
    vendor() != AMD, reason=f"AMD MKL's orders are compared on an AMD CPU. {UNMEASURED}")


@pytest.fixture
def cpu_vendor(monkeypatch):
    """``cpu_vendor("AuthenticAMD")``: gradrepl decides as on that vendor's CPU (for tests of the
    rules themselves, whatever CPU runs them)."""
    from gradrepl.engine import cpu_capability

    def choose(name):
        monkeypatch.setenv(cpu_capability.VENDOR_VARIABLE, name)
        cpu_capability.vendor.cache_clear()
    yield choose
    monkeypatch.undo()
    cpu_capability.vendor.cache_clear()


@pytest.fixture
def cpu_machine(monkeypatch):
    """``cpu_machine("GenuineIntel", "avx512")``: gradrepl computes as on that vendor's CPU with
    that instruction set (cpu_capability.computing_as; ATen's default kernels for it, as torch
    picks them without ATEN_CPU_CAPABILITY) until the test ends: results recorded from torch on
    that machine, checked on any CPU."""
    from gradrepl.engine import cpu_capability

    with contextlib.ExitStack() as machines:
        def choose(name, isa):
            monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
            machines.enter_context(cpu_capability.computing_as(name, isa))
        yield choose
    monkeypatch.undo()
    cpu_capability.clear_caches()


@pytest.fixture(scope="module")
def real_torch():
    """Live torch (the test skips without it) running MKL on gradrepl's thread count: MKL splits
    a long dot or gemv between its threads, and gradrepl's orders assume ``summation.THREADS``."""
    from gradrepl.engine.ops.summation import THREADS

    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    yield torch
    torch.set_num_threads(threads)
