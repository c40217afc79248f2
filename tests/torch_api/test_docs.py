"""docs/nn.md's examples run on gradrepl and, when installed, print the same on real PyTorch."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOC = (Path(__file__).resolve().parents[2] / "docs" / "nn.md").read_text(encoding="utf-8")
EXAMPLES = [block for block in re.findall(r"```python\n(.*?)```", DOC, re.S) if ">>>" in block]


def _run(block: str, module: str) -> doctest.TestResults:
    source = block.replace("import gradrepl.torch as torch", f"import {module} as torch")
    test = doctest.DocTestParser().get_doctest(source, {}, "nn.md", "docs/nn.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_doc_example_runs_on_gradrepl(index):
    results = _run(EXAMPLES[index], "gradrepl.torch")
    assert results.attempted and not results.failed


@pytest.mark.torch
@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_doc_example_prints_the_same_on_real_torch(index):
    pytest.importorskip("torch")
    results = _run(EXAMPLES[index], "torch")
    assert results.attempted and not results.failed
