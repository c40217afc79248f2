"""Every example in docs/replay.md runs here and prints what the document says."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from notebook_builder import code, md, stdout, write_nb

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "replay.md").read_text(encoding="utf-8")
runner = CliRunner()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def console_examples() -> list[tuple[str, str]]:
    examples = []
    for block in blocks("console"):
        command, _, output = block.partition("\n")
        assert command.startswith("$ ")
        if command.startswith("$ gradrepl replay"):
            examples.append((command[2:], output))
    return examples


def write_stale_lesson(directory: Path) -> None:
    write_nb(directory / "lesson.ipynb", [
        md("# The polynomial"),
        code("import torch\nx = torch.tensor(2.0, requires_grad=True)", count=1),
        code("y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1\ny.backward()\nprint(x.grad)", count=2,
             outputs=[stdout("tensor(92.)\n")]),
    ])


@pytest.mark.parametrize("command, expected", console_examples(), ids=lambda v: v if v.startswith("gradrepl") else "")
def test_console_example(command, expected, tmp_path, monkeypatch):
    args = shlex.split(command)[1:]
    if "samples/" in args:
        monkeypatch.chdir(ROOT)
    else:
        monkeypatch.chdir(tmp_path)
        write_stale_lesson(tmp_path)
    outcome = runner.invoke(app, [args[0], "--no-color", *args[1:]])
    assert outcome.output == expected


def test_there_are_console_examples():
    assert len(console_examples()) == 3


def test_python_example_prints_what_the_doc_says():
    (program,) = blocks("python")
    (expected,) = [b for b in blocks("text") if b.startswith("1 tensor")]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(program, {"__name__": "__doc_example__"})
    assert printed.getvalue() == expected


def test_every_documented_option_exists():
    help_text = runner.invoke(app, ["replay", "--help"], terminal_width=200).output
    documented = set(re.findall(r"`(--[a-z-]+)", DOC.split("### Options")[1].split("###")[0]))
    assert documented and all(option in help_text for option in documented), documented
