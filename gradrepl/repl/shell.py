"""The interactive loop: read a cell with prompt_toolkit, run it through the session, show it."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from gradrepl import __version__
from gradrepl.repl.display import OutputPrinter
from gradrepl.repl.engine_loader import EngineLoader
from gradrepl.repl.magics import MAGICS
from gradrepl.repl.notebook import CellRecord
from gradrepl.repl.paste import strip_prompts
from gradrepl.repl.prompts import PromptStyle

EXIT_WORDS = {"exit", "exit()", "quit", "quit()"}


def banner(engine: str) -> str:
    which = "real PyTorch" if engine == "torch" else "gradrepl's numpy engine"
    return (
        f"gradrepl {__version__}: PyTorch-exact autograd on numpy, printing what PyTorch 2.13 prints.\n"
        f"`torch` is ready ({which}). Try `%graph y` after a backward, `obj?` for help, Ctrl-D to exit."
    )


class Shell:
    def __init__(self, engine: str = "gradrepl", classic: bool = False,
                 stdout: TextIO | None = None, stderr: TextIO | None = None,
                 color: bool | None = None):
        self.engine = engine
        self.prompts = PromptStyle(classic=classic)
        self.printer = OutputPrinter(stdout or sys.stdout, stderr or sys.stderr, self.prompts, color)
        self.loader = EngineLoader(engine)
        self.cells: list[CellRecord] = []
        self.next_count = 1
        self.initial_names: set[str] = set()
        self._session = None
        self._queued: list[str] = []
        # The prompt_toolkit session of `interact`, once it has started (tests wait on its loop).
        self.prompt_session = None

    # --- the session, loaded lazily -------------------------------------------------------
    @property
    def session(self):
        if self._session is None:
            self._session = self.loader.get()
            self.initial_names = set(self._session.namespace)
            self._register_magics()
        return self._session

    @property
    def namespace(self) -> dict:
        return self.session.namespace

    def namespace_if_ready(self) -> dict:
        """For completion while typing: never block the keyboard on the engine loading."""
        return self.session.namespace if self.loader.ready else {}

    def _register_magics(self) -> None:
        from gradrepl.repl.session_adapter import install_help, register_magics

        register_magics(self._session, MAGICS, self)
        install_help(self._session, self)

    # --- what magics need from the shell --------------------------------------------------
    def ask(self, question: str) -> str:
        try:
            return input(question)
        except EOFError:
            return ""

    def input_history(self) -> list[tuple[int | None, str]]:
        return [(cell.execution_count, cell.source) for cell in self.cells]

    def queue_cells(self, sources: list[str]) -> None:
        """Cells to run once the current one is done (%load): the session runs one cell at a time."""
        self._queued.extend(sources)

    # --- running ----------------------------------------------------------------------------
    def run_cell(self, source: str) -> bool:
        """Run one cell, then any cells it queued; outputs shown as they come. True if any raised."""
        raised = self._run_one(source)
        while self._queued:
            queued = self._queued.pop(0)
            prompt = self.prompts.in_prompt(self.next_count)
            continuation = self.prompts.continuation(len(prompt))
            self.printer.stdout.write(prompt + queued.replace("\n", "\n" + continuation) + "\n")
            raised = self._run_one(queued) or raised
        return raised

    def _run_one(self, source: str) -> bool:
        try:
            session = self.session
        except KeyboardInterrupt:
            self.printer.show_error("KeyboardInterrupt", "")
            return True
        except Exception as exc:  # the engine failed to import: say so, keep the prompt
            self.printer.show_error(type(exc).__name__, f"{exc} (while loading the {self.engine} engine)")
            return True
        self.printer.cell_labels = getattr(session, "cell_label", None)
        self.printer.namespace = session.namespace
        self.printer.begin_cell()
        try:
            one_line = "\n" not in source.strip()
            result = session.run_cell(source, on_output=lambda o: self.printer.show(o, one_line))
        except KeyboardInterrupt:
            self.printer.show_error("KeyboardInterrupt", "")
            self.next_count = session.execution_count + 1  # the prompt never skips a number
            return True
        if result.execution_count is not None:
            self.next_count = result.execution_count + 1
        ename = result.error.ename if result.error is not None else None
        self.cells.append(CellRecord(source, result.execution_count, list(result.outputs), ename))
        return ename is not None

    # --- the loop ---------------------------------------------------------------------------
    def interact(self, input=None, output=None, history=None) -> int:
        from gradrepl.repl.app import make_prompt_session
        from gradrepl.repl.lexer import PythonHighlighting

        highlighting = PythonHighlighting()
        prompt_session = make_prompt_session(self, highlighting, input=input, output=output, history=history)
        self.prompt_session = prompt_session
        self.printer.stdout.write(banner(self.engine) + "\n")
        pre_run = self._load_after_first_render(prompt_session, highlighting)
        while True:
            if self.prompts.blank_line_between_cells:
                self.printer.stdout.write("\n")
            self.printer.stdout.flush()
            try:
                text = prompt_session.prompt(pre_run=pre_run)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line
            except EOFError:
                break
            finally:
                pre_run = None
            if text.strip() in EXIT_WORDS:
                break
            if not text.strip():
                continue
            try:
                self.run_cell(strip_prompts(text))
            except KeyboardInterrupt:  # a press while gradrepl showed the outputs: back to the prompt
                self.printer.stdout.write("\nKeyboardInterrupt\n")
        return 0

    def _load_after_first_render(self, prompt_session, highlighting):
        """Once the first prompt is on screen: the engine in the background, then highlighting.
        (Loading either before would only delay the prompt: imports hold the GIL.)"""

        def hook():
            app = prompt_session.app

            def on_render(_app):
                app.after_render -= on_render
                self.loader.start()

                def highlight():
                    from gradrepl.session.interrupts import keep_interrupts_off_this_thread

                    keep_interrupts_off_this_thread()
                    highlighting.load()
                    try:
                        app.invalidate()  # redraw what is typed so far, now in colour
                    except RuntimeError:
                        pass  # the prompt was already answered: the next one is drawn in colour

                threading.Thread(target=highlight, name="gradrepl-lexer", daemon=True).start()

            app.after_render += on_render

        return hook
