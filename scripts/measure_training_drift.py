"""How long a seeded training lesson stays bit-identical to PyTorch, and how far it drifts after.

    python scripts/measure_training_drift.py        (needs torch 2.13 installed)

Runs the same two lessons on gradrepl and on real PyTorch and compares every parameter bit after
every optimizer step: a regression (nn.Linear(1, 1), 100 samples, MSE, SGD) and a classifier
(4-8-2 MLP with Tanh and LogSoftmax, Adam, a shuffled DataLoader). The figures are quoted in
docs/nn.md and the README; re-run this after changing the engine's numerics.
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


def _flat(model) -> np.ndarray:
    return np.concatenate([np.array(p.tolist(), dtype=np.float32).ravel()
                           for p in model.parameters()])


def compare(lesson, gradrepl_torch, real_torch) -> list[tuple[int, int, float]]:
    """(step, values that differ, largest difference) after each step."""
    return [(i + 1, int((a != b).sum()), float(np.abs(a - b).max()))
            for i, (a, b) in enumerate(zip(lesson(gradrepl_torch), lesson(real_torch)))]


def main() -> None:
    import torch

    import gradrepl.torch as gt

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
