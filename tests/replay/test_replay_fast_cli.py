"""``gradrepl replay``'s command line without typer (gradrepl/replay/fast_cli.py) against typer's:
on generated argv, every command line the short parser takes gives the request typer gives, and
its exits are typer's."""

import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from gradrepl.commands import command
from gradrepl.replay import command as replay_command
from gradrepl.replay import fast_cli
from notebook_builder import code, stdout, write_nb
from program import program_env

# what the short parser takes: flags, --jobs with its value, notebook paths
FLAGS = ["--update", "--tolerance", "--compare-stderr", "--lax", "--fail-fast", "-x", "--verbose", "-v",
         "--color", "--no-color", "--jobs=2", "--jobs=13"]
JOBS = st.tuples(st.sampled_from(["--jobs", "-j"]), st.sampled_from(["1", "2", "8"]))
PATHS = ["a.ipynb", "dir", "b/c.ipynb", "x y.ipynb"]
# and what it leaves to typer: values it does not convert, options that take one, help, `--` ...
NOISE = ["--jobs", "-j", "--jobs=0", "--jobs=x", "--jobs=01", "0", "01", "-1", "x", "1.5", " 3", "s.py", "-",
         "--", "", "--engine", "torch", "--timeout", "inf", "--rtol", "0.1", "--json", "r.json", "-h",
         "--help", "-vx", "-j2", "--sanitize", "--verbose=1", "--unknown", "--color=1"]

plain_argv = st.lists(st.one_of(st.sampled_from(FLAGS).map(lambda flag: [flag]), JOBS.map(list),
                                st.sampled_from(PATHS).map(lambda path: [path])), max_size=7).map(
    lambda parts: [arg for part in parts for arg in part])


@st.composite
def argv_lists(draw):
    """A plain command line, half the time with one token typer alone handles put in somewhere."""
    argv = draw(plain_argv)
    if draw(st.booleans()):
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(NOISE)))
    return argv


def typer_request(argv, monkeypatch):
    """The request typer's command builds from ``gradrepl replay ARGV`` (None if it exits first)."""
    seen = []
    monkeypatch.setattr(replay_command, "run", lambda request, out=None: seen.append(request) or 0)
    try:
        command()(["replay", *argv], prog_name="gradrepl", standalone_mode=False)
    except BaseException:  # usage errors, --help's exit, a .py path's refusal
        pass
    return seen[0] if seen else None


@settings(max_examples=200, deadline=None)
@given(argv_lists())
def test_the_short_parser_builds_typers_request(argv):
    with pytest.MonkeyPatch.context() as monkeypatch:
        short = fast_cli.parse(argv)
        if short is not None:
            assert typer_request(argv, monkeypatch) == short
        elif not any(arg in NOISE for arg in argv):
            assert not any(arg in PATHS for arg in argv)  # only a line without a notebook goes to typer


@pytest.mark.parametrize("argv", [
    ["--no-color", "samples"],
    ["samples/01.ipynb", "--jobs", "2", "-v", "--color", "--no-color", "x.ipynb"],
    ["-j", "3", "--lax", "--compare-stderr", "--tolerance", "--update", "-x", "d"],
])
def test_plain_command_lines_take_the_short_path(argv, monkeypatch):
    short = fast_cli.parse(argv)
    assert short is not None
    assert typer_request(argv, monkeypatch) == short


@pytest.mark.parametrize("stop, status, err", [(KeyboardInterrupt, 130, ""), (EOFError, 1, "\nAborted!\n")])
def test_its_exits_are_typers(stop, status, err, monkeypatch, capsys):
    def interrupted(request, out=None):
        raise stop

    monkeypatch.setattr(replay_command, "run", interrupted)
    with pytest.raises(SystemExit) as short:
        fast_cli.main(["--no-color", "n.ipynb"])
    short_err = capsys.readouterr().err
    with pytest.raises(SystemExit) as full:
        command()(["replay", "--no-color", "n.ipynb"], prog_name="gradrepl")
    assert (short.value.code, short_err) == (full.value.code, capsys.readouterr().err) == (status, err)


def test_a_plain_replay_never_imports_typer(tmp_path):
    path = write_nb(tmp_path / "n.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    program = ("import sys\nsys.argv = ['gradrepl', 'replay', '--no-color', sys.argv[1]]\n"
               "from gradrepl.cli import main\ntry:\n    main()\nexcept SystemExit as stop:\n"
               "    print(stop.code, 'typer' in sys.modules)\n")
    completed = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True,
                               env=program_env())
    assert completed.stdout.splitlines()[-1] == "0 False", completed.stdout + completed.stderr


@pytest.mark.parametrize("argv", [[], ["--no-color"], ["a.ipynb", "s.py"], ["--", "a.ipynb"], ["-h"],
                                  ["a.ipynb", "--jobs", "0"], ["a.ipynb", "-j"], ["a.ipynb", "-vx"],
                                  ["a.ipynb", "--engine", "torch"], ["a.ipynb", ""]])
def test_other_command_lines_go_to_typer(argv):
    assert fast_cli.parse(argv) is None
