"""torch.nn.utils: gradient clipping and parameter/vector conversion."""

from __future__ import annotations

import pytest

import gradrepl.torch as gt
import gradrepl.torch.nn as gnn


def _utils_lesson(torch):
    utils = torch.nn.utils
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    (model(torch.randn(8, 4)) * 10).sum().backward()
    print(utils.clip_grad_norm_(model.parameters(), max_norm=1.0))
    print([p.grad for p in model.parameters()])
    print(utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=float("inf")))
    print(utils.clip_grad_norm_(model.parameters(), max_norm=100.0))
    utils.clip_grad_value_(model.parameters(), clip_value=0.01)
    print(model[0].weight.grad)
    vec = utils.parameters_to_vector(model.parameters())
    print(vec, vec.shape)
    utils.vector_to_parameters(vec * 2, model.parameters())
    print(model[2].bias, model[0].weight)
    print(utils.clip_grad_norm_([], 1.0))


@pytest.mark.torch
def test_nn_utils_match_torch(same_output):
    same_output(_utils_lesson)


def test_clip_grad_norm_scales_to_max_norm():
    p = gnn.Parameter(gt.zeros(2))
    p.grad = gt.tensor([3.0, 4.0])
    total = gnn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == 5.0
    assert abs(p.grad.norm().item() - 1.0) < 1e-6


def test_vector_round_trip():
    params = [gnn.Parameter(gt.ones(2, 2)), gnn.Parameter(gt.zeros(3))]
    vec = gnn.utils.parameters_to_vector(params)
    assert vec.tolist() == [1.0] * 4 + [0.0] * 3
    gnn.utils.vector_to_parameters(gt.arange(7.0), params)
    assert params[1].tolist() == [4.0, 5.0, 6.0] and params[0].shape == (2, 2)
