"""The engine benchmark's workloads, written once for the torch API and once as the numpy floor.

A workload is built for one engine by ``build(name, engine_module)``, which returns a Case:
  run()     one timed iteration: forward and backward, as a lesson or training loop writes it;
  answer()  the values and gradients of one iteration as numpy arrays, checked against
            ``expected(name)`` (computed independently, in float64 or exact arithmetic) before any
            timing, so that an engine that computes the wrong thing cannot look fast.

The same torch-API code runs on gradrepl (``import gradrepl.torch as torch``) and real torch. The
numpy floor is what a perfect numpy engine could reach: one numpy call per graph op, a hand-written
reverse sweep with each op's gradient formula, and no graph. For the big-tensor workloads it also
reuses the temporaries it owns (an engine frees them too), but allocates every array the user keeps:
forward results and the gradients (``.grad`` is set to None between iterations, so an engine must
hand back fresh arrays there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

import engine_training as training

# name -> one-line description; the order is the report's order.
WORKLOADS = {
    "W1": "seed polynomial on a fresh 0-d tensor",
    "W2": "seed 2x3 chain, mean, backward",
    "W4": "(A @ B).relu().sum(), 1024x1024 float32",
    "W5": "((x*2+1).tanh()*x).sum(), 1e6 float32",
    "W6": "scalar chain y=y*0.5; y=y+x, 1000 nodes",
    "W6k": "the same chain, 10,000 nodes",
    "W7-100": "x.sum(), x.mean(), x.sum(0), x.mean(1), float32 10x10, bit-exact",
    "W7-1k": "the same on 40x25 (1,000 elements)",
    "W7-10k": "the same on 100x100 (10,000 elements)",
    "W8": "MLP train step 64-128-10, batch 32, SGD momentum",
    "W9": "lesson step: Linear(3, 1), MSE, SGD, 10 samples",
}
CHAIN_PAIRS = {"W6": 500, "W6k": 5000}  # each pair is two graph nodes (a mul and an add)
CHAIN_X = 0.75
MATMUL_N = 1024
ELEMENTWISE_N = 1_000_000
SEED = 2
REDUCTION_SHAPES = {"W7-100": (10, 10), "W7-1k": (40, 25), "W7-10k": (100, 100)}


@dataclass
class Case:
    run: Callable[[], object]
    answer: Callable[[], dict]


@dataclass
class Expected:
    values: dict            # name -> float64 array
    rtol: float = 1e-5
    atol: float = 1e-6
    # Large reductions are compared by relative error of the whole array, see _check_close.
    norm_rtol: float | None = None
    # The engines must agree to the last bit (the harness compares gradrepl's bits with torch's).
    bit_exact: bool = False


class WrongAnswer(AssertionError):
    """An engine computed a different value or gradient from the reference."""


# ---------------------------------------------------------------- shared inputs

def matmul_inputs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    a = rng.standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32)
    b = rng.standard_normal((MATMUL_N, MATMUL_N), dtype=np.float32)
    return a, b


def elementwise_input() -> np.ndarray:
    rng = np.random.default_rng(SEED + 1)
    return rng.uniform(-2.0, 2.0, ELEMENTWISE_N).astype(np.float32)


def reduction_input(name: str) -> np.ndarray:
    rng = np.random.default_rng(SEED + 2)
    # positive values of mixed magnitudes: a different summation order shows in the last bits,
    # while the float64 reference stays within float32 rounding (no cancellation)
    shape = REDUCTION_SHAPES[name]
    values = rng.uniform(0.5, 1.5, shape) * 10.0 ** rng.integers(-2, 2, shape)
    return values.astype(np.float32)


# ---------------------------------------------------------------- torch API (gradrepl, torch)

def torch_w1(torch) -> Case:
    def run():
        x = torch.tensor(2.0, requires_grad=True)
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
        y.backward()
        return y, x.grad
    return Case(run, lambda: _torch_answer(*run()))


def torch_w2(torch) -> Case:
    def run():
        x = torch.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
        y = 3 * x + 2
        z = 2 * y**2
        out = z.mean()
        out.backward()
        return out, x.grad
    return Case(run, lambda: _torch_answer(*run()))


def torch_w4(torch) -> Case:
    a, b = matmul_inputs()
    A = torch.from_numpy(a).requires_grad_(True)
    B = torch.from_numpy(b).requires_grad_(True)

    def run():
        A.grad = None  # as a training loop's zero_grad(set_to_none=True) does
        B.grad = None
        loss = (A @ B).relu().sum()
        loss.backward()
        return loss, A.grad, B.grad
    return Case(run, lambda: _torch_answer(*run()))


def torch_w5(torch) -> Case:
    x = torch.from_numpy(elementwise_input()).requires_grad_(True)

    def run():
        x.grad = None
        loss = ((x * 2 + 1).tanh() * x).sum()
        loss.backward()
        return loss, x.grad
    return Case(run, lambda: _torch_answer(*run()))


def torch_chain(torch, pairs: int) -> Case:
    def run():
        x = torch.tensor(CHAIN_X, requires_grad=True)
        y = x
        for _ in range(pairs):
            y = y * 0.5
            y = y + x
        y.backward()
        return y, x.grad
    return Case(run, lambda: _torch_answer(*run()))


def torch_reductions(torch, name: str) -> Case:
    # No graph: W7 measures the reductions themselves, which lessons call on every printed loss.
    x = torch.from_numpy(reduction_input(name))

    def run():
        return x.sum(), x.mean(), x.sum(0), x.mean(1)

    def answer():
        total, mean, column_sums, row_means = run()
        return {"value": total.numpy(), "mean": mean.numpy(), "sum0": column_sums.numpy(),
                "mean1": row_means.numpy()}
    return Case(run, answer)


def _torch_answer(value, *grads) -> dict:
    arrays = {"value": value.detach().numpy()}
    for i, grad in enumerate(grads):
        arrays[f"grad{i}"] = None if grad is None else grad.numpy()
    return arrays


# ---------------------------------------------------------------- numpy floor

def floor_w1(np) -> Case:
    def run():
        x = np.array(2.0, np.float32)
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1   # numpy, like an engine, makes one call per op
        gy = np.ones_like(y)
        gx = gy * 5                          # h = 5 * x;  the adds pass gy through
        gx = gx + (gy * 3) * 2 * x           # f = 3 * e, e = x**2
        gx = gx + gy * 3 * x**2              # c = x**3
        gx = gx + (gy * 2) * 4 * x**3        # b = 2 * a, a = x**4
        return y, gx
    return Case(run, lambda: _floor_answer(*run()))


def floor_w2(np) -> Case:
    def run():
        x = np.array([[1.0, 2, 3], [3, 2, 1]], np.float32)
        y = 3 * x + 2
        z = 2 * y**2
        out = z.mean()
        gz = np.full(x.shape, 1 / x.size, np.float32)  # mean: the grad spread over the elements
        gy = (gz * 2) * 2 * y                         # z = 2 * p, p = y**2
        gx = gy * 3                                   # y = 3 * x + 2
        return out, gx
    return Case(run, lambda: _floor_answer(*run()))


def floor_w4(np) -> Case:
    A, B = matmul_inputs()

    def run():
        product = A @ B
        np.maximum(product, 0, out=product)   # relu in place: the mask is the same from its output
        loss = product.sum()
        np.sign(product, out=product)         # the sum's grad is ones, so relu's grad is the 0/1 mask
        grad_a = product @ B.T
        grad_b = A.T @ product
        return loss, grad_a, grad_b
    return Case(run, lambda: _floor_answer(*run()))


def floor_w5(np) -> Case:
    x = elementwise_input()

    def run():
        t = x * 2
        t += 1
        np.tanh(t, out=t)                 # kept: tanh's backward needs its output
        d = t * x
        loss = d.sum()
        np.multiply(t, t, out=d)          # d(t*x)/dx = t;  d tanh(2x+1)/dx = 2 (1 - t^2), times x
        np.subtract(1, d, out=d)
        d *= x
        d *= 2
        d += t
        return loss, d
    return Case(run, lambda: _floor_answer(*run()))


def floor_chain(np, pairs: int) -> Case:
    def run():
        x = np.array(CHAIN_X, np.float32)
        y = x
        for _ in range(pairs):
            y = y * 0.5
            y = y + x
        g = np.ones_like(y)
        gx = np.zeros_like(x)
        for _ in range(pairs):            # reverse sweep: the add feeds x, the mul halves the grad
            gx = gx + g
            g = g * 0.5
        gx = gx + g                       # the chain started at y = x
        return y, gx
    return Case(run, lambda: _floor_answer(*run()))


def floor_reductions(np, name: str) -> Case:
    x = reduction_input(name)

    def run():  # numpy's own (pairwise) order: a floor for the cost, not for the bits
        return x.sum(), x.mean(), x.sum(0), x.mean(1)

    def answer():
        total, mean, column_sums, row_means = run()
        return {"value": total, "mean": mean, "sum0": column_sums, "mean1": row_means}
    return Case(run, answer)


def _floor_answer(value, *grads) -> dict:
    arrays = {"value": np.asarray(value)}
    for i, grad in enumerate(grads):
        arrays[f"grad{i}"] = np.asarray(grad)
    return arrays


TORCH_API = {"W1": torch_w1, "W2": torch_w2, "W4": torch_w4, "W5": torch_w5,
             "W6": lambda t: torch_chain(t, CHAIN_PAIRS["W6"]),
             "W6k": lambda t: torch_chain(t, CHAIN_PAIRS["W6k"]),
             **{name: (lambda t, name=name: torch_reductions(t, name)) for name in REDUCTION_SHAPES}}
NUMPY_FLOOR = {"W1": floor_w1, "W2": floor_w2, "W4": floor_w4, "W5": floor_w5,
               "W6": lambda n: floor_chain(n, CHAIN_PAIRS["W6"]),
               "W6k": lambda n: floor_chain(n, CHAIN_PAIRS["W6k"]),
               **{name: (lambda n, name=name: floor_reductions(n, name)) for name in REDUCTION_SHAPES}}


def _training_case(make):
    def build_case(module) -> Case:
        run = make(module)
        return Case(run, lambda: _training_answer(run()))
    return build_case


def _training_answer(results) -> dict:
    value, *grads = results
    arrays = {"value": np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)}
    for i, grad in enumerate(grads):
        arrays[f"grad{i}"] = None if grad is None else np.asarray(
            grad.numpy() if hasattr(grad, "numpy") else grad)
    return arrays


TORCH_API.update({"W8": _training_case(training.torch_mlp),
                  "W9": _training_case(training.torch_lesson)})
NUMPY_FLOOR.update({"W8": _training_case(training.floor_mlp),
                    "W9": _training_case(training.floor_lesson)})


def build(name: str, engine: str, module) -> Case:
    table = NUMPY_FLOOR if engine == "numpy" else TORCH_API
    return table[name](module)


# ---------------------------------------------------------------- references and checks

def expected(name: str) -> Expected:
    if name == "W1":
        return Expected({"value": np.float64(63.0), "grad0": np.float64(93.0)})
    if name == "W2":
        x = np.array([[1.0, 2, 3], [3, 2, 1]])
        return Expected({"value": np.mean(2 * (3 * x + 2) ** 2), "grad0": 2 * (3 * x + 2)})
    if name == "W4":
        return _expected_matmul()
    if name == "W5":
        return _expected_elementwise()
    if name in REDUCTION_SHAPES:
        x = reduction_input(name).astype(np.float64)
        return Expected({"value": x.sum(), "mean": x.mean(), "sum0": x.sum(0), "mean1": x.mean(1)},
                        rtol=1e-4, atol=0, bit_exact=True)
    if name == "W8":
        return Expected(training.expected_mlp(), rtol=1e-4, atol=1e-6)
    if name == "W9":
        return Expected(training.expected_lesson(), rtol=1e-5, atol=1e-6)
    return _expected_chain(CHAIN_PAIRS[name])


def _expected_matmul() -> Expected:
    a, b = (m.astype(np.float64) for m in matmul_inputs())
    product = a @ b
    mask = (product > 0).astype(np.float64)
    # A few entries of A @ B lie within float32 rounding of 0, where an engine's relu mask may
    # differ from float64's: each such entry moves one row of a gradient by O(1) against a norm
    # of ~2e4, so the gradients are compared by relative error of the whole array.
    return Expected({"value": np.maximum(product, 0).sum(), "grad0": mask @ b.T,
                     "grad1": a.T @ mask}, rtol=1e-4, norm_rtol=1e-2)


def _expected_elementwise() -> Expected:
    x = elementwise_input().astype(np.float64)
    t = np.tanh(2 * x + 1)
    return Expected({"value": np.sum(t * x), "grad0": t + 2 * x * (1 - t * t)},
                    rtol=1e-4, atol=1e-5)


def _expected_chain(pairs: int) -> Expected:
    y, grad = CHAIN_X, 1.0
    for _ in range(pairs):
        y = y * 0.5 + CHAIN_X
        grad = grad * 0.5 + 1.0
    return Expected({"value": np.float64(y), "grad0": np.float64(grad)})


def check(name: str, got: dict) -> str:
    """Raise WrongAnswer unless ``got`` (from Case.answer) matches the reference; else describe it."""
    want = expected(name)
    for key, reference in want.values.items():
        _check_close(name, key, got.get(key), reference, want)
    return ", ".join(f"{key}={_summary(got[key])}" for key in want.values)


def fingerprint(got: dict) -> str:
    """The exact bits of an answer (dtype, shape and bytes of each array), for bit-exact workloads."""
    digest = hashlib.sha256()
    for key in sorted(got):
        array = np.ascontiguousarray(got[key])
        digest.update(f"{key}:{array.dtype}:{array.shape}:".encode() + array.tobytes())
    return digest.hexdigest()[:16]


def _check_close(name: str, key: str, actual, reference, want: Expected) -> None:
    label = f"gradient {key[4:]}" if key.startswith("grad") else key
    if actual is None:
        raise WrongAnswer(f"{name}: {label} is None")
    actual = np.asarray(actual)
    if actual.shape != np.shape(reference):
        raise WrongAnswer(f"{name}: {label} has shape {actual.shape}, expected {np.shape(reference)}")
    if want.norm_rtol is not None and actual.ndim:
        error = np.linalg.norm(actual - reference) / np.linalg.norm(reference)
        if not error <= want.norm_rtol:
            raise WrongAnswer(f"{name}: {label} is off by {error:.2g} (relative norm)")
    elif not np.allclose(actual, reference, rtol=want.rtol, atol=want.atol):
        raise WrongAnswer(f"{name}: {label} is {_summary(actual)}, expected {_summary(reference)}")


def _summary(array) -> str:
    array = np.asarray(array)
    if array.size <= 6:
        return np.array2string(array.astype(np.float64), precision=6, separator=",").replace("\n", "")
    return f"<{'x'.join(map(str, array.shape))} sum {float(array.sum(dtype=np.float64)):.6g}>"

