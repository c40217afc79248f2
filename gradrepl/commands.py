"""The ``gradrepl`` commands (a typer app): argument parsing only.

Each command imports what it needs inside its own body, so that ``gradrepl --help`` never pays for
replay, nbformat or rich. Add a command by writing one more decorated function that parses its
options and hands them to its package. ``gradrepl.cli`` is the entry point; it starts the shell
without importing this module at all.
"""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from gradrepl import __version__
from gradrepl.replay.options import ENGINES

app = typer.Typer(
    name="gradrepl",
    help="PyTorch-exact autograd lessons on numpy: an interactive shell and a notebook replayer.\n\n"
         "\b\n"
         "  gradrepl                     opens the shell, with torch already imported\n"
         "  gradrepl lesson.py [ARGS]    runs a Python file, as `ipython lesson.py` does\n"
         "  gradrepl replay lesson.ipynb checks a notebook's recorded outputs",
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def command():
    """The click command behind ``app``, with help that shows arguments by name (``NOTEBOOK...``)
    rather than typer's type placeholders (``{paths}...``, ``<list[str]>``), converting plain
    values without pydantic (``cli_values``)."""
    from gradrepl import cli_values

    group = typer.main.get_command(app)
    for cmd in [group, *getattr(group, "commands", {}).values()]:
        cli_values.install(cmd)
        for param in cmd.params:
            if param.param_type_name == "argument":
                name = param.metavar or param.name.upper()
                param._usage_display_name = lambda name=name: name
                param.display_type_rich = lambda ctx: None
    return group


# the engines a command runs on, as replay's option table names them
Engine = Enum("Engine", {name: name for name in ENGINES}, type=str)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"gradrepl {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Show the version and exit.",
                                 callback=_show_version, is_eager=True),
    code: Optional[str] = typer.Option(None, "-c", metavar="CODE", help="Run CODE through a session and exit."),
    classic: bool = typer.Option(False, "--classic", help="Shell prompts >>> and ... instead of In [n]:."),
    engine: Engine = typer.Option(Engine.gradrepl, "--engine", metavar="[gradrepl|torch]", help="Run the shell on gradrepl or on a real PyTorch."),
) -> None:
    """Without a command: the interactive shell (or, with -c or piped stdin, run the code and exit)."""
    if ctx.invoked_subcommand is None:
        from gradrepl.repl import start

        raise typer.Exit(start(classic=classic, engine=engine.value, code=code))


@app.command()
def run(
    script: str = typer.Argument(..., metavar="FILE.py", help="A Python file to run."),
    engine: Engine = typer.Option(Engine.gradrepl, "--engine", metavar="[gradrepl|torch]", help="Run on gradrepl or on a real PyTorch."),
) -> None:
    """Run a Python file as one cell of a session (`import torch` is gradrepl); exit 1 if it raises."""
    from gradrepl.repl.script import run_file

    raise typer.Exit(run_file(script, engine.value))


def _replay_option(field: str, default=None):
    """The typer option for one of replay's options, as ``replay.options`` declares it."""
    from gradrepl.replay.options import OPTIONS

    option = OPTIONS[field]
    extra = {} if option.minimum is None else {"min": option.minimum}
    return typer.Option(option.default if default is None else default, *option.flags, help=option.help,
                        metavar=option.metavar, **extra)


@app.command()
def replay(
    paths: List[str] = typer.Argument(..., metavar="NOTEBOOK...", show_default=False,
                                      help="Notebooks (.ipynb), directories (searched recursively) or globs."),
    engine: Engine = _replay_option("engine", Engine.gradrepl),
    update: bool = _replay_option("update"),
    tolerance: bool = _replay_option("tolerance"),
    rtol: Optional[float] = _replay_option("rtol"),
    atol: Optional[float] = _replay_option("atol"),
    compare_stderr: bool = _replay_option("compare_stderr"),
    lax: bool = _replay_option("lax"),
    sanitize: Optional[str] = _replay_option("sanitize"),
    json_path: Optional[str] = _replay_option("json_path"),
    junit_path: Optional[str] = _replay_option("junit_path"),
    html_path: Optional[str] = _replay_option("html_path"),
    jobs: int = _replay_option("jobs"),
    timeout: Optional[float] = _replay_option("timeout"),
    fail_fast: bool = _replay_option("fail_fast"),
    verbose: bool = _replay_option("verbose"),
    color: Optional[bool] = _replay_option("color"),
) -> None:
    """Run notebooks' code cells on gradrepl and compare with their recorded outputs."""
    from gradrepl.replay.command import EXIT_USAGE, ReplayRequest, run

    scripts = [path for path in paths if path.endswith(".py")]
    if scripts:
        typer.echo(f"error: replay reads .ipynb notebooks, and {scripts[0]} is a Python file; "
                   f"run it with `gradrepl {scripts[0]}`", err=True)
        raise typer.Exit(EXIT_USAGE)
    from gradrepl.replay.normalise import SanitizeFileError, read_sanitize_file
    from gradrepl.replay.results import ReplayOptions

    try:
        sanitizers = tuple(read_sanitize_file(sanitize)) if sanitize else ()
    except SanitizeFileError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE)
    from gradrepl.replay.options import cell_time_limit, tolerance_fields

    try:
        time_limit = cell_time_limit(timeout)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_USAGE)
    options = ReplayOptions(engine=engine.value, timeout=time_limit, **tolerance_fields(tolerance, rtol, atol),
                            compare_stderr=compare_stderr, lax=lax, sanitizers=sanitizers, fail_fast=fail_fast)
    request = ReplayRequest(paths=list(paths), options=options, update=update, json_path=json_path,
                            junit_path=junit_path, html_path=html_path, jobs=jobs, verbose=verbose, color=color)
    raise typer.Exit(run(request))
