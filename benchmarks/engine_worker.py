"""One engine's worker process for benchmarks/engine.py: JSON requests in, JSON answers out.

    python benchmarks/engine_worker.py ENGINE [--gradrepl-path DIR]

ENGINE is gradrepl, torch or numpy. Each line on stdin is a request, each answer one line:
  {"cmd": "setup", "workload": "W1", "sample_seconds": 0.2, "iterations": null}
      build the workload, check its answer, warm up and choose iterations per sample;
      -> {"ok": true, "iterations": N, "check": "value=63., grad0=93."} or {"ok": false, "error": ...}
  {"cmd": "sample", "workload": "W1"}  -> {"ok": true, "seconds": per-iteration time of one sample}
  {"cmd": "quit"}
The first line the worker writes describes the engine (versions, threads, BLAS) once it has loaded.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import engine_workloads as workloads

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS")


def load_engine(engine: str, gradrepl_path: str | None):
    if engine == "numpy":
        import numpy
        return numpy
    if engine == "torch":
        import torch
        return torch
    if gradrepl_path:
        sys.path.insert(0, gradrepl_path)
    import gradrepl.torch
    if not os.environ.get("GRADREPL_BENCH_AS_LIBRARY"):
        # measure the engine as the shell and replay run it: they own their process and tune it
        # (collector threshold, malloc); GRADREPL_BENCH_AS_LIBRARY=1 measures a host's import
        try:
            from gradrepl.session.process import own_process
        except ImportError:  # an older gradrepl tuned the process when imported
            pass
        else:
            own_process()
    return gradrepl.torch


def describe(engine: str, module) -> dict:
    import numpy
    info = {"engine": engine, "python": platform.python_version(), "numpy": numpy.__version__,
            "env": {name: os.environ.get(name) for name in BLAS_ENV}, "blas": blas_pools()}
    if engine == "torch":
        info["version"] = module.__version__
        info["threads"] = module.get_num_threads()
        info["cpu_capability"] = module.backends.cpu.get_cpu_capability()
        info["torch_blas"] = "mkl" if module.backends.mkl.is_available() else "other"
    elif engine == "gradrepl":
        import gradrepl
        info["version"] = getattr(gradrepl, "__version__", "?")
        info["path"] = str(Path(gradrepl.__file__).parent.parent)
    else:
        info["version"] = numpy.__version__
    return info


def blas_pools() -> list[dict] | None:
    """The BLAS and OpenMP pools loaded in this process, as threadpoolctl sees them (None without it)."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    keep = ("internal_api", "version", "architecture", "num_threads", "filepath")
    return [{k: pool.get(k) for k in keep if k in pool} for pool in threadpoolctl.threadpool_info()]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]  # engine.py --clock cpu: this process's CPU time (on a shared machine)


def time_iterations(run, iterations: int) -> float:
    """Seconds for ``iterations`` calls of run. The collector stays on (a training loop pays for it
    too), but starts each sample from a clean heap so no sample inherits another's garbage."""
    gc.collect()
    start = clock()
    for _ in range(iterations):
        run()
    return clock() - start


# a loop's steady state includes what an engine caches for a repeated op after some calls
# (gradrepl plans a sum of 10,000 elements after 2,500 sums of that shape): reach it first
WARM_UP_SECONDS = 0.25


def warm_up(run) -> None:
    end = clock() + WARM_UP_SECONDS
    while clock() < end:
        run()


def calibrate(run, sample_seconds: float) -> int:
    """Iterations that make one sample last about sample_seconds; the runs doing it warm up too."""
    iterations, elapsed = 1, time_iterations(run, 1)
    while elapsed < sample_seconds / 4 and iterations < 10**7:
        iterations *= 2 if elapsed == 0 else max(2, min(10, int(sample_seconds / 4 / elapsed) + 1))
        elapsed = time_iterations(run, iterations)
    return max(1, round(iterations * sample_seconds / elapsed))


class Worker:
    def __init__(self, engine: str, module):
        self.engine, self.module = engine, module
        self.cases, self.iterations = {}, {}

    def setup(self, workload: str, sample_seconds: float, iterations: int | None) -> dict:
        case = workloads.build(workload, self.engine, self.module)
        got = case.answer()
        summary = workloads.check(workload, got)
        bits = workloads.fingerprint(got) if workloads.expected(workload).bit_exact else None
        warm_up(case.run)
        if iterations is None:
            iterations = calibrate(case.run, sample_seconds)
        else:
            time_iterations(case.run, iterations)  # warm up
        self.cases[workload], self.iterations[workload] = case, iterations
        return {"ok": True, "iterations": iterations, "check": summary, "bits": bits}

    def sample(self, workload: str) -> dict:
        iterations = self.iterations[workload]
        return {"ok": True, "seconds": time_iterations(self.cases[workload].run, iterations) / iterations}

    def handle(self, request: dict) -> dict:
        try:
            if request["cmd"] == "setup":
                return self.setup(request["workload"], request["sample_seconds"], request.get("iterations"))
            return self.sample(request["workload"])
        except workloads.WrongAnswer as error:
            return {"ok": False, "wrong": True, "error": str(error)}
        except Exception as error:  # an engine bug must not look like a harness bug, nor kill the run
            return {"ok": False, "wrong": False, "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc()}


def serve(worker: Worker, requests, answers) -> None:
    for line in requests:
        request = json.loads(line)
        if request["cmd"] == "quit":
            break
        answers.write(json.dumps(worker.handle(request)) + "\n")
        answers.flush()


def protocol_stream():
    """The real stdout, for the protocol only; fd 1 then points at stderr so that anything the
    engine prints (Python or C level) cannot corrupt the answers."""
    stream = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def main(argv: list[str]) -> int:
    engine = argv[0]
    gradrepl_path = argv[argv.index("--gradrepl-path") + 1] if "--gradrepl-path" in argv else None
    if "--clock" in argv:
        global clock
        clock = CLOCKS[argv[argv.index("--clock") + 1]]
    answers = protocol_stream()
    try:
        module = load_engine(engine, gradrepl_path)
        info = describe(engine, module)
    except Exception as error:
        answers.write(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}) + "\n")
        return 1
    answers.write(json.dumps({"ok": True, **info}) + "\n")
    answers.flush()
    serve(Worker(engine, module), sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
