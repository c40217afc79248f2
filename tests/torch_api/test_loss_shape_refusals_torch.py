"""A pointwise loss whose target does not broadcast with its input: torch's warning, at the
caller's line, then torch's broadcast error (not numpy's ValueError), against live torch."""

import warnings

import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((2, 3), (3,)), ((4,), (2, 1))])
def test_a_loss_of_mismatched_shapes_is_refused_as_torch(loss, shapes):
    def outcome(lib):
        x, y = lib.ones(*shapes[0]), lib.zeros(*shapes[1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = repr(getattr(lib.nn.functional, loss)(x, y))
            except RuntimeError as error:
                result = f"RuntimeError: {error}"
        return result, [(str(w.message), w.filename == __file__) for w in caught]

    assert outcome(gtorch) == outcome(torch)
