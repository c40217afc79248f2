"""How long a seeded training lesson stays bit-identical to PyTorch, and how far it drifts after.

    python scripts/measure_training_drift.py        (needs torch 2.13 installed)

Runs the same two lessons on gradrepl and on real PyTorch and compares every parameter bit after
every optimizer step: a regression (nn.Linear(1, 1), 100 samples, MSE, SGD) and a classifier
(4-8-2 MLP with Tanh and LogSoftmax, Adam, a shuffled DataLoader). ``--optimizers`` also runs
a Linear(8, 1) regression on 64 points (products in MKL's followed gemv order) for 300 steps under
each optimizer of torch.optim gradrepl has, one line each: how many steps stay bit-identical, and
the first step where a value differs. The figures are quoted in docs/nn.md and the README; re-run
this after changing the engine's numerics.
"""

from __future__ import annotations

import numpy as np


def regression(torch, steps=20):
    torch.manual_seed(0)
    x = torch.randn(100, 1)
    y = 3 * x + 2 + 0.1 * torch.randn(100, 1)
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        yield _flat(model)


def classifier(torch, epochs=5):
    nn = torch.nn
    torch.manual_seed(0)
    X = torch.randn(64, 4)
    y = (X[:, 0] + X[:, 1] > 0).long()
    data = torch.utils.data.TensorDataset(X, y)
    loader = torch.utils.data.DataLoader(data, batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.LogSoftmax(dim=1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            (-model(xb)[torch.arange(len(yb)), yb].mean()).backward()
            opt.step()
            yield _flat(model)


OPTIMIZERS = [
    ("SGD(lr=0.05)", "SGD", dict(lr=0.05)),
    ("SGD(momentum=0.9, nesterov, weight_decay)", "SGD",
     dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam(lr=0.01)", "Adam", dict(lr=0.01)),
    ("Adam(amsgrad, weight_decay)", "Adam", dict(lr=0.01, amsgrad=True, weight_decay=1e-2)),
    ("AdamW(lr=0.01)", "AdamW", dict(lr=0.01)),
    ("RMSprop(lr=0.01)", "RMSprop", dict(lr=0.01)),
    ("RMSprop(centered, momentum)", "RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad(lr=0.1)", "Adagrad", dict(lr=0.1)),
]


def optimizer_lesson(name, kwargs, steps=300):
    def lesson(torch):
        torch.manual_seed(0)
        x = torch.randn(64, 8)
        y = x @ torch.randn(8, 1) + 0.1 * torch.randn(64, 1)
        model = torch.nn.Linear(8, 1)
        opt = getattr(torch.optim, name)(model.parameters(), **kwargs)
        for _ in range(steps):
            opt.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            opt.step()
            yield _flat(model)
    return lesson


def _flat(model) -> np.ndarray:
    return np.concatenate([np.array(p.tolist(), dtype=np.float32).ravel()
                           for p in model.parameters()])


def compare(lesson, gradrepl_torch, real_torch) -> list[tuple[int, int, float]]:
    """(step, values that differ, largest difference) after each step."""
    return [(i + 1, int((a != b).sum()), float(np.abs(a - b).max()))
            for i, (a, b) in enumerate(zip(lesson(gradrepl_torch), lesson(real_torch)))]


def main() -> None:
    import argparse

    import torch

    import gradrepl.torch as gt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimizers", action="store_true",
                        help="also the 300-step Linear(8, 1) regression under each optimizer")
    args = parser.parse_args()
    if args.optimizers:
        for label, name, kwargs in OPTIMIZERS:
            rows = compare(optimizer_lesson(name, kwargs), gt, torch)
            first = next((step for step, differ, _ in rows if differ), None)
            same = sum(1 for _, differ, _ in rows if differ == 0)
            print(f"{label}: {same} of {len(rows)} steps bit-identical; first difference "
                  f"{'none' if first is None else f'at step {first}'}; at the end "
                  f"{rows[-1][1]} of 9 values differ, max {rows[-1][2]:.3g}", flush=True)

    for lesson in (regression, classifier):
        rows = compare(lesson, gt, torch)
        n = len(next(iter(lesson(gt))))
        identical = [step for step, differ, _ in rows if differ == 0]
        print(f"{lesson.__name__}: {n} parameters, {len(rows)} steps; bit-identical after "
              f"{len(identical)} of them; largest difference at the end {rows[-1][2]:.3g}")
        for step, differ, largest in rows:
            print(f"  step {step:2d}: {differ:2d} differ, max {largest:.3g}")


if __name__ == "__main__":
    main()
