"""``torch.tensor`` of Python ints outside a dtype's range, against live torch: an int outside
int64 (2**63 included, which numpy would hold as uint64) cannot be read for an integer dtype, a
too-large int is refused for a smaller one, and an unsigned dtype wraps a negative int down to
minus its max."""

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

CALLS = [
    "torch.tensor(2**63)", "torch.tensor([1, 2**63])", "torch.tensor((2**63,))",
    "torch.tensor([[1, 2**63]], dtype=torch.int8)", "torch.tensor(-2**63 - 1)",
    "torch.tensor(2**63 - 1)", "torch.tensor([2**63, 2**64])", "torch.tensor(10**30)",
    "torch.tensor(2**63, dtype=torch.float32)", "torch.tensor([2**63, 1.5])",
    "torch.tensor(2**63, dtype=torch.bool)", "torch.tensor(-1, dtype=torch.uint8)",
    "torch.tensor([-1, 300], dtype=torch.uint8)", "torch.tensor(300, dtype=torch.int8)",
    "torch.tensor([128], dtype=torch.int8)", "torch.tensor(2**40, dtype=torch.int32)",
    "torch.tensor(-255, dtype=torch.uint8)", "torch.tensor(-256, dtype=torch.uint8)",
    "torch.tensor(40000, dtype=torch.int16)", "torch.tensor([1e10], dtype=torch.int32)",
    "torch.tensor(-1.0, dtype=torch.uint8)", "torch.tensor([[3, -7], [2**31, 0]], dtype=torch.int32)",
]


def outcome(lib, call: str) -> str:
    try:
        return repr(eval(call, {"torch": lib}))
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("call", CALLS)
def test_tensor_of_out_of_range_ints_matches_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)
