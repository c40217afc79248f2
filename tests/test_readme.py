"""The README is part of the product: its examples run here, on gradrepl and (when installed) on
real PyTorch, so the README can claim nothing that either would print differently; and its quick
start test command is the one .ci/run runs."""

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _python_examples():
    return [block for block in re.findall(r"```python\n(.*?)```", README, re.S) if ">>>" in block]


def _run_doctest(block: str, torch_module_name: str) -> doctest.TestResults:
    source = block.replace("import gradrepl.torch as torch", f"import {torch_module_name} as torch")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("index", range(len(_python_examples())))
def test_readme_example_runs_on_gradrepl(index):
    results = _run_doctest(_python_examples()[index], "gradrepl.torch")
    assert results.attempted and not results.failed


@pytest.mark.torch
@pytest.mark.parametrize("index", range(len(_python_examples())))
def test_readme_example_prints_the_same_on_real_torch(index):
    pytest.importorskip("torch")
    results = _run_doctest(_python_examples()[index], "torch")
    assert results.attempted and not results.failed


def test_quick_start_test_command_is_what_ci_runs():
    block = re.search(r"## Quick start.*?```console\n(.*?)```", README, re.S).group(1)
    commands = [line.strip() for line in block.strip().splitlines()]
    assert len(commands) == 2, "the quick start is two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, _, test = commands[1].partition(" && ")
    assert install.replace("pip install", "python -m pip install -q") in ci
    assert test in ci
