"""Shared by the few-lane training-step tests: float32 values of every kind, and a result's
bits with the warnings it gave, so that a short path and the general one compare exactly."""

import warnings

import numpy as np
from hypothesis import strategies as st

F32 = np.float32

# every float32 kind: specials, subnormals, few-bit values (exact sums on midpoints), wide ones
ANY32 = (st.floats(allow_nan=True, allow_infinity=True, width=32)
         | st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0**-126, 2.0**-149, -(2.0**-140), 3e38,
                            float(np.finfo(F32).max), 1 + 2.0**-23, 1 - 2.0**-24])
         | st.integers(-2**12, 2**12).map(lambda i: i * 2.0**-11))


def bits(x):
    x = np.asarray(x)
    return x.dtype.str, x.shape, x.tobytes()


def run(fn, *args):
    """fn's result bits and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    return bits(result), sorted(str(w.message) for w in caught)
