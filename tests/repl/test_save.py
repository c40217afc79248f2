"""%save: `%save lesson` writes lesson.ipynb with the umask's mode, unwritable paths are one line,
gradrepl-only magics are saved so Jupyter can run the notebook, and a session with an interrupted cell
passes its own replay (in a real terminal, with a real Ctrl-C)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys

import pytest

from .test_terminal import ENGINE_BUILT, spawn_shell

pexpect = pytest.importorskip("pexpect")


def replay(path, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradrepl", "replay", "-v", str(path)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_save_without_a_suffix_writes_an_ipynb(driver, tmp_path):
    driver.run("x = torch.ones(2)")
    assert driver.run(f"%save {tmp_path / 'lesson'}") == f"saved 1 cell to {tmp_path / 'lesson.ipynb'}\n"
    assert json.loads((tmp_path / "lesson.ipynb").read_text())["nbformat"] == 4


def test_save_to_an_unwritable_place_is_one_line_naming_it(driver, tmp_path):
    target = tmp_path / "missing" / "lesson.ipynb"
    assert driver.run(f"%save {target}") == f"UsageError: cannot write {target}: No such file or directory\n"
    assert driver.run(f"%save {tmp_path / 'lesson.py'}").startswith("UsageError: %save writes notebooks")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("running as a user who can write anywhere")
    assert driver.run(f"%save {locked / 'a.ipynb'}") == f"UsageError: cannot write {locked / 'a.ipynb'}: Permission denied\n"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_save_honours_the_umask(driver, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        driver.run(f"%save {tmp_path / 'lesson'}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "lesson.ipynb").stat().st_mode) == mode


def test_saving_over_a_notebook_keeps_its_mode(driver, tmp_path):
    path = tmp_path / "lesson.ipynb"
    path.write_text("{}")
    path.chmod(0o640)
    driver.run(f"%save {path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_gradrepl_only_magics_are_saved_as_comments_replay_runs(driver, tmp_path):
    driver.run("x = torch.tensor(2.0, requires_grad=True)")
    driver.run("%graph x")
    driver.run(f"%save {tmp_path / 'first'}")
    driver.run(f"%save {tmp_path / 'lesson'}")
    sources = ["".join(cell["source"]) for cell in json.loads((tmp_path / "lesson.ipynb").read_text())["cells"]]
    assert sources[1] == "#gradrepl %graph x"
    assert sources[2].startswith("# %save ")  # not run again
    # the shell runs the comment as the magic when it loads the notebook back
    screen = driver.run(f"%load {tmp_path / 'lesson.ipynb'}")
    assert "x is a leaf: AccumulateGrad  x  torch.Size([])" in screen


@pytest.mark.skipif(not ENGINE_BUILT, reason="gradrepl.torch not built yet")
def test_a_saved_session_with_an_interrupted_cell_passes_its_own_replay(tmp_path):
    child = spawn_shell("gradrepl", tmp_path)
    child.logfile_read = io.StringIO()
    try:
        child.expect_exact("In [1]: ")
        child.send("w = torch.ones(2, requires_grad=True)\r")
        child.expect_exact("In [2]: ")
        child.send("steps = 0\r")
        child.expect_exact("In [3]: ")
        # the cell says when its loop has started (the echo of the typed line does not spell it):
        # a Ctrl-C sent before would meet the prompt, not the loop, on a loaded machine
        child.send("for steps in __import__('itertools').count(): steps or print('loop' + 'ing')\r")
        child.expect_exact("looping")
        child.sendintr()
        child.expect_exact("In [4]: ")
        child.send("print(steps > 0)\r")  # depends on where the loop was stopped
        child.expect_exact("In [5]: ")
        child.send("(w * 3).sum()\r")
        child.expect_exact("Out[5]: tensor(6., grad_fn=<SumBackward0>)")
        child.send("%save lesson\r")
        child.expect_exact("saved 5 cells to lesson.ipynb")
        child.send("exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert stat.S_IMODE((tmp_path / "lesson.ipynb").stat().st_mode) == 0o666 & ~_umask()
    done = replay("lesson.ipynb", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed, 0 failed, 1 skipped" in done.stdout


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old
