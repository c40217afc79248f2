"""How far gradrepl's recurrent layers are from PyTorch 2.13's, in units in the last place.

    PYTHONPATH=$PWD python scripts/measure_recurrent_ulps.py [--seeds 20]

Needs real PyTorch (the reference). For each configuration and seed, builds the same layer and
input on both (same initial bits), runs forward and backward with the same upstream gradient,
and reports over all seeds: the share of output and gradient elements that differ at all, the
largest difference in ulps of the element itself (``elem``: |a - b| / spacing(|b|)), and the
largest in ulps of the tensor's largest magnitude (``scale``: the bound the tests use).

Then it isolates oneDNN's activations: an LSTM whose weights are zero and whose bias holds 4096
test values computes c = sigmoid(z) (the other gates saturated) or c = tanh(z) in one step, which
it compares with the correctly rounded values (float64, rounded once).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

CONFIGS = [
    ("LSTM", (8, 16), {}),
    ("LSTM", (8, 16, 2), {"bidirectional": True}),
    ("LSTM", (8, 16, 2), {"batch_first": True}),
    ("LSTM", (8, 16, 2), {"proj_size": 8}),
    ("GRU", (8, 16, 2), {"bidirectional": True}),
    ("RNN", (8, 16, 2), {"bidirectional": True}),
    ("RNN", (8, 16, 1, "relu"), {"bidirectional": True}),
]


def _run(lib, kind, args, kw, seed):
    lib.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = getattr(lib.nn, kind)(*args, **kw)
        x = lib.randn(*((4, 12, 8) if kw.get("batch_first") else (12, 4, 8)), requires_grad=True)
        out, _ = layer(x)
    lib.manual_seed(seed + 1)
    out.backward(lib.randn(*out.shape))
    return [out.detach().numpy().copy()] + [t.grad.numpy().copy()
                                            for t in (x, *layer.parameters())]


def measure(torch, gt, kind, args, kw, seeds):
    differ = total = 0
    elem = scale = 0.0
    for seed in range(seeds):
        for want, got in zip(_run(torch, kind, args, kw, seed), _run(gt, kind, args, kw, seed)):
            gap = np.abs(want.astype(np.float64) - got)
            differ += int((gap > 0).sum())
            total += gap.size
            elem = max(elem, float((gap / np.spacing(np.abs(want))).max()))
            scale = max(scale, float(gap.max() / np.spacing(np.abs(want).max())))
    return differ, total, elem, scale


def onednn_activations(torch, count=4096):
    """(differing, max ulps) of oneDNN's sigmoid and tanh against the correctly rounded ones."""
    torch.manual_seed(0)
    z = (torch.randn(count) * 3).numpy()
    lstm = torch.nn.LSTM(1, count)
    saturated = np.full(count, 30, np.float32)

    def cell(gates):
        with torch.no_grad():
            for p in lstm.parameters():
                p.zero_()
            lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate(gates)))
            return lstm(torch.zeros(1, 1, 1))[1][1].numpy()[0, 0]

    exact = {"sigmoid": 1 / (1 + np.exp(-z.astype(np.float64))), "tanh": np.tanh(z.astype(np.float64))}
    got = {"sigmoid": cell([z, saturated, saturated, saturated]),
           "tanh": cell([saturated, saturated, z, saturated])}
    result = {}
    for name, want in exact.items():
        want = want.astype(np.float32)
        gap = np.abs(got[name].astype(np.float64) - want) / np.spacing(np.abs(want))
        result[name] = (int((got[name] != want).sum()), float(gap.max()))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    seeds = parser.parse_args().seeds
    import torch

    import gradrepl.torch as gt

    print(f"{'layer':48} {'differ':>14} {'elem ulps':>10} {'scale ulps':>10}")
    for kind, args, kw in CONFIGS:
        differ, total, elem, scale = measure(torch, gt, kind, args, kw, seeds)
        name = f"{kind}{args} {kw or ''}"
        print(f"{name:48} {differ:>6}/{total:<7} {elem:>10.0f} {scale:>10.1f}")
    for name, (differ, ulps) in onednn_activations(torch).items():
        print(f"oneDNN {name}: {differ}/4096 differ from the correctly rounded value, "
              f"at most {ulps:.0f} ulps")


if __name__ == "__main__":
    main()
