"""Where the shell keeps its persistent history: the user's data directory (XDG)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    """``$XDG_DATA_HOME/gradrepl``, or ``~/.local/share/gradrepl`` as the XDG spec defaults."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gradrepl"


def history_path() -> Path:
    return data_dir() / "history"


def _warn(path: Path, error: OSError) -> None:
    reason = error.strerror or type(error).__name__
    sys.stderr.write(f"gradrepl: cannot use the history file {path} ({reason}); "
                     "this session's history is kept in memory only\n")
    sys.stderr.flush()


def file_history():
    """A prompt_toolkit history in the data directory; in memory, after one warning, when the file
    cannot be created, read or written (a read-only file, a directory in its place, a full disk)."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class FallbackFileHistory(FileHistory):
        """Once the file fails, later entries stay in memory only (prompt_toolkit keeps every
        entry loaded or added in memory anyway); the warning is given once."""

        failed = False

        def _fail(self, error: OSError) -> None:
            if not self.failed:
                self.failed = True
                _warn(path, error)

        def load_history_strings(self):
            try:
                return list(super().load_history_strings())
            except OSError as error:
                self._fail(error)
                return []

        def store_string(self, string: str) -> None:
            if self.failed:
                return
            try:
                super().store_string(string)
            except OSError as error:
                self._fail(error)

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError as error:
        _warn(path, error)
        return InMemoryHistory()
    return FallbackFileHistory(str(path))
