"""How far gradrepl's recurrent layers are from PyTorch 2.13's, in units in the last place.

    PYTHONPATH=$PWD python scripts/measure_recurrent_ulps.py [--seeds 20]

Needs real PyTorch (the reference). For each configuration and seed, builds the same layer and
input on both (same initial bits), runs forward and backward with the same upstream gradient,
and reports over all seeds, for the outputs (output, h_n, c_n) and for the gradients (input and
every parameter) apart: how many elements differ at all, and the largest difference in ulps of
the tensor's largest magnitude (the bound the tests use).

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
        out, finals = layer(x)
    finals = finals if isinstance(finals, tuple) else (finals,)
    values = [t.detach().numpy().copy() for t in (out, *finals)]
    lib.manual_seed(seed + 1)
    out.backward(lib.randn(*out.shape))
    return values, [t.grad.numpy().copy() for t in (x, *layer.parameters())]


def _gaps(pairs):
    differ = total = 0
    elem = scale = 0.0
    for want, got in pairs:
        gap = np.abs(want.astype(np.float64) - got)
        differ += int((gap > 0).sum())
        total += gap.size
        elem = max(elem, float((gap / np.spacing(np.abs(want))).max()))
        scale = max(scale, float(gap.max() / np.spacing(np.abs(want).max())))
    return differ, total, elem, scale


def measure(torch, gt, kind, args, kw, seeds):
    """(values, gradients): each (differing, total, max element ulps, max scale ulps)."""
    values, grads = [], []
    for seed in range(seeds):
        (want_v, want_g), (got_v, got_g) = (_run(lib, kind, args, kw, seed) for lib in (torch, gt))
        values += zip(want_v, got_v)
        grads += zip(want_g, got_g)
    return _gaps(values), _gaps(grads)


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

    print(f"{'layer':42} {'outputs differ':>16} {'ulps':>5} {'gradients differ':>17} {'ulps':>5}")
    for kind, args, kw in CONFIGS:
        (v_differ, v_total, _, v_scale), (g_differ, g_total, _, g_scale) = measure(
            torch, gt, kind, args, kw, seeds)
        name = f"{kind}{args} {kw or ''}"
        print(f"{name:42} {v_differ:>7}/{v_total:<8} {v_scale:>5.1f} {g_differ:>8}/{g_total:<8} "
              f"{g_scale:>5.1f}")
    for name, (differ, ulps) in onednn_activations(torch).items():
        print(f"oneDNN {name}: {differ}/4096 differ from the correctly rounded value, "
              f"at most {ulps:.0f} ulps")


if __name__ == "__main__":
    main()
