"""Ranges, tuples and lists inside an index, read as torch reads them (d2l's
``y_hat[range(len(y_hat)), y]``), against live torch: the index tensor torch.tensor would make
(bools a mask, anything else long), a short list holding a sequence, tensor, slice, None or ...
read as a tuple with torch's warning, and writes through the same indices."""

import warnings

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

CALLS = [
    "x[range(2)]", "x[range(3), [0, 1, 2]]", "x[(0, 2), :]", "x[:, (0, 2)]", "x[[]]",
    "x[range(0)]", "x[[0, 1], range(2)]", "x[range(1, 3), 1:]", "x[0, range(2)]", "x[range(5)]",
    "x[[1.7, -0.5]]", "x['a']", "x[1.5]", "x[[True, False, True]]", "x[(True, False, True),]",
    "x[[[0, 1]]]", "x[[0, slice(None)]]", "x[[1, None]]", "x[[...]]", "x[[torch.tensor(1)]]",
    "x[[[0, 1], [1, 2]]]", "x[list(range(40)) if False else [0, 2, 1]]",
    "x[..., range(2)]", "x[None, range(2), 0]", "x[range(2), ..., 1:]", "x[(0, 2), ..., None]",
]

WRITES = ["x[range(2)] = 0", "x[range(3), range(3)] += 1", "x[:, (1, 3)] = -1",
          "x[[[0, 1]]] = 5", "x[[0, slice(None)]] = 2", "x[(0, 2), 1:] = torch.ones(2, 3)"]


def outcome(lib, code: str, write: bool = False) -> str:
    x = lib.arange(12.).reshape(3, 4)
    scope = {"torch": lib, "x": x}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if write:
                exec(code, scope)
                result = x
            else:
                result = eval(code, scope)
        except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
            result = f"{type(error).__name__}: {error}"
    return f"{result!r} {[str(w.message) for w in caught]}"


@pytest.mark.parametrize("code", CALLS)
def test_sequence_index_matches_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.parametrize("code", WRITES)
def test_sequence_index_write_matches_torch(code):
    assert outcome(gtorch, code, write=True) == outcome(torch, code, write=True)


def test_range_index_gradient_matches_torch():
    def run(lib):
        y_hat = lib.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], requires_grad=True)
        picked = y_hat[range(len(y_hat)), lib.tensor([0, 2])]
        (-picked.log()).sum().backward()
        return repr(picked), repr(y_hat.grad)
    assert run(gtorch) == run(torch)
