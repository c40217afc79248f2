"""engine/cpu_capability.py decides as ATen's DispatchStub does, and agrees with live torch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gradrepl.engine import cpu_capability as cc


@pytest.fixture
def fresh(monkeypatch):
    cc.clear_caches()
    yield monkeypatch
    monkeypatch.undo()
    cc.clear_caches()


@pytest.mark.parametrize("flags, expected", [
    ({"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx2", "fma"}, "avx512"),
    ({"avx512f", "avx512vl", "avx512bw", "avx2", "fma"}, "avx2"),  # no DQ: not torch's AVX512
    ({"avx512vl", "avx512bw", "avx512dq", "avx2"}, "default"),  # no FMA3: neither
    ({"avx2", "fma"}, "avx2"),
    ({"avx", "sse4_2"}, "default"),
    (set(), "default"),
])
def test_rule_from_cpu_flags(flags, expected):
    assert cc.from_cpu_flags(flags) == expected


@pytest.mark.parametrize("value, expected", [("avx2", "avx2"), ("default", "default"),
                                             ("avx512", "avx512")])
def test_environment_variable_chooses(fresh, value, expected):
    fresh.setenv("ATEN_CPU_CAPABILITY", value)
    assert cc.capability() == expected


@pytest.mark.parametrize("value", ["AVX2", "bogus", ""])
def test_invalid_environment_values_are_ignored(fresh, value):
    # torch compares case-sensitively and falls back to the CPU's flags
    fresh.setenv("ATEN_CPU_CAPABILITY", value)
    assert cc.capability() == cc.isa()


def test_vector_lanes_follow_the_capability(fresh):
    fresh.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert (cc.vector_lanes(4), cc.vector_lanes(8)) == (8, 4)
    cc.capability.cache_clear()
    fresh.setenv("ATEN_CPU_CAPABILITY", "avx512")
    assert (cc.vector_lanes(4), cc.vector_lanes(8)) == (16, 8)


@pytest.mark.parametrize("value", ["avx2", "default", "avx512"])
def test_isa_variable_chooses_the_machine_and_so_the_capability(fresh, value):
    fresh.delenv("ATEN_CPU_CAPABILITY", raising=False)
    fresh.setenv(cc.ISA_VARIABLE, value)
    assert cc.isa() == cc.capability() == value


@pytest.mark.parametrize("value", ["AVX512", "avx512f", "bogus", ""])
def test_invalid_isa_values_are_ignored(fresh, value):
    fresh.setenv(cc.ISA_VARIABLE, value)
    assert cc.isa() == cc.from_cpu_flags(cc.cpu_flags())


def test_aten_capability_picks_atens_kernels_not_the_machines(fresh):
    """ATEN_CPU_CAPABILITY changes ATen's vector width, not the machine (MKL's kernels)."""
    from gradrepl.engine.ops import blas_order

    fresh.setenv(cc.ISA_VARIABLE, "avx512")
    fresh.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert (cc.isa(), cc.capability(), cc.vector_lanes(4)) == ("avx512", "avx2", 8)
    assert blas_order._mkl_avx512()


@pytest.mark.parametrize("vendor, isa", [("GenuineIntel", "avx512"), ("AuthenticAMD", "avx2"),
                                         (None, "default"), ("HygonGenuine", None)])
def test_computing_as_sets_the_machine_then_restores_it(fresh, vendor, isa):
    fresh.delenv("ATEN_CPU_CAPABILITY", raising=False)
    fresh.setenv(cc.VENDOR_VARIABLE, "Outer")
    fresh.delenv(cc.ISA_VARIABLE, raising=False)
    cc.clear_caches()
    outer = (cc.vendor(), cc.isa(), cc.capability())
    with cc.computing_as(vendor, isa):
        assert cc.vendor() == (vendor or "Outer")
        assert cc.isa() == cc.capability() == (isa or outer[1])
    assert (cc.vendor(), cc.isa(), cc.capability()) == outer
    assert cc.ISA_VARIABLE not in os.environ and os.environ[cc.VENDOR_VARIABLE] == "Outer"


def test_computing_as_restores_after_an_exception(fresh):
    fresh.delenv(cc.ISA_VARIABLE, raising=False)
    cc.clear_caches()
    before = cc.isa()
    with pytest.raises(KeyError):
        with cc.computing_as("GenuineIntel", "avx512" if before != "avx512" else "avx2"):
            raise KeyError
    assert cc.isa() == before and cc.ISA_VARIABLE not in os.environ


_BOTH = ("import warnings; warnings.simplefilter('ignore'); import torch; "
         "from gradrepl.engine import cpu_capability as cc; "
         "print(torch.backends.cpu.get_cpu_capability().lower(), cc.capability())")


@pytest.mark.torch
@pytest.mark.parametrize("value", [None, "avx2", "default", "AVX2"])
def test_agrees_with_torch(value):
    pytest.importorskip("torch")
    # this CPU's torch against gradrepl's reading of this CPU (no emulated one)
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", cc.ISA_VARIABLE)}
    if value is not None:
        env["ATEN_CPU_CAPABILITY"] = value
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", _BOTH], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == out[1]


# ---------------------------------------------------------------------------------------------
# The CPU vendor: MKL's kernels (and so the orders gradrepl follows) depend on it


@pytest.fixture
def fresh_vendor(monkeypatch):
    cc.vendor.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    cc.vendor.cache_clear()


@pytest.mark.parametrize("text, expected", [
    ("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n", "AuthenticAMD"),
    ("processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n",
     "GenuineIntel"),
    ("processor\t: 0\nBogoMIPS\t: 48.00\n", ""),  # no vendor line (an ARM machine)
    ("", ""),
])
def test_vendor_from_cpuinfo(text, expected):
    assert cc.vendor_from_cpuinfo(text) == expected


def test_vendor_is_cpuinfos_unless_overridden(fresh_vendor):
    fresh_vendor.delenv(cc.VENDOR_VARIABLE, raising=False)
    assert cc.vendor() == cc.vendor_from_cpuinfo(cc._read_cpuinfo())
    cc.vendor.cache_clear()
    fresh_vendor.setenv(cc.VENDOR_VARIABLE, "AuthenticAMD")
    assert cc.vendor() == cc.AMD
    assert not cc.mkl_order_measured() and "AuthenticAMD" in cc.mkl_unmeasured_reason()
    cc.vendor.cache_clear()
    fresh_vendor.setenv(cc.VENDOR_VARIABLE, "GenuineIntel")
    assert cc.mkl_order_measured() and cc.mkl_unmeasured_reason() == ""
