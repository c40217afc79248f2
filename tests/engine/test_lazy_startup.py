"""What import no longer makes is made on first use, and is what it was when made eagerly:
the default generator's stream (tests/engine/test_lazy_rows.py does the op rows)."""

from __future__ import annotations

import numpy as np
import pytest

from gradrepl.engine import random as grandom
from gradrepl.engine.float_math import libm


def _eager_stream(seed: int, n: int) -> np.ndarray:
    bits = np.random.MT19937()
    bits._legacy_seeding(seed & 0xFFFFFFFF)
    return bits.random_raw(n)


@pytest.mark.parametrize("seed", [grandom._DEFAULT_SEED, 0, 2**40 + 7])
def test_lazy_stream_is_the_eagerly_seeded_stream(seed):
    fresh = grandom.Generator()
    if seed != grandom._DEFAULT_SEED:
        fresh.manual_seed(seed)
    assert fresh._mt is None  # nothing drawn yet: no stream made
    assert np.array_equal(fresh.random32(5), _eager_stream(seed, 5))
    fresh.manual_seed(seed)  # reseeding a made stream restarts it
    assert np.array_equal(fresh.random32(5), _eager_stream(seed, 5))


def test_state_of_an_undrawn_generator_round_trips():
    a, b = grandom.Generator(), grandom.Generator()
    b.random32(3)
    b.set_state(a.get_state())  # a has drawn nothing: its state is its seed's
    assert np.array_equal(a.random32(4), b.random32(4))
    assert a.initial_seed() == grandom._DEFAULT_SEED


def test_libm_found_by_file_name_or_by_search(monkeypatch):
    found = libm._library()
    if found is None:
        pytest.skip("no C math library on this system")
    libm._library.cache_clear()
    monkeypatch.setattr(libm, "_KNOWN_NAMES", ("libgradrepl-no-such-library.so",))
    try:
        searched = libm._library()  # ctypes.util.find_library's answer
        assert searched is not None and hasattr(searched, "expf")
    finally:
        libm._library.cache_clear()
    monkeypatch.undo()
    assert libm._library()._name == found._name


def test_warm_up_makes_the_default_stream_and_draws_nothing():
    from gradrepl.engine import warm

    before = grandom.default_generator.get_state()
    warm.warm_up()
    assert grandom.default_generator._mt is not None
    after = grandom.default_generator.get_state()
    assert after[1] == before[1]
    assert after[0]["state"]["pos"] == before[0]["state"]["pos"]
    assert np.array_equal(after[0]["state"]["key"], before[0]["state"]["key"])
