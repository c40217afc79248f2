"""Differential sweep of small float32 (or float64) matrix products against live torch (the oracle).

For every (m, k, n) in the given ranges and every operand layout (a and b each contiguous or a
transposed view, as nn.Linear's ``x @ weight.t()`` forward and its ``grad.t() @ x`` weight
gradient are), compares ``blas_order.matrix_product`` (gradrepl's mm) with ``torch.mm`` on the
same random float32 operands, bit for bit, and counts the mismatching elements. ``--linear``
also runs ``F.linear`` forward and backward end to end through both libraries (the input's,
weight's and bias's gradients). Prints a table of mismatching shapes by layout and region and,
with ``--list``, every mismatching shape.

    PYTHONPATH=$PWD python scripts/sweep_small_blas.py [--threads 1] [--m 1-20 --k 1-70 --n 1-20]
        [--dtype float64]
"""

from __future__ import annotations

import argparse
import collections
import sys

import numpy as np


def _range(text):
    """``1-20`` (a range), or ``1,4,40-50:5`` (values and ranges with a step)."""
    values = []
    for part in text.split(","):
        part, _, step = part.partition(":")
        lo, _, hi = part.partition("-")
        values.extend(range(int(lo), int(hi or lo) + 1, int(step or 1)))
    return values


LAYOUTS = {"NN": (False, False), "NT": (False, True), "TN": (True, False), "TT": (True, True)}


def _operand(lib, x, transposed):
    """``x`` with the same memory layout on both sides: a transposed view of a contiguous copy."""
    return lib.from_numpy(x.T.copy()).t() if transposed else lib.from_numpy(x)


def sweep_mm(torch, ms, ks, ns, layouts, seed=0, dtype=np.float32):
    """{(layout, m, k, n): (mismatching elements, followed)} for every shape that mismatches,
    and the number of shapes compared."""
    import gradrepl.torch as gt
    from gradrepl.engine.ops import blas_order

    rng = np.random.default_rng(seed)
    bad, count = {}, 0
    for name in layouts:
        ta, tb = LAYOUTS[name]
        for m in ms:
            for k in ks:
                for n in ns:
                    a = rng.standard_normal((m, k)).astype(dtype)
                    b = rng.standard_normal((k, n)).astype(dtype)
                    ours = _operand(gt, a, ta)._data, _operand(gt, b, tb)._data
                    got = blas_order.matrix_product(*ours)
                    want = torch.mm(_operand(torch, a, ta), _operand(torch, b, tb)).numpy()
                    count += 1
                    wrong = int(np.count_nonzero(_bits(got) != _bits(want)))
                    if wrong:
                        bad[name, m, k, n] = wrong, blas_order.follows_torch(*ours)
    return bad, count


def _bits(values):
    return np.ascontiguousarray(values).view(np.uint64 if values.dtype == np.float64 else np.uint32)


def sweep_linear(torch, ms, ks, ns, seed=0):
    """F.linear(x, w, bias) forward and backward: {(part, m, k, n): mismatching elements}."""
    import gradrepl.torch as gt

    rng = np.random.default_rng(seed)
    bad, count = {}, 0
    for m in ms:
        for k in ks:
            for n in ns:
                x = rng.standard_normal((m, k)).astype(np.float32)
                w = rng.standard_normal((n, k)).astype(np.float32)
                bias = rng.standard_normal(n).astype(np.float32)
                g = rng.standard_normal((m, n)).astype(np.float32)
                results = []
                for lib in (gt, torch):
                    xs, ws, bs = (lib.tensor(v, requires_grad=True) for v in (x, w, bias))
                    out = lib.nn.functional.linear(xs, ws, bs)
                    out.backward(lib.tensor(g))
                    results.append([out.detach().numpy(), xs.grad.numpy(), ws.grad.numpy(),
                                    bs.grad.numpy()])
                count += 1
                for part, got, want in zip(("forward", "grad_input", "grad_weight", "grad_bias"),
                                           *results):
                    wrong = int(np.count_nonzero(got.view(np.uint32) != want.view(np.uint32)))
                    if wrong:
                        bad[part, m, k, n] = wrong
    return bad, count


def _region(v, edges):
    for lo, hi in edges:
        if lo <= v <= hi:
            return f"{lo}-{hi}" if lo != hi else str(lo)
    return "?"


M_EDGES = ((1, 1), (2, 3), (4, 7), (8, 15), (16, 20))
K_EDGES = ((1, 1), (2, 16), (17, 17), (18, 64), (65, 70))
N_EDGES = ((1, 1), (2, 15), (16, 20))


def table(bad, count, label):
    """Mismatching shapes per layout (or part) and (m, k, n) region."""
    regions = collections.Counter()
    elements = collections.Counter()
    for key, value in bad.items():
        wrong = value[0] if isinstance(value, tuple) else value
        name, m, k, n = key
        region = name, _region(m, M_EDGES), _region(k, K_EDGES), _region(n, N_EDGES)
        regions[region] += 1
        elements[region] += wrong
    lines = [f"{label}: {len(bad)} of {count} shapes mismatch",
             "| layout | m | k | n | shapes | elements |", "|---|---|---|---|---|---|"]
    for region in sorted(regions):
        lines.append("| " + " | ".join(region) + f" | {regions[region]} | {elements[region]} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=_range, default=_range("1-20"))
    parser.add_argument("--k", type=_range, default=_range("1-70"))
    parser.add_argument("--n", type=_range, default=_range("1-20"))
    parser.add_argument("--threads", type=int, default=0, help="torch's threads (0: default)")
    parser.add_argument("--layouts", default="NN,NT,TN,TT")
    parser.add_argument("--linear", action="store_true", help="also F.linear forward/backward")
    parser.add_argument("--list", action="store_true", help="print every mismatching shape")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; m {args.m[0]}-"
          f"{args.m[-1]}, k {args.k[0]}-{args.k[-1]}, n {args.n[0]}-{args.n[-1]}, seed "
          f"{args.seed}, {args.dtype}")
    bad, count = sweep_mm(torch, args.m, args.k, args.n, args.layouts.split(","), args.seed,
                          np.dtype(args.dtype))
    print(table(bad, count, "mm"))
    followed_wrong = [key for key, (_, followed) in bad.items() if followed]
    print(f"mismatching shapes gradrepl claims to follow: {len(followed_wrong)}",
          followed_wrong[:20])
    if args.list:
        for key, (wrong, followed) in sorted(bad.items()):
            print(*key, wrong, "followed" if followed else "numpy")
    if args.linear:
        lbad, lcount = sweep_linear(torch, args.m, args.k, args.n, args.seed)
        print(table(lbad, lcount, "F.linear"))
        if args.list:
            for key, wrong in sorted(lbad.items()):
                print(*key, wrong)
    return 1 if followed_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
