"""gradrepl's engine against real torch and the numpy floor, on the same workloads, in one run.

    python benchmarks/engine.py [--quick] [--only W1,W2,memory] [--json FILE] [--native-blas]

Each engine runs in its own worker process (benchmarks/engine_worker.py), started with the same
environment. Every worker first checks that its engine computes the right values and gradients,
then the samples are interleaved: each round times every workload on every engine back to back
(rotating which engine goes first), so load from elsewhere on the machine hits all engines alike.
The report gives gradrepl's time as a ratio to torch's and to the numpy floor's (the median of the
per-round ratios, with the interquartile range), the median time per iteration of each engine, and
each target of issue 11 as PASS or MISS, then the memory per recorded graph node
(engine_memory.py). The workloads are described in engine_workloads.py and docs/benchmarks.md.
Exit status: 0 when every engine computed the right answers (bit for bit with torch where a
workload says so), 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import engine_report as report
import engine_workloads as workloads

HERE = Path(__file__).resolve().parent
# Set on some processors for old OpenBLAS builds; they slow a current numpy (docs/benchmarks.md).
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
MALLOC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
MEMORY = "memory"  # --only's name for the memory-per-node figure


def allocator_environment() -> dict:
    """glibc's settings that gradrepl applies (gradrepl/engine/memory.py in this checkout, whatever
    --gradrepl-path measures), as environment variables glibc reads at start-up, so that every
    worker runs with the same ones."""
    spec = importlib.util.spec_from_file_location(
        "gradrepl_memory", HERE.parent / "gradrepl" / "engine" / "memory.py")
    memory = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(memory)
    return dict(memory.GLIBC_ENVIRONMENT)


class EngineProcess:
    """A worker process for one engine, spoken to one JSON line at a time."""

    def __init__(self, engine: str, env: dict, gradrepl_path: str, clock: str = "wall"):
        command = [sys.executable, str(HERE / "engine_worker.py"), engine,
                   "--gradrepl-path", gradrepl_path, "--clock", clock]
        self.engine = engine
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=env, text=True, bufsize=1)

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            return {"ok": False, "error": f"worker exited with status {self.process.wait()}"}
        return json.loads(line)

    def request(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write('{"cmd": "quit"}\n')
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        self.process.wait(timeout=30)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples (about 20 s)")
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W2,memory (default: all)")
    parser.add_argument("--engines", default=",".join(report.ENGINES),
                        help="comma-separated engines among gradrepl,torch,numpy (default: all)")
    parser.add_argument("--rounds", type=int, help="samples per engine and workload (default 15, "
                                                   "quick 5)")
    parser.add_argument("--sample-seconds", type=float,
                        help="length of one sample (default 0.2, quick 0.04)")
    parser.add_argument("--iterations", type=int,
                        help="iterations per sample for every workload, instead of calibrating")
    parser.add_argument("--json", help="also write the full results to this file")
    parser.add_argument("--native-blas", action="store_true",
                        help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for every worker")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time samples by the wall clock (default) or by each worker's CPU "
                             "time, steadier on a machine other jobs share (single-threaded runs)")
    parser.add_argument("--threads", type=int,
                        help="threads for BLAS and torch in every worker (OMP_NUM_THREADS, "
                             "OPENBLAS_NUM_THREADS, MKL_NUM_THREADS); default: the libraries' own")
    parser.add_argument("--malloc", choices=("same", "native"), default="same",
                        help="same: every worker gets the allocator settings gradrepl's shell uses "
                             "(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_); native: each "
                             "engine runs with what it sets itself")
    parser.add_argument("--gradrepl-path", default=str(HERE.parent),
                        help="directory holding the gradrepl package to measure (default: this "
                             "checkout)")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 15)
    args.sample_seconds = args.sample_seconds or (0.04 if args.quick else 0.2)
    args.only = _choose(args.only, list(workloads.WORKLOADS) + [MEMORY], "workload", parser)
    args.memory = MEMORY in args.only
    args.only = [name for name in args.only if name != MEMORY]
    args.engines = _choose(args.engines, list(report.ENGINES), "engine", parser)
    return args


def _choose(text: str | None, known: list[str], what: str, parser) -> list[str]:
    if not text:
        return known
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    for item in chosen:
        if item not in known:
            parser.error(f"unknown {what} {item!r}: choose among {', '.join(known)}")
    return [item for item in known if item in chosen]  # the report's order


def worker_env(native_blas: bool, threads: int | None, malloc: str = "native") -> dict:
    env = dict(os.environ)
    if malloc == "same":
        env.update(allocator_environment())
    if native_blas:
        for name in OPENBLAS_OVERRIDES:
            env.pop(name, None)
    if threads:
        for name in THREAD_VARIABLES:
            env[name] = str(threads)
    return env


def start_workers(args, env: dict) -> tuple[dict, dict, dict]:
    """(running workers, their descriptions, reasons for engines skipped)."""
    skipped = {}
    engines = list(args.engines)
    if "torch" in engines and importlib.util.find_spec("torch") is None:
        engines.remove("torch")
        skipped["torch"] = "not importable"
    workers = {e: EngineProcess(e, env, args.gradrepl_path, args.clock) for e in engines}
    infos = {}
    for engine, worker in list(workers.items()):
        info = worker.read()  # the workers load in parallel; this waits for each in turn
        if info.get("ok"):
            infos[engine] = info
        else:
            skipped[engine] = f"failed to load: {info.get('error')}"
            worker.close()
            del workers[engine]
    return workers, infos, skipped


def setup_all(workers: dict, args) -> tuple[dict, dict, list[str]]:
    """Set every workload up on every engine: (checks, iterations, errors)."""
    checks, iterations, errors = {}, {}, []
    for name in args.only:
        checks[name], iterations[name], bits = {}, {}, {}
        for engine, worker in workers.items():
            answer = worker.request(cmd="setup", workload=name, sample_seconds=args.sample_seconds,
                                    iterations=args.iterations)
            if answer.get("ok"):
                checks[name][engine], iterations[name][engine] = answer["check"], answer["iterations"]
                bits[engine] = answer.get("bits")
            else:
                kind = "WRONG ANSWER" if answer.get("wrong") else "ERROR"
                errors.append(f"{kind} {engine} {name}: {answer.get('error')}")
                if answer.get("traceback"):
                    errors.append(answer["traceback"].rstrip())
        if bits.get("gradrepl") and bits.get("torch") and bits["gradrepl"] != bits["torch"]:
            # close is not enough here: a lesson printing these sums would differ from torch's
            errors.append(f"WRONG ANSWER gradrepl {name}: not bit for bit torch's")
            del iterations[name]["gradrepl"]
    return checks, iterations, errors


def measure_memory(args, env: dict, engines: list[str]) -> dict:
    """engine_memory.py's figures per engine, each in a fresh process with the workers' environment."""
    figures = {}
    for engine in [e for e in engines if e != "numpy"]:
        command = [sys.executable, str(HERE / "engine_memory.py"), engine,
                   "--gradrepl-path", args.gradrepl_path]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode == 0:
            figures[engine] = json.loads(done.stdout.splitlines()[-1])
        else:
            figures[engine] = {"error": done.stderr.strip().splitlines()[-1:]}
    return figures


def run_rounds(workers: dict, iterations: dict, rounds: int, errors: list[str]) -> dict:
    """samples[workload][engine]: per-iteration seconds, one per round; engines rotate who starts."""
    samples = {name: {e: [] for e in ready} for name, ready in iterations.items()}
    for round_index in range(rounds):
        for name, ready in iterations.items():
            order = list(ready)
            shift = round_index % len(order) if order else 0
            for engine in order[shift:] + order[:shift]:
                answer = workers[engine].request(cmd="sample", workload=name)
                if not answer.get("ok"):
                    errors.append(f"ERROR {engine} {name} round {round_index + 1}: {answer.get('error')}")
                samples[name][engine].append(answer.get("seconds"))
        if sys.stderr.isatty():
            print(f"\rround {round_index + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)
    return samples


def engine_line(engine: str, info: dict) -> str:
    text = f"{engine:8} {info['version']}"
    if engine == "torch":
        text += f" ({info['torch_blas']}, {info['cpu_capability']}, {info['threads']} threads)"
    if engine == "gradrepl":
        text += f" from {info['path']}"
    pools = info.get("blas")
    if pools is None:
        text += "; BLAS pools: threadpoolctl not installed"
    for pool in pools or []:
        details = [pool.get("version"), pool.get("architecture"), f"{pool['num_threads']} threads"]
        text += f"; {pool['internal_api']} " + " ".join(d for d in details if d)
    return text


def header_lines(args, infos: dict, skipped: dict, env: dict) -> list[str]:
    sample = (f"{args.iterations} iterations" if args.iterations else f"~{args.sample_seconds:g} s")
    lines = [f"engines ({args.rounds} rounds, samples of {sample}, interleaved, "
             f"{args.clock} clock):"]
    lines += ["  " + engine_line(e, infos[e]) for e in args.engines if e in infos]
    lines += [f"  {e:8} skipped: {reason}" for e, reason in skipped.items()]
    blas_env = ", ".join(f"{name}={env.get(name, '(unset)')}"
                         for name in OPENBLAS_OVERRIDES + THREAD_VARIABLES[:1] + MALLOC_VARIABLES)
    lines.append(f"  same environment for every worker: {blas_env}")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = worker_env(args.native_blas, args.threads, args.malloc)
    workers, infos, skipped = start_workers(args, env)
    try:
        if "gradrepl" in args.engines and "gradrepl" not in workers:
            print(f"gradrepl could not be loaded: {skipped['gradrepl']}", file=sys.stderr)
            return 1
        checks, iterations, errors = setup_all(workers, args)
        samples = run_rounds(workers, iterations, args.rounds, errors)
    finally:
        for worker in workers.values():
            worker.close()
    engines = [e for e in args.engines if e in workers]
    memory = measure_memory(args, env, engines) if args.memory else {}
    summary = report.summarise(samples)
    if memory:
        summary["memory"] = memory
    verdicts = report.judge(summary)
    lines = header_lines(args, infos, skipped, env)
    lines += ["", "median time per iteration, and gradrepl's time as a ratio [interquartile range]:"]
    lines += report.table(summary, engines)
    lines += report.memory_lines(memory) if memory else []
    lines += ["", "targets:"] + report.verdict_lines(verdicts)
    print("\n".join(lines + [""] + errors if errors else lines))
    if args.json:
        results = {"arguments": {k: v for k, v in vars(args).items() if k != "json"},
                   "engines": infos, "skipped": skipped, "checks": checks,
                   "iterations": iterations, "samples": samples, "summary": summary,
                   "targets": verdicts, "errors": errors}
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
