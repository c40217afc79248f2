"""Fixtures for the shell's tests: a shell on the real session, printing into a buffer."""

from __future__ import annotations

import importlib.util
import io
import os

import pytest


def available_engine() -> str | None:
    """gradrepl's engine once it exists, else real torch (the session supports both), else None.
    GRADREPL_TEST_ENGINE=torch|gradrepl forces one."""
    forced = os.environ.get("GRADREPL_TEST_ENGINE")
    if forced:
        return forced
    try:
        if importlib.util.find_spec("gradrepl.torch") is not None:
            import gradrepl.torch  # noqa: F401  (a half-built engine may not import yet)

            if hasattr(gradrepl.torch, "tensor"):
                return "gradrepl"
    except Exception:
        pass
    if importlib.util.find_spec("torch") is not None:
        return "torch"
    return None


class ShellDriver:
    """A Shell on a real Session; ``run(source)`` returns what the cell printed."""

    def __init__(self, engine: str):
        from gradrepl.repl.shell import Shell

        self.out = io.StringIO()
        self.shell = Shell(engine=engine, stdout=self.out, stderr=self.out, color=False)
        self.shell.ask = lambda question: "y"

    def run(self, source: str) -> str:
        start = len(self.out.getvalue())
        self.shell.run_cell(source)
        return self.out.getvalue()[start:]

    @property
    def namespace(self) -> dict:
        return self.shell.namespace


@pytest.fixture(scope="session")
def engine() -> str:
    name = available_engine()
    if name is None:
        pytest.skip("neither gradrepl.torch nor torch is importable")
    return name


@pytest.fixture
def driver(engine) -> ShellDriver:
    return ShellDriver(engine)


@pytest.fixture(autouse=True)
def _private_history(tmp_path, monkeypatch):
    """Never touch the user's real history file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
