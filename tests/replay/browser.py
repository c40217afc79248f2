"""A real headless browser for the HTML report: Chromium from the system's packages.

``.ci/run`` installs it (``apt-get install chromium``); where it is absent, browser tests skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str | None:
    explicit = os.environ.get("GRADREPL_CHROMIUM")
    return explicit or next((found for found in map(shutil.which, NAMES) if found), None)


needs_chromium = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (.ci/run installs it)")


def _run(*args: str, width: int, height: int) -> subprocess.CompletedProcess:
    # A throw-away profile: no state shared between runs or with anyone's own browser.
    with tempfile.TemporaryDirectory(prefix="gradrepl-chromium-") as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                   f"--window-size={width},{height}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)


def dump_dom(page: Path, width: int = 1280, height: int = 900) -> str:
    """The document after the browser has loaded it (and run any test script in it)."""
    done = _run("--dump-dom", "--virtual-time-budget=2000", page.resolve().as_uri(), width=width, height=height)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 1400) -> Path:
    done = _run(f"--screenshot={png}", page.resolve().as_uri(), width=width, height=height)
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    return png
