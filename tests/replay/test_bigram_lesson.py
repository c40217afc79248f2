"""samples/20_bigram_makemore.ipynb is what scripts/make_bigram_lesson.py builds (the outputs
recorded from PyTorch aside); the samples tests replay it on gradrepl and on torch."""

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_bigram_lesson", ROOT / "scripts" / "make_bigram_lesson.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(nb) -> list:
    return [(c.cell_type, c.get("id"), c.source, c.metadata.get("tags", []))
            for c in nb.cells]


def test_lesson_matches_its_script():
    script = _script()
    committed = nbformat.read(str(script.PATH), as_version=4)
    assert _cells(committed) == _cells(script.build())


def test_lesson_has_recorded_outputs_for_every_code_cell():
    committed = nbformat.read(str(_script().PATH), as_version=4)
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code)
