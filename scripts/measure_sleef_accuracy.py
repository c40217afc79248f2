"""How close SLEEF's double-word result is to the true value before its last rounding, per
function and input range: the measurement behind docs/floats.md's note on why the exact
kernels are not screened against a cheaper, more precise reference.

    PYTHONPATH=. python scripts/measure_sleef_accuracy.py

Prints log2 of the largest relative error seen (``hi + lo`` against numpy's long double
function). A reference could stand in for SLEEF only where the true value is farther than that
error from a rounding midpoint; float32 results have 23-24 bits, float64 52-53.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.float_math import blocks, double_float, sleef_double, sleef_single

LONG = np.longdouble


def internal_values(function, *args):
    """Run ``function`` and return the ``hi + lo`` its last double-word sum rounds."""
    seen = []
    value = double_float.DoubleWord.value

    def spy(x):
        seen.append(np.asarray(x[0]).astype(LONG) + np.asarray(x[1]).astype(LONG))
        return value(x)
    double_float.DoubleWord.value = staticmethod(spy)
    saved, blocks.BLOCK = blocks.BLOCK, 0
    try:
        with np.errstate(all="ignore"):
            result = function(*args)
    finally:
        double_float.DoubleWord.value = staticmethod(value)
        blocks.BLOCK = saved
    return seen[-1], result


def worst(internal, true):
    ok = np.isfinite(true) & (true != 0) & np.isfinite(internal)
    return float(np.log2(np.max(np.abs((internal[ok] - true[ok]) / true[ok])))) if ok.any() else None


def main():
    rng = np.random.default_rng(1)
    n = 200_000
    ranges = {"|x| in [1e-30, 1e-5]": lambda: np.exp(rng.uniform(-69, -11.5, n)),
              "|x| in [1e-5, 1]": lambda: np.exp(rng.uniform(-11.5, 0, n)),
              "x in [1, 80]": lambda: rng.uniform(1, 80, n)}
    for dtype, log1p, expm1 in ((np.float32, sleef_single.log1pf, sleef_single.expm1f),
                                (np.float64, sleef_double.log1p, sleef_double.expm1)):
        for label, make in ranges.items():
            x = (make() * rng.choice([-1, 1], n)).astype(dtype)
            for name, function, reference in (("log1p", log1p, np.log1p), ("expm1", expm1, np.expm1)):
                inside = x > -1 if name == "log1p" else x < 80
                internal, _ = internal_values(function, x[inside])
                print(f"{np.dtype(dtype).name} {name} {label}: "
                      f"2**{worst(internal, reference(x[inside].astype(LONG))):.1f}")
    for dtype, power in ((np.float32, sleef_single.powf), (np.float64, sleef_double.pow)):
        x = np.exp(rng.uniform(-40, 40, n)).astype(dtype)
        y = rng.uniform(-2, 2, n).astype(dtype)
        internal, result = internal_values(power, x, y)
        # pow rounds before its final scaling by 2**q: recover the scale from the result
        scale = result.astype(LONG) / internal.astype(dtype).astype(LONG)
        print(f"{np.dtype(dtype).name} pow x in [e**-40, e**40], y in [-2, 2]: "
              f"2**{worst(internal * scale, np.power(x.astype(LONG), y.astype(LONG))):.1f}")


if __name__ == "__main__":
    main()
