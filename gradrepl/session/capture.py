"""Capturing what a cell writes: stdout, stderr and warnings, as a kernel's iopub stream would.

During a cell ``sys.stdout``/``sys.stderr`` are replaced by ``CellStream`` objects feeding an
``OutputSink``, which groups stream text into outputs as ipykernel does (see ``OutputSink``), while
``on_output`` still sees every write as it happens, so a shell can print live.

Warnings go through ``warnings.showwarning`` and so reach stderr in Python's standard format
(``file:line: Category: message`` plus the source line), which is what a Jupyter cell shows. The
session keeps its own filter list and swaps it in for the duration of a cell without calling
``warnings._filters_mutated``: Python's once-per-location registry then survives from cell to cell,
as it does in a kernel, and ``warnings.filterwarnings`` inside a cell changes only this session.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from typing import Callable, Optional

from gradrepl.session.outputs import stream_output

OutputCallback = Optional[Callable[[dict], None]]


class OutputSink:
    """The ordered outputs of one cell, grouped the way a Jupyter kernel sends them.

    ipykernel buffers each stream and sends the buffer when something else is displayed (a value,
    ``display()``, an error), at the end of the cell, or 0.2 s after the buffer's first write; at each
    of those points stdout goes before stderr. So in a quick cell that prints, warns, then prints
    again, the notebook shows all of stdout and then the warning. The sink reproduces that (the timer
    checked at each write), while ``on_output`` still sees every write the moment it happens.
    """

    FLUSH_INTERVAL = 0.2  # ipykernel.iostream.OutStream.flush_interval

    def __init__(self, on_output: OutputCallback = None, outer_streams=None):
        self.outputs: list[dict] = []
        self.on_output = on_output
        self._outer_streams = outer_streams
        self._pending: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._first_write: dict[str, float] = {}
        self._clear_on_next = False

    def add(self, output: dict) -> None:
        if output["output_type"] == "stream":
            self._flush_expired()
            name = output["name"]
            if not self._pending[name]:
                self._first_write[name] = time.monotonic()
            self._pending[name].append(output["text"])
        else:
            self.flush()
            self._append(output)
        self._notify(output)

    def clear(self, wait: bool = False) -> None:
        """``clear_output()``: the cell keeps only what comes after (with ``wait``, once it comes)."""
        self.flush()
        if wait:
            self._clear_on_next = True
        else:
            self.outputs.clear()

    def _append(self, output: dict) -> None:
        if self._clear_on_next:
            self.outputs.clear()
            self._clear_on_next = False
        self.outputs.append(output)

    def flush(self) -> None:
        for name in ("stdout", "stderr"):
            self._flush_stream(name)

    def _flush_expired(self) -> None:
        now = time.monotonic()
        for name in sorted(self._first_write, key=self._first_write.get):
            if now - self._first_write[name] >= self.FLUSH_INTERVAL:
                self._flush_stream(name)

    def _flush_stream(self, name: str) -> None:
        if not self._pending[name]:
            return
        text = "".join(self._pending[name])
        self._pending[name] = []
        self._first_write.pop(name, None)
        last = self.outputs[-1] if self.outputs and not self._clear_on_next else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text  # frontends merge consecutive texts of one stream
        else:
            self._append(stream_output(name, text))

    def _notify(self, output: dict) -> None:
        if self.on_output is None:
            return
        # The callback usually prints to the terminal: let it see the real streams, not ours.
        captured = sys.stdout, sys.stderr
        if self._outer_streams is not None:
            sys.stdout, sys.stderr = self._outer_streams
        try:
            self.on_output(output)
        finally:
            sys.stdout, sys.stderr = captured


class CellStream(io.TextIOBase):
    """A text stream whose writes become ``stream`` outputs named ``stdout`` or ``stderr``."""

    def __init__(self, name: str, sink: OutputSink, encoding: str = "utf-8", outer=None,
                 earlier_threads: frozenset = frozenset()):
        super().__init__()
        self.name = name
        self._sink = sink
        self._encoding = encoding
        self._outer = outer
        self._earlier_threads = earlier_threads

    @property
    def encoding(self):
        return self._encoding

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text and threading.get_ident() in self._earlier_threads:
            # A thread an earlier cell started: its late output is not this cell's (it goes where
            # output outside cells goes: the shell's terminal; nowhere in replay).
            if self._outer is not None:
                self._outer.write(text)
        elif text:
            self._sink.add(stream_output(self.name, text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


def default_warning_filters() -> list:
    """Python's default filters plus IPython's: DeprecationWarning shown for code in the notebook;
    and the engine's, which keeps numpy's floating-point warnings out of gradrepl's own ops."""
    from gradrepl.engine.fp_warnings import FILTER as ENGINE_FP_WARNINGS

    return [
        ENGINE_FP_WARNINGS,
        # IPython adds this one so that deprecations in the user's own code (module __main__) show.
        ("default", None, DeprecationWarning, re.compile(r"__main__\Z"), 0),
        ("ignore", None, DeprecationWarning, None, 0),
        ("ignore", None, PendingDeprecationWarning, None, 0),
        ("ignore", None, ImportWarning, None, 0),
        ("ignore", None, ResourceWarning, None, 0),
    ]


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # Always the current sys.stderr (the cell's), never a file captured at import time.
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextmanager
def captured(sink: OutputSink, warning_filters: list):
    """Route stdout, stderr and warnings of the code run inside into ``sink``."""
    saved_streams = sys.stdout, sys.stderr
    saved_showwarning = warnings.showwarning
    saved_filters = warnings.filters
    sink._outer_streams = saved_streams
    current = threading.get_ident()
    earlier = frozenset(t.ident for t in threading.enumerate() if t.ident != current)
    sys.stdout = CellStream("stdout", sink, getattr(saved_streams[0], "encoding", None) or "utf-8",
                            saved_streams[0], earlier)
    sys.stderr = CellStream("stderr", sink, getattr(saved_streams[1], "encoding", None) or "utf-8",
                            saved_streams[1], earlier)
    warnings.showwarning = _show_warning
    warnings.filters = warning_filters
    try:
        yield
    finally:
        sink.flush()
        warnings.filters = saved_filters
        warnings.showwarning = saved_showwarning
        sys.stdout, sys.stderr = saved_streams
