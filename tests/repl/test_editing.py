"""The shell driven through prompt_toolkit's pipe input: keys in, cells and screen out."""

from __future__ import annotations

import io

import pytest

from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from gradrepl.repl.shell import Shell
from .fakes import FakeSession
from .keys import Typist

ENTER, ESC_ENTER, CTRL_C, CTRL_D, TAB = "\r", "\x1b\r", "\x03", "\x04", "\t"


def drive(keys, shell: Shell | None = None, history=None) -> tuple[Shell, str]:
    """Type ``keys`` into a shell on a fake session; returns the shell and what it printed.
    ``keys`` may be a list of chunks: each is sent once the prompt has handled the one before and
    finished what it started (history loading, completion, suggestions), as a person types."""
    out = io.StringIO()
    shell = shell or Shell(stdout=out, stderr=out, color=False)
    shell.printer.stdout = shell.printer.stderr = out
    shell.loader._session = FakeSession()
    interact(shell, keys, history)
    return shell, out.getvalue()


def interact(shell: Shell, keys, history=None) -> None:
    chunks = [keys] if isinstance(keys, str) else list(keys)
    with create_pipe_input() as pipe:
        typist = Typist(pipe, chunks, lambda: shell.prompt_session)
        typist.start()
        shell.interact(input=pipe, output=DummyOutput(), history=history or InMemoryHistory())
        typist.join()


def sources(shell: Shell) -> list[str]:
    return [cell.source for cell in shell.cells]


def test_single_line_runs_and_echoes_with_out_prompt():
    shell, screen = drive("1 + 2" + ENTER)
    assert sources(shell) == ["1 + 2"]
    assert "Out[1]: 3" in screen


def test_block_stays_open_after_colon_and_closes_on_empty_line():
    keys = "for i in range(2):" + ENTER + "print(i)" + ENTER + ENTER
    shell, screen = drive(keys)
    # auto-indent put the body four spaces in
    assert sources(shell) == ["for i in range(2):\n    print(i)"]
    assert "0\n1\n" in screen


def test_open_bracket_continues_the_cell():
    shell, _ = drive("x = (1 +" + ENTER + "2)" + ENTER + "x" + ENTER)
    assert sources(shell) == ["x = (1 +\n2)", "x"]


def test_escape_enter_forces_execution_of_an_open_block():
    shell, _ = drive("if True:" + ENTER + "y = 5" + ESC_ENTER)
    assert sources(shell) == ["if True:\n    y = 5"]
    assert shell.session.namespace["y"] == 5


def test_ctrl_c_at_the_prompt_clears_the_line():
    shell, _ = drive("this is not python" + CTRL_C + "2 * 3" + ENTER)
    assert sources(shell) == ["2 * 3"]


def test_bracketed_paste_of_a_whole_cell_runs_on_enter():
    cell = "def f(a):\n    return a * 2\n\nprint(f(21))"
    shell, screen = drive("\x1b[200~" + cell + "\x1b[201~" + ENTER)
    assert sources(shell) == [cell]
    assert "42" in screen


def test_semicolon_result_is_not_echoed_and_exit_leaves():
    shell, screen = drive("5;" + ENTER + "exit" + ENTER + "7" + ENTER)
    assert sources(shell) == ["5;"]
    assert "Out[" not in screen


def test_completion_after_a_live_object_dot():
    keys = ["class T:" + ENTER + "grad_fn_name = 1" + ESC_ENTER + "t = T()" + ENTER + "t.grad_" + TAB, ENTER]
    shell, screen = drive(keys)
    assert sources(shell)[-1] == "t.grad_fn_name"
    assert "Out[3]: 1" in screen


def test_up_arrow_searches_history_by_prefix():
    history = InMemoryHistory()
    history.append_string("a = 40")
    shell, _ = drive(["b = 2" + ENTER, "a", "\x1b[A", ENTER, "a + b" + ENTER], history=history)
    # "a" + Up skips the more recent "b = 2": prefix search
    assert sources(shell) == ["b = 2", "a = 40", "a + b"]


def test_classic_prompts_have_no_out_label():
    out = io.StringIO()
    shell, screen = drive("6 * 7" + ENTER, shell=Shell(classic=True, stdout=out, stderr=out, color=False))
    assert "42" in screen and "Out[" not in screen


