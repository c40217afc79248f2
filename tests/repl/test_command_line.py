"""The command line as a learner meets it: `gradrepl lesson.py` runs the file (as `ipython
lesson.py`), `gradrepl replay lesson.py` says what replay reads, and --help reads as plain text."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def gradrepl(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradrepl", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_gradrepl_file_runs_it_with_its_arguments(tmp_path):
    (tmp_path / "lesson.py").write_text("import sys\nprint(sys.argv[1:])\n"
                                        "x = torch.tensor(2.0, requires_grad=True)\n(x ** 2).backward()\nprint(x.grad)\n")
    done = gradrepl("lesson.py", "a", "--b", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "['a', '--b']\ntensor(4.)\n", "")


def test_gradrepl_file_that_raises_exits_1(tmp_path):
    (tmp_path / "bad.py").write_text("x = 1\nx.backward()\n")
    done = gradrepl("bad.py", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.endswith("AttributeError: 'int' object has no attribute 'backward'\n")


def test_gradrepl_notebook_says_how_to_check_or_load_it(tmp_path):
    done = gradrepl("lesson.ipynb", cwd=tmp_path)
    assert done.returncode == 2
    assert "gradrepl replay lesson.ipynb" in done.stderr and "%load lesson.ipynb" in done.stderr


def test_replay_of_a_python_file_says_replay_reads_notebooks(tmp_path):
    (tmp_path / "lesson.py").write_text("print(1)\n")
    done = gradrepl("replay", "lesson.py", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("error: replay reads .ipynb notebooks, and lesson.py is a Python file; "
                           "run it with `gradrepl lesson.py`\n")


@pytest.mark.parametrize("args", [["--help"], ["replay", "--help"], ["run", "--help"]])
def test_help_shows_flags_as_flags_and_names_arguments(args):
    done = gradrepl(*args)
    assert done.returncode == 0
    for placeholder in ("<bool>", "{paths}", "<list[str]>", "<int range>", "\\["):
        assert placeholder not in done.stdout
    assert done.stdout.startswith("Usage: gradrepl ")


def test_help_says_gradrepl_alone_opens_the_shell():
    text = gradrepl("--help").stdout
    assert re.search(r"gradrepl +opens the shell", text)
    assert "gradrepl lesson.py" in text and "gradrepl replay lesson.ipynb" in text
    assert "  --update " in gradrepl("replay", "--help").stdout
