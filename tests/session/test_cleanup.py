"""A cell is cleaned up as IPython cleans it before running it (leading blank lines, the first
line's indentation, pasted doctest and IPython prompts), checked against IPython's own transformers
when IPython is installed, and through the session: such cells run as they run in Jupyter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.session import Session
from gradrepl.session.cleanup import cleanup_cell

CASES = {
    "  y = 3": "y = 3",
    "  x = 1\n  \n  y = 2": "x = 1\n\ny = 2",
    "  x = 1\ny = 2": "x = 1\ny = 2",  # lines without the first line's indentation are kept
    "\t\tx = 1\n\t\ty = 2": "x = 1\ny = 2",
    "\n\n%%time\nz = 1": "%%time\nz = 1",
    " \n x = 1": "x = 1",
    ">>> x = 1\n... y\n5": "x = 1\ny\n5",
    "x = 1\n>>> y": "x = 1\ny",  # a prompt on the second line counts too
    "In [1]: x = 1\n   ...: y = 2": "x = 1\ny = 2",
    "[nav] In [2]: z = 3": "z = 3",
    "x[..., 0]": "x[..., 0]",
    "...\nx = 1": "...\nx = 1",  # Ellipsis on a first line is Python, not a prompt
    ">>>x": ">>>x",
    "\n\n": "\n\n",
    "": "",
}


@pytest.mark.parametrize("source", sorted(CASES))
def test_cleanup_as_ipython_does(source):
    assert cleanup_cell(source) == CASES[source]


def test_an_untouched_cell_is_the_same_string():
    source = "x = torch.ones(2)\nx.sum()"
    assert cleanup_cell(source) is source


FRAGMENTS = st.sampled_from(["", " ", "  ", "\t", ">>> ", ">>>", "... ", "...", "In [3]: ", "   ...: ", "....: ",
                             "x = 1", "if x:", "print(x)", "Out[3]: 5", "%time x", "#", "..., 0]"])
LINES = st.lists(st.lists(FRAGMENTS, max_size=3).map("".join), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_matches_ipythons_transformers(lines):
    inputtransformer2 = pytest.importorskip("IPython.core.inputtransformer2")
    manager = inputtransformer2.TransformerManager()
    source = "\n".join(lines)
    expected = source.splitlines(keepends=True) or [""]
    for transform in manager.cleanup_transforms:
        expected = transform(expected)
    assert cleanup_cell(source) == "".join(expected)


@pytest.mark.parametrize("engine", ["gradrepl", pytest.param("torch", marks=pytest.mark.torch)])
def test_such_cells_run_in_the_session(engine):
    if engine == "torch":
        pytest.importorskip("torch")
    session = Session(engine=engine)
    assert session.run_cell("import torch\n  ").error is None
    assert session.run_cell("  y = 3").error is None
    result = session.run_cell(">>> w = torch.ones(2) * y\n>>> w")
    assert result.error is None
    assert result.outputs[-1]["data"]["text/plain"] == "tensor([3., 3.])"
    result = session.run_cell("\n\n1/0")
    assert result.error.traceback.splitlines()[1] == "  Cell In[4], line 1"
