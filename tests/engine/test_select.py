"""The bitwise ``where`` used by backward formulas on big arrays picks exactly np.where's bits."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine.ops.backends import _BITWISE_MIN_SIZE, select

floats = st.sampled_from([np.float16, np.float32, np.float64])


@settings(max_examples=60, deadline=None)
@given(dtype=floats, data=st.data())
def test_select_matches_np_where_bit_for_bit(dtype, data):
    shape = (_BITWISE_MIN_SIZE // 64 + data.draw(st.integers(0, 3)), 64)
    elements = st.floats(allow_nan=True, allow_infinity=True, width=np.dtype(dtype).itemsize * 8)
    a = data.draw(hnp.arrays(dtype, shape, elements=elements))
    b = data.draw(st.one_of(st.just(0.0), hnp.arrays(dtype, shape[1:], elements=elements)))
    cond = data.draw(hnp.arrays(np.bool_, shape))
    expected = np.where(cond, a, b)
    got = select(cond, a, b)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got.view(np.uint8), expected.view(np.uint8))


def test_small_and_non_float_inputs_take_np_where():
    cond = np.array([True, False])
    assert select(cond, np.array([1, 2]), 0).tolist() == [1, 0]
    assert select(cond, np.float32(1), np.float32(2)).tolist() == [1.0, 2.0]
