"""Warnings from `gradrepl run FILE`, `-c` and stdin name the script, as python does, not a cell file."""

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
