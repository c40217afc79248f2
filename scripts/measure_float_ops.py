"""Share of elements bit-identical to PyTorch, per float op, dtype and tensor size.

    PYTHONPATH=. python scripts/measure_float_ops.py                  # print the markdown table
    PYTHONPATH=. python scripts/measure_float_ops.py --json out.json  # also save the numbers
    PYTHONPATH=. python scripts/measure_float_ops.py --before benchmarks/float_ops_before.json

Needs torch. Inputs are seeded uniforms over each op's usual domain; sizes under 1000 are
measured over many tensors (MEASURED_ELEMENTS values in all), so a share is never one coin
toss. ``--before`` adds the recorded shares of an earlier gradrepl (the numbers in
benchmarks/float_ops_before.json were measured at commit f81be47, before engine/float_math/;
benchmarks/float_ops_floatmath1.json at commit 1cc9642, float_math's first version) as
"before -> now". The tables in docs/floats.md are this script's output. Backward rows give
d/dx sum(f(x) * x), so the incoming gradient is x itself.
"""

from __future__ import annotations

import argparse
import json
import zlib

import numpy as np

SIZES = (1, 7, 8, 16, 17, 1000, 100000)
MEASURED_ELEMENTS = 1000
GENERAL, POSITIVE, ABOVE_MINUS_ONE = (-4.0, 4.0), (0.01, 10.0), (-0.9, 5.0)
OPS = {
    "exp": (lambda t: t.exp(), GENERAL), "log": (lambda t: t.log(), POSITIVE),
    "sin": (lambda t: t.sin(), GENERAL), "cos": (lambda t: t.cos(), GENERAL),
    "tanh": (lambda t: t.tanh(), GENERAL), "sigmoid": (lambda t: t.sigmoid(), GENERAL),
    "sqrt": (lambda t: t.sqrt(), POSITIVE), "log1p": (lambda t: t.log1p(), ABOVE_MINUS_ONE),
    "expm1": (lambda t: t.expm1(), GENERAL), "exp2": (lambda t: t.exp2(), GENERAL),
    "log2": (lambda t: t.log2(), POSITIVE), "log10": (lambda t: t.log10(), POSITIVE),
    "rsqrt": (lambda t: t.rsqrt(), POSITIVE), "reciprocal": (lambda t: t.reciprocal(), POSITIVE),
}
for _exponent in (2, 3, 0.5, -0.5, -1, -2, 1.5, 2.5, -1.5):
    OPS[f"x ** {_exponent}"] = (lambda t, e=_exponent: t ** e, POSITIVE)


def _gradient(t, f):
    """d/dt of sum(f(t) * t), the incoming gradient being t itself: the op's backward kernel."""
    leaf = t.detach().requires_grad_(True)
    (f(leaf) * t).sum().backward()
    return leaf.grad


OPS.update({
    "x ** y (y = x/2 - 1)": (lambda t: t ** (t * 0.5 - 1), POSITIVE),
    "1.5 ** x": (lambda t: 1.5 ** t, GENERAL),
    "softmax": (lambda t: t.softmax(-1), GENERAL),
    "log_softmax": (lambda t: t.log_softmax(-1), GENERAL),
    "softmax, dim 0 of (n, 3)": (lambda t: t.reshape(-1, 1).expand(-1, 3).contiguous().softmax(0),
                                 GENERAL),
    "log_softmax, dim 0 of (n, 3)": (
        lambda t: t.reshape(-1, 1).expand(-1, 3).contiguous().log_softmax(0), GENERAL),
    "tanh backward": (lambda t: _gradient(t, lambda u: u.tanh()), GENERAL),
    "softmax backward": (lambda t: _gradient(t, lambda u: u.softmax(-1)), GENERAL),
    "log_softmax backward": (lambda t: _gradient(t, lambda u: u.log_softmax(-1)), GENERAL),
    "x ** y backward": (lambda t: _gradient(t, lambda u: u ** (t * 0.5 - 1)), POSITIVE),
})
DTYPES = ("float32", "float64", "float16")


def share(op: str, dtype: str, size: int, torch, gtorch) -> float | None:
    fn, (low, high) = OPS[op]
    rng = np.random.default_rng(zlib.crc32(f"{op} {dtype} {size}".encode()))
    same = total = 0
    for _ in range(max(1, MEASURED_ELEMENTS // size)):
        x = rng.uniform(low, high, size).astype(dtype)
        theirs = fn(torch.from_numpy(x.copy())).numpy()
        try:
            mine = fn(gtorch.tensor(x)).numpy()
        except Exception:  # an op the measured gradrepl lacks: no share
            return None
        same += int(np.sum(theirs.view(f"u{x.itemsize}") == mine.view(f"u{x.itemsize}")))
        total += theirs.size
    return same / total


def measure(torch, gtorch) -> dict:
    return {dtype: {op: {str(n): share(op, dtype, n, torch, gtorch) for n in SIZES} for op in OPS}
            for dtype in DTYPES}


def _cell(now: float | None, before: float | None) -> str:
    if now is None:
        return "-"
    text = "1" if now == 1 else f"{now:.3f}"
    if before is None or before == now:
        return text
    return f"{'1' if before == 1 else f'{before:.3f}'} → {text}"


def table(results: dict, before: dict | None = None) -> str:
    lines = []
    for dtype, ops in results.items():
        lines += [f"**{dtype}**", "", "| op | " + " | ".join(map(str, SIZES)) + " |",
                  "|---|" + "---|" * len(SIZES)]
        for op, shares in ops.items():
            old = (before or {}).get(dtype, {}).get(op, {})
            lines.append(f"| `{op}` | " + " | ".join(
                _cell(shares[str(n)], old.get(str(n))) for n in SIZES) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="save the shares here")
    parser.add_argument("--before", help="shares recorded earlier, shown as before -> now")
    args = parser.parse_args()
    import torch

    import gradrepl.torch as gtorch

    torch.set_num_threads(2)  # as on the machines gradrepl's thread-split rules were taken from
    results = measure(torch, gtorch)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__,
                       "cpu_capability": torch.backends.cpu.get_cpu_capability(),
                       "shares": results}, f, indent=1)
    before = json.load(open(args.before))["shares"] if args.before else None
    print(table(results, before))


if __name__ == "__main__":
    main()
