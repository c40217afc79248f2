"""Where the shell keeps its persistent history: the user's data directory (XDG)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """``$XDG_DATA_HOME/gradrepl``, or ``~/.local/share/gradrepl`` as the XDG spec defaults."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gradrepl"


def history_path() -> Path:
    return data_dir() / "history"


def file_history():
    """A prompt_toolkit FileHistory in the data directory, or an in-memory one when unwritable."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))
