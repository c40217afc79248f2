"""``gradrepl replay`` through the CLI: verdicts, reports, bad input and exit codes.

The notebooks here use plain Python (and numpy) so that they test replay, not the engine.
"""

import json
import os
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from notebook_builder import code, dumps_nb, error, md, result, stderr, stdout, write_nb

runner = CliRunner()


def replay(*args):
    return runner.invoke(app, ["replay", "--no-color", *map(str, args)])


@pytest.fixture
def good(tmp_path):
    return write_nb(tmp_path / "good.ipynb", [
        md("# A lesson"),
        code("x = 2\nprint(x * 3)", outputs=[stdout("6\n")], count=1),
        code("x ** 2", outputs=[result("4", 2)], count=2),
        code("class A:\n    pass\nA()", outputs=[result("<__main__.A at 0x7f0011223344>", 3)], count=3),
    ])


def test_matching_notebook_passes(good):
    outcome = replay(good)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.splitlines() == [f"{good}  3 passed, 0 failed, 0 skipped", "3 passed, 0 failed, 0 skipped"]


def test_mismatch_shows_cell_source_and_diff(tmp_path):
    path = write_nb(tmp_path / "bad.ipynb", [code("print(1)\nprint(2)", outputs=[stdout("1\n3\n")], count=4)])
    outcome = replay(path)
    assert outcome.exit_code == 1
    assert outcome.output.splitlines() == [
        f"{path}  0 passed, 1 failed, 0 skipped",
        "  cell 1 (In [4]): output differs",
        "    | print(1)",
        "    | print(2)",
        "    --- recorded",
        "    +++ produced",
        "    @@ -1,3 +1,3 @@",
        "     [stdout]",
        "     1",
        "    -3",
        "    +2",
        "0 passed, 1 failed, 0 skipped",
    ]


def test_uncaught_exception_fails_and_notebook_goes_on(tmp_path):
    path = write_nb(tmp_path / "e.ipynb", [code("1/0"), code("print('after')", outputs=[stdout("after\n")])])
    outcome = replay(path)
    assert outcome.exit_code == 1
    assert "cell 1: raised ZeroDivisionError: division by zero" in outcome.output
    assert f"{path}  1 passed, 1 failed" in outcome.output


def test_syntax_error_cell(tmp_path):
    path = write_nb(tmp_path / "s.ipynb", [code("x = (", outputs=[]), code("1 + 1", outputs=[result("2")])])
    outcome = replay(path)
    assert outcome.exit_code == 1
    assert "raised SyntaxError: incomplete input (" in outcome.output
    assert "1 passed, 1 failed" in outcome.output


def test_runaway_loop_fails_only_its_cell(tmp_path):
    path = write_nb(tmp_path / "loop.ipynb", [code("while True:\n    pass"), code("'next'", outputs=[result("'next'")])])
    outcome = replay("--timeout", "0.5", path)
    assert outcome.exit_code == 1
    assert "cell 1: raised TimeoutError: Cell execution timed out after 0.5 seconds" in outcome.output
    assert "1 passed, 1 failed" in outcome.output


@pytest.mark.skipif(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") > 30e9,
                    reason="40 GB might really be allocated on this machine")
def test_huge_tensor_request_fails_its_cell_in_one_line(tmp_path):
    path = write_nb(tmp_path / "mem.ipynb", [code("import torch\nbig = torch.ones(10**10)"),
                                             code("torch.ones(2).sum()", outputs=[result("tensor(2.)")])])
    outcome = replay(path)
    assert outcome.exit_code == 1
    assert ("cell 1: raised RuntimeError: [enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
            "can't allocate memory: you tried to allocate 40000000000 bytes. Error code 12 (Cannot allocate memory)"
            in outcome.output)
    assert "1 passed, 1 failed" in outcome.output


