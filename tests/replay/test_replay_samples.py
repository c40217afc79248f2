"""samples/: in sync with scripts/make_samples.py, faithful to the seed lessons, and replaying green."""

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from gradrepl.replay.compare import comparable_blocks

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
runner = CliRunner()


def load_script():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = load_script()


def without_outputs(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("gradrepl", None)  # where the outputs were recorded (docs/replay.md)
    return nb


def committed(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.ipynb").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(make_samples.NEW_LESSONS))
def test_new_lessons_match_the_script(name):
    assert without_outputs(committed(name)) == make_samples.notebook(make_samples.NEW_LESSONS[name])


@pytest.mark.skipif(not make_samples.DEFAULT_SEEDS.is_dir(), reason="seed lessons not available")
def test_seed_lessons_match_the_script_and_show_the_seed_outputs():
    lessons = make_samples.seed_lessons(make_samples.DEFAULT_SEEDS)
    assert len(lessons) == 5
    for name, cells in lessons.items():
        nb = committed(name)
        assert without_outputs(nb) == make_samples.notebook(cells)
        code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        seed_cells = [c for c in cells if c["type"] == "code"]
        for cell, seed in zip(code_cells, seed_cells):
            if seed["seed_output"]:
                recorded = "\n".join(b.text for b in comparable_blocks(cell["outputs"], compare_stderr=False))
                assert recorded == seed["seed_output"].rstrip(), (name, seed["source"])


def test_samples_have_recorded_outputs():
    for path in sorted(SAMPLES.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        executed = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        assert all(c["execution_count"] is not None for c in executed), path


@pytest.mark.torch
def test_samples_replay_on_real_torch():
    pytest.importorskip("torch")
    from gradrepl.engine.cpu_capability import vendor

    # Each sample holds the outputs of torch on the CPU its metadata names. On another vendor's
    # CPU torch's MKL products and float math differ in the last bits, and a cancellation can
    # carry that into a printed digit (samples/19 cell 3, recorded on Intel, on an AMD EPYC:
    # -7.2670e-04 recorded, -7.2706e-04 produced): such a sample's numbers compare within
    # replay's default tolerance, the others exactly (docs/replay.md, "Samples on another CPU")
    here = vendor()
    exact, tolerant = [], []
    for path in sorted(SAMPLES.glob("*.ipynb")):
        recorded = json.loads(path.read_text())["metadata"].get("gradrepl", {}).get("cpu_vendor")
        (exact if recorded == here else tolerant).append(str(path))
    for paths, tolerance in ((exact, []), (tolerant, ["--tolerance"])):
        if paths:
            outcome = runner.invoke(app, ["replay", "--no-color", *tolerance, "--engine", "torch",
                                          *paths])
            assert outcome.exit_code == 0, (here, tolerance, outcome.output)


def test_samples_replay_on_gradrepl():
    outcome = runner.invoke(app, ["replay", "--no-color", str(SAMPLES)])
    assert outcome.exit_code == 0, outcome.output


def test_a_notebook_replays_as_the_cpu_it_was_recorded_on(tmp_path):
    """metadata.gradrepl.cpu_vendor reaches gradrepl's engine for the notebook's run only."""
    import os

    from gradrepl.engine import cpu_capability

    cell = {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {},
            "source": ["from gradrepl.engine import cpu_capability\n",
                       "print(cpu_capability.vendor())"],
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["HygonGenuine\n"]}]}
    nb = {"cells": [cell], "metadata": {"gradrepl": {"cpu_vendor": "HygonGenuine"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "recorded_elsewhere.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    before = os.environ.get(cpu_capability.VENDOR_VARIABLE)
    outcome = runner.invoke(app, ["replay", "--no-color", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert os.environ.get(cpu_capability.VENDOR_VARIABLE) == before


@pytest.mark.parametrize("isa", ["avx512", "avx2", "default"])
def test_a_notebook_replays_as_the_instruction_set_it_was_recorded_on(tmp_path, isa):
    """metadata.gradrepl.cpu_isa reaches the engine's machine, ATen's vector width and MKL's
    kernel set, for the notebook's run only (a forked child, and in this process after it)."""
    import os

    from gradrepl.engine import cpu_capability

    cell = {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {},
            "source": ["from gradrepl.engine import cpu_capability\n",
                       "from gradrepl.engine.ops import blas_order\n",
                       "print(cpu_capability.vendor(), cpu_capability.isa(), "
                       "cpu_capability.vector_lanes(4), blas_order._mkl_avx512())"],
            "outputs": [{"name": "stdout", "output_type": "stream",
                         "text": [f"GenuineIntel {isa} {16 if isa == 'avx512' else 8} "
                                  f"{isa == 'avx512'}\n"]}]}
    nb = {"cells": [cell], "metadata": {"gradrepl": {"cpu_isa": isa, "cpu_vendor": "GenuineIntel"}},
          "nbformat": 4, "nbformat_minor": 5}
    paths = [tmp_path / f"recorded_elsewhere_{i}.ipynb" for i in range(3)]
    for path in paths:
        path.write_text(json.dumps(nb), encoding="utf-8")
    names = (cpu_capability.VENDOR_VARIABLE, cpu_capability.ISA_VARIABLE, "ATEN_CPU_CAPABILITY")
    before = [os.environ.get(name) for name in names]
    machine = (cpu_capability.vendor(), cpu_capability.isa(), cpu_capability.capability())
    saved = {name: os.environ.pop(name, None) for name in names[2:]}  # ATen's own choice
    cpu_capability.clear_caches()
    try:
        for jobs in ("1", "2"):  # forked children, the standby among them
            outcome = runner.invoke(app, ["replay", "--no-color", "--jobs", jobs, *map(str, paths)])
            assert outcome.exit_code == 0, outcome.output
    finally:
        os.environ.update({name: value for name, value in saved.items() if value is not None})
        cpu_capability.clear_caches()
    assert [os.environ.get(name) for name in names] == before
    assert (cpu_capability.vendor(), cpu_capability.isa(), cpu_capability.capability()) == machine


def test_in_process_replay_restores_the_machine(tmp_path):
    """Without a process of its own (Windows, --engine torch's path), the notebook's machine is
    set for its run and this process's put back after it."""
    from gradrepl.engine import cpu_capability
    from gradrepl.replay.notebooks import load
    from gradrepl.replay.results import ReplayOptions
    from gradrepl.replay.runner import replay_in_process

    cell = {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {},
            "source": ["from gradrepl.engine import cpu_capability\n",
                       "print(cpu_capability.vendor(), cpu_capability.isa())"],
            "outputs": [{"name": "stdout", "output_type": "stream",
                         "text": ["HygonGenuine default\n"]}]}
    nb = {"cells": [cell], "metadata": {"gradrepl": {"cpu_isa": "default", "cpu_vendor": "HygonGenuine"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "elsewhere.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    machine = (cpu_capability.vendor(), cpu_capability.isa())
    report = replay_in_process(load(str(path)), ReplayOptions())
    assert [cell.status for cell in report.cells] == ["passed"]
    assert (cpu_capability.vendor(), cpu_capability.isa()) == machine
