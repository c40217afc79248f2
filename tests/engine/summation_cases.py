"""Sums and means to compare bit for bit with torch: inputs built from a seed, run on either library.

A ``Spec`` names an input (shape, dtype, value distribution, seed), a view of it (contiguous,
transposed, sliced), and the reduction (sum or mean, dims, keepdim). ``run(T, spec)`` runs it on
``T`` (gradrepl.torch or real torch) and returns the result's values as ``float.hex`` strings, so
equality means the same bits, signed zeros and all (``digest`` shortens long ones for goldens). test_summation.py checks gradrepl against
the values scripts/record_summation_goldens.py recorded from torch; test_summation_torch.py
against live torch, on these specs and on ones Hypothesis draws.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

DTYPES = ("float32", "float64", "float16")
DISTRIBUTIONS = ("normal", "mixed", "cancel")
VIEWS = ("contiguous", "transposed", "sliced")


@dataclass(frozen=True)
class Spec:
    shape: tuple
    dtype: str = "float32"
    distribution: str = "normal"
    view: str = "contiguous"
    op: str = "sum"
    dims: tuple | None = None  # None: over everything
    keepdim: bool = False
    seed: int = 0

    @property
    def id(self) -> str:
        dims = "all" if self.dims is None else "-".join(map(str, self.dims))
        shape = "x".join(map(str, self.shape)) or "0d"
        keep = "-keepdim" if self.keepdim else ""
        return (f"{self.op}-{self.dtype}-{shape}-{self.view}-{self.distribution}-{dims}{keep}"
                f"-s{self.seed}")


def values(spec: Spec) -> np.ndarray:
    """The input array, the same on every machine (numpy's PCG64 streams are stable)."""
    rng = np.random.default_rng(spec.seed)
    x = rng.standard_normal(spec.shape)
    if spec.distribution == "mixed":  # magnitudes from 1e-6 to 1e6 side by side
        # the C library's pow, one float at a time: numpy's float64 power is SVML's on an
        # AVX-512 CPU and gave other inputs there (5 float64 goldens recorded on the Xeon)
        scales = [10.0 ** e for e in rng.uniform(-6, 6, spec.shape).ravel().tolist()]
        x = x * np.array(scales).reshape(spec.shape)
    elif spec.distribution == "cancel":  # large terms that cancel, leaving the small ones
        x = np.where(rng.random(spec.shape) < 0.5, 1e4, -1e4) + x
    if spec.dtype == "float16":
        x = np.clip(x, -6e4, 6e4)
    return x.astype(spec.dtype)


def view(T, t, kind: str):
    if kind == "transposed" and t.ndim >= 2:
        return t.transpose(0, t.ndim - 1)
    if kind == "sliced" and t.ndim >= 1:
        # every other element of the last dim, and the first row dropped: strides with gaps
        t = t[..., ::2]
        return t[1:] if t.ndim >= 2 and t.shape[0] > 1 else t
    return t


def run(T, spec: Spec) -> list:
    x = values(spec)
    t = view(T, T.tensor(x.tolist(), dtype=getattr(T, spec.dtype)), spec.view)
    reduce = getattr(t, spec.op)
    if spec.dims is None:
        out = reduce()
    else:
        dims = tuple(d for d in spec.dims if d < t.ndim) or (0,)
        out = reduce(dims, keepdim=spec.keepdim)
    return _hex(out.tolist())


def _hex(v):
    return [_hex(x) for x in v] if isinstance(v, list) else float(v).hex()


def digest(result: list | str):
    """What a golden keeps of a result: short ones whole, long ones as their first values and
    a hash of all of them (enough to say the bits agree, and where to start looking)."""
    flat = list(_flatten(result))
    if len(flat) <= 8:
        return result
    return {"first": flat[:4], "count": len(flat),
            "sha1": hashlib.sha1(" ".join(flat).encode()).hexdigest()}


def _flatten(v):
    if isinstance(v, list):
        for x in v:
            yield from _flatten(x)
    else:
        yield v


def _specs() -> list:
    specs = []
    sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129,
             255, 256, 257, 511, 512, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 5000, 65537]
    for dtype in DTYPES:
        for n in sizes:
            for dist in DISTRIBUTIONS:
                specs.append(Spec((n,), dtype, dist, seed=n))
            specs.append(Spec((n,), dtype, "normal", "sliced", seed=n))
            specs.append(Spec((n,), dtype, "normal", op="mean", seed=n))
    shapes = [(2, 3), (3, 5), (5, 7), (8, 8), (3, 40), (40, 3), (17, 33), (100, 9), (9, 100),
              (64, 10), (300, 130), (1000, 70), (2, 3, 4), (5, 6, 7), (4, 33, 20), (7, 1, 9)]
    for dtype in DTYPES:
        for shape in shapes:
            all_dims = [None] + [(d,) for d in range(len(shape))] + [(0, len(shape) - 1)]
            for view_kind in VIEWS:
                for dims in all_dims:
                    for op in ("sum", "mean"):
                        specs.append(Spec(shape, dtype, "normal", view_kind, op, dims,
                                          keepdim=dims == (0,), seed=len(specs)))
    specs.append(Spec((), "float32", op="sum"))
    specs.append(Spec((), "float32", op="mean"))
    return specs


SPECS = _specs()
