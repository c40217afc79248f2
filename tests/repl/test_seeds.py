"""Typing each seed lesson into the shell shows what the lesson shows: every code cell of the seed
notebooks in samples/ (outputs recorded from PyTorch 2.13) run through the shell, screen compared."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from .conftest import ShellDriver

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SEEDS = sorted(SAMPLES.glob("0[1-5]_*.ipynb"))
_OUT_LABEL = re.compile(r"^Out\[\d+\]: \n?", re.MULTILINE)
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def normalise(screen: str) -> str:
    return _ADDRESS.sub(" at 0x...", _OUT_LABEL.sub("", screen))


def recorded_screen(cell) -> str:
    """What the shell prints for a cell's recorded outputs, without the `Out[n]:` labels."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data["text/plain"] + "\n")
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}\n")
    return "".join(parts)


@pytest.mark.parametrize("notebook", SEEDS, ids=lambda p: p.name)
def test_seed_lesson_typed_into_the_shell(notebook, engine):
    if not SEEDS:
        pytest.skip("samples/ has no seed notebooks")
    driver = ShellDriver(engine)
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        screen = normalise(driver.run(cell.source))
        expected = normalise(recorded_screen(cell))
        if any(o.output_type == "error" for o in cell.outputs):
            assert expected.strip().splitlines()[-1] in screen, cell.source
        else:
            assert screen == expected, cell.source
