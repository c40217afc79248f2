"""Unit tests for the shell's pure parts: completeness, indentation, completion, hints, help."""

from __future__ import annotations

import pytest

from gradrepl.repl.completer import candidates
from gradrepl.repl.hints import HINTS, hint_for
from gradrepl.repl.help import describe
from gradrepl.repl.magics import help_target
from gradrepl.repl.multiline import indent_after, is_complete
from gradrepl.repl.prompts import PromptStyle


@pytest.mark.parametrize("text, complete", [
    ("x = 1", True),
    ("print(y)", True),
    ("with torch.no_grad():", False),
    ("with torch.no_grad():\n    y = x * 2", False),      # indented last line: block still open
    ("with torch.no_grad():\n    y = x * 2\n", True),     # the empty line closes it
    ("with torch.no_grad():\n    y = x * 2\n    ", True),  # ... even holding auto-indent spaces
    ("x = torch.tensor([[1., 2],", False),
    ("foo(\n\n", False),                                  # an open bracket outlasts empty lines
    ('s = """abc', False),
    ("if a:\n    b\nelse:", False),
    ("1 +", True),                                        # a syntax error runs, to show it
    ("x = 1\ny = 2", True),
    ("def f():\n    return 1\n\nprint(f())", True),
])
def test_is_complete(text, complete):
    assert is_complete(text) is complete


@pytest.mark.parametrize("line, indent", [
    ("for i in range(3):", "    "),
    ("    if i:", "        "),
    ("    y = i", "    "),
    ("        return y", "    "),
    ("x = 1", ""),
])
def test_indent_after(line, indent):
    assert indent_after(line) == indent


class Tensorish:
    grad = None
    grad_fn = None
    shape = (2,)

    def backward(self):
        raise AssertionError("completion must never call anything")

    @property
    def exploding(self):
        raise RuntimeError("a property that raises is skipped, not fatal")


def test_completes_names_from_namespace_and_builtins():
    length, words = candidates("pri", {"prior": 1})
    assert length == 3 and words == ["print", "prior"]


def test_completes_attributes_of_a_live_object():
    namespace = {"x": Tensorish()}
    length, words = candidates("y = x.gr", namespace)
    assert length == 2 and words == ["grad", "grad_fn"]
    _, all_words = candidates("x.", namespace)
    assert "backward" in all_words and "__class__" not in all_words
    _, private = candidates("x._", namespace)
    assert "__class__" in private


def test_completes_dotted_module_members():
    import types

    nn = types.SimpleNamespace(Linear=1, LSTM=2, ReLU=3)
    torch = types.SimpleNamespace(nn=nn, no_grad=4)
    assert candidates("torch.nn.L", {"torch": torch}) == (1, ["LSTM", "Linear"])
    assert candidates("with torch.no", {"torch": torch}) == (2, ["no_grad"])


def test_completion_evaluates_only_plain_dotted_names():
    namespace = {"x": Tensorish()}
    assert candidates("x.backward().", namespace) == (0, [])
    assert candidates("x.exploding.", namespace) == (0, [])
    assert candidates("nothere.", namespace) == (0, [])
    assert candidates("3.", namespace) == (0, [])


@pytest.mark.parametrize("evalue, needle", [
    ("Trying to backward through the graph a second time (or directly access saved tensors after "
     "they have already been freed). Saved intermediate values ...", "retain_graph=True"),
    ("element 0 of tensors does not require grad and does not have a grad_fn", "requires_grad=True"),
    ("a leaf Variable that requires grad is being used in an in-place operation.", "torch.no_grad()"),
])
def test_hints_for_the_classic_autograd_mistakes(evalue, needle):
    assert needle in hint_for("RuntimeError", evalue)


def test_no_hint_for_other_errors():
    assert hint_for("NameError", "name 'x' is not defined") is None
    assert hint_for("ValueError", HINTS[0][1]) is None


def test_hints_fire_on_real_torch_messages():
    torch = pytest.importorskip("torch")
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    y.backward()
    with pytest.raises(RuntimeError) as second:
        y.backward()
    with pytest.raises(RuntimeError) as no_grad_fn:
        torch.tensor(1.0).backward()
    with pytest.raises(RuntimeError) as in_place:
        x.add_(1)
    for caught in (second, no_grad_fn, in_place):
        assert hint_for("RuntimeError", str(caught.value)) is not None


@pytest.mark.parametrize("line, target", [
    ("x?", "x"), ("?x", "x"), ("torch.tensor?", "torch.tensor"), ("x??", "x"),
    ("x", None), ("print('?')", None), ("a ? b", None),
])
def test_help_syntax(line, target):
    assert help_target(line) == target


def test_describe_shows_type_signature_and_doc():
    def f(a, b=2):
        """Add things."""

    text = describe("f", f, {"f": f})
    assert "Type:        function" in text and "Signature:   f(a, b=2)" in text and "Add things." in text


def test_prompts():
    ipython, classic = PromptStyle(), PromptStyle(classic=True)
    assert ipython.in_prompt(3) == "In [3]: " and ipython.out_prompt(3) == "Out[3]: "
    assert ipython.continuation(8) == "   ...: "
    assert classic.in_prompt(3) == ">>> " and classic.continuation(4) == "... " and classic.out_prompt(3) == ""


def test_highlighting_switches_to_pygments_once_loaded():
    from prompt_toolkit.document import Document

    from gradrepl.repl.lexer import PythonHighlighting

    highlighting = PythonHighlighting()
    plain = highlighting.lexer.lex_document(Document("for i in x:"))(0)
    assert plain == [("", "for i in x:")]
    highlighting.load()
    styled = highlighting.lexer.lex_document(Document("for i in x:"))(0)
    assert ("class:pygments.keyword", "for") in styled


@pytest.mark.parametrize("source, ename, tags", [
    ("y = x * 2", None, []),
    ("y.backward()", "RuntimeError", ["raises-exception"]),
    ("while True: pass", "KeyboardInterrupt", ["nbval-skip"]),
    ("%graph y", None, ["nbval-ignore-output"]),
    ("x?", None, ["nbval-ignore-output"]),
    ("?x", None, ["nbval-ignore-output"]),
    ("%timeit y * 2", None, ["nbval-ignore-output"]),
    ("%time y.backward()", "RuntimeError", ["raises-exception", "nbval-ignore-output"]),
])
def test_saved_cells_are_tagged_so_replay_passes(source, ename, tags):
    from gradrepl.repl.magics import MAGICS
    from gradrepl.repl.notebook import CellRecord, replay_tags_for

    assert replay_tags_for([CellRecord(source, 1, [], ename)], set(MAGICS)) == [tags]


def test_torch_import_goes_into_the_first_cell_only_when_missing():
    from gradrepl.repl.notebook import CellRecord, build_notebook

    bare = build_notebook([CellRecord("x = torch.ones(1)", 1)])
    assert bare.cells[0].source.startswith("import torch") and bare.cells[0].execution_count == 1
    own = build_notebook([CellRecord("import torch\nx = 1", 1)])
    assert own.cells[0].source == "import torch\nx = 1"


def test_no_completion_of_attributes_of_calls_subscripts_or_literals():
    namespace = {"x": Tensorish(), "xs": [Tensorish()]}
    assert candidates("x.backward().gr", namespace) == (0, [])
    assert candidates("xs[0].gr", namespace) == (0, [])
    assert candidates("'abc'.up", namespace) == (0, [])
    assert candidates("", namespace) == (0, [])


def test_hint_for_zeroing_a_grad_that_does_not_exist_yet():
    assert "backward()" in hint_for("AttributeError", "'NoneType' object has no attribute 'zero_'")
