"""Nothing typed is silently ignored: IPython's magics a learner types, and a UsageError for the
rest (exit status 1 in scripts), on the real session and the real command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def gradrepl(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "gradrepl", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env)


def test_an_unknown_magic_is_a_usage_error_in_the_shell(driver):
    assert driver.run("%foo") == "UsageError: Line magic function `%foo` not found.\n"
    assert driver.run("x = 1\n%foo 3") == "UsageError: Line magic function `%foo` not found.\n"
    assert driver.run("%%foo\nx = 2") == "UsageError: Cell magic `%%foo` not found.\n"
    assert driver.namespace["x"] == 1  # the cell with the unknown cell magic did not run


def test_an_unknown_magic_exits_1_in_a_script():
    done = gradrepl("-c", "%foo")
    assert done.returncode == 1
    assert done.stderr == "UsageError: Line magic function `%foo` not found.\n"


def test_whos_is_a_table_with_the_facts_of_tensors(driver):
    driver.run("x = torch.tensor([[1., 2.]], requires_grad=True)")
    driver.run("n = 3")
    assert driver.run("%whos").splitlines() == [
        "Variable   Type     Data/Info",
        "----------------------------------",
        "n          int      3",
        "x          Tensor   torch.Size([1, 2]), torch.float32, requires_grad=True",
    ]
    assert driver.run("%whos Tensor").splitlines()[-1].startswith("x ")


def test_whos_in_a_script_and_empty():
    done = gradrepl("-c", "%whos")
    assert (done.returncode, done.stdout) == (0, "Interactive namespace is empty.\n")


def test_lsmagic_lists_what_there_is(driver):
    screen = driver.run("%lsmagic")
    assert screen.startswith("Available line magics:\n")
    for magic in ("%graph", "%history", "%lsmagic", "%run", "%save", "%time", "%timeit", "%who", "%whos"):
        assert magic in screen
    assert "Available cell magics:\n%%time  %%timeit" in screen


def test_run_a_file_into_the_session(driver, tmp_path):
    script = tmp_path / "helper.py"
    script.write_text("import torch\nw = torch.ones(2, requires_grad=True)\nprint('loaded', __name__)\n")
    assert driver.run(f"%run {script}") == "loaded __main__\n"
    assert driver.run("w.sum()") == "Out[2]: tensor(2., grad_fn=<SumBackward0>)\n"
    assert driver.run("%run nothing.py") == "UsageError: File `'nothing.py'` not found.\n"


def test_shell_commands_run_and_their_output_is_kept(driver, tmp_path):
    assert driver.run("!echo hello from the shell") == "hello from the shell\n"
    driver.run("words = !echo a b; echo c")
    assert driver.namespace["words"] == ["a b", "c"]
    assert "Out" not in driver.run("!true")


def test_pip_says_what_to_do(driver):
    screen = driver.run("%pip install numpy")
    assert screen.startswith("%pip is not run by gradrepl") and "python -m pip install" in screen


def test_history_ranges_and_last(driver):
    for cell in ("a = 1", "b = 2", "c = 3", "d = 4"):
        driver.run(cell)
    assert driver.run("%history -n 2-3") == "  2: b = 2\n  3: c = 3\n"
    assert driver.run("%history 1 4") == "a = 1\nd = 4\n"
    assert driver.run("%history -n 1:3") == "  1: a = 1\n  2: b = 2\n"
    assert driver.run("%history -n -l 2") == "  6: %history 1 4\n  7: %history -n 1:3\n"
    assert driver.run("%history -x").startswith("UsageError: %history: cannot read '-x'")


def test_replay_still_records_unknown_magics_as_skipped():
    from gradrepl.session import Session

    session = Session()
    result = session.run_cell("%foo\n!ls\nx = 1")
    assert result.error is None
    assert [line for line, _ in ((s.line, s.reason) for s in result.skipped)] == ["%foo", "!ls"]


@pytest.mark.parametrize("code", ["%whos", "%lsmagic", "%history", "!echo hi", "%pip list"])
def test_the_shells_magics_work_in_scripts(code):
    done = gradrepl("-c", code)
    assert done.returncode == 0 and done.stdout and not done.stderr


def test_pwd_cd_env_and_ipython_configuration_magics(driver, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert driver.run("%cd sub") == f"{tmp_path / 'sub'}\n"
    assert driver.run("%pwd") == f"Out[2]: '{tmp_path / 'sub'}'\n"
    assert driver.run("%env GRADREPL_TEST_X=1") == "env: GRADREPL_TEST_X=1\n"
    monkeypatch.delenv("GRADREPL_TEST_X")
    assert driver.run("%load_ext autoreload") == (
        "%load_ext configures IPython itself, which gradrepl is not; the line was not run.\n")
