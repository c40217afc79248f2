"""The engine benchmark (benchmarks/engine.py) in its quickest form: it runs, and its correctness
checks stop an engine that computes the wrong answer from being timed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import engine_worker  # noqa: E402
import engine_workloads  # noqa: E402

# A stand-in for gradrepl that is very fast because it never computes a gradient.
FORGETFUL_ENGINE = '''
import numpy as np

class Tensor:
    def __init__(self, value):
        self.value, self.grad = np.float32(value), None
    def __pow__(self, n): return Tensor(self.value ** n)
    def __mul__(self, other): return Tensor(self.value * getattr(other, "value", other))
    def __add__(self, other): return Tensor(self.value + getattr(other, "value", other))
    __rmul__, __radd__ = __mul__, __add__
    def backward(self): pass
    def detach(self): return self
    def numpy(self): return np.asarray(self.value)

def tensor(value, requires_grad=False):
    return Tensor(value)
'''


def run_benchmark(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCHMARKS / "engine.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_quickest_run_on_w1_times_gradrepl_against_the_numpy_floor(tmp_path):
    results = tmp_path / "results.json"
    done = run_benchmark("--only", "W1", "--engines", "gradrepl,numpy", "--rounds", "2",
                         "--iterations", "3", "--json", str(results))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gradrepl/numpy" in done.stdout and "W1" in done.stdout
    saved = json.loads(results.read_text())
    assert saved["checks"]["W1"] == {"gradrepl": "value=63., grad0=93.",
                                     "numpy": "value=63., grad0=93."}
    assert [len(saved["samples"]["W1"][e]) for e in ("gradrepl", "numpy")] == [2, 2]
    assert saved["summary"]["W1"]["ratios"]["gradrepl/numpy"]["median"] > 0
    assert saved["errors"] == []


def test_an_engine_with_wrong_gradients_is_reported_and_not_timed(tmp_path):
    fake = tmp_path / "gradrepl"
    fake.mkdir()
    (fake / "__init__.py").write_text('__version__ = "forgetful"\n')
    (fake / "torch.py").write_text(textwrap.dedent(FORGETFUL_ENGINE))
    done = run_benchmark("--only", "W1", "--engines", "gradrepl,numpy", "--rounds", "1",
                         "--iterations", "1", "--gradrepl-path", str(tmp_path))
    assert done.returncode == 1
    assert "WRONG ANSWER gradrepl W1: W1: gradient 0 is None" in done.stdout
    assert "gradrepl/numpy" in done.stdout  # the table is still printed, without gradrepl's times


def test_worker_refuses_to_time_a_wrong_floor(monkeypatch):
    def off_by_one(np_module):
        case = engine_workloads.floor_w1(np_module)

        def answer():
            arrays = case.answer()
            arrays["grad0"] = arrays["grad0"] - 1
            return arrays
        return engine_workloads.Case(case.run, answer)

    monkeypatch.setitem(engine_workloads.NUMPY_FLOOR, "W1", off_by_one)
    worker = engine_worker.Worker("numpy", np)
    answer = worker.handle({"cmd": "setup", "workload": "W1", "sample_seconds": 0.01, "iterations": 1})
    assert answer == {"ok": False, "wrong": True,
                      "error": "W1: gradient 0 is 92., expected 93."}
    assert "W1" not in worker.cases


@pytest.mark.parametrize("name", ["W2", "W6"])
def test_checks_compare_shapes_and_values(name):
    case = engine_workloads.build(name, "numpy", np)
    right = case.answer()
    engine_workloads.check(name, right)
    with pytest.raises(engine_workloads.WrongAnswer, match="gradient 0"):
        engine_workloads.check(name, {**right, "grad0": right["grad0"] * 1.01})
    with pytest.raises(engine_workloads.WrongAnswer, match="shape"):
        engine_workloads.check(name, {**right, "value": np.zeros(2)})


def test_w7_answers_are_fingerprinted_to_the_last_bit():
    case = engine_workloads.build("W7-100", "numpy", np)
    right = case.answer()
    engine_workloads.check("W7-100", right)  # numpy's order is within rounding of the reference
    assert engine_workloads.expected("W7-100").bit_exact
    nudged = {**right, "sum0": np.nextafter(right["sum0"], np.float32(np.inf))}
    engine_workloads.check("W7-100", nudged)  # still close ...
    assert engine_workloads.fingerprint(nudged) != engine_workloads.fingerprint(right)  # ... not exact
    assert engine_workloads.fingerprint(case.answer()) == engine_workloads.fingerprint(right)


def test_memory_target_compares_gradrepl_traced_bytes_with_torch_rss():
    import engine_report

    def figure(built, after):
        return {"built": built, "after_backward": after, "after_del": 0}

    memory = {"gradrepl": {"traced": figure(500, 700), "rss": figure(1, 1)},
              "torch": {"rss": figure(800, 900)}}
    [verdict] = [v for v in engine_report.judge({"memory": memory})
                 if v["target"].startswith("memory")]
    assert verdict["ratio"] == pytest.approx(700 / 900) and verdict["status"] == "PASS"
    memory["torch"] = {"rss": figure(300, 400)}
    [verdict] = [v for v in engine_report.judge({"memory": memory})
                 if v["target"].startswith("memory")]
    assert verdict["status"] == "MISS"
    assert "tracemalloc" in "\n".join(engine_report.memory_lines(memory))


def test_every_worker_gets_the_same_allocator_settings():
    import engine

    env = engine.worker_env(native_blas=False, threads=None, malloc="same")
    assert int(env["MALLOC_MMAP_THRESHOLD_"]) > 4_000_000  # a 1e6-float temporary stays on the heap
    assert int(env["MALLOC_TRIM_THRESHOLD_"]) > 0
@pytest.mark.parametrize("name", ["W8", "W9"])
def test_training_steps_compute_the_reference_on_floor_and_gradrepl(name):
    import gradrepl.torch as gt

    for engine, module in (("numpy", np), ("gradrepl", gt)):
        engine_workloads.check(name, engine_workloads.build(name, engine, module).answer())



def test_lesson_step_stages_runs_every_stage():
    # a process of its own: the script tunes its process as the benchmark's worker does
    done = subprocess.run([sys.executable, str(BENCHMARKS / "lesson_step_stages.py"), "--calls",
                           "2", "--rounds", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for stage in ("step", "model(X)", "fwd+loss+backward", "opt.step"):
        assert stage in done.stdout


def test_training_stages_reads_one_dump_per_stage(tmp_path):
    """``training_stages.py --read-dumps``: dump 1 is the warm-up, then 12 marks a step (one
    before each of the 11 stages and one after the last), the last step's closing interval
    being callgrind's final dump (no number)."""
    import training_stages

    stages = len(training_stages.STAGES)
    dumps = [10 ** 9]  # start-up and warm-up
    for step in range(3):
        dumps += [1000 * (i + 1) + step for i in range(stages)]  # stage i costs ~1000 (i + 1)
        if step < 2:
            dumps.append(7)  # between a step's last mark and the next step's first
    for k, total in enumerate(dumps, 1):
        (tmp_path / f"o.{k}").write_text(f"events: Ir\nsummary: {total}\n")
    (tmp_path / "o").write_text("events: Ir\nsummary: 5\n")
    done = subprocess.run([sys.executable, str(BENCHMARKS / "training_stages.py"), "--read-dumps",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["zero_grad", "1.0"]  # (1000 + 1001 + 1002) / 3 / 1000
    assert lines[stages - 1].split()[:2] == ["grads", "11.0"]
    assert "mean of 3 steps" in lines[-1]


def test_training_stages_markers_run_every_stage():
    done = subprocess.run([sys.executable, str(BENCHMARKS / "training_stages.py"), "--markers",
                           "--warmup", "2", "--steps", "2"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
