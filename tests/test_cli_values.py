"""The command line's short path for plain values (gradrepl/cli_values.py) against typer's own
conversion: for any argv, the same values or the same error, help and exit."""

import contextlib
import io
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl import cli_values
from gradrepl.commands import command



def typer_only():
    """``command()`` (its help and all) with typer's own conversion for every value."""
    group = command()
    for cmd in [group, *group.commands.values()]:
        vars(cmd).pop("get_help_option", None)
        for param in cmd.params:
            vars(param).pop("get_runtime_param", None)
    return group


TYPER_ONLY = typer_only()
SHORT_PATH = command()  # what `gradrepl` runs

REPLAY_WORDS = [opt for param in TYPER_ONLY.commands["replay"].params for opt in param.opts + param.secondary_opts
                if opt.startswith("-")]
GROUP_WORDS = [opt for param in TYPER_ONLY.params for opt in param.opts + param.secondary_opts]
ODD_WORDS = ["-h", "--help", "--", "-", "-xv", "-j8", "--jobs=3", "--rtol=1e-3", "--engine=torch", "--nope", "-jx"]
VALUES = ["0", "1", "8", "007", "-1", "+2", "1e-3", "1E5", "1e400", "inf", "-inf", "nan", "0.5", ".5", "1.", "1_000",
          " 2", "2 ", "3.0", "99999999999999999999", "torch", "gradrepl", "TORCH", " torch", "a.ipynb", "dir/b.ipynb",
          "", "é", "x.py"]


def parse(group, argv):
    """What the replay sub-command receives for argv: its values, or the error, help or exit."""
    out = io.StringIO()
    parent = group.make_context("gradrepl", ["replay"])
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            values = group.commands["replay"].make_context("replay", list(argv), parent=parent).params
        return "values", {name: (type(value), repr(value)) for name, value in values.items()}, out.getvalue()
    except Exception as error:  # click's UsageError, BadParameter, Exit (after --help) ...
        return type(error).__name__, str(error), getattr(error, "exit_code", None), out.getvalue()


def parse_group(group, argv):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            values = group.make_context("gradrepl", list(argv)).params
        return "values", {name: (type(value), repr(value)) for name, value in values.items()}, out.getvalue()
    except Exception as error:
        return type(error).__name__, str(error), getattr(error, "exit_code", None), out.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(REPLAY_WORDS + ODD_WORDS + VALUES) | st.text(max_size=4), max_size=8))
def test_replay_arguments_read_as_typer_reads_them(argv):
    assert parse(SHORT_PATH, argv) == parse(TYPER_ONLY, argv)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(GROUP_WORDS + ODD_WORDS + VALUES), max_size=4))
def test_shell_options_read_as_typer_reads_them(argv):
    assert parse_group(SHORT_PATH, argv) == parse_group(TYPER_ONLY, argv)


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("option", ["--jobs", "--rtol", "--timeout", "--engine", "--json"])
def test_every_value_of_every_kind(option, value):
    argv = [option, value, "a.ipynb"]
    assert parse(SHORT_PATH, argv) == parse(TYPER_ONLY, argv)


def test_plain_values_take_the_short_path():
    """Common invocations never reach typer's pydantic conversion (else the short path is dead code)."""
    group = command()
    for param in group.commands["replay"].params:
        short_path = param.get_runtime_param()
        assert isinstance(short_path, cli_values._ShortPath), param.name
        short_path.typer_conversion = lambda: pytest.fail("typer's conversion was used")
    argv = ["--no-color", "-j", "2", "--rtol", "0.001", "--timeout", "30", "--engine", "torch", "--json", "r.json",
            "-x", "a.ipynb", "b"]
    kind, values, _ = parse(group, argv)
    assert kind == "values"
    assert values["jobs"] == (int, "2") and values["rtol"] == (float, "0.001") and values["paths"] == (list, "['a.ipynb', 'b']")
