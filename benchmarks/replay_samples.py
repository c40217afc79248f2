"""How long checking samples/ takes: ``gradrepl replay`` against ``pytest --nbval`` and torch runs.

    python benchmarks/replay_samples.py [--rounds 5] [--nbval-python PY] [--jobs 2]
                                        [--runners gradrepl,nbval] [--json FILE] [PATH]

Every runner is a fresh process, as in CI, so start-up costs count:
  gradrepl        gradrepl replay PATH                     (numpy engine, compares outputs)
  gradrepl-jN     gradrepl replay --jobs N PATH            (only with --jobs N)
  gradrepl-torch  gradrepl replay --engine torch PATH      (same session and comparison, real PyTorch)
  torch-exec      python: import torch, exec every code cell (no comparison: the floor of any
                  torch-based checker)
  nbval           pytest --nbval -q -p no:cacheprovider on a copy of PATH in a temporary folder (a
                  Jupyter kernel with real PyTorch), run by --nbval-python; skipped, saying why,
                  when that interpreter lacks nbval, ipykernel or torch

Measured the fair way:
- Bytecode as installed. pip compiles an installed package's modules once; a checkout run with
  PYTHONDONTWRITEBYTECODE=1 recompiles all of gradrepl's on every run (about 0.2 s of CPU). Runs
  of this checkout therefore cache bytecode in a temporary PYTHONPYCACHEPREFIX (nbval, pytest and
  torch have theirs in site-packages). One untimed round first fills it and the file cache.
- Rounds interleave the runners, rotating which goes first, so machine load hits them alike.
- Wall time and CPU time (user + system of the runner and of every process it waited for:
  replay's forked children, nbval's kernel). On a shared machine the CPU time is the steadier one.
- Per runner: median and best wall time, median and best CPU time; its ratio to gradrepl's as the
  median of per-round wall ratios, the ratio of best walls and the ratio of median CPU times.
Issue 11's target is nbval / gradrepl >= 40.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 40.0

TORCH_EXEC = """
import glob, json, sys, torch
for path in sorted(glob.glob(sys.argv[1] + '/**/*.ipynb', recursive=True)):
    namespace = {'__name__': '__main__'}
    for cell in json.load(open(path))['cells']:
        source = ''.join(cell['source'])
        if cell['cell_type'] != 'code' or source.lstrip().startswith('%'):
            continue
        try:
            exec(compile(source, path, 'exec'), namespace)
        except Exception:
            pass
