"""Issue 9's training-step workloads for benchmarks/engine.py, registered by engine_workloads.py.

T1  one training step of a 2-layer MLP (64 -> 128 -> 10, batch 32, ReLU, CrossEntropyLoss):
    ``optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()``
    with ``SGD(lr=0.01, momentum=0.9)``.
T2  the same step for a lesson-sized model: ``nn.Linear(3, 1)``, MSELoss, plain SGD, 8 samples.

Each engine starts from the same weights (copied in from numpy), so ``answer()`` (a fresh model,
one step) can be checked against a float64 reference: the loss, the weight gradients and the
weights after the step.
"""

from __future__ import annotations

import numpy as np

from engine_workloads import Case, Expected

TRAINING_WORKLOADS = {
    "T1": "MLP training step: 64->128->10, batch 32, ReLU, CE, SGD momentum",
    "T2": "lesson training step: nn.Linear(3, 1), MSE, SGD, 8 samples",
}
LR, MOMENTUM = 0.01, 0.9
SEED = 9


def _mlp_data():
    rng = np.random.default_rng(SEED)
    f32 = np.float32
    return {
        "w1": (rng.standard_normal((128, 64)) / 8).astype(f32), "b1": rng.uniform(-0.1, 0.1, 128).astype(f32),
        "w2": (rng.standard_normal((10, 128)) / 11).astype(f32), "b2": rng.uniform(-0.1, 0.1, 10).astype(f32),
        "x": rng.standard_normal((32, 64)).astype(f32), "y": rng.integers(0, 10, 32),
    }


def _lesson_data():
    rng = np.random.default_rng(SEED + 1)
    f32 = np.float32
    return {"w": rng.uniform(-0.5, 0.5, (1, 3)).astype(f32), "b": rng.uniform(-0.5, 0.5, 1).astype(f32),
            "x": rng.standard_normal((8, 3)).astype(f32), "y": rng.standard_normal((8, 1)).astype(f32)}


# ---------------------------------------------------------------- torch API (gradrepl, torch)

def _load(torch, module, weight, bias):
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))


def torch_t1(torch) -> Case:
    data = _mlp_data()
    nn = torch.nn
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])

    def fresh():
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        _load(torch, model[0], data["w1"], data["b1"])
        _load(torch, model[2], data["w2"], data["b2"])
        return model, torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM), nn.CrossEntropyLoss()

    return _training_case(fresh, x, y)


def torch_t2(torch) -> Case:
    data = _lesson_data()
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])

    def fresh():
        model = torch.nn.Linear(3, 1)
        _load(torch, model, data["w"], data["b"])
        return model, torch.optim.SGD(model.parameters(), lr=LR), torch.nn.MSELoss()

    return _training_case(fresh, x, y)


def _training_case(fresh, x, y) -> Case:
    model, optimizer, loss_fn = fresh()

    def step(model, optimizer, loss_fn):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    def answer():
        one = fresh()
        loss = step(*one)
        arrays = {"value": loss.detach().numpy()}
        for i, p in enumerate(one[0].parameters()):
            arrays[f"grad{i}"] = p.grad.numpy()
            arrays[f"after{i}"] = p.detach().numpy()
        return arrays

    return Case(lambda: step(model, optimizer, loss_fn), answer)


# ---------------------------------------------------------------- numpy floor

def floor_t1(np) -> Case:
    data = _mlp_data()
    params = [data[k].copy() for k in ("w1", "b1", "w2", "b2")]
    buffers = [None] * 4
    x, y = data["x"], data["y"]
    rows = np.arange(len(y))

    def step(params, buffers):
        h = x @ params[0].T + params[1]
        a = np.maximum(h, 0)
        logits = a @ params[2].T + params[3]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[rows, y]).mean()
        g = exp / total
        g[rows, y] -= 1
        g /= len(y)
        grads = [None, None, g.T @ a, g.sum(0)]
        ga = g @ params[2]
        ga[h <= 0] = 0
        grads[0], grads[1] = ga.T @ x, ga.sum(0)
        for i, (p, grad) in enumerate(zip(params, grads)):
            buffers[i] = grad.copy() if buffers[i] is None else buffers[i] * MOMENTUM + grad
            p -= LR * buffers[i]
        return loss, grads

    def answer():
        fresh = [data[k].copy() for k in ("w1", "b1", "w2", "b2")]
        loss, grads = step(fresh, [None] * 4)
        return _floor_answer(loss, grads, fresh)

    return Case(lambda: step(params, buffers), answer)


def floor_t2(np) -> Case:
    data = _lesson_data()
    params = [data["w"].copy(), data["b"].copy()]
    x, y = data["x"], data["y"]

    def step(params):
        out = x @ params[0].T + params[1]
        diff = out - y
        loss = (diff * diff).mean()
        g = diff * (2 / diff.size)
        grads = [g.T @ x, g.sum(0)]
        for p, grad in zip(params, grads):
            p -= LR * grad
        return loss, grads

    def answer():
        fresh = [data["w"].copy(), data["b"].copy()]
        loss, grads = step(fresh)
        return _floor_answer(loss, grads, fresh)

    return Case(lambda: step(params), answer)


def _floor_answer(loss, grads, params) -> dict:
    arrays = {"value": np.asarray(loss)}
    for i, (grad, p) in enumerate(zip(grads, params)):
        arrays[f"grad{i}"], arrays[f"after{i}"] = grad, p
    return arrays


TORCH_API = {"T1": torch_t1, "T2": torch_t2}
NUMPY_FLOOR = {"T1": floor_t1, "T2": floor_t2}


# ---------------------------------------------------------------- references (float64)

def expected(name: str) -> Expected:
    if name == "T1":
        d = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in _mlp_data().items()}
        h = d["x"] @ d["w1"].T + d["b1"]
        a = np.maximum(h, 0)
        logits = a @ d["w2"].T + d["b2"]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        rows = np.arange(len(d["y"]))
        loss = -np.log(p[rows, d["y"]]).mean()
        g = p.copy()
        g[rows, d["y"]] -= 1
        g /= len(rows)
        ga = (g @ d["w2"]) * (h > 0)
        grads = [ga.T @ d["x"], ga.sum(0), g.T @ a, g.sum(0)]
        params = [d["w1"], d["b1"], d["w2"], d["b2"]]
    else:
        d = {k: v.astype(np.float64) for k, v in _lesson_data().items()}
        diff = d["x"] @ d["w"].T + d["b"] - d["y"]
        loss = (diff ** 2).mean()
        g = 2 * diff / diff.size
        grads, params = [g.T @ d["x"], g.sum(0)], [d["w"], d["b"]]
    values = {"value": np.float64(loss)}
    for i, (grad, p) in enumerate(zip(grads, params)):
        # the first step of SGD with momentum moves by lr * grad, as plain SGD does
        values[f"grad{i}"], values[f"after{i}"] = grad, p - LR * grad
    return Expected(values, rtol=1e-4, atol=1e-5)
