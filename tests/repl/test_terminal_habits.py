"""In a real terminal (pexpect): long help goes through a pager as in IPython, short help is printed,
and a %%time cell typed at the prompt waits for its body."""

from __future__ import annotations

import io
import os
import sys

import pytest

from .test_terminal import ENGINE_BUILT, screen_text

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(not ENGINE_BUILT, reason="gradrepl.torch not built yet")


def spawn(tmp_path, **env):
    environment = {key: value for key, value in os.environ.items() if key != "PAGER"}
    environment.update(XDG_DATA_HOME=str(tmp_path / "xdg"), NO_COLOR="1", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1",
                       **env)
    child = pexpect.spawn(sys.executable, ["-m", "gradrepl"], env=environment, encoding="utf-8", timeout=60,
                          dimensions=(30, 120), cwd=str(tmp_path))
    child.logfile_read = io.StringIO()
    child.expect_exact("In [1]: ")
    return child


def test_long_help_goes_through_the_pager_and_short_help_is_printed(tmp_path):
    child = spawn(tmp_path, PAGER="sed s/^/PAGED:/")
    try:
        child.send("help(torch.Tensor)\r")
        child.expect_exact("PAGED:Class:       torch.Tensor")
        child.expect_exact("In [2]: ")
        child.send("torch.zeros?\r")
        child.expect_exact("In [3]: ")
        child.send("exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    screen = screen_text(child.logfile_read.getvalue())
    short = screen[screen.index("torch.zeros?"):]
    assert "Signature:   torch.zeros(*size" in short and "PAGED:" not in short


def test_less_pages_help_and_q_returns_to_the_prompt(tmp_path):
    child = spawn(tmp_path)
    try:
        child.send("help(torch.Tensor)\r")
        child.expect_exact("Class:")
        child.expect(r"(:|\(END\))")
        child.send("q")
        child.expect_exact("In [2]: ")
        child.send("1 + 1\r")
        child.expect_exact("Out[2]: 2")
    finally:
        child.close(force=True)


def test_cell_magic_at_the_prompt_runs_its_body_once(tmp_path):
    child = spawn(tmp_path)
    try:
        child.send("%%time\r")
        child.expect_exact("...: ")
        child.send("y = torch.ones(2) * 3\r")
        child.send("y.sum()\r\r")
        child.expect_exact("Wall time: ")
        child.expect_exact("Out[1]: tensor(6.)")
        child.expect_exact("In [2]: ")
        child.send("%history -n\r")
        child.expect_exact("  1: %%time")
        child.expect_exact("In [3]: ")
    finally:
        child.close(force=True)
