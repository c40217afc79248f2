"""Help: every torch name the lessons use has a text with an example whose output gradrepl prints
exactly as recorded from real PyTorch, and the shell shows it (obj?, help(obj)) without internals."""

from __future__ import annotations

import glob
import re
import sys
from pathlib import Path

import pytest

from gradrepl.torch import docs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "lessons"))

from corpus import LESSONS  # noqa: E402
from record_doc_examples import run_example  # noqa: E402

# Values, not functions: `torch.float32?` shows the dtype as a value, as IPython would.
VALUES = {"bool", "float", "long", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
          "autograd", "cuda"}


def lesson_text() -> str:
    text = "\n".join("\n".join(lesson.cells) for lesson in LESSONS)
    for seed in glob.glob("/work/shared/seeds/*.txt"):
        text += Path(seed).read_text()
    return text


def names_lessons_use() -> list[str]:
    import gradrepl.torch as torch

    text = lesson_text()
    names = {f"torch.{n}" for n in re.findall(r"\btorch\.(\w+(?:\.\w+)?)", text) if n not in VALUES}
    methods = {m for m in re.findall(r"\.([a-zA-Z]\w*)\b", text) if hasattr(torch.Tensor, m)}
    return sorted(names | {f"torch.Tensor.{m}" for m in methods})


def test_every_public_name_the_lessons_use_has_help():
    missing = [name for name in names_lessons_use() if docs.lookup(name) is None]
    assert not missing


def test_help_texts_are_attached_as_docstrings():
    import gradrepl.torch as torch

    assert torch.tensor.__doc__.startswith("tensor(data, *, dtype=None")
    assert "Example:" in torch.Tensor.backward.__doc__
    assert "retain_grad" in torch.Tensor.grad.__doc__


@pytest.mark.parametrize("name", sorted(n for n, entry in docs.entries().items() if entry[2]))
def test_each_example_prints_what_pytorch_printed(name):
    example = docs.entries()[name][2]
    assert run_example("gradrepl", example) == docs.recorded_outputs()[name]


def test_method_signatures_come_from_the_function_entry():
    assert docs.lookup("torch.Tensor.sum").signature == "sum(dim=None, keepdim=False, *, dtype=None) -> Tensor"
    assert docs.lookup("torch.Tensor.add_").signature == "add_(other, *, alpha=1) -> Tensor"
    assert docs.lookup("torch.Tensor.nothing") is None


def test_question_mark_shows_torchs_signature_and_an_example(driver):
    screen = driver.run("torch.tensor?")
    assert screen.startswith("Signature:   torch.tensor(data, *, dtype=None, device=None, requires_grad=False, "
                             "pin_memory=False) -> Tensor\nDocstring:\n")
    assert ">>> torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)" in screen
    assert "'Tensor'" not in screen and "<no docstring>" not in screen
    driver.run("x = torch.tensor(2.0, requires_grad=True)")
    assert driver.run("x.backward?").startswith("Signature:   x.backward(gradient=None, retain_graph=None")
    assert "In-place version of add()" in driver.run("x.add_?")


def test_help_of_tensor_lists_methods_without_internals(driver):
    screen = driver.run("help(torch.Tensor)")
    assert "  backward            Compute the gradient" in screen
    for internal in ("__getattr__", "_unsupported", "lambda", "__init__", "gradrepl.engine"):
        assert internal not in screen
    assert driver.run("help(torch.no_grad)").startswith("Signature:   torch.no_grad()")
    assert driver.run("help(torch.cuda.is_available)").startswith("Signature:   torch.cuda.is_available() -> bool")


def test_help_of_a_bound_method_documents_the_method(driver):
    driver.run("x = torch.ones(2)")
    assert driver.run("help(x.sum)").startswith("Signature:   torch.Tensor.sum(dim=None, keepdim=False")


def test_help_without_an_argument_says_how_to_get_help(driver):
    assert driver.run("help()").startswith("Help in gradrepl:\n  obj? or help(obj)")


def test_the_help_example_in_the_shell_guide_is_what_the_shell_prints(driver):
    guide = (ROOT / "docs" / "shell.md").read_text(encoding="utf-8")
    block = guide.split("## Help", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    typed, shown = block.split("\n", 1)
    assert typed == "In [1]: torch.sum?"
    assert driver.run("torch.sum?") == shown


@pytest.mark.torch
def test_recorded_example_outputs_are_what_live_pytorch_prints():
    pytest.importorskip("torch")
    stale = [name for name, entry in sorted(docs.entries().items())
             if entry[2] and run_example("torch", entry[2]) != docs.recorded_outputs()[name]]
    assert not stale, "re-run scripts/record_doc_examples.py"


def test_a_class_without_its_own_docstring_does_not_show_its_base_classes(driver):
    from gradrepl.repl.help import describe

    class Base:
        """The base's text."""

    class Quiet(Base):
        pass

    assert "<no docstring>" in describe("Quiet", Quiet, {}) and "base's text" not in describe("Quiet", Quiet, {})
    # the optimizers' help describes each optimizer, not the base class they share
    screen = driver.run("help(torch.optim.Adam)")
    assert "Base class of the optimizers" not in screen and "running mean" in screen


def test_help_of_a_layer_says_what_it_is_and_how_to_call_it(driver):
    driver.run("loss_fn = torch.nn.MSELoss()")
    driver.run("class Net(torch.nn.Module):\n    def forward(self, x, h=None):\n        return x")
    driver.run("net = Net()")
    screen = driver.run("help(loss_fn)")
    assert screen.startswith("Type:        MSELoss\nString form: MSELoss()\n")
    assert "Call signature: loss_fn(input, target)" in screen and "Mean squared error" in screen
    assert "Call signature: net(x, h=None)" in driver.run("net?")
    # a layer's class still shows how to build it
    assert "Signature:   MSELoss(size_average=None, reduce=None, reduction: str = 'mean')" in driver.run("help(torch.nn.MSELoss)")


def test_the_layers_and_optimizers_of_lessons_have_their_own_help():
    import gradrepl.torch as torch

    common = [torch.nn.MSELoss, torch.nn.CrossEntropyLoss, torch.nn.NLLLoss, torch.nn.BCELoss, torch.nn.ReLU,
              torch.nn.Sigmoid, torch.nn.Tanh, torch.nn.Softmax, torch.nn.Dropout, torch.nn.Conv2d, torch.nn.LSTM,
              torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop, torch.optim.Adagrad]
    assert [c.__name__ for c in common if not c.__dict__.get("__doc__")] == []
