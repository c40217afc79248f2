"""End to end in a real pseudo-terminal: type the first seed lesson into `gradrepl` and read the
screen. Each cell is pasted as a terminal pastes it (bracketed paste) and run with Enter."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

import gradrepl  # noqa: E402

ENGINE_BUILT = (Path(gradrepl.__file__).parent / "torch" / "__init__.py").exists()

# The code cells of seed lesson 000 and what PyTorch 2.13 printed for each.
SEED_000 = [
    ("#Step1: Perform standard imports\nimport torch", ""),
    ("#Step 2. Create a tensor with requires_grad set to True\n"
     "# This sets up computational tracking on the tensor.\n"
     "x = torch.tensor(2.0, requires_grad=True)", ""),
    ("# Step 3. Define a function\ny = 2*x**4 + x**3 + 3*x**2 + 5*x + 1\n\nprint(y)",
     "tensor(63., grad_fn=<AddBackward0>)"),
    ("y.backward()", ""),
    ("#Step5: Display the resulting gradient\nprint(x.grad)", "tensor(93.)"),
    ("# 1. Create a tensor\nx = torch.tensor([[1.,2,3],[3,2,1]], requires_grad=True)\nprint(x)",
     "tensor([[1., 2., 3.],\n        [3., 2., 1.]], requires_grad=True)"),
    ("#2 Create the first layer with y =3x+2\ny= 3*x + 2\nprint(y)",
     "tensor([[ 5.,  8., 11.],\n        [11.,  8.,  5.]], grad_fn=<AddBackward0>)"),
    ("z = 2*y**2\nprint(z)",
     "tensor([[ 50., 128., 242.],\n        [242., 128.,  50.]], grad_fn=<MulBackward0>)"),
    ("# 4. Set the output to be the matrix mean\nout = z.mean()\nprint(out)",
     "tensor(140., grad_fn=<MeanBackward0>)"),
    ("# 5. Now perform back-propagation to find the gradient of x w.r.t out\nout.backward()\nprint(x.grad)",
     "tensor([[10., 16., 22.],\n        [22., 16., 10.]])"),
]

_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-B]?)")


def screen_text(raw: str) -> str:
    return _ESCAPES.sub("", raw).replace("\r", "")


def spawn_shell(engine: str, tmp_path, *args: str):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "xdg"), NO_COLOR="1", TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(sys.executable, ["-m", "gradrepl", "--engine", engine, *args],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 200), cwd=str(tmp_path))
    return child


ENGINES = [
    pytest.param("gradrepl", marks=pytest.mark.skipif(not ENGINE_BUILT, reason="gradrepl.torch not built yet")),
    pytest.param("torch", marks=pytest.mark.torch),
]


def type_seed_lesson(engine: str, tmp_path) -> str:
    """Paste each cell of seed 000, then %save; returns the screen's text."""
    if engine == "torch":
        pytest.importorskip("torch")
    child = spawn_shell(engine, tmp_path)
    child.logfile_read = io.StringIO()
    try:
        child.expect_exact("In [1]: ")
        for number, (cell, _) in enumerate(SEED_000, start=1):
            child.send("\x1b[200~" + cell + "\x1b[201~\r")
            child.expect_exact(f"In [{number + 1}]: ")  # the next prompt: the cell has run
        child.send("%save lesson.ipynb\r")
        child.expect_exact("saved ")
        child.expect_exact(f"In [{len(SEED_000) + 2}]: ")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return screen_text(child.logfile_read.getvalue())


@pytest.mark.parametrize("engine", ENGINES)
def test_typing_the_first_seed_lesson_shows_pytorchs_output(engine, tmp_path):
    screen = type_seed_lesson(engine, tmp_path)
    position = 0
    for _, expected in SEED_000:
        if expected:
            found = screen.find(expected + "\n", position)
            assert found >= 0, f"{expected!r} not on screen after position {position}:\n{screen}"
            position = found + len(expected)
    assert "Error" not in screen


@pytest.mark.parametrize("engine", ENGINES)
def test_saved_session_passes_replay(engine, tmp_path):
    type_seed_lesson(engine, tmp_path)
    replay = subprocess.run([sys.executable, "-m", "gradrepl", "replay", "--engine", engine, "lesson.ipynb"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert f"{len(SEED_000)} passed, 0 failed" in replay.stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_ctrl_c_interrupts_a_running_cell_and_keeps_the_session(engine, tmp_path):
    if engine == "torch":
        pytest.importorskip("torch")
    child = spawn_shell(engine, tmp_path)
    child.logfile_read = io.StringIO()
    try:
        child.expect_exact("In [1]: ")
        child.send("kept = torch.ones(2) * 21\r")
        child.expect_exact("In [2]: ")
        # the cell says when its loop starts (the echo of what was typed does not spell it), so the
        # Ctrl-C below never arrives before, whatever the machine's load
        child.send("for i in __import__('itertools').count(): i or print('loop' + 'ing')\r")
        child.expect_exact("looping")
        child.sendintr()
        child.expect_exact("KeyboardInterrupt")
        child.expect_exact("In [3]: ")
        child.send("kept.sum()\r")
        child.expect_exact("Out[3]: tensor(42.)")
        child.send("exit\r")
        child.expect(pexpect.EOF)
        # the pty closes before the process has finished exiting; close() alone would kill a
        # process still tearing down on a loaded machine 0.1 s later, and lose its exit status
        child.wait()
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