def test_nbval_markers(tmp_path):
    path = write_nb(tmp_path / "m.ipynb", [
        code("# NBVAL_SKIP\nraise SystemExit"),
        code("import random\nrandom.random()", tags=["nbval-ignore-output"], outputs=[result("0.123")]),
        code("# NBVAL_RAISES_EXCEPTION\nraise ValueError('expected')", outputs=[error("ValueError", "expected")]),
        code("raise KeyError('k')", tags=["raises-exception"], outputs=[error("KeyError", "'k'")]),
        code("print('never')", tags=["skip-execution"]),
    ])
    outcome = replay("-v", path)
    assert outcome.exit_code == 0, outcome.output
    assert f"{path}  3 passed, 0 failed, 2 skipped" in outcome.output
    assert "cell 1: skipped (marked to skip)" in outcome.output


def test_expected_exception_with_different_message_fails(tmp_path):
    path = write_nb(tmp_path / "r.ipynb", [code("raise ValueError('new')", tags=["raises-exception"],
                                                outputs=[error("ValueError", "old")])])
    outcome = replay(path)
    assert outcome.exit_code == 1
    assert "-ValueError: old" in outcome.output and "+ValueError: new" in outcome.output


def test_lax_compares_only_check_output_cells(tmp_path):
    path = write_nb(tmp_path / "lax.ipynb", [code("print(1)", outputs=[stdout("2\n")]),
                                             code("# NBVAL_CHECK_OUTPUT\nprint(3)", outputs=[stdout("3\n")])])
    assert replay(path).exit_code == 1
    assert replay("--lax", path).exit_code == 0


def test_magics_skipped_and_reported_timings_ignored(tmp_path):
    path = write_nb(tmp_path / "magic.ipynb", [
        code("%matplotlib inline\n!pip install torch\n%load_ext autoreload"),
        code("%time y = 3", outputs=[stdout("CPU times: user 1 s, sys: 2 s, total: 3 s\nWall time: 9 s\n")]),
        code("%timeit y + 1", outputs=[stdout("8.3 ns ± 0.1 ns per loop (mean ± std. dev. of 7 runs, 100,000,000 loops each)\n")]),
    ])
    outcome = replay(path)
    assert outcome.exit_code == 0, outcome.output
    assert "cell 1: skipped (did not run `!pip install torch`: shell commands are not run by gradrepl)" in outcome.output
    assert "cell 1: skipped (did not run `%load_ext autoreload`: magic %load_ext is not supported by gradrepl)" in outcome.output
    assert outcome.output.endswith("2 passed, 0 failed, 1 skipped\n")


def test_stderr_compared_only_on_request(tmp_path):
    path = write_nb(tmp_path / "err.ipynb", [
        code("import sys\nprint('x', file=sys.stderr)", outputs=[stderr("y\n")]),
    ])
    assert replay(path).exit_code == 0
    assert replay("--compare-stderr", path).exit_code == 1


def test_warning_text_matches_across_processes(tmp_path):
    source = "import warnings\nwarnings.warn('careful')"
    recorded = stderr("/tmp/ipykernel_99999/123456.py:2: UserWarning: careful\n  warnings.warn('careful')\n")
    path = write_nb(tmp_path / "w.ipynb", [code(source, outputs=[recorded])])
    outcome = replay("--compare-stderr", path)
    assert outcome.exit_code == 0, outcome.output


def test_tolerance_option(tmp_path):
    path = write_nb(tmp_path / "tol.ipynb", [code("print(f'{1/3:.4f}')", outputs=[stdout("0.3334\n")])])
    assert replay(path).exit_code == 1
    assert replay("--tolerance", path).exit_code == 0


def test_sanitize_option(tmp_path):
    path = write_nb(tmp_path / "san.ipynb", [code("import os\nprint('pid', os.getpid())", outputs=[stdout("pid 1\n")])])
    config = tmp_path / "sanitize.cfg"
    config.write_text("[pid]\nregex: pid \\d+\nreplace: pid PID\n")
    assert replay(path).exit_code == 1
    assert replay("--sanitize", config, path).exit_code == 0
    outcome = replay("--sanitize", tmp_path / "missing.cfg", path)
    assert outcome.exit_code == 2


