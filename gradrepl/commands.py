"""The ``gradrepl`` commands (a typer app): argument parsing only.

Each command imports what it needs inside its own body, so that ``gradrepl --help`` never pays for
replay, nbformat or rich. Add a command by writing one more decorated function that parses its
options and hands them to its package. ``gradrepl.cli`` is the entry point; it starts the shell
without importing this module at all.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import List, Optional

import typer

from gradrepl import __version__

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


class Engine(str, Enum):
    gradrepl = "gradrepl"
    torch = "torch"


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


@app.command()
def replay(
    paths: List[str] = typer.Argument(..., metavar="NOTEBOOK...", show_default=False,
                                      help="Notebooks (.ipynb), directories (searched recursively) or globs."),
    engine: Engine = typer.Option(Engine.gradrepl, "--engine", metavar="[gradrepl|torch]", help="Run cells on gradrepl or on a real PyTorch."),
    update: bool = typer.Option(False, "--update", help="Write the produced outputs back into the notebooks."),
    tolerance: bool = typer.Option(False, "--tolerance",
                                   help="Compare numbers by value, as numpy.isclose (rtol 1e-3, atol 1e-5)."),
    rtol: Optional[float] = typer.Option(None, "--rtol", min=0, metavar="R", help="Relative tolerance (implies --tolerance)."),
    atol: Optional[float] = typer.Option(None, "--atol", min=0, metavar="A", help="Absolute tolerance (implies --tolerance)."),
    compare_stderr: bool = typer.Option(False, "--compare-stderr", help="Compare stderr streams too."),
    lax: bool = typer.Option(False, "--lax", help="Compare only cells marked NBVAL_CHECK_OUTPUT (like nbval-lax)."),
    sanitize: Optional[str] = typer.Option(None, "--sanitize", "--sanitize-with", metavar="FILE",
                                           help="nbval-style regex/replace file applied to outputs."),
    json_path: Optional[str] = typer.Option(None, "--json", metavar="FILE", help="Write a JSON report."),
    junit_path: Optional[str] = typer.Option(None, "--junit-xml", metavar="FILE", help="Write a JUnit XML report."),
    html_path: Optional[str] = typer.Option(None, "--html", metavar="FILE",
                                            help="Write a self-contained HTML report (failing cells side by side)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, metavar="N", help="Replay this many notebooks in parallel."),
    timeout: Optional[float] = typer.Option(None, "--timeout", metavar="S",
                                            help="Fail a cell that runs longer than S seconds (inf: no limit)."),
    fail_fast: bool = typer.Option(False, "--fail-fast", "-x", help="Stop at the first failing cell."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also list skipped cells."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Colour the output (default: on a terminal)."),
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
    if timeout is not None and (math.isnan(timeout) or timeout < 0):
        typer.echo("error: --timeout must be a number of seconds (or inf for no limit)", err=True)
        raise typer.Exit(EXIT_USAGE)
    given = {name: value for name, value in (("rtol", rtol), ("atol", atol)) if value is not None}
    options = ReplayOptions(engine=engine.value, timeout=timeout if timeout and math.isfinite(timeout) else None,
                            tolerance=tolerance or bool(given), **given, compare_stderr=compare_stderr, lax=lax,
                            sanitizers=sanitizers, fail_fast=fail_fast)
    request = ReplayRequest(paths=list(paths), options=options, update=update, json_path=json_path,
                            junit_path=junit_path, html_path=html_path, jobs=jobs, verbose=verbose, color=color)
    raise typer.Exit(run(request))
