"""Loading the session (and with it the engine) in the background.

The prompt is drawn first and the engine imports while the user reads the banner and types; the
first cell waits for it. Imports hold the GIL, so the loading starts once the prompt is on screen
rather than at launch, where it would only slow the drawing of the prompt down.
"""

from __future__ import annotations

import threading


class EngineLoader:
    def __init__(self, engine: str = "gradrepl"):
        self.engine = engine
        self._session = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin loading in a daemon thread (idempotent)."""
        with self._lock:
            if self._thread is None and self._session is None:
                self._thread = threading.Thread(target=self._load, name="gradrepl-engine", daemon=True)
                self._thread.start()

    def _load(self) -> None:
        try:
            from gradrepl.session.interrupts import keep_interrupts_off_this_thread

            keep_interrupts_off_this_thread()
            from gradrepl.repl.session_adapter import open_session

            self._session = open_session(self.engine)
        except BaseException as exc:  # re-raised in the main thread by get()
            self._error = exc

    @property
    def ready(self) -> bool:
        return self._session is not None

    def get(self):
        """The session, waiting for the background load (or loading now if it never started)."""
        if self._session is None:
            self.start()
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._session