# --- input problems: exit 2 with one line each ------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ('{"cells": [', "not valid JSON (Expecting value at line 1, column 12)"),
    ("[1, 2]", "not a notebook (no nbformat version)"),
    ('{"nbformat": 2, "worksheets": []}', "unsupported nbformat version 2 (gradrepl reads versions 3 and 4)"),
    ('{"nbformat": 4, "cells": 5}', "not a notebook (no list of cells)"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}',
     "not a valid notebook (cell 1: source is not text)"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": {}}]}',
     "not a valid notebook (cell 1: outputs is not a list of outputs)"),
])
def test_unusable_input_exits_2(tmp_path, content, message):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    outcome = replay(path)
    assert outcome.exit_code == 2
    assert outcome.output == f"error: {path}: {message}\n"


def test_truncated_notebook_file(tmp_path, good):
    truncated = tmp_path / "truncated.ipynb"
    truncated.write_text(good.read_text()[:200])
    outcome = replay(truncated)
    assert outcome.exit_code == 2
    assert outcome.output.startswith(f"error: {truncated}: not valid JSON (")
    assert len(outcome.output.splitlines()) == 1


def test_missing_path_and_empty_glob(tmp_path):
    outcome = replay(tmp_path / "nope.ipynb")
    assert (outcome.exit_code, outcome.output) == (2, f"error: {tmp_path / 'nope.ipynb'}: no such file or directory\n")
    outcome = replay(str(tmp_path / "*.ipynb"))
    assert outcome.exit_code == 2 and "no notebooks match this pattern" in outcome.output


def test_bad_option_is_usage_error(good):
    assert replay("--jobs", "0", good).exit_code == 2


def test_nbformat_v3_is_converted(tmp_path):
    v3 = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [
        {"cell_type": "code", "collapsed": False, "input": ["print(5)"], "language": "python", "metadata": {},
         "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["5\n"]}], "prompt_number": 1},
    ], "metadata": {}}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    outcome = replay(path)
    assert outcome.exit_code == 0, outcome.output
    assert "1 passed, 0 failed, 0 skipped  (converted from nbformat 3)" in outcome.output


# --- discovery ---------------------------------------------------------------------------------------

def test_directories_recursive_without_checkpoints(tmp_path):
    write_nb(tmp_path / "a" / "one.ipynb", [code("1", outputs=[result("1")])])
    write_nb(tmp_path / "a" / "b" / "two.ipynb", [code("2", outputs=[result("2")])])
    write_nb(tmp_path / "a" / ".ipynb_checkpoints" / "one-checkpoint.ipynb", [code("1", outputs=[result("9")])])
    outcome = replay(tmp_path / "a")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.count("1 passed") == 2
    assert "checkpoint" not in outcome.output
    outcome = replay(str(tmp_path / "a" / "**" / "*.ipynb"))
    assert outcome.exit_code == 0 and outcome.output.endswith("2 passed, 0 failed, 0 skipped\n")


# --- reports -----------------------------------------------------------------------------------------

def test_json_and_junit_reports(tmp_path, good):
    bad = write_nb(tmp_path / "bad.ipynb", [code("print(1)", outputs=[stdout("2\n")]), code("# NBVAL_SKIP\n1")])
    json_path, xml_path = tmp_path / "out" / "r.json", tmp_path / "r.xml"
    outcome = replay("--json", json_path, "--junit-xml", xml_path, good, bad)
    assert outcome.exit_code == 1
    report = json.loads(json_path.read_text())
    assert report["summary"] == {"passed": 3, "failed": 1, "unsupported": 0, "skipped": 1, "notebooks": 2, "ok": False}
    failing = report["notebooks"][1]["cells"][0]
    assert (failing["cell"], failing["status"], failing["reason"]) == (1, "failed", "output differs")
    assert "-2" in failing["diff"] and "+1" in failing["diff"]
    suites = ET.parse(xml_path).getroot()
    assert [s.get("tests") for s in suites] == ["3", "2"]
    bad_suite = suites[1]
    assert bad_suite.get("failures") == "1" and bad_suite.get("skipped") == "1"
    assert bad_suite[0].find("failure").get("message") == "output differs"


