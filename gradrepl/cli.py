"""The ``gradrepl`` entry point.

``gradrepl`` alone (or with only the shell's options) starts the shell straight away; anything else
goes to the typer app in ``commands.py``. Importing typer and building the app costs about a tenth
of the shell's start-up, so the shell's path never does; nor does a plain ``gradrepl replay`` command
line (notebook paths and flags: ``replay/fast_cli.py``).
"""

from __future__ import annotations

import sys


def main() -> None:
    from gradrepl.repl import main as shell_main

    status = shell_main(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    if sys.argv[1:2] == ["replay"]:
        # a plain replay command line runs without typer (replay/fast_cli.py); any other returns
        from gradrepl.replay.fast_cli import main as replay_main

        replay_main(sys.argv[2:])
    from gradrepl.commands import command

    command()(prog_name="gradrepl")


def __getattr__(name: str):
    # `from gradrepl.cli import app` (tests, typer's CliRunner) still finds the typer app.
    if name == "app":
        from gradrepl.commands import app

        return app
    raise AttributeError(f"module 'gradrepl.cli' has no attribute {name!r}")
