"""NaN signs and payloads of float functions at invalid inputs, as torch 2.13 on this AMD
machine makes them (recorded; test_nan_signs_torch.py compares live): MKL's sqrt and logs give
+NaN for a negative where numpy gives the x86 default NaN, -NaN; SLEEF's float log1p ors in an
all-ones mask; torch's float erfinv answers |y| > 1 with -NaN, its double one with +NaN; a NaN
input keeps its sign. The same at every size, 0-d included. Recorded under AVX512; torch's AVX2
build (measured on an AMD EPYC, Zen 3) differs in one place, ``AVX2_RECORDED``."""

import pytest
from nan_sign_cases import SHAPES, nan_bits

import gradrepl.torch as torch
from gradrepl.engine import cpu_capability

RECORDED = {
    ('sqrt', 'float32', '-2'): '0x7fc00000',
    ('sqrt', 'float32', '-inf'): '0x7fc00000',
    ('sqrt', 'float32', 'nan'): '0x7fc00000',
    ('sqrt', 'float32', '-nan'): '0xffc00000',
    ('sqrt', 'float32', '-0'): '0x80000000',
    ('sqrt', 'float32', '-1e-30'): '0x7fc00000',
    ('sqrt', 'float64', '-2'): '0x7ff8000000000000',
    ('sqrt', 'float64', '-inf'): '0x7ff8000000000000',
    ('sqrt', 'float64', 'nan'): '0x7ff8000000000000',
    ('sqrt', 'float64', '-nan'): '0xfff8000000000000',
    ('sqrt', 'float64', '-0'): '0x8000000000000000',
    ('sqrt', 'float64', '-1e-30'): '0x7ff8000000000000',
    ('log', 'float32', '-2'): '0x7fc00000',
    ('log', 'float32', '-inf'): '0x7fc00000',
    ('log', 'float32', 'nan'): '0x7fc00000',
    ('log', 'float32', '-nan'): '0xffc00000',
    ('log', 'float32', '-0'): '0xff800000',
    ('log', 'float32', '-1e-30'): '0x7fc00000',
    ('log', 'float64', '-2'): '0x7ff8000000000000',
    ('log', 'float64', '-inf'): '0x7ff8000000000000',
    ('log', 'float64', 'nan'): '0x7ff8000000000000',
    ('log', 'float64', '-nan'): '0xfff8000000000000',
    ('log', 'float64', '-0'): '0xfff0000000000000',
    ('log', 'float64', '-1e-30'): '0x7ff8000000000000',
    ('log2', 'float32', '-2'): '0x7fc00000',
    ('log2', 'float32', '-inf'): '0x7fc00000',
    ('log2', 'float32', 'nan'): '0x7fc00000',
    ('log2', 'float32', '-nan'): '0xffc00000',
    ('log2', 'float32', '-0'): '0xff800000',
    ('log2', 'float32', '-1e-30'): '0x7fc00000',
    ('log2', 'float64', '-2'): '0x7ff8000000000000',
    ('log2', 'float64', '-inf'): '0x7ff8000000000000',
    ('log2', 'float64', 'nan'): '0x7ff8000000000000',
    ('log2', 'float64', '-nan'): '0xfff8000000000000',
    ('log2', 'float64', '-0'): '0xfff0000000000000',
    ('log2', 'float64', '-1e-30'): '0x7ff8000000000000',
    ('log10', 'float32', '-2'): '0x7fc00000',
    ('log10', 'float32', '-inf'): '0x7fc00000',
    ('log10', 'float32', 'nan'): '0x7fc00000',
    ('log10', 'float32', '-nan'): '0xffc00000',
    ('log10', 'float32', '-0'): '0xff800000',
    ('log10', 'float32', '-1e-30'): '0x7fc00000',
    ('log10', 'float64', '-2'): '0x7ff8000000000000',
    ('log10', 'float64', '-inf'): '0x7ff8000000000000',
    ('log10', 'float64', 'nan'): '0x7ff8000000000000',
    ('log10', 'float64', '-nan'): '0xfff8000000000000',
    ('log10', 'float64', '-0'): '0xfff0000000000000',
    ('log10', 'float64', '-1e-30'): '0x7ff8000000000000',
    ('log1p', 'float32', '-2'): '0xffffffff',
    ('log1p', 'float32', '-inf'): '0xffffffff',
    ('log1p', 'float32', 'nan'): '0x7fc00000',
    ('log1p', 'float32', '-nan'): '0xffc00000',
    ('log1p', 'float32', '-0'): '0x80000000',
    ('log1p', 'float32', '-1e-30'): '0x8da24260',
    ('log1p', 'float64', '-2'): '0x7ff8000000000000',
    ('log1p', 'float64', '-inf'): '0x7ff8000000000000',
    ('log1p', 'float64', 'nan'): '0x7ff8000000000000',
    ('log1p', 'float64', '-nan'): '0x7ff8000000000000',
    ('log1p', 'float64', '-0'): '0x8000000000000000',
    ('log1p', 'float64', '-1e-30'): '0xb9b4484bfeebc2a0',
    ('rsqrt', 'float32', '-2'): '0xffc00000',
    ('rsqrt', 'float32', '-inf'): '0xffc00000',
    ('rsqrt', 'float32', 'nan'): '0x7fc00000',
    ('rsqrt', 'float32', '-nan'): '0xffc00000',
    ('rsqrt', 'float32', '-0'): '0xff800000',
    ('rsqrt', 'float32', '-1e-30'): '0xffc00000',
    ('rsqrt', 'float64', '-2'): '0xfff8000000000000',
    ('rsqrt', 'float64', '-inf'): '0xfff8000000000000',
    ('rsqrt', 'float64', 'nan'): '0x7ff8000000000000',
    ('rsqrt', 'float64', '-nan'): '0xfff8000000000000',
    ('rsqrt', 'float64', '-0'): '0xfff0000000000000',
    ('rsqrt', 'float64', '-1e-30'): '0xfff8000000000000',
    ('pow_half', 'float32', '-2'): '0x7fc00000',
    ('pow_half', 'float32', '-inf'): '0x7fc00000',
    ('pow_half', 'float32', 'nan'): '0x7fc00000',
    ('pow_half', 'float32', '-nan'): '0xffc00000',
    ('pow_half', 'float32', '-0'): '0x80000000',
    ('pow_half', 'float32', '-1e-30'): '0x7fc00000',
    ('pow_half', 'float64', '-2'): '0x7ff8000000000000',
    ('pow_half', 'float64', '-inf'): '0x7ff8000000000000',
    ('pow_half', 'float64', 'nan'): '0x7ff8000000000000',
    ('pow_half', 'float64', '-nan'): '0xfff8000000000000',
    ('pow_half', 'float64', '-0'): '0x8000000000000000',
    ('pow_half', 'float64', '-1e-30'): '0x7ff8000000000000',
    ('erfinv', 'float32', '-2'): '0xffc00000',
    ('erfinv', 'float32', '-inf'): '0xffc00000',
    ('erfinv', 'float32', 'nan'): '0x7fc00000',
    ('erfinv', 'float32', '-nan'): '0xffc00000',
    ('erfinv', 'float32', '-0'): '0x80000000',
    ('erfinv', 'float32', '-1e-30'): '0x8e57b2a4',
    ('erfinv', 'float64', '-2'): '0x7ff8000000000000',
    ('erfinv', 'float64', '-inf'): '0x7ff8000000000000',
    ('erfinv', 'float64', 'nan'): '0x7ff8000000000000',
    ('erfinv', 'float64', '-nan'): '0xfff8000000000000',
    ('erfinv', 'float64', '-0'): '0x8000000000000000',
    ('erfinv', 'float64', '-1e-30'): '0xb9caf65475bbb2ba',
}


# SLEEF's AVX2 log1pf (Sleef_log1pf8_u10avx2) answers every NaN with +NaN, payload dropped
AVX2_RECORDED = {('log1p', 'float32', '-nan'): '0x7fc00000'}


@pytest.fixture(params=["avx512", "avx2"])
def isa(request, monkeypatch):
    """gradrepl decides as under that ATen capability, whatever CPU runs the test."""
    cpu_capability.capability.cache_clear()
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", request.param)
    yield request.param
    monkeypatch.undo()
    cpu_capability.capability.cache_clear()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("key", list(RECORDED), ids=str)
def test_nan_bits_are_torchs(key, shape, isa):
    recorded = {**RECORDED, **AVX2_RECORDED} if isa == "avx2" else RECORDED
    assert nan_bits(torch, *key[:2], shape, key[2]) == recorded[key]
