"""Running the real ``gradrepl`` program in a subprocess, as course CI and users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gradrepl

ROOT = Path(gradrepl.__file__).resolve().parent.parent


def environment(**extra) -> dict:
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


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
