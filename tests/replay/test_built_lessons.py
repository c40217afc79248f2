"""The samples built by a script (samples/17_inplace_on_slices.ipynb by
scripts/make_inplace_lesson.py, samples/20_bigram_makemore.ipynb by scripts/make_bigram_lesson.py,
samples/21-23 by scripts/make_course_lessons.py, samples/24-26 by scripts/make_learner_lessons.py, samples/27-29 by scripts/make_model_lessons.py) are what their script builds (the outputs recorded from PyTorch aside); the samples tests replay
them on gradrepl and on torch."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["make_inplace_lesson", "make_bigram_lesson"]


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(nb) -> list:
    return [(c.cell_type, c.get("id"), c.source, c.metadata.get("tags", []))
            for c in nb.cells]


@pytest.mark.parametrize("name", SCRIPTS)
def test_lesson_matches_its_script(name):
    script = _script(name)
    committed = nbformat.read(str(script.PATH), as_version=4)
    assert _cells(committed) == _cells(script.build())


@pytest.mark.parametrize("name", SCRIPTS)
def test_lesson_has_recorded_outputs_for_every_code_cell(name):
    committed = nbformat.read(str(_script(name).PATH), as_version=4)
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code)


def _course_lessons():
    script = _script("make_course_lessons")
    return [(script, name) for name in script.LESSONS]


@pytest.mark.parametrize("script, name", _course_lessons(), ids=lambda v: v if isinstance(v, str) else "")
def test_course_lesson_matches_its_script(script, name):
    committed = nbformat.read(str(script.SAMPLES / f"{name}.ipynb"), as_version=4)
    assert _cells(committed) == _cells(script.build(script.LESSONS[name]))
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code)


@pytest.mark.parametrize("name", ["make_learner_lessons", "make_model_lessons"])
def test_recorded_lessons_match_their_script(name):
    # these scripts build several lessons each, recorded with the CPU vendor they ran on
    script = _script(name)
    for lesson in script.LESSONS:
        committed = nbformat.read(str(script.SAMPLES / f"{lesson}.ipynb"), as_version=4)
        assert _cells(committed) == _cells(script.build(lesson)), lesson
        code = [c for c in committed.cells if c.cell_type == "code"]
        assert code and all(c.outputs for c in code), lesson
        assert committed.metadata["gradrepl"]["cpu_vendor"], lesson
        assert committed.metadata["gradrepl"]["cpu_isa"], lesson
