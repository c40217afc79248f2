"""The NaN bits of float functions at invalid inputs (negatives, -inf, |y| > 1) and at NaN
inputs of both signs, 0-d and n-d: shared by the recorded and live-torch tests."""

import numpy as np

OPS = {
    "sqrt": lambda t: t.sqrt(), "log": lambda t: t.log(), "log2": lambda t: t.log2(),
    "log10": lambda t: t.log10(), "log1p": lambda t: t.log1p(), "rsqrt": lambda t: t.rsqrt(),
    "pow_half": lambda t: t ** 0.5, "erfinv": lambda t: (t * 3).erfinv(),
}
VALUES = {"-2": -2.0, "-inf": float("-inf"), "nan": float("nan"), "-nan": -float("nan"),
          "-0": -0.0, "-1e-30": -1e-30}
SHAPES = [(), (3,), (40,)]


def nan_bits(torch, op: str, dtype: str, shape: tuple, value: str) -> str:
    """The first element's bits, in hex, as torch's memory holds them."""
    x = torch.full(shape, VALUES[value], dtype=getattr(torch, dtype))
    data = np.asarray(OPS[op](x).numpy()).reshape(-1)
    return hex(int(data.view(np.uint32 if dtype == "float32" else np.uint64)[0]))
