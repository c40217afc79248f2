"""The shell's magics and display rules, on the real session."""

from __future__ import annotations

import nbformat

SEED = [
    "x = torch.tensor(2.0, requires_grad=True)",
    "y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1",
    "print(y)",
    "y.backward()",
    "x.grad",
]


def run_seed(driver) -> list[str]:
    return [driver.run(cell) for cell in SEED]


def test_torch_is_preimported_and_the_seed_prints_like_pytorch(driver):
    screens = run_seed(driver)
    assert screens[2] == "tensor(63., grad_fn=<AddBackward0>)\n"
    assert screens[4] == "Out[5]: tensor(93.)\n"


def test_no_grad_block(driver):
    run_seed(driver)
    driver.run("with torch.no_grad():\n    z = x * 2")
    assert driver.run("z.requires_grad") == "Out[7]: False\n"


def test_underscore_and_out_variables(driver):
    driver.run("3 * 4")
    driver.run("5;")
    driver.run("2 + 2")
    assert driver.run("_ + __") == "Out[4]: 16\n"
    assert driver.run("Out[1]") == "Out[5]: 12\n"
    assert driver.run("In[2]") == "Out[6]: '5;'\n"


def test_multiline_result_starts_on_its_own_line(driver):
    screen = driver.run("torch.tensor([[1., 2.], [3., 4.]])")
    assert screen == "Out[1]: \ntensor([[1., 2.],\n        [3., 4.]])\n"


def test_who_lists_only_the_users_names(driver):
    run_seed(driver)
    driver.run("n = 3")
    assert driver.run("%who") == "n\tx\ty\n"
    assert driver.run("%who int") == "n\n"


def test_reset_clears_the_users_names_but_keeps_torch(driver):
    run_seed(driver)
    driver.run("%reset -f")
    assert driver.run("%who") == "Interactive namespace is empty.\n"
    assert driver.run("torch.ones(1)") .endswith("tensor([1.])\n")


def test_history_lists_inputs(driver):
    driver.run("a = 1")
    driver.run("if a:\n    b = 2")
    assert driver.run("%history -n") == "  1: a = 1\n  2: if a:\n         b = 2\n"


def test_help_with_question_mark(driver):
    run_seed(driver)
    screen = driver.run("x?")
    assert screen.startswith("Type:        Tensor\nString form: tensor(2., requires_grad=True)")
    assert "Signature:   y.backward(" in driver.run("y.backward?")
    assert driver.run("nothing?") == "Object `nothing` not found.\n"


def test_graph_of_the_seed_polynomial(driver):
    run_seed(driver)
    lines = driver.run("%graph y").splitlines()
    assert lines[0] == "AddBackward0"
    assert lines[-1] == "        └── AccumulateGrad  x  torch.Size([])"


def test_time_and_timeit_come_from_the_session(driver):
    assert "Wall time" in driver.run("%time sum(range(10))")
    assert "loop" in driver.run("%timeit -n 1 -r 1 sum(range(10))")


def test_classic_mistake_shows_a_hint(driver):
    run_seed(driver)
    screen = driver.run("y.backward()")
    assert screen.startswith("RuntimeError: Trying to backward through the graph a second time")
    assert "hint: " in screen and "retain_graph=True" in screen
    screen = driver.run("torch.tensor(1.0).backward()")
    assert "does not have a grad_fn\nhint: " in screen


def test_multi_line_errors_keep_the_users_frames(driver):
    screen = driver.run("a = 1\nb = a / 0")
    assert "Cell In[1], line 2" in screen and screen.rstrip().endswith("ZeroDivisionError: division by zero")


def test_save_writes_a_notebook_tagged_for_replay(driver, tmp_path):
    run_seed(driver)
    driver.run("y.backward()")          # raises
    driver.run("%who")                  # a shell magic
    path = tmp_path / "session.ipynb"
    assert driver.run(f"%save {path}") == f"saved 7 cells to {path}\n"
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    sources = [c.source for c in nb.cells]
    assert sources[0].startswith("import torch") and sources[0].endswith(SEED[0])
    assert sources[1:] == SEED[1:] + ["y.backward()", "%who"]
    assert nb.cells[2].outputs[0]["text"] == "tensor(63., grad_fn=<AddBackward0>)\n"
    assert nb.cells[4].outputs[0]["data"]["text/plain"] == "tensor(93.)"
    assert nb.cells[5].metadata["tags"] == ["raises-exception"]
    assert nb.cells[6].metadata["tags"] == ["nbval-ignore-output"]


def test_load_runs_a_notebooks_code_cells(driver, engine, tmp_path):
    from nbformat import v4

    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# lesson"),
        v4.new_code_cell("import torch\nw = torch.ones(2, requires_grad=True)"),
        v4.new_code_cell("(w * 3).sum()"),
    ])
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, str(path))
    screen = driver.run(f"%load {path}")
    assert "In [2]: import torch\n   ...: w = torch.ones(2, requires_grad=True)\n" in screen
    assert "Out[3]: tensor(6., grad_fn=<SumBackward0>)" in screen
    assert driver.run("w.shape") == "Out[4]: torch.Size([2])\n"


def test_reset_asks_first_without_f(driver):
    driver.run("keep = 1")
    driver.shell.ask = lambda question: "n"
    assert driver.run("%reset") == "Nothing done.\n"
    assert driver.run("%who") == "keep\n"


def test_an_engine_that_fails_to_load_is_reported_and_the_shell_goes_on(monkeypatch):
    import io

    from gradrepl.repl import session_adapter
    from gradrepl.repl.shell import Shell

    def broken(engine):
        raise ModuleNotFoundError("No module named 'torch'")

    monkeypatch.setattr(session_adapter, "open_session", broken)
    out = io.StringIO()
    shell = Shell(engine="torch", stdout=out, stderr=out, color=False)
    assert shell.run_cell("1 + 1") is True
    assert out.getvalue() == ("ModuleNotFoundError: No module named 'torch' "
                              "(while loading the torch engine)\n")
