"""Running the real ``gradrepl`` program in a subprocess, on this checkout (not an installed copy)."""

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


def gradrepl(*args, cwd=None, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradrepl", *map(str, args)], cwd=cwd, env=env or program_env(),
                          capture_output=True, text=True, timeout=timeout)
