"""How many random float32 products gradrepl's AMD orders reproduce byte for byte (needs torch, on
an AMD CPU; docs/floats.md "CPU vendor").

    PYTHONPATH=$PWD python scripts/measure_amd_blas.py [--shapes 600] [--seed 0] [--linear]
        [--large-products]

Draws shapes from every region ``blas_order_amd.follows`` admits (gemv, a row times a matrix,
``b`` row-major or transposed as nn.Linear's weight, either layout of ``a``), makes the operands
in torch (64-byte aligned storage, as a lesson's tensors are), and compares gradrepl's product
with torch's. Shapes gradrepl leaves on numpy's BLAS are counted apart. ``--linear`` draws
instead the three products of an nn.Linear step (batch 8-64, 16-256 features and outputs, or
2-15 outputs) and W8's five (benchmarks/engine_training.py); ``--large-products`` sets
``blas_order_amd.LARGE_PRODUCTS`` (docs/floats.md "r-amdblas").
"""

from __future__ import annotations

import argparse

import numpy as np


def draw(rng):
    region = rng.integers(7)
    if region == 0:  # gemv / nn.Linear(k, 1)
        m, k, n = rng.integers(2, 3000), rng.integers(1, 2000), 1
    elif region == 1:  # a row times a matrix
        m, k, n = 1, rng.integers(1, 3000), rng.integers(1, 40)
    elif region == 2:  # up to 11 columns
        m, k, n = rng.integers(2, 200), rng.integers(1, 600), rng.integers(2, 12)
    elif region == 3:  # 12 columns or more, row counts with no leftover rows
        m = rng.choice([rng.integers(1, 8) * 4, rng.integers(12, 100)])
        m, k, n = m, rng.integers(1, 500), rng.integers(12, 140)
    elif region == 4:  # 1 to 3 rows
        m, k, n = rng.integers(1, 4), rng.integers(1, 900), rng.integers(2, 200)
    elif region == 5:  # lesson-sized everything
        m, k, n = rng.integers(1, 40), rng.integers(1, 40), rng.integers(1, 40)
    else:  # a transposed matrix times a column (mv's vector gradient)
        m, k, n = rng.integers(2, 3000), rng.integers(1, 1300), 1
        return int(m), int(k), int(n), True, False, int(region)
    return int(m), int(k), int(n), bool(rng.integers(2)), bool(rng.integers(2)), int(region)


W8 = [(32, 64, 128, False, True), (32, 128, 10, False, True), (32, 10, 128, False, False),
      (10, 32, 128, True, False), (128, 32, 64, True, False)]  # W8's five products


def draw_linear(rng):
    """One product of an nn.Linear(features, outputs) step on a batch (``--linear``): its
    forward ``x @ w.t()``, its input's gradient ``g @ w``, its weight's ``g.t() @ x``, or one of
    W8's five."""
    which = rng.integers(4)
    if which == 3:
        return W8[rng.integers(len(W8))] + (LINEAR_REGIONS[3],)
    batch, features, outputs = rng.integers(8, 65), rng.integers(16, 257), rng.integers(16, 257)
    if rng.integers(4) == 0:  # a classifier's few outputs
        outputs = rng.integers(2, 16)
    batch, features, outputs = int(batch), int(features), int(outputs)
    shape = [(batch, features, outputs, False, True), (batch, outputs, features, False, False),
             (outputs, batch, features, True, False)][which]
    return shape + (LINEAR_REGIONS[which],)


LINEAR_REGIONS = ["Linear forward x @ w.t()", "Linear input grad g @ w",
                  "Linear weight grad g.t() @ x", "W8's five products"]


def main():
    import torch

    from gradrepl.engine.ops import blas_order

    parser = argparse.ArgumentParser()
    parser.add_argument("--shapes", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--linear", action="store_true",
                        help="nn.Linear's three products (batch 8-64, features 16-256) and W8's")
    parser.add_argument("--large-products", action="store_true",
                        help="follow products past the small sizes too "
                             "(blas_order_amd.LARGE_PRODUCTS)")
    args = parser.parse_args()
    if args.large_products:
        from gradrepl.engine.ops import blas_order_amd
        blas_order_amd.LARGE_PRODUCTS = True
    rng = np.random.default_rng(args.seed)
    same = differ = left = 0
    by_region = {}  # (region, a transposed, b transposed): [identical, differ, left]
    for _ in range(args.shapes):
        if args.linear:
            m, k, n, a_t, b_t, name = draw_linear(rng)
        else:
            m, k, n, a_t, b_t, region = draw(rng)
            name = REGIONS[region]
        tally = by_region.setdefault((name, a_t, b_t), [0, 0, 0])
        a = torch.randn((k, m) if a_t else (m, k)).mT if a_t else torch.randn(m, k)
        b = torch.randn((n, k)).mT if b_t else torch.randn(k, n)
        a_np, b_np = a.numpy(), b.numpy()
        if not blas_order.follows_torch(a_np, b_np):
            left += 1
            tally[2] += 1
            continue
        got = blas_order.matrix_product(a_np, b_np)
        if got.tobytes() == (a @ b).numpy().tobytes():
            same += 1
            tally[0] += 1
        else:
            differ += 1
            tally[1] += 1
            print(f"differs: {m} x {k} x {n}, a transposed {a_t}, b transposed {b_t}")
    print(f"{same} byte-identical, {differ} differ, {left} left on numpy's BLAS")
    print("| region | a transposed | b transposed | byte-identical | differ | numpy's BLAS |")
    print("|---|---|---|---|---|---|")
    for (region, a_t, b_t), (ok, bad, rest) in sorted(by_region.items()):
        print(f"| {region} | {a_t} | {b_t} | {ok} | {bad} | {rest} |")


REGIONS = ["gemv (m x k @ k x 1)", "a row times a matrix", "2-11 columns",
           "12+ columns, whole row blocks", "1-3 rows", "lesson-sized (<40 each side)",
           "a transposed matrix times a column"]


if __name__ == "__main__":
    main()
