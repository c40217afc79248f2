"""Running the real ``gradrepl`` program in a subprocess, on this checkout (not an installed copy),
as course CI and users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def program_env(**extra: str) -> dict:
    """The environment of a child process: this checkout first on the path, no colour settings
    inherited from the developer's shell (tests that want them pass them in ``extra``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(extra)
    return env


def environment(**extra) -> dict:
    """As ``program_env``, with colour off unless ``extra`` turns it on."""
    return program_env(**{"NO_COLOR": "1", **extra})


def gradrepl(*args, cwd=None, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradrepl", *map(str, args)], cwd=cwd, env=env or program_env(),
                          capture_output=True, text=True, timeout=timeout)


def gradrepl_command(*args) -> list[str]:
    return [sys.executable, "-m", "gradrepl", *map(str, args)]


def run(*args, cwd=None, input=None, timeout=60, **extra_env) -> subprocess.CompletedProcess:
    """``gradrepl ARGS`` to completion; stdout and stderr as text (bytes ``input`` for stdin)."""
    completed = subprocess.run(gradrepl_command(*args), cwd=cwd, input=input, capture_output=True,
                               timeout=timeout, env=environment(**extra_env))
    completed.stdout = completed.stdout.decode("utf-8", "replace")
    completed.stderr = completed.stderr.decode("utf-8", "replace")
    return completed


def start(*args, cwd=None, **extra_env) -> subprocess.Popen:
    return subprocess.Popen(gradrepl_command(*args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=environment(**extra_env), text=True)
