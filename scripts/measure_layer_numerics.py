"""How many elements of a layer's output and gradients differ from PyTorch's, and by how much.

    PYTHONPATH=$PWD python scripts/measure_layer_numerics.py [--json FILE]

Needs real PyTorch (the reference), run on torch's thread count gradrepl follows (2). For each
layer and input shape below, the same seeded forward and backward run on gradrepl and on torch,
and one row per quantity (output, input grad, weight grad, bias grad) gives the elements that
differ and the largest distance in float32 steps (ulps). Convolutions also name the backend
torch picked (``torch._C._select_conv_backend``): oneDNN ("Mkldnn") for most shapes, whose
blocked, JIT-generated summation gradrepl does not reproduce (it sums in float64 and rounds once),
or ATen's "Slow2d" (im2col and MKL's gemm). docs/nn.md quotes these figures.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

CASES = [
    # (name, layer factory, input shape)
    ("Conv2d(1, 4, 3, padding=1) [samples/16]", lambda nn: nn.Conv2d(1, 4, 3, padding=1), (4, 1, 8, 8)),
    ("Conv2d(4, 8, 3) [samples/16]", lambda nn: nn.Conv2d(4, 8, 3), (4, 4, 4, 4)),
    ("Conv2d(3, 16, 3, padding=1)", lambda nn: nn.Conv2d(3, 16, 3, padding=1), (8, 3, 32, 32)),
    ("Conv2d(1, 1, 3) on 1x1x5x5", lambda nn: nn.Conv2d(1, 1, 3), (1, 1, 5, 5)),
    ("Conv1d(3, 2, 3)", lambda nn: nn.Conv1d(3, 2, 3), (4, 3, 10)),
    ("BatchNorm1d(32)", lambda nn: nn.BatchNorm1d(32), (64, 32)),
    ("BatchNorm2d(16)", lambda nn: nn.BatchNorm2d(16), (8, 16, 14, 14)),
    ("LayerNorm(64)", lambda nn: nn.LayerNorm(64), (32, 64)),
    ("LayerNorm(512)", lambda nn: nn.LayerNorm(512), (16, 512)),
    ("Linear(8, 1)", lambda nn: nn.Linear(8, 1), (64, 8)),
    ("Linear(3, 1) on 2000 rows", lambda nn: nn.Linear(3, 1), (2000, 3)),
    ("Linear(64, 128) on 32 rows", lambda nn: nn.Linear(64, 128), (32, 64)),
]


def run(torch, factory, shape):
    torch.manual_seed(0)
    layer = factory(torch.nn)
    x = torch.randn(*shape).requires_grad_()
    out = layer(x)
    out.backward(torch.randn(*out.shape))
    found = {"output": out, "input grad": x.grad}
    for name, p in layer.named_parameters():
        found[f"{name} grad"] = p.grad
    return {k: np.array(v.detach().tolist(), dtype=np.float32) for k, v in found.items()}


def ulps(a, b) -> int:
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return int(np.abs(ia - ib).max()) if ia.size else 0


def backend(torch, name, shape):
    if "Conv" not in name:
        return ""
    torch.manual_seed(0)
    layer = CASES[[c[0] for c in CASES].index(name)][1](torch.nn)
    x = torch.randn(*shape)
    nd = x.dim() - 2
    chosen = torch._C._select_conv_backend(x, layer.weight, layer.bias, list(layer.stride),
                                           list(layer.padding), list(layer.dilation), False,
                                           [0] * nd, layer.groups)
    return str(chosen).split(".")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    import torch

    import gradrepl.torch as gt
    from gradrepl.engine.ops.summation import THREADS

    torch.set_num_threads(THREADS)
    results = {}
    for name, factory, shape in CASES:
        want, got = run(torch, factory, shape), run(gt, factory, shape)
        rows = {k: {"differ": int((want[k] != got[k]).sum()), "of": int(want[k].size),
                    "max_ulps": ulps(want[k], got[k]),
                    # ulps of a near-zero sum are large; this says how far at the tensor's scale
                    "max_diff_over_max_abs": float(np.abs(want[k] - got[k]).max()
                                                   / max(np.abs(want[k]).max(), 1e-30))}
                for k in want}
        results[name] = {"shape": shape, "backend": backend(torch, name, shape), "rows": rows}
        print(f"{name} on {shape} {results[name]['backend']}")
        for k, r in rows.items():
            print(f"  {k:12s} {r['differ']:6d} of {r['of']:6d} differ, max {r['max_ulps']} ulp, "
                  f"max difference {r['max_diff_over_max_abs']:.1e} of the largest value")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
