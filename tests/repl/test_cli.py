"""Non-interactive use: `gradrepl run FILE`, `gradrepl -c CODE`, code piped on stdin; exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app

SEED_SCRIPT = """\
import torch
x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
print(y)
y.backward()
print(x.grad)
"""

runner = CliRunner()


@pytest.fixture
def engine_args(engine) -> list[str]:
    return ["--engine", engine]


def test_run_a_script(tmp_path, engine_args):
    script = tmp_path / "lesson.py"
    script.write_text(SEED_SCRIPT)
    result = runner.invoke(app, ["run", str(script), *engine_args])
    assert result.exit_code == 0, result.output
    assert result.stdout == "tensor(63., grad_fn=<AddBackward0>)\ntensor(93.)\n"


def test_run_a_script_that_raises_exits_1_with_a_short_error(tmp_path, engine_args):
    script = tmp_path / "twice.py"
    script.write_text(SEED_SCRIPT + "y.backward()\n")
    result = runner.invoke(app, ["run", str(script), *engine_args])
    assert result.exit_code == 1
    assert result.stdout == "tensor(63., grad_fn=<AddBackward0>)\ntensor(93.)\n"
    assert f'File "{script}", line 7' in result.stderr
    assert "RuntimeError: Trying to backward through the graph a second time" in result.stderr
    assert "hint: " in result.stderr and "gradrepl/" not in result.stderr  # no frames of our own


def test_run_a_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.py")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_dash_c_runs_code_with_torch_ready(engine_args):
    result = runner.invoke(app, [*engine_args, "-c", "w = torch.ones(2, requires_grad=True)\n(w * 3).sum()"])
    assert result.exit_code == 0
    assert result.stdout == "tensor(6., grad_fn=<SumBackward0>)\n"


def test_dash_c_exit_status_when_code_raises(engine_args):
    result = runner.invoke(app, [*engine_args, "-c", "raise ValueError('bad lesson')"])
    assert result.exit_code == 1 and "ValueError: bad lesson" in result.stderr


def test_code_piped_on_stdin(engine_args):
    result = runner.invoke(app, engine_args, input="import torch\nprint(torch.arange(3))\n")
    assert result.exit_code == 0 and result.stdout == "tensor([0, 1, 2])\n"
    failed = runner.invoke(app, engine_args, input="undefined_name\n")
    assert failed.exit_code == 1 and "NameError: name 'undefined_name' is not defined" in failed.stderr


@pytest.mark.parametrize("args, stdin, code, out", [
    (["-c", "print(torch.ones(1))"], None, 0, "tensor([1.])\n"),
    (["-c", "1/0"], None, 1, ""),
    ([], "print(torch.zeros(2))\n", 0, "tensor([0., 0.])\n"),
    ([], "x = \n", 1, ""),
])
def test_the_real_command_line(args, stdin, code, out, engine_args):
    """Through `python -m gradrepl`, whose fast path parses these options without typer."""
    done = subprocess.run([sys.executable, "-m", "gradrepl", *engine_args, *args], input=stdin or "",
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (code, out), done.stderr


def test_help_lists_the_shell_options_and_run():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("-c", "--classic", "--engine", "run", "replay"):
        assert word in result.stdout


@pytest.mark.parametrize("argv, options", [
    ([], {"classic": False, "engine": "gradrepl", "code": None}),
    (["--classic"], {"classic": True, "engine": "gradrepl", "code": None}),
    (["--engine", "torch", "-c", "1"], {"classic": False, "engine": "torch", "code": "1"}),
    (["--engine=torch"], {"classic": False, "engine": "torch", "code": None}),
    (["run", "x.py"], None),        # sub-commands, --help and anything unknown go to typer
    (["--help"], None),
    (["--engine", "bogus"], None),
    (["-c"], None),
])
def test_the_fast_path_takes_only_the_shells_own_options(argv, options):
    from gradrepl.repl import parse_shell_args

    assert parse_shell_args(argv) == options


def test_empty_stdin_runs_nothing_and_succeeds():
    done = subprocess.run([sys.executable, "-m", "gradrepl"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_an_engine_that_cannot_load_exits_2(monkeypatch):
    from gradrepl.repl import session_adapter

    def broken(engine):
        raise ModuleNotFoundError("No module named 'torch'")

    monkeypatch.setattr(session_adapter, "open_session", broken)
    result = runner.invoke(app, ["--engine", "torch", "-c", "1"])
    assert result.exit_code == 2
    assert result.stderr == "gradrepl: cannot load the torch engine: ModuleNotFoundError: No module named 'torch'\n"