"""

# nbval compares addresses literally; this sanitize file keeps its verdicts meaningful.
NBVAL_SANITIZE = "[addresses]\nregex: 0x[0-9a-f]+\nreplace: 0xADDRESS\n"


def missing_modules(python: str, modules: tuple[str, ...]) -> list[str]:
    probe = "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    try:
        done = subprocess.run([python, "-c", probe, *modules], capture_output=True, text=True)
    except OSError:  # no such interpreter
        return list(modules)
    return done.stdout.split() if done.returncode == 0 else list(modules)


def runners(path: str, workdir: Path, nbval_python: str, jobs: list[int]) -> tuple[dict, dict]:
    """The runners' commands and working folders, and why any were skipped."""
    replay = [sys.executable, "-m", "gradrepl", "replay", "--no-color"]
    commands = {"gradrepl": (replay + [path], None)}
    for n in jobs:
        commands[f"gradrepl-j{n}"] = (replay + ["--jobs", str(n), path], None)
    skipped = {}
    if missing_modules(sys.executable, ("torch",)):
        skipped.update({"gradrepl-torch": "torch is not installed", "torch-exec": "torch is not installed"})
    else:
        commands["gradrepl-torch"] = (replay + ["--engine", "torch", path], None)
        commands["torch-exec"] = ([sys.executable, "-c", TORCH_EXEC, path], None)
    lacking = missing_modules(nbval_python, ("nbval", "ipykernel", "torch"))
    if lacking:
        skipped["nbval"] = (f"{nbval_python} lacks {', '.join(lacking)} "
                            "(pass --nbval-python, a Python with nbval, ipykernel and torch)")
    else:
        copy = workdir / "notebooks"
        shutil.copytree(path, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (workdir / "sanitize.cfg").write_text(NBVAL_SANITIZE)
        commands["nbval"] = ([nbval_python, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider",
                              "--sanitize-with", str(workdir / "sanitize.cfg"), "."], copy)
    return commands, skipped


def environment(pycache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
               PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_once(command: list[str], cwd, env: dict) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and everything it waited for, exit status)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd or tempfile.gettempdir(), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, process.returncode


def summarise(names, walls, cpus, codes) -> list[dict]:
    rows = []
    for name in names:
        ratios = [other / mine for other, mine in zip(walls[name], walls["gradrepl"])]
        rows.append({
            "runner": name, "exit_codes": sorted(codes[name]),
            "wall_median_s": statistics.median(walls[name]), "wall_best_s": min(walls[name]),
            "cpu_median_s": statistics.median(cpus[name]), "cpu_best_s": min(cpus[name]),
            "ratio_wall_median": statistics.median(ratios),
            "ratio_wall_best": min(walls[name]) / min(walls["gradrepl"]),
            "ratio_cpu_median": statistics.median(cpus[name]) / statistics.median(cpus["gradrepl"]),
            "walls_s": walls[name], "cpus_s": cpus[name],
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "samples"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--nbval-python", default=sys.executable, metavar="PY",
                        help="the Python that runs pytest --nbval (default: this one)")
    parser.add_argument("--jobs", type=int, action="append", default=[], metavar="N",
                        help="also time gradrepl replay --jobs N (repeatable)")
    parser.add_argument("--runners", help="comma-separated subset of the runners (gradrepl is always timed)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        commands, skipped = runners(str(Path(args.path).resolve()), workdir, args.nbval_python, args.jobs)
        if args.runners:
            wanted = {"gradrepl", *args.runners.split(",")}
            commands = {name: value for name, value in commands.items() if name in wanted}
        for name, why in skipped.items():
            print(f"{name} skipped: {why}", file=sys.stderr)
        env = environment(workdir / "pycache")
        names = list(commands)
        for name in names:  # untimed: bytecode, file cache
            time_once(*commands[name], env)
        walls = {name: [] for name in names}
        cpus = {name: [] for name in names}
        codes = {name: set() for name in names}
        load_before = os.getloadavg()
        for round_index in range(args.rounds):
            for name in names[round_index % len(names):] + names[:round_index % len(names)]:
                wall, cpu, code = time_once(*commands[name], env)
                walls[name].append(wall)
                cpus[name].append(cpu)
                codes[name].add(code)
            print(f"round {round_index + 1}/{args.rounds}: "
                  + ", ".join(f"{n} {walls[n][-1]:.2f}s" for n in names), file=sys.stderr)
        load_after = os.getloadavg()
    rows = summarise(names, walls, cpus, codes)
    print(f"{args.rounds} interleaved rounds; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"{'runner':<16}{'wall median':>12}{'best':>8}{'CPU median':>12}{'best':>8}"
          f"{'x gradrepl: wall':>18}{'best':>7}{'CPU':>7}  exit")
    for row in rows:
        print(f"{row['runner']:<16}{row['wall_median_s']:>11.2f}s{row['wall_best_s']:>7.2f}s"
              f"{row['cpu_median_s']:>11.2f}s{row['cpu_best_s']:>7.2f}s{row['ratio_wall_median']:>17.1f}x"
              f"{row['ratio_wall_best']:>6.1f}x{row['ratio_cpu_median']:>6.1f}x  {row['exit_codes']}")
    nbval = next((row for row in rows if row["runner"] == "nbval"), None)
    if nbval is not None:
        verdict = "PASS" if nbval["ratio_wall_median"] >= TARGET else "MISS"
        print(f"target nbval / gradrepl >= {TARGET:.0f}x (median of per-round wall ratios): {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "path": args.path, "rounds": args.rounds, "load_average": [load_before, load_after],
            "skipped": skipped, "runners": rows, "target": TARGET}, indent=2))


if __name__ == "__main__":
    main()
