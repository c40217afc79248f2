"""In the shell, SyntaxErrors and warnings name the cell as IPython does (`Cell In[3], line 1`), and
errors with a next step get a hint saying it; replay keeps Jupyter's forms."""

from __future__ import annotations

import os
import subprocess
import sys


def test_syntax_error_names_the_cell_not_a_temporary_file(driver):
    assert driver.run("1 +* 2") == "  Cell In[1], line 1\n    1 +* 2\n       ^\nSyntaxError: invalid syntax\n"
    screen = driver.run("a = 1\nb = (2 +* 3)")
    assert screen.startswith("  Cell In[2], line 2\n") and screen.endswith("SyntaxError: invalid syntax\n")
    assert ".py" not in screen
    assert driver.run("if True:\nprint(1)").endswith(
        "IndentationError: expected an indented block after 'if' statement on line 1\n")


def test_warnings_name_the_cell(driver):
    screen = driver.run("import warnings\nwarnings.warn('careful')")
    assert screen == "Cell In[1], line 2: UserWarning: careful\n  warnings.warn('careful')\n"


def test_replay_keeps_jupyters_file_names():
    from gradrepl.session import Session

    result = Session().run_cell("1 +* 2")
    assert result.error.evalue.startswith("invalid syntax (") and result.error.evalue.endswith(".py, line 1)")
    result = Session().run_cell("import warnings\nwarnings.warn('careful')")
    assert "ipykernel_" in result.outputs[0]["text"]


def test_none_grad_of_a_non_leaf_hints_retain_grad(driver):
    screen = driver.run("x = torch.tensor([1., 2.], requires_grad=True)\ny = x * 2\ny.sum().backward()\n"
                        "y.grad.zero_()")
    assert screen.splitlines()[-2] == "AttributeError: 'NoneType' object has no attribute 'zero_'"
    assert screen.splitlines()[-1].startswith("hint: that tensor is not a leaf") and "retain_grad()" in screen
    # a leaf's None grad (no backward yet) keeps the other hint
    screen = driver.run("w = torch.ones(2, requires_grad=True)\nw.grad.zero_()")
    assert "retain_grad" not in screen and "until a backward() fills it" in screen


def test_one_unsupported_error_everywhere_with_what_to_do_instead(driver):
    for cell, advice in [("import torch.nn.utils.prune", "subclass nn.Module"),
                         ("torch.nn.Transformer(4, 2)", "subclass nn.Module"),
                         ("torch.nn.functional.grid_sample", "((pred - y) ** 2).mean()"),
                         ("torch.optim.LBFGS", "w -= lr * w.grad"),
                         ("import torch.fft", "gradrepl --engine torch"),
                         ("torch.ones(2).frexp()", "gradrepl --engine torch")]:
        lines = driver.run(cell).splitlines()
        assert lines[-2].startswith("UnsupportedError: gradrepl does not support ")
        assert lines[-1].startswith("hint: ") and advice in lines[-1]


def test_an_unsupported_import_is_still_an_import_error(driver):
    assert driver.run("try:\n    import torch.fft\nexcept ImportError:\n    print('no fft')") == "no fft\n"


def test_in_a_real_terminal_script_the_syntax_error_has_no_cell_file():
    done = subprocess.run([sys.executable, "-m", "gradrepl", "-c", "1 +* 2"], capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=60)
    assert done.returncode == 1 and done.stderr.endswith("SyntaxError: invalid syntax\n")


def test_a_method_used_without_parentheses_hints_calling_it(driver):
    # the slips of a learner who reads `x.exp` as a value: torch's own message, then what to type
    for cell, message in [
        ("x.exp.sum()", "AttributeError: 'builtin_function_or_method' object has no attribute 'sum'"),
        ("x.size[0]", "TypeError: 'builtin_function_or_method' object is not subscriptable"),
        ("x.sum().item + 1", "TypeError: unsupported operand type(s) for +: 'builtin_function_or_method' and 'int'"),
        ("m.parameters[0]", "TypeError: 'method' object is not subscriptable"),
        ("torch.exp(x.exp)", "TypeError: exp(): argument 'input' (position 1) must be Tensor, not "
                             "builtin_function_or_method"),
    ]:
        lines = driver.run("x = torch.ones(2)\nm = torch.nn.Linear(2, 1)\n" + cell).splitlines()
        assert lines[-2] == message
        assert lines[-1].startswith("hint: ") and "()" in lines[-1] and "parentheses" in lines[-1]
    assert "hint" not in driver.run("def f(): pass\nf.missing")


def test_a_penalty_on_a_gradient_taken_without_create_graph_hints_create_graph(driver):
    screen = driver.run("w = torch.ones(2, requires_grad=True)\n"
                        "g, = torch.autograd.grad((w ** 2).sum(), w)\ng.norm().backward()")
    lines = screen.splitlines()
    assert lines[-2] == "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"
    assert lines[-1].startswith("hint: ") and "create_graph=True" in lines[-1]


def test_the_shape_and_dtype_slips_of_a_first_training_loop_hint_the_fix(driver):
    # torch's own message stays the error line; the hint says what to change (s-learner, session 17)
    for cell, message, fix in [
        ("torch.ones(2, 3) @ torch.ones(2, 3)",
         "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", ".T"),
        ("torch.nn.Linear(3, 2)(torch.ones(4, 5))",
         "RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)", "in_features"),
        ("torch.nn.functional.cross_entropy(torch.ones(3, 5), torch.tensor([1., 2., 3.]))",
         "RuntimeError: expected target dtype to be Long or Byte, but got Float", "target.long()"),
        ("torch.nn.functional.binary_cross_entropy(torch.full((3,), 0.5), torch.tensor([1, 0, 1]))",
         "RuntimeError: Found dtype Long but expected Float", "target.float()"),
    ]:
        lines = driver.run(cell).splitlines()
        assert lines[-2] == message
        assert lines[-1].startswith("hint: ") and fix in lines[-1]
