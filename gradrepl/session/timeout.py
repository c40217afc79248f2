"""A per-cell time limit from SIGALRM, so a runaway loop fails one cell and the session goes on.

The alarm raises ``CellTimeout`` in the main thread. It derives from BaseException, not Exception, so
that a cell's own ``except Exception:`` cannot swallow it and keep looping. Off the main thread, where
signals cannot be used, cells run without a limit.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class CellTimeout(BaseException):
    def __init__(self, seconds: float):
        super().__init__(f"Cell execution timed out after {seconds:g} seconds")
        self.seconds = seconds


def can_time_out() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


# Longer than any run (about 31 years): a larger limit, ``inf`` included, means no limit at all,
# rather than the OverflowError setitimer raises for times past the platform's time_t.
NO_LIMIT_BEYOND = 1e9


@contextmanager
def time_limit(seconds: float | None):
    if not seconds or not (0 < seconds < NO_LIMIT_BEYOND) or not can_time_out():
        yield
        return

    def on_alarm(signum, frame):
        raise CellTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
