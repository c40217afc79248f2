"""How long checking samples/ takes: gradrepl replay against torch-based and kernel-based runs.

    python benchmarks/replay_samples.py [--rounds 5] [--json FILE] [PATH]

Every runner is a fresh process, as in CI, so start-up costs count:
  gradrepl        gradrepl replay PATH                      (numpy engine, compares outputs)
  gradrepl-torch  gradrepl replay --engine torch PATH       (same session and comparison, real PyTorch)
  torch-exec      python: import torch, exec every code cell (no comparison: the floor of any
                  torch-based checker)
  nbval           pytest --nbval PATH                       (a Jupyter kernel with real PyTorch;
                  only when nbval and ipykernel are installed)
Rounds interleave the runners (rotating which goes first) so machine load hits them alike; the report
gives each runner's median time and its ratio to gradrepl's (the median of per-round ratios).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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


def runners(path: str, sanitize_file: str) -> dict[str, list[str]]:
    commands = {
        "gradrepl": [sys.executable, "-m", "gradrepl", "replay", "--no-color", path],
        "gradrepl-torch": [sys.executable, "-m", "gradrepl", "replay", "--no-color", "--engine", "torch", path],
        "torch-exec": [sys.executable, "-c", TORCH_EXEC, path],
        "nbval": [sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider",
                  "--sanitize-with", sanitize_file, path],
    }
    if importlib.util.find_spec("torch") is None:
        for name in ("gradrepl-torch", "torch-exec", "nbval"):
            commands.pop(name)
    elif importlib.util.find_spec("nbval") is None or importlib.util.find_spec("ipykernel") is None:
        commands.pop("nbval")
    return commands


def time_once(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=tempfile.gettempdir(), capture_output=True, text=True)
    return time.perf_counter() - start, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "samples"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as handle:
        handle.write(NBVAL_SANITIZE)
    commands = runners(str(Path(args.path).resolve()), handle.name)
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    exit_codes: dict[str, set[int]] = {name: set() for name in names}
    for round_index in range(args.rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            elapsed, code = time_once(commands[name])
            times[name].append(elapsed)
            exit_codes[name].add(code)
        print(f"round {round_index + 1}/{args.rounds}: " +
              ", ".join(f"{n} {times[n][-1]:.2f}s" for n in names), file=sys.stderr)
    rows = []
    for name in names:
        ratios = [other / mine for other, mine in zip(times[name], times["gradrepl"])]
        rows.append({"runner": name, "median_s": statistics.median(times[name]),
                     "ratio_to_gradrepl": statistics.median(ratios), "exit_codes": sorted(exit_codes[name])})
    print(f"{'runner':<16}{'median':>10}{'x gradrepl':>12}  exit")
    for row in rows:
        print(f"{row['runner']:<16}{row['median_s']:>9.2f}s{row['ratio_to_gradrepl']:>11.1f}x  {row['exit_codes']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"path": args.path, "rounds": args.rounds, "runners": rows}, indent=2))


if __name__ == "__main__":
    main()
