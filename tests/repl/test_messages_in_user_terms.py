"""Messages in the user's terms: warnings from scripts name the script (as python does, not a cell
file), and a typo after %graph is reported as the prompt would report it."""

import io

from gradrepl.repl.script import run_file, run_source

NON_LEAF = "import torch\nz = torch.ones(1, requires_grad=True) * 2\nz.grad\n"


def test_a_script_warning_names_the_script(tmp_path):
    script = tmp_path / "lesson.py"
    script.write_text(NON_LEAF)
    out, err = io.StringIO(), io.StringIO()
    assert run_file(str(script), stdout=out, stderr=err) == 0
    assert err.getvalue().startswith(f"{script}:3: UserWarning: The .grad attribute of a Tensor that is not a leaf")
    assert "ipykernel_" not in err.getvalue()


def test_code_and_stdin_warnings_name_string_and_stdin():
    err = io.StringIO()
    assert run_source(NON_LEAF, stdout=io.StringIO(), stderr=err) == 0
    assert err.getvalue().startswith("<string>:3: UserWarning:")
    err = io.StringIO()
    assert run_source(NON_LEAF, stdout=io.StringIO(), stderr=err, where='File "<stdin>"') == 0
    assert err.getvalue().startswith("<stdin>:3: UserWarning:")


def test_a_typo_in_graph_is_one_line_in_the_users_terms():
    from gradrepl.repl.graph import graph_of

    try:
        graph_of("nope", {})
    except NameError as error:
        assert error.__traceback__ is None or all(
            frame.f_code.co_filename != "<string>" for frame, _ in __import__("traceback").walk_tb(error.__traceback__))
    else:
        raise AssertionError("expected NameError")
    assert graph_of("5", {}) == "%graph: 5 is an int, not a tensor"


def test_a_magic_line_in_a_traceback_is_shown_as_typed():
    from gradrepl.repl.display import OutputPrinter
    from gradrepl.repl.prompts import PromptStyle
    from gradrepl.session import Session

    result = Session().run_cell("%time 1/0")
    err = io.StringIO()
    OutputPrinter(io.StringIO(), err, PromptStyle(classic=False), color=False).show_error(
        result.error.ename, result.error.evalue, result.error.traceback.splitlines(True))
    assert "    %time 1/0\n" in err.getvalue()
    assert "__gradrepl_magic__" not in err.getvalue()


def test_a_message_ending_in_a_newline_is_said_once_without_frames():
    """torch's overload listings end with a newline ('eq() received an invalid combination of
    arguments ... (!NoneType!)\\n'); the one-line cell's error was shown twice, after a traceback."""
    from gradrepl.repl.display import OutputPrinter
    from gradrepl.repl.prompts import PromptStyle
    from gradrepl.session import Session

    for cell in ("import torch\ntorch.ones(2).eq(None)", "torch.ones(2).sum(keepdim=True)"):
        session = Session()
        session.run_cell("import torch")
        result = session.run_cell(cell.splitlines()[-1])
        assert result.error.evalue.endswith("\n")
        err = io.StringIO()
        OutputPrinter(io.StringIO(), err, PromptStyle(classic=False), color=False).show_error(
            result.error.ename, result.error.evalue, result.error.traceback.splitlines(),
            one_line_cell=True)  # as the session hands it over (session.py, error_output)
        shown = err.getvalue()
        assert shown.startswith("TypeError: ") and shown.count("received an invalid combination") == 1
        assert "Traceback" not in shown and "Cell In" not in shown
