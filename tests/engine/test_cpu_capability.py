"""engine/cpu_capability.py decides as ATen's DispatchStub does, and agrees with live torch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gradrepl.engine import cpu_capability as cc


@pytest.fixture
def fresh(monkeypatch):
    cc.capability.cache_clear()
    yield monkeypatch
    cc.capability.cache_clear()


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
    assert cc.capability() == cc.from_cpu_flags(cc.cpu_flags())


def test_vector_lanes_follow_the_capability(fresh):
    fresh.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert (cc.vector_lanes(4), cc.vector_lanes(8)) == (8, 4)
    cc.capability.cache_clear()
    fresh.setenv("ATEN_CPU_CAPABILITY", "avx512")
    assert (cc.vector_lanes(4), cc.vector_lanes(8)) == (16, 8)


_BOTH = ("import warnings; warnings.simplefilter('ignore'); import torch; "
         "from gradrepl.engine import cpu_capability as cc; "
         "print(torch.backends.cpu.get_cpu_capability().lower(), cc.capability())")


@pytest.mark.torch
@pytest.mark.parametrize("value", [None, "avx2", "default", "AVX2"])
def test_agrees_with_torch(value):
    pytest.importorskip("torch")
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
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