def test_fail_fast_stops_at_first_failure(tmp_path):
    first = write_nb(tmp_path / "1.ipynb", [code("print(1)", outputs=[stdout("2\n")]), code("3", outputs=[result("3")])])
    second = write_nb(tmp_path / "2.ipynb", [code("1", outputs=[result("1")])])
    outcome = replay("--fail-fast", first, second)
    assert outcome.exit_code == 1
    assert f"{first}  0 passed, 1 failed, 0 skipped  (stopped at the first failure)" in outcome.output
    assert str(second) not in outcome.output


def test_jobs_give_the_same_results(tmp_path):
    paths = [write_nb(tmp_path / f"n{i}.ipynb", [code(f"print({i})", outputs=[stdout(f"{i % 2}\n")])])
             for i in range(4)]
    serial, parallel = replay(*paths), replay("--jobs", "2", *paths)
    assert serial.exit_code == parallel.exit_code == 1
    assert serial.output == parallel.output
    assert serial.output.endswith("2 passed, 2 failed, 0 skipped\n")


def test_version_and_help():
    assert runner.invoke(app, ["--version"]).output.startswith("gradrepl ")
    outcome = runner.invoke(app, ["replay", "--help"])
    assert outcome.exit_code == 0 and "--update" in outcome.output and "--junit-xml" in outcome.output


def test_engine_torch_without_pytorch_is_usage_error(good, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find_spec(name, *a))
    outcome = replay("--engine", "torch", good)
    assert (outcome.exit_code, outcome.output) == (2, "error: --engine torch needs PyTorch installed (pip install torch)\n")


def test_input_fails_as_in_a_kernel_without_stdin(tmp_path):
    path = write_nb(tmp_path / "input.ipynb", [code("name = input('name? ')")])
    outcome = replay(path)
    assert "raised StdinNotImplementedError: raw_input was called, but this frontend does not support input requests." \
        in outcome.output


def test_figures_are_not_compared(tmp_path):
    figure = {"data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
              "metadata": {}, "output_type": "display_data"}
    path = write_nb(tmp_path / "plot.ipynb", [code("print('plotted')", outputs=[stdout("plotted\n"), figure])])
    assert replay(path).exit_code == 0


def test_ctrl_c_stops_the_run(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    marker = tmp_path / "started"
    path = write_nb(tmp_path / "slow.ipynb", [code("x = 1", count=1),
                                              code(f"import pathlib, time\npathlib.Path({str(marker)!r}).touch()\n"
                                                   "time.sleep(60)", count=2),
                                              code("print('second')")])
    process = subprocess.Popen([sys.executable, "-m", "gradrepl", "replay", "--no-color", "--update", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 130
    # where it stopped: the cell that was running
    assert output == f"interrupted: no notebook was updated\n  was running {path}: cell 2 (In [2])\n"
    assert json.loads(path.read_text())["cells"][1]["outputs"] == []


def test_ctrl_c_in_process_says_which_cell_was_running(tmp_path):
    """Where notebooks run in the replay process (--engine torch, no fork), as in a child."""
    from gradrepl.replay import notebooks, runner
    from gradrepl.replay.results import ReplayInterrupted, ReplayOptions

    path = write_nb(tmp_path / "n.ipynb", [md("# a lesson"), code("x = 1", count=4), code("x + 1", count=5)])
    with pytest.raises(ReplayInterrupted) as stop:
        runner._replay(notebooks.load(path), ReplayOptions(), None, interrupted=lambda: True)
    assert stop.value.running == [f"{path}: cell 2 (In [4])"]


def test_junit_xml_stays_valid_with_control_characters(tmp_path):
    path = write_nb(tmp_path / "bell.ipynb", [code("print('ding\\x07\\x0c')", outputs=[stdout("dong\n")])])
    xml_path = tmp_path / "r.xml"
    assert replay("--junit-xml", xml_path, path).exit_code == 1
    failure = ET.parse(xml_path).getroot()[0][0].find("failure")
    assert failure.text.endswith("+ding\\x07")  # the form feed was trailing whitespace
