"""The interactive shell, built on ``gradrepl.session``.

``main`` is the fast path for ``gradrepl`` without a sub-command: it parses its few flags by hand
so that neither typer nor the engine is imported before the prompt is on screen.
"""

from __future__ import annotations

import sys

def parse_shell_args(argv: list[str]) -> dict | None:
    """The shell's options from argv, or None when argv is for the full CLI (a sub-command)."""
    options = {"classic": False, "engine": "gradrepl", "code": None}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--classic":
            options["classic"] = True
        elif arg in ("--engine", "-c") and args:
            options["engine" if arg == "--engine" else "code"] = args.pop(0)
        elif arg.startswith("--engine="):
            options["engine"] = arg.split("=", 1)[1]
        else:
            return None
    if options["engine"] not in ("gradrepl", "torch"):
        return None
    return options


def start(classic: bool = False, engine: str = "gradrepl", code: str | None = None) -> int:
    """Run -c code, piped stdin, or the interactive shell; returns the exit status."""
    if code is not None:
        from gradrepl.repl.script import run_source

        return run_source(code, engine)
    if sys.stdin is None or not sys.stdin.isatty():
        from gradrepl.repl.script import run_stdin

        return run_stdin(engine)
    from gradrepl.repl.shell import Shell

    return Shell(engine=engine, classic=classic).interact()


def main(argv: list[str] | None = None) -> int | None:
    """Handle ``gradrepl [shell options]``; None means "not mine, hand argv to the CLI"."""
    argv = sys.argv[1:] if argv is None else argv
    options = parse_shell_args(argv)
    if options is None:
        return None
    return start(**options)
