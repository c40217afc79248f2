"""A large tensor's random values are drawn in chunks (random.CHUNK): the same values as one
draw, for every fill that goes through the chunked paths, whatever the chunk's place against the
16-value Box-Muller blocks and the tail block."""

import numpy as np
import pytest

import gradrepl.torch as torch
from gradrepl.engine import random as engine_random

FILLS = {
    "randn": lambda n, dtype: torch.randn(n, dtype=dtype),
    "rand": lambda n, dtype: torch.rand(n, dtype=dtype),
    "normal": lambda n, dtype: torch.normal(0.5, 2.0, (n,), dtype=dtype),
    "normal_": lambda n, dtype: torch.empty(n, dtype=dtype).normal_(),
    "bernoulli": lambda n, dtype: torch.full((n,), 0.3, dtype=dtype).bernoulli(),
}


@pytest.mark.parametrize("fill", sorted(FILLS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_chunked_draws_match_one_draw(monkeypatch, fill, dtype):
    sizes = [17, 48, 95, 96, 131, 200]  # below, at and across chunk and block boundaries
    def draws():
        torch.manual_seed(7)
        values = [FILLS[fill](n, dtype).numpy().copy() for n in sizes]
        return values + [torch.rand(3).numpy()]  # the stream after them
    whole = draws()
    monkeypatch.setattr(engine_random, "CHUNK", 48)
    chunked = draws()
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("block", [16, 32, 48])
def test_box_muller_blocks_match_one_pass(monkeypatch, dtype, block):
    """random.BOX_MULLER_BLOCK: the normals made a few blocks of 16 at a time are the ones made
    in one pass over the whole range (the tail block included)"""
    sizes = [16, 47, 96, 131, 1000]
    def draws():
        torch.manual_seed(3)
        return [torch.randn(n, dtype=dtype).numpy().copy() for n in sizes] + \
            [torch.empty(200, dtype=dtype).normal_(1.5, 0.25).numpy()]
    monkeypatch.setattr(engine_random, "BOX_MULLER_BLOCK", None)
    whole = draws()
    monkeypatch.setattr(engine_random, "BOX_MULLER_BLOCK", block)
    for a, b in zip(whole, draws()):
        assert a.tobytes() == b.tobytes()


def _randperm_one_draw_at_a_time(n, gen):
    """randperm as the engine drew it before: one numpy call per swap."""
    perm = np.arange(n, dtype=np.int64)
    for i in range(n - 1):
        z = int(gen.random32(1)[0] % (n - i))
        perm[i], perm[i + z] = perm[i + z], perm[i]
    return perm


@pytest.mark.parametrize("chunk", [None, 1, 5, 64])
def test_randperm_draws_in_chunks_as_one_at_a_time(monkeypatch, chunk):
    """random._shuffled takes the swaps' draws CHUNK at a time (and swaps a list, or an array past
    one chunk): the permutation and the stream after it are those of one draw per swap."""
    if chunk is not None:
        monkeypatch.setattr(engine_random, "CHUNK", chunk)
    for seed, n in [(0, 0), (1, 1), (2, 2), (3, 3), (4, 7), (5, 64), (6, 65), (7, 120), (8, 1000)]:
        ours, reference = engine_random.Generator(), engine_random.Generator()
        ours.manual_seed(seed)
        reference.manual_seed(seed)
        got = engine_random._shuffled(n, ours)
        want = _randperm_one_draw_at_a_time(n, reference)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (seed, n)
        assert ours.random32(4).tolist() == reference.random32(4).tolist()  # the stream after it
    torch.manual_seed(11)
    perm = torch.randperm(120, dtype=torch.int32)
    reference = engine_random.Generator()
    reference.manual_seed(11)
    assert perm.dtype == torch.int32
    assert perm.numpy().tolist() == _randperm_one_draw_at_a_time(120, reference).tolist()
