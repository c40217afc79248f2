"""The training-step workloads of the engine benchmark (issue 9), beside engine_workloads.py:

  W8  a 2-layer MLP step: 64 -> 128 -> 10, batch 32, ReLU, cross-entropy, zero_grad, backward,
      SGD(momentum=0.9).step()
  W9  a lesson-sized step: nn.Linear(3, 1) on 10 samples, mean squared error, SGD.step()

Each is written for the torch API (gradrepl and torch run the same code), as a numpy floor (one
numpy call per op, a hand-written backward and update), and as a float64 reference for the first
step's loss and gradients. The cross-entropy is spelled as ``-log_softmax(z)[rows, target].mean()``
so that it needs only what every engine here has.
"""

from __future__ import annotations

import numpy as np

MLP = {"batch": 32, "inputs": 64, "hidden": 128, "classes": 10, "lr": 0.01, "momentum": 0.9}
LESSON = {"batch": 10, "features": 3, "lr": 0.01}
SEED = 7


def mlp_inputs():
    rng = np.random.default_rng(SEED)
    b, n, h, c = MLP["batch"], MLP["inputs"], MLP["hidden"], MLP["classes"]
    x = rng.standard_normal((b, n), dtype=np.float32)
    target = rng.integers(0, c, b)
    params = [(rng.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(np.float32)
              for shape, fan_in in (((h, n), n), ((h,), n), ((c, h), h), ((c,), h))]
    return x, target, params


def lesson_inputs():
    rng = np.random.default_rng(SEED + 1)
    x = rng.standard_normal((LESSON["batch"], LESSON["features"]), dtype=np.float32)
    y = (x @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    params = [rng.uniform(-0.5, 0.5, (1, LESSON["features"])).astype(np.float32),
              rng.uniform(-0.5, 0.5, (1,)).astype(np.float32)]
    return x, y, params


# ---------------------------------------------------------------- torch API

def _load(torch, model, params):
    with torch.no_grad():
        for param, value in zip(model.parameters(), params):
            param.copy_(torch.from_numpy(value))


def torch_mlp(torch):
    x, target, params = mlp_inputs()
    nn = torch.nn
    model = nn.Sequential(nn.Linear(MLP["inputs"], MLP["hidden"]), nn.ReLU(),
                          nn.Linear(MLP["hidden"], MLP["classes"]))
    _load(torch, model, params)
    opt = torch.optim.SGD(model.parameters(), lr=MLP["lr"], momentum=MLP["momentum"])
    X, T, rows = torch.from_numpy(x), torch.from_numpy(target), torch.arange(MLP["batch"])

    def run():
        opt.zero_grad()
        loss = -torch.log_softmax(model(X), dim=1)[rows, T].mean()
        loss.backward()
        opt.step()
        return (loss,) + tuple(p.grad for p in model.parameters())
    return run


def torch_lesson(torch):
    x, y, params = lesson_inputs()
    model = torch.nn.Linear(LESSON["features"], 1)
    _load(torch, model, params)
    opt = torch.optim.SGD(model.parameters(), lr=LESSON["lr"])
    X, Y = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        opt.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()
        return (loss,) + tuple(p.grad for p in model.parameters())
    return run


# ---------------------------------------------------------------- numpy floor

def floor_mlp(np):
    x, target, params = mlp_inputs()
    w1, b1, w2, b2 = params
    buffers = [None] * 4
    rows = np.arange(MLP["batch"])

    def run():
        h = x @ w1.T + b1
        r = np.maximum(h, 0)
        z = r @ w2.T + b2
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, target] - np.log(total[:, 0])).mean()
        gz = exp / total                       # softmax minus one-hot, over the batch
        gz[rows, target] -= 1
        gz /= MLP["batch"]
        gw2, gb2 = gz.T @ r, gz.sum(axis=0)
        gh = gz @ w2
        gh *= h > 0
        gw1, gb1 = gh.T @ x, gh.sum(axis=0)
        grads = (gw1, gb1, gw2, gb2)
        for i, (param, grad) in enumerate(zip(params, grads)):
            if buffers[i] is None:
                buffers[i] = grad.copy()
            else:
                buffers[i] *= MLP["momentum"]
                buffers[i] += grad
            param -= MLP["lr"] * buffers[i]
        return (loss,) + grads
    return run


def floor_lesson(np):
    x, y, (w, b) = lesson_inputs()

    def run():
        error = x @ w.T + b - y
        loss = (error ** 2).mean()
        g = error * (2 / LESSON["batch"])
        gw, gb = g.T @ x, g.sum(axis=0)
        np.subtract(w, LESSON["lr"] * gw, out=w)
        np.subtract(b, LESSON["lr"] * gb, out=b)
        return loss, gw, gb
    return run


# ---------------------------------------------------------------- float64 references (first step)

def expected_mlp() -> dict:
    x, target, params = mlp_inputs()
    x = x.astype(np.float64)
    w1, b1, w2, b2 = (p.astype(np.float64) for p in params)
    rows = np.arange(MLP["batch"])
    h = x @ w1.T + b1
    r = np.maximum(h, 0)
    z = r @ w2.T + b2
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    gz = np.exp(log_p)
    gz[rows, target] -= 1
    gz /= MLP["batch"]
    gh = (gz @ w2) * (h > 0)
    return {"value": -log_p[rows, target].mean(), "grad0": gh.T @ x, "grad1": gh.sum(axis=0),
            "grad2": gz.T @ r, "grad3": gz.sum(axis=0)}


def expected_lesson() -> dict:
    x, y, (w, b) = (a.astype(np.float64) if isinstance(a, np.ndarray) else a
                    for a in lesson_inputs())
    w, b = (p.astype(np.float64) for p in (w, b))
    error = x @ w.T + b - y
    g = error * (2 / LESSON["batch"])
    return {"value": (error ** 2).mean(), "grad0": g.T @ x, "grad1": g.sum(axis=0)}
