"""Help generated from the op registry: every name the registry gives an op has a text with torch's
documented signature, made from its entry (so a changed entry changes its help), without internals."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from gradrepl.engine.ops import registry
from gradrepl.engine.ops.arithmetic import MUL
from gradrepl.torch import docs
from gradrepl.torch.docs import generated


def registered_names() -> list[str]:
    return sorted([f"torch.{n}" for n in registry.torch_functions()]
                  + [f"torch.Tensor.{n}" for n in registry.tensor_methods()])


@pytest.mark.parametrize("name", registered_names())
def test_every_registered_name_has_help_with_a_signature(name):
    doc = docs.lookup(name)
    assert doc is not None
    attr = name.rsplit(".", 1)[1]
    assert re.match(rf"^{re.escape(attr)}\(.*\)", doc.signature), doc.signature
    assert doc.render().strip()


def test_help_shows_no_internals():
    for name in registered_names():
        doc = docs.lookup(name)
        shown = f"{doc.signature}\n{doc.render()}"
        for internal in ("lambda", "gradrepl.engine", "gradrepl.torch", "<function", "<object", " at 0x",
                         "Primitive", "'Tensor'"):
            assert internal not in shown, (name, internal)


def test_an_op_without_hand_written_help_gets_torchs_signature_and_its_registry_facts():
    doc = docs.lookup("torch.clamp_min")
    assert "torch.clamp_min" not in docs.entries()  # generated, not hand-written
    assert doc.signature == "clamp_min(input, min) -> Tensor"
    text = doc.render()
    assert text.startswith("clamp_min: an extrema op; records grad_fn=<ClampMinBackward0>.")
    assert "Forms:       torch.clamp_min, torch.clamp_min_, Tensor.clamp_min, Tensor.clamp_min_" in text
    assert "grad_fn=<ClampMinBackward0>; gradient for self; saves self for backward" in text
    assert docs.lookup("torch.Tensor.clamp_min").signature == "clamp_min(min) -> Tensor"
    assert docs.lookup("torch.Tensor.clamp_min_").render().startswith("In-place clamp_min:")
    # torch documents no torch.log2_: it borrows torch.log2's, without out=
    assert docs.lookup("torch.log2_").signature == "log2_(input) -> Tensor"
    assert docs.lookup("torch.round_").signature.startswith("round_(input, *, decimals=0")


def test_overloads_out_and_pointer_to_hand_written_help():
    text = docs.lookup("torch.max").render()
    assert "Overloads:   max(input, *, out=None) -> Tensor\n             max(input, dim, keepdim=False" in text
    assert "out=:        accepted" in text
    ne = docs.lookup("torch.ne").render()
    assert "Operators:   !=" in ne and "torch.eq?" in ne
    assert "out=:        accepted" in ne
    # torch's documented signature lists out=, which gradrepl does not take
    assert "out=:        not supported by gradrepl yet" in docs.lookup("torch.var_mean").render()


def test_changing_a_registry_entry_changes_its_help(monkeypatch):
    before = docs.lookup("torch.ne").render()
    monkeypatch.setitem(registry.OPS, "ne", dataclasses.replace(
        registry.OPS["ne"], section="arithmetic", rows=(MUL,), operators={}, aliases=("not_equal",)))
    after = docs.lookup("torch.ne").render()
    assert after != before
    assert after.startswith("ne: an arithmetic op; records grad_fn=<MulBackward0>.")
    assert re.search(r"saves (self, other|other, self) for backward", after) and "Operators" not in after
    assert "torch.not_equal" in after
    alias = docs.lookup("torch.not_equal")
    assert alias.signature == "not_equal(input, other, *, out=None) -> Tensor"
    assert alias.render().startswith("Alias of ne:")


def test_an_op_registered_later_gets_help_without_re_recording(monkeypatch):
    assert docs.lookup("torch.nextafter") is None

    def nextafter(input, other):
        return input

    monkeypatch.setitem(registry.OPS, "nextafter", registry.Op("nextafter", nextafter, "arithmetic", rows=(MUL,)))
    doc = docs.lookup("torch.nextafter")
    assert doc.signature == "nextafter(input, other, *, out=None) -> Tensor"
    assert "grad_fn=<MulBackward0>" in doc.render()
    assert docs.lookup("torch.Tensor.nextafter").signature == "nextafter(other) -> Tensor"


def test_question_mark_on_a_generated_op_in_the_shell(driver):
    screen = driver.run("torch.ne?")
    assert screen.startswith("Signature:   torch.ne(input, other, *, out=None) -> Tensor\nDocstring:\nne: a comparison op.")
    assert "<no docstring>" not in screen
    driver.run("x = torch.tensor([1., 2.], requires_grad=True)")
    screen = driver.run("x.log2_?")
    assert screen.startswith("Signature:   x.log2_() -> Tensor\nDocstring:\nIn-place log2:")
    assert driver.run("help(torch.clamp_min)").startswith("Signature:   torch.clamp_min(input, min) -> Tensor")


def test_help_of_tensor_lists_generated_methods(driver):
    screen = driver.run("help(torch.Tensor)")
    assert re.search(r"^  ne {18}ne: a comparison op\.$", screen, re.M)
    assert re.search(r"^  log2_ {15}In-place log2: ", screen, re.M)
    assert "lambda" not in screen and "gradrepl.engine" not in screen


def test_looking_up_help_generates_nothing_at_import():
    code = ("import sys, gradrepl.torch; "
            "print('gradrepl.torch.docs.generated' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_signatures_file_holds_facts_only():
    data = json.loads(generated._SIGNATURES_FILE.read_text(encoding="utf-8"))
    assert data["torch_version"].startswith("2.")
    for name, lines in data["signatures"].items():
        attr = name.rsplit(".", 1)[1]
        assert lines and all(line.startswith(attr + "(") and "\n" not in line for line in lines), name
        assert not any(": " in line.split("->")[0] for line in lines), name  # one plain style


@pytest.mark.torch
def test_recorded_signatures_are_what_live_torch_documents():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(generated._SIGNATURES_FILE.parents[3] / "scripts"))
    from record_torch_doc_signatures import signatures

    live = {**signatures(torch, "torch"), **signatures(torch.Tensor, "torch.Tensor")}
    assert live == generated.recorded_signatures(), "re-run scripts/record_torch_doc_signatures.py"


def test_the_generated_help_example_in_the_shell_guide_is_what_the_shell_prints(driver):
    from pathlib import Path
    import textwrap

    guide = (Path(__file__).resolve().parents[2] / "docs" / "shell.md").read_text(encoding="utf-8")
    block = guide.split("In [1]: torch.clamp_min?\n", 1)[1].split("```", 1)[0]
    shown = textwrap.dedent(block.rstrip(" ")).rstrip("\n") + "\n"
    assert driver.run("torch.clamp_min?") == shown
