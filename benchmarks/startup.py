"""Start-up time of the gradrepl shell versus ``python -c "import torch"``.

Each gradrepl run spawns the shell in a pseudo-terminal (pexpect) and times two moments:
  prompt  -- the ``In [1]:`` prompt is on screen and accepts typing (the engine may still be
             loading in the background: it started once the prompt was drawn);
  result  -- ``1 + 1`` typed at once has come back as ``Out[1]: 2``: the engine was loaded and
             the first cell ran.
Runs are interleaved with ``python -c "import torch"`` (when torch is installed) so that load on
the machine affects both alike; medians are reported with the ratio torch / gradrepl.

    python benchmarks/startup.py [--runs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect

PROMPT = "In [1]: "


def shell_command() -> list[str]:
    # The interpreter directly, not a version-manager shim, for gradrepl and torch alike.
    return [sys.executable, "-m", "gradrepl"]


def time_shell(env: dict) -> tuple[float, float]:
    """(seconds to the prompt, seconds to the first result) for one launch of the shell."""
    command = shell_command()
    start = time.perf_counter()
    child = pexpect.spawn(command[0], command[1:], env=env, encoding="utf-8", timeout=30,
                          dimensions=(40, 120))
    try:
        child.expect_exact(PROMPT)
        prompt = time.perf_counter() - start
        child.send("1 + 1\r")
        child.expect_exact("Out[1]: ")
        child.expect_exact("2")
        result = time.perf_counter() - start
        # Ctrl-D only once the next prompt reads raw keys: a cooked tty would swallow it as EOF.
        child.expect_exact("In [2]: ")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return prompt, result


def time_torch_import() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - start


def torch_installed() -> bool:
    return subprocess.run([sys.executable, "-c", "import importlib.util, sys; "
                           "sys.exit(importlib.util.find_spec('torch') is None)"]).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--json", help="also write the medians to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_home:
        env = dict(os.environ, XDG_DATA_HOME=data_home, TERM="xterm-256color",
                   PROMPT_TOOLKIT_NO_CPR="1")  # pexpect answers no cursor-position requests
        with_torch = torch_installed()
        time_shell(env)  # warm the file cache (and .pyc files) once, untimed
        if with_torch:
            time_torch_import()
        prompts, results, torches = [], [], []
        for _ in range(args.runs):
            prompt, result = time_shell(env)
            prompts.append(prompt)
            results.append(result)
            if with_torch:
                torches.append(time_torch_import())

    report = {
        "runs": args.runs,
        "gradrepl_prompt_s": statistics.median(prompts),
        "gradrepl_first_result_s": statistics.median(results),
    }
    print(f"gradrepl: prompt ready        {report['gradrepl_prompt_s']:.3f} s (median of {args.runs})")
    print(f"gradrepl: first result back   {report['gradrepl_first_result_s']:.3f} s")
    if torches:
        report["import_torch_s"] = statistics.median(torches)
        report["ratio_prompt"] = report["import_torch_s"] / report["gradrepl_prompt_s"]
        report["ratio_first_result"] = report["import_torch_s"] / report["gradrepl_first_result_s"]
        print(f'python -c "import torch"      {report["import_torch_s"]:.3f} s')
        print(f"ratio (import torch / gradrepl prompt): {report['ratio_prompt']:.1f}x faster")
        print(f"ratio (import torch / gradrepl first result): {report['ratio_first_result']:.1f}x faster")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
