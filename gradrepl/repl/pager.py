"""Showing a long help text one screen at a time, as IPython's pager does.

Text that fits on the screen is printed (so it also lands in the cell's output and in ``%save``);
longer text goes to ``$PAGER`` (``less -R`` by default) on the terminal the shell runs in. Without a
terminal (tests, pipes) it is printed whole.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess


def _terminal_stream(shell):
    stream = getattr(getattr(shell, "printer", None), "stdout", None)
    try:
        return stream if stream is not None and stream.isatty() else None
    except Exception:
        return None


def page(shell, text: str) -> None:
    terminal = _terminal_stream(shell)
    rows = shutil.get_terminal_size((80, 24)).lines
    if terminal is None or text.count("\n") + 1 < rows - 1:
        print(text)
        return
    command = os.environ.get("PAGER") or "less -R"
    terminal.flush()
    try:
        subprocess.run(shlex.split(command), input=text + "\n", text=True, check=False)
    except (OSError, ValueError):
        print(text)  # no pager to run: the text is still shown
