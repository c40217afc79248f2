"""``Tensor.view(dtype)`` (the same bytes read as another dtype, a view without history) and the
shape errors of index tensors, masks and index_put values, against live torch."""

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

VIEW_CALLS = [
    "f.view(torch.int32)", "f.view(torch.float64)", "f.view(torch.int16)", "f.view(torch.uint8)",
    "f.view(torch.float16)", "f.view(torch.float32)", "f.view(torch.bool)",
    "i.view(torch.float64)", "i.view(torch.int32)", "i.view(torch.uint8)",
    "m.view(torch.int16).shape", "m.view(torch.float64)", "m.t().view(torch.int16)",
    "m[:, 1:].view(torch.float64)", "m[:, 1:3].view(torch.float64)", "m[:, ::2].view(torch.int16)",
    "m4[:, 1:].view(torch.float64)", "m4[:, 2:].view(torch.float64)",
    "torch.tensor(1.).view(torch.int32)", "torch.tensor(1.).view(torch.int16)",
    "g.view(torch.int32)", "g.view(torch.float32)", "g.view(torch.float32).requires_grad",
    "g.view(torch.float32).grad_fn", "g.view(torch.int32)._is_view()",
    "(lambda v: (v.add_(1), f))(f.view(torch.int32))[1]",
    "(lambda v: (v.add_(1), f._version))(f.view(torch.int32))[1]",
    "f.view(torch.int32).stride()", "m.view(torch.int16).stride()",
]

INDEX_CALLS = [
    "m[torch.tensor([0, 1]), torch.tensor([0, 1, 2])]", "m[[0, 1], [0, 1, 2]]",
    "m[torch.tensor([[0], [1]]), torch.tensor([[0, 1, 2], [0, 1, 2], [0, 1, 2]])]",
    "m[torch.tensor([True, False])]", "m[:, torch.tensor([True, False, True])]",
    "m[torch.tensor([True, False, True]), torch.tensor([0, 1, 2])]",
    "m[torch.tensor([[True, False, True, True]])]", "m[None, torch.tensor([True, False])]",
    "m[..., torch.tensor([True, False])]", "m[torch.tensor([0, 1]), torch.tensor([9, 1, 2])]",
    "m.__setitem__((torch.tensor([0, 1]), torch.tensor([0, 1, 2])), 1.)",
    "m.__setitem__((torch.tensor([0, 1]),), torch.ones(3))",
    "m.__setitem__((torch.tensor([0, 1]), torch.tensor([0, 1])), torch.ones(3))",
    "m.__setitem__(torch.tensor([True, False]), 1.)",
    "m.__setitem__((torch.tensor([5]),), 1.)",
    # an int out of bounds: torch names its place in the index (None counted, ... once)
    "c[0, 5]", "c[None, 0, 5]", "c[:, None, 7]", "c[..., 9]", "c[0, ..., 9]", "c[..., None, 9]",
    "c[:, :, None, 4]", "c[0, None, ..., 9]",
]


def outcome(lib, call: str) -> str:
    f = lib.tensor([1., -2.])
    i = lib.tensor([1, 2])
    m = lib.arange(12.).reshape(3, 4)
    m4 = lib.arange(16.).reshape(2, 8)
    g = lib.tensor([1., 2.], requires_grad=True)
    c = lib.ones(2, 3, 4)
    try:
        result = eval(call, {"torch": lib, "f": f, "i": i, "m": m, "m4": m4, "g": g, "c": c})
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
    return repr(result)


@pytest.mark.parametrize("call", VIEW_CALLS)
def test_view_dtype_matches_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)


@pytest.mark.parametrize("call", INDEX_CALLS)
def test_index_shape_errors_match_torch(call):
    assert outcome(gtorch, call) == outcome(torch, call)
