"""arithmetic._is_bool (subtraction's bool check) reads a builtin numpy dtype's kind: the same
answer as comparing the dtype to np.bool_ (or the value to bool) for whatever reaches it."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from gradrepl.engine.ops.arithmetic import _is_bool


def reference(x) -> bool:
    return getattr(x, "dtype", None) == np.bool_ or isinstance(x, bool)


class HasDtype:
    def __init__(self, dtype):
        self.dtype = dtype


codes = "?bBhHiIlLqQefdgFDGO"
values = st.one_of(
    st.sampled_from(codes).flatmap(lambda code: hnp.arrays(np.dtype(code), hnp.array_shapes(min_dims=0, max_dims=2))),
    st.sampled_from(codes).map(lambda code: np.zeros((), np.dtype(code))[()]),  # numpy scalars
    st.booleans(), st.integers(), st.floats(), st.complex_numbers(), st.none(), st.text(max_size=2),
    st.sampled_from([np.dtype("?").newbyteorder(">"), np.dtype(bool, metadata={"m": 1}),
                     np.dtype([("a", "?")]), np.dtype(("?", (2,))), np.dtype("V2"), np.dtype("U1"),
                     np.dtype("M8[s]"), np.bool_, bool, "bool", None, 1]).map(HasDtype),
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_is_bool_is_the_comparison(value):
    assert _is_bool(value) == reference(value)
