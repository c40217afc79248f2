"""Ctrl-C during a cell interrupts the cell's code, and only that.

SIGINT's Python handler always runs in the main thread, whichever thread the OS delivered the signal
to, so the session decides there what a press means: while the cell's own code runs (display of its
last value included) it raises KeyboardInterrupt as usual; while gradrepl finishes the cell (turning
the interrupt into an error output, putting the streams back) further presses are absorbed. Three
quick presses during ``while True: pass`` therefore end the loop once, the session stays whole and
the execution count moves on by one, as in IPython.

A handler set to SIG_IGN (a replay child, where Ctrl-C is the parent's) is left alone; any other
handler the caller installed still runs for presses during the cell's code.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager, nullcontext


@contextmanager
def interrupts_only_in_user_code():
    """Yields ``user_code``, a context manager marking where Ctrl-C may interrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield nullcontext
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):
        yield nullcontext
        return
    running_user_code = [False]

    def on_sigint(signum, frame):
        if not running_user_code[0]:
            return  # gradrepl is finishing the cell: the press is absorbed
        if callable(previous) and previous is not signal.default_int_handler:
            previous(signum, frame)
        raise KeyboardInterrupt

    @contextmanager
    def user_code():
        running_user_code[0] = True
        try:
            yield
        finally:
            running_user_code[0] = False

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield user_code
    finally:
        signal.signal(signal.SIGINT, previous)


def keep_interrupts_off_this_thread() -> None:
    """For a background thread: block SIGINT at the OS level, so the kernel delivers Ctrl-C to
    the main thread (where it interrupts a cell) and never to this thread or to the threads it
    starts (they inherit the mask: numpy's BLAS pool, created when the engine is imported here)."""
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is not threading.main_thread():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
