"""Completion through prompt_toolkit's pipe input on the real session: a menu in several columns,
each candidate's kind or signature as display meta, callables marked, and no history suggestion
drawn while the menu is open."""

from __future__ import annotations

import threading

from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.shortcuts import CompleteStyle

from gradrepl.repl.completer import NamespaceCompleter

from .keys import wait_until_settled


def open_menu(driver, typed: str, history: list[str] = ()):
    """Type ``typed`` + Tab into the shell's prompt; returns (buffer state seen with the menu open)."""
    from gradrepl.repl.app import make_prompt_session
    from gradrepl.repl.lexer import PythonHighlighting

    shell = driver.shell
    shell.session  # loaded, as it is once the prompt has been up a moment
    stored = InMemoryHistory()
    for line in history:
        stored.append_string(line)
    seen = {}
    with create_pipe_input() as pipe:
        session = make_prompt_session(shell, PythonHighlighting(), input=pipe, output=DummyOutput(), history=stored)

        finished = threading.Event()

        def typist():
            try:
                wait_until_settled(lambda: session, pipe, finished)
                pipe.send_text(typed)
                wait_until_settled(lambda: session, pipe, finished)
                seen["suggestion_before"] = session.default_buffer.suggestion
                pipe.send_text("\t")
                wait_until_settled(lambda: session, pipe, finished)
                buffer = session.default_buffer
                state = buffer.complete_state
                seen["completions"] = list(state.completions) if state else []
                seen["suggestion"] = buffer.suggestion
            finally:
                pipe.send_text("\x03\x04")

        thread = threading.Thread(target=typist)
        thread.start()
        try:
            session.prompt()
        except (EOFError, KeyboardInterrupt):
            pass
        finished.set()
        thread.join()
        seen["style"] = session.complete_style
    return seen


def test_menu_has_columns_kinds_and_signatures(driver):
    driver.run("x = torch.ones(2, requires_grad=True)")
    seen = open_menu(driver, "x.su")
    assert seen["style"] == CompleteStyle.MULTI_COLUMN
    by_text = {c.text: c for c in seen["completions"]}
    assert set(by_text) >= {"sum", "sub", "sub_"}
    assert by_text["sum"].display_text == "sum()"  # methods are marked
    assert by_text["sum"].display_meta_text == "method sum(dim=None, keepdim=False, *, dtype=None) -> Tensor"


def test_suggestion_is_hidden_while_the_menu_is_open(driver):
    seen = open_menu(driver, "torch.on", history=["torch.ones(3) * 2"])
    assert seen["suggestion_before"] is not None and seen["suggestion_before"].text == "es(3) * 2"
    assert seen["completions"] and seen["suggestion"] is None


def test_kinds_of_names(driver):
    driver.run("w = torch.zeros(1, requires_grad=True)")
    completer = NamespaceCompleter(lambda: driver.namespace)
    from prompt_toolkit.document import Document

    def meta(text):
        return {c.text: c.display_meta_text for c in completer.get_completions(Document(text), None)}

    assert meta("w.gra")["grad"] == "property"
    assert meta("torch.no_g")["no_grad"] == "class no_grad()"
    assert meta("torch.ze")["zeros"].startswith("function zeros(*size, *, out=None")
    assert meta("whi")["while"] == "keyword"
    assert meta("tor")["torch"] == "module"
