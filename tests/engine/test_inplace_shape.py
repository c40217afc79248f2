"""inplace._shape (the shape check of every in-place op) reads an array's or a numpy scalar's
shape directly: the same tuple as np.shape for whatever an op's forward may return."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine.ops.inplace import _shape

dtypes = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int64, np.uint8, np.bool_,
                          np.complex64])
arrays = dtypes.flatmap(lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0,
                                                                          max_side=3)))
values = st.one_of(
    arrays,
    arrays.map(lambda a: a.T),                                  # views with other strides
    arrays.filter(lambda a: a.ndim == 0).map(lambda a: a[()]),  # numpy scalars
    st.floats(allow_nan=True), st.integers(-2**70, 2**70), st.booleans(), st.complex_numbers(),
    st.lists(st.floats(allow_nan=False), max_size=4),           # what np.shape also accepts
    st.lists(st.lists(st.integers(0, 9), min_size=2, max_size=2), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_shape_is_numpys(value):
    assert _shape(value) == np.shape(value)
    assert type(_shape(value)) is tuple


def test_subclasses_and_record_scalars():
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    record = np.zeros(2, dtype=[("a", np.int32), ("b", np.float64, (3,))])
    for value in (masked, record, record[0], np.void(b"ab"), np.str_("x")):
        assert _shape(value) == np.shape(value)
