"""Where a seeded training lesson first differs from PyTorch: the step and the intermediate.

    PYTHONPATH=$PWD python scripts/measure_nn_numerics.py [--json FILE]

Needs real PyTorch (the reference). scripts/measure_training_drift.py counts differing parameters
after every step; this script names the first quantity that differs, to find the op responsible.
Runs the seeded lessons step by step on gradrepl and on torch,
the same code on both, and compares every intermediate of every step bit for bit: the model's
output, the loss, each parameter's gradient and each parameter after the optimizer step. It prints
one table row per lesson: steps run, steps whose everything is identical, the first step and the
first quantity that differs, and how far apart the two runs are at the end (largest difference of
a parameter in units in the last place, and the final losses).

  regression  the lesson of samples/14: nn.Linear(1, 1), MSELoss, SGD(lr=0.5), 20 points, 200 steps
              and a wider one: nn.Linear(8, 1) on 64 points, SGD(lr=0.1, momentum=0.9), 200 steps
  classifier  the lesson of samples/15: Linear(2, 16), ReLU, Linear(16, 3), CrossEntropyLoss,
              Adam(lr=0.05), DataLoader(batch_size=16, shuffle=True), StepLR: 15 epochs, 120 steps
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def regression_small(torch):
    torch.manual_seed(0)
    x = torch.linspace(0, 1, 20).unsqueeze(1)
    y = 2 * x + 1 + 0.1 * torch.randn(20, 1)
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    return model, optimizer, torch.nn.MSELoss(), [(x, y)] * 200, None


def regression_wide(torch):
    torch.manual_seed(1)
    x = torch.randn(64, 8)
    y = x @ torch.randn(8, 1) + 0.5 + 0.1 * torch.randn(64, 1)
    model = torch.nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, optimizer, torch.nn.MSELoss(), [(x, y)] * 200, None


def classifier(torch):
    from_data = torch.utils.data
    torch.manual_seed(0)
    centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    labels = torch.tensor([0, 1, 2] * 40)
    points = centres[labels] + 0.7 * torch.randn(120, 2)
    loader = from_data.DataLoader(from_data.TensorDataset(points, labels), batch_size=16,
                                  shuffle=True)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)

    def batches():
        for _ in range(15):
            yield from loader
            scheduler.step()
    return model, optimizer, nn.CrossEntropyLoss(), batches(), scheduler


LESSONS = {
    "regression (samples/14: Linear(1,1), MSE, SGD)": regression_small,
    "regression (Linear(8,1), 64 points, MSE, SGD momentum)": regression_wide,
    "classifier (samples/15: MLP, CE, Adam, DataLoader, StepLR)": classifier,
}


def trace(torch, lesson):
    """Every intermediate of every step, as numpy arrays."""
    model, optimizer, loss_fn, batches, _ = lesson(torch)
    steps = []
    for x, y in batches:
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        record = {"output": out.detach().numpy().copy(), "loss": loss.detach().numpy().copy()}
        for name, p in model.named_parameters():
            record[f"grad {name}"] = p.grad.numpy().copy()
        optimizer.step()
        for name, p in model.named_parameters():
            record[f"after step: {name}"] = p.detach().numpy().copy()
        steps.append(record)
    return steps


def ulps(a, b) -> int:
    """The largest distance in float32 steps between matching elements."""
    ia = np.asarray(a, np.float32).view(np.int32).astype(np.int64)
    ib = np.asarray(b, np.float32).view(np.int32).astype(np.int64)
    # map the sign-magnitude bit patterns onto one ordered line
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return int(np.abs(ia - ib).max()) if ia.size else 0


def compare(reference, ours) -> dict:
    identical, first = 0, None
    for index, (want, got) in enumerate(zip(reference, ours)):
        differing = [key for key in want if not np.array_equal(want[key], got[key])]
        if differing and first is None:
            key = differing[0]
            first = {"step": index + 1, "quantity": key,
                     "elements": f"{int((want[key] != got[key]).sum())} of {want[key].size}",
                     "ulps": ulps(want[key], got[key])}
        if not differing and first is None:
            identical += 1
    last_want, last_got = reference[-1], ours[-1]
    params = [k for k in last_want if k.startswith("after step")]
    return {"steps": len(reference), "identical_steps": identical, "first_difference": first,
            "final_max_param_ulps": max(ulps(last_want[k], last_got[k]) for k in params),
            "final_loss_torch": float(last_want["loss"]), "final_loss_gradrepl": float(last_got["loss"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    import torch

    import gradrepl.torch as gt

    torch.set_num_threads(1)
    results = {}
    for name, lesson in LESSONS.items():
        results[name] = compare(trace(torch, lesson), trace(gt, lesson))
    for name, r in results.items():
        first = r["first_difference"]
        where = ("none" if first is None else
                 f"step {first['step']}, {first['quantity']} ({first['elements']} elements, "
                 f"<= {first['ulps']} ulp)")
        print(f"{name}\n  {r['identical_steps']}/{r['steps']} steps bit-identical; first difference: "
              f"{where}\n  after the last step: parameters within {r['final_max_param_ulps']} ulp, "
              f"loss {r['final_loss_torch']!r} (torch) vs {r['final_loss_gradrepl']!r} (gradrepl)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
