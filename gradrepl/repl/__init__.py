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
        if not arg.startswith("-") and arg.endswith((".py", ".ipynb")):
            # `gradrepl lesson.py a b`: run the file with its own arguments, as `ipython lesson.py` does
            options["script"] = [arg, *args]
            break
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


def run_script(argv: list[str], engine: str) -> int:
    path = argv[0]
    if path.endswith(".ipynb"):
        sys.stderr.write(f"gradrepl: {path} is a notebook: check it with `gradrepl replay {path}`, "
                         f"or run its cells in the shell with `%load {path}`\n")
        return 2
    from gradrepl.repl.script import run_file

    sys.argv = list(argv)  # the script sees its own name and arguments, as under python or ipython
    return run_file(path, engine)


def start(classic: bool = False, engine: str = "gradrepl", code: str | None = None,
          script: list[str] | None = None) -> int:
    """Run a script, -c code, piped stdin, or the interactive shell; returns the exit status."""
    if script is not None:
        return run_script(script, engine)
    if code is not None:
        from gradrepl.repl.script import run_source

        return run_source(code, engine)
    if sys.stdin is None or not sys.stdin.isatty():
        from gradrepl.repl.script import run_source

        source = sys.stdin.read() if sys.stdin is not None else ""
        return run_source(source, engine, where='File "<stdin>"')
    from gradrepl.repl.shell import Shell

    return Shell(engine=engine, classic=classic).interact()


def main(argv: list[str] | None = None) -> int | None:
    """Handle ``gradrepl [shell options]``; None means "not mine, hand argv to the CLI"."""
    argv = sys.argv[1:] if argv is None else argv
    options = parse_shell_args(argv)
    if options is None:
        return None
    return start(**options)
