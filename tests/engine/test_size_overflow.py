"""A tensor whose byte count overflows int64 is refused with torch's own overflow message, not the
allocator's (which would report a wrapped or impossible byte count), by every factory a learner
would try it with. Messages recorded from PyTorch 2.13, and compared with live torch when installed."""

from __future__ import annotations

import pytest

import gradrepl.torch as gtorch

STORAGE = "Storage size calculation overflowed with sizes="
RECORDED = {
    "torch.zeros(2**63-1)": STORAGE + "[9223372036854775807]",
    "torch.zeros(2**61)": STORAGE + "[2305843009213693952]",  # 2**63 bytes: one too many
    "torch.zeros(3, 2**62)": STORAGE + "[3, 4611686018427387904]",
    "torch.zeros(2**40, 2**40)": STORAGE + "[1099511627776, 1099511627776]",
    # the element count overflows uint64 before the 0 is reached: still refused
    "torch.zeros(2**62, 2**62, 0)": STORAGE + "[4611686018427387904, 4611686018427387904, 0]",
    "torch.zeros(2**32, 2**32, 0)": STORAGE + "[4294967296, 4294967296, 0]",
    "torch.zeros(2**62, 2, dtype=torch.bool)": STORAGE + "[4611686018427387904, 2]",
    "torch.zeros(2**62, dtype=torch.float64)": STORAGE + "[4611686018427387904]",
    "torch.empty(2**62)": STORAGE + "[4611686018427387904]",
    "torch.ones(2**62)": STORAGE + "[4611686018427387904]",
    "torch.full((2**62,), 1.)": STORAGE + "[4611686018427387904]",
    "torch.arange(2**62)": STORAGE + "[4611686018427387904]",
    "torch.randn(2**62)": STORAGE + "[4611686018427387904]",
    "torch.rand(3, 2**62)": STORAGE + "[3, 4611686018427387904]",
    "torch.randint(0, 5, (2**62,))": STORAGE + "[4611686018427387904]",
    # no elements, but a stride that does not fit in int64
    "torch.zeros(0, 2**62, 2**62)": "Stride calculation overflowed",
    "torch.zeros(0, 2**62, 2)": "Stride calculation overflowed",
    "torch.randn(0, 2**62, 4)": "Stride calculation overflowed",
    # fits in int64 bytes: the allocator's refusal
    "torch.zeros(2**61, dtype=torch.float16)": "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
    "can't allocate memory: you tried to allocate 4611686018427387904 bytes. Error code 12 (Cannot allocate memory)",
}


def _refusal(lib, expression):
    try:
        eval(expression, {"torch": lib})  # noqa: S307 (test expressions)
    except RuntimeError as error:
        return str(error)
    return None


@pytest.mark.parametrize("expression", sorted(RECORDED))
def test_overflowing_sizes_are_refused_in_torchs_words(expression):
    assert _refusal(gtorch, expression) == RECORDED[expression]


@pytest.mark.parametrize("expression", sorted(RECORDED))
def test_recorded_refusals_are_what_live_torch_says(expression):
    torch = pytest.importorskip("torch")
    assert _refusal(torch, expression) == RECORDED[expression]


def test_shapes_with_a_zero_still_make_empty_tensors():
    assert gtorch.zeros(3, 0, 2).shape == (3, 0, 2)
    assert gtorch.randn(0, 4).shape == (0, 4)
