"""Typing into a prompt_toolkit prompt from another thread, each chunk once the prompt has caught up.

A fixed pause between chunks races the prompt on a loaded machine: history loads, completion and
the history suggestion all run as background tasks of the prompt's event loop, and a key sent before
they finish is handled without them (Up before the history is in the buffer, Enter before Tab's
completion is inserted). ``wait_until_settled`` instead asks the prompt's own loop whether it has
read every key sent and finished that work, so the tests are as fast as the machine allows and
never depend on its load.
"""

from __future__ import annotations

import concurrent.futures
import select
import threading
import time

# Background tasks every prompt keeps running, or sleeping, whatever is typed: not pending work.
# (The key processor's timer only flushes a pending key prefix, which `_settled` checks itself.)
_ALWAYS_THERE = ("_poll_output_size", "auto_flush_input", "auto_refresh", "redraw_in_future",
                 "_start_timeout.<locals>.wait")


def _pending_work(app) -> bool:
    for task in list(app._background_tasks):
        name = task.get_coro().__qualname__
        if not task.done() and not name.endswith(_ALWAYS_THERE):
            return True
    return False


def _settled(prompt_session, pipe) -> bool:
    """Run in the prompt's event loop: a prompt is up and has handled everything sent so far."""
    app = prompt_session.app
    if not app.is_running or app.is_done:
        return False  # between prompts: a cell is running, or the next prompt is not up yet
    keys = app.key_processor
    if select.select([pipe.fileno()], [], [], 0)[0] or keys.input_queue or keys.key_buffer:
        return False  # keys sent but not read, not handled, or the start of a longer binding
    history = prompt_session.default_buffer._load_history_task
    if history is None or not history.done():
        return False  # created at the first render of each prompt; Up needs it finished
    return not _pending_work(app)


def wait_until_settled(get_prompt_session, pipe, finished: threading.Event, timeout: float = 60.0) -> None:
    """Block until the prompt has settled (or the loop being driven has returned: ``finished``)."""
    deadline = time.monotonic() + timeout
    while not finished.is_set():
        prompt_session = get_prompt_session()
        loop = prompt_session.app.loop if prompt_session is not None else None
        if loop is not None:
            answer = concurrent.futures.Future()

            def check():
                try:
                    answer.set_result(_settled(prompt_session, pipe))
                except BaseException as error:  # noqa: BLE001  (reported in the typing thread)
                    answer.set_exception(error)

            try:
                loop.call_soon_threadsafe(check)
                if answer.result(timeout=1.0):
                    return
            except (RuntimeError, concurrent.futures.TimeoutError):
                pass  # that prompt's loop closed before it answered: ask the next one
        if time.monotonic() > deadline:
            raise AssertionError(f"the prompt did not settle within {timeout} s")
        time.sleep(0.002)


class Typist(threading.Thread):
    """Types ``chunks`` into ``pipe``, each once the prompt has settled, then Ctrl-D to leave.
    ``finished`` is set by the caller when the prompt loop returns (an ``exit`` typed in a chunk);
    ``join()`` re-raises here whatever went wrong in the typing thread."""

    def __init__(self, pipe, chunks, get_prompt_session):
        super().__init__(name="typist", daemon=True)
        self.pipe, self.chunks, self.get_prompt_session = pipe, list(chunks), get_prompt_session
        self.finished = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for chunk in self.chunks:
                wait_until_settled(self.get_prompt_session, self.pipe, self.finished)
                self.pipe.send_text(chunk)
            wait_until_settled(self.get_prompt_session, self.pipe, self.finished)
        except BaseException as error:  # noqa: BLE001
            self.error = error
        finally:
            if not self.finished.is_set():
                self.pipe.send_text("\x04")

    def join(self, timeout=None) -> None:
        self.finished.set()
        super().join(timeout)
        if self.error is not None:
            raise self.error