def test_errors_are_short_and_hinted():
    shell, screen = drive("raise RuntimeError('element 0 of tensors does not require grad and does not have a grad_fn')" + ENTER)
    assert "RuntimeError: element 0" in screen
    assert "hint: " in screen and "requires_grad=True" in screen


def test_right_arrow_accepts_the_suggestion_from_history():
    history = InMemoryHistory()
    history.append_string("w = [1, 2, 3]")
    shell, _ = drive(["w = [", "\x1b[C", ENTER], history=history)
    assert sources(shell) == ["w = [1, 2, 3]"]


def test_ctrl_r_searches_history():
    history = InMemoryHistory()
    for line in ["a = 1", "b = 'needle'", "c = 3"]:
        history.append_string(line)
    shell, _ = drive(["\x12", "needle", ENTER, ENTER], history=history)
    assert sources(shell) == ["b = 'needle'"]


def test_history_is_kept_in_the_users_data_directory(tmp_path, monkeypatch):
    from gradrepl.repl.history import file_history, history_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "gradrepl" / "history"
    history = file_history()
    history.store_string("x = 1")
    assert "x = 1" in (tmp_path / "gradrepl" / "history").read_text()


@pytest.mark.parametrize("word", ["exit", "exit()", "quit", "quit()"])
def test_exit_words_leave(word):
    shell, _ = drive(word + ENTER + "1" + ENTER)
    assert sources(shell) == []


def test_tab_completes_members_of_torch_and_of_a_live_tensor(engine):
    """On the real session: `torch.` members and attributes of the tensor `x` really is."""
    out = io.StringIO()
    shell = Shell(engine=engine, stdout=out, stderr=out, color=False)
    shell.session  # load now, so completion has the namespace
    keys = ["x = torch.ones" + ENTER, "x.requires_grad" + TAB, ENTER, "torch.zeros_li" + TAB, "(x)" + ENTER]
    interact(shell, keys)
    # `requires_grad` and `requires_grad_` both match: Tab opens the menu on the common part,
    # Enter takes the first; `zeros_li` has one completion and Tab inserts it.
    assert sources(shell)[1:] == ["x.requires_grad", "torch.zeros_like(x)"]


BACKSPACE = "\x7f"


def test_cell_magic_typed_at_the_prompt_waits_for_its_body():
    keys = "%%time" + ENTER + "x = 1" + ENTER + "x + 1" + ENTER + ENTER
    shell, _ = drive(keys)
    assert sources(shell) == ["%%time\nx = 1\nx + 1"]


def test_backspace_in_indentation_deletes_one_character_as_in_ipython():
    keys = "if True:" + ENTER + BACKSPACE + "y = 1" + ESC_ENTER
    shell, _ = drive(keys)
    assert sources(shell) == ["if True:\n   y = 1"]
    # at the start of a line it joins it to the line above, and takes nothing more
    shell, _ = drive("x = (1," + ENTER + BACKSPACE + "2)" + ENTER)
    assert sources(shell) == ["x = (1,2)"]


@pytest.mark.parametrize("pasted, cell", [
    (">>> x = 2\n>>> for i in range(2):\n...     x = x * 3\n...\n>>> x\n18", "x = 2\nfor i in range(2):\n    x = x * 3\n\nx"),
    ("In [3]: y = 4\n\nIn [4]: if y:\n   ...:     y = y + 1\n   ...:\n\nIn [5]: y\nOut[5]: 5", None),
])
def test_pasted_doctest_and_ipython_prompts_are_stripped(pasted, cell):
    shell, screen = drive("\x1b[200~" + pasted + "\x1b[201~" + ESC_ENTER)
    if cell is not None:
        assert sources(shell) == [cell]
        assert "Out[1]: 18" in screen
    else:
        assert sources(shell) == ["y = 4\n\nif y:\n    y = y + 1\n\n\ny"]
        assert "Out[1]: 5" in screen


def test_typed_prompts_are_stripped_too():
    shell, screen = drive(">>> 6 * 7" + ENTER)
    assert sources(shell) == ["6 * 7"] and "Out[1]: 42" in screen
    shell, _ = drive("In [9]: for i in range(2):" + ENTER + "print(i)" + ENTER + ENTER)
    assert sources(shell) == ["for i in range(2):\n    print(i)"]
