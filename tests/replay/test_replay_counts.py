"""Honest counts: a cell gradrepl did not run is skipped, never passed, in every report.

Driven through the real program (a subprocess), as a course's CI runs it.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pexpect
import pytest

from notebook_builder import code, error, result, stdout, write_nb
from program import ROOT, gradrepl, program_env

pytest_plugins = ["pytester"]


def lesson_with_lines_not_run(path):
    """Seven code cells: two pass, one fails, four are skipped for each reason replay has."""
    return write_nb(path, [
        code("import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x * x", count=1),
        code("%whos", count=2, outputs=[stdout("Variable   Type      Data/Info\n--------------------\n")]),
        code("x?", count=3),
        code("print(y)\n!ls", count=4, outputs=[stdout("tensor(4., grad_fn=<MulBackward0>)\nlesson.ipynb\n")]),
        code("%%bash\necho hi", count=5, outputs=[stdout("hi\n")]),
        code("# NBVAL_SKIP\nwhile True: pass", count=6),
        code("print(y.item())", count=7, outputs=[stdout("5.0\n")]),
    ])


def test_cells_not_run_are_counted_as_skipped_everywhere(tmp_path):
    path = lesson_with_lines_not_run(tmp_path / "lesson.ipynb")
    run = gradrepl("replay", path, "--json", tmp_path / "r.json", "--junit-xml", tmp_path / "r.xml")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"{path}  1 passed, 1 failed, 5 skipped"
    assert lines[-1] == "1 passed, 1 failed, 5 skipped"
    assert "  cell 2 (In [2]): skipped (did not run `%whos`: magic %whos is not supported by gradrepl)" in lines
    assert "  cell 3 (In [3]): skipped (did not run `x?`: object help is not available in replay)" in lines
    assert "  cell 4 (In [4]): skipped (did not run `!ls`: shell commands are not run by gradrepl)" in lines
    assert any(line.startswith("  cell 5 (In [5]): skipped (did not run `%%bash`") for line in lines)
    assert "cell 6" not in run.stdout  # a skip the author marked is listed only with -v

    report = json.loads((tmp_path / "r.json").read_text())
    assert {k: report["summary"][k] for k in ("passed", "failed", "skipped")} == {"passed": 1, "failed": 1,
                                                                                   "skipped": 5}
    statuses = [cell["status"] for cell in report["notebooks"][0]["cells"]]
    assert statuses == ["passed", "skipped", "skipped", "skipped", "skipped", "skipped", "failed"]
    assert report["notebooks"][0]["cells"][1]["reason"].startswith("did not run `%whos`")

    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "1", "5")
    skipped = [case.find("skipped").get("message") for case in suite if case.find("skipped") is not None]
    assert skipped[0].startswith("did not run `%whos`") and "marked to skip" in skipped


def test_a_lesson_of_skipped_cells_passes_but_says_so(tmp_path):
    path = write_nb(tmp_path / "only_magic.ipynb", [code("%load_ext autoreload"), code("1", outputs=[result("1")])])
    run = gradrepl("replay", path)
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == "1 passed, 0 failed, 1 skipped"


def test_a_cell_that_raises_fails_even_with_a_line_not_run(tmp_path):
    path = write_nb(tmp_path / "raises.ipynb", [code("%who\n1 / 0", outputs=[stdout("Interactive namespace is empty.\n")])])
    run = gradrepl("replay", path)
    assert run.returncode == 1
    assert "cell 1: raised ZeroDivisionError: division by zero" in run.stdout
    assert "cell 1: did not run `%who`" in run.stdout
    assert run.stdout.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"


def test_update_leaves_a_skipped_cells_recorded_output_alone(tmp_path):
    path = lesson_with_lines_not_run(tmp_path / "lesson.ipynb")
    before = json.loads(path.read_text())
    run = gradrepl("replay", "--update", path)
    assert run.returncode == 0, run.stdout
    after = json.loads(path.read_text())
    for number in (2, 3, 4, 5, 6):  # skipped: what %whos or !ls printed is still there
        assert after["cells"][number - 1]["outputs"] == before["cells"][number - 1]["outputs"]
    assert after["cells"][6]["outputs"][0]["text"] == ["4.0\n"]


def test_graph_is_gradrepls_own_magic_and_runs(tmp_path):
    """A lesson saved from the shell may use %graph: replay runs it and compares its drawing."""
    path = write_nb(tmp_path / "graph.ipynb", [
        code("import torch\nx = torch.tensor(2.0, requires_grad=True)\nw = torch.tensor(3.0, requires_grad=True)\n"
             "y = x * w + x"),
        code("%graph y"),
    ])
    recorded = gradrepl("replay", "--update", path)  # records what %graph prints
    assert recorded.returncode == 0, recorded.stdout
    drawing = "".join(json.loads(path.read_text())["cells"][1]["outputs"][0]["text"])
    assert drawing.splitlines()[0] == "AddBackward0"
    assert "AccumulateGrad  x  torch.Size([])" in drawing and "AccumulateGrad  w  torch.Size([])" in drawing
    run = gradrepl("replay", path)
    assert (run.returncode, run.stdout.splitlines()[-1]) == (0, "2 passed, 0 failed, 0 skipped")


def test_readme_quick_start_claim_is_what_replaying_samples_ends_with():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    claimed = re.search(r"it ends with `([^`]+)`", readme).group(1)
    run = gradrepl("replay", "samples", cwd=ROOT)
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == claimed


def test_pytest_plugin_reports_cells_not_run_as_skipped_items(pytester):
    lesson_with_lines_not_run(pytester.path / "lesson.ipynb")
    outcome = pytester.runpytest_subprocess("--gradrepl", "-p", "no:cacheprovider", "-rs")
    outcome.assert_outcomes(passed=1, failed=1, skipped=5)
    outcome.stdout.fnmatch_lines(["SKIPPED * did not run `%whos` (magic %whos is not supported by gradrepl)"])


# --- colour ------------------------------------------------------------------------------------------

ESCAPE = "\x1b["


@pytest.mark.parametrize("settings, coloured", [
    ({}, False),                                   # a pipe: plain text
    ({"FORCE_COLOR": "1"}, True),                  # CI logs that render ANSI colours
    ({"NO_COLOR": "1"}, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # no-color.org wins
])
def test_no_color_and_force_color_are_honoured(tmp_path, settings, coloured):
    path = write_nb(tmp_path / "c.ipynb", [code("print(1)", outputs=[stdout("2\n")])])
    run = gradrepl("replay", path, env=program_env(**settings))
    assert run.returncode == 1
    assert (ESCAPE in run.stdout) == coloured, run.stdout
    if not coloured:
        assert run.stdout.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"


@pytest.mark.parametrize("flag, settings, coloured", [
    ("--color", {"NO_COLOR": "1"}, True),
    ("--no-color", {"FORCE_COLOR": "1"}, False),
])
def test_the_command_line_flag_overrides_the_environment(tmp_path, flag, settings, coloured):
    path = write_nb(tmp_path / "c.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    run = gradrepl("replay", flag, path, env=program_env(**settings))
    assert run.returncode == 0
    assert (ESCAPE in run.stdout) == coloured, run.stdout


def many_notebooks(tmp_path, count=5):
    return [write_nb(tmp_path / f"p{i}.ipynb", [code(f"{i}", outputs=[result(f"{i}")])]) for i in range(count)]


def test_progress_bar_only_on_a_real_terminal(tmp_path):
    paths = many_notebooks(tmp_path)
    forced = gradrepl("replay", *paths, env=program_env(FORCE_COLOR="1"))
    assert forced.returncode == 0 and ESCAPE in forced.stdout
    assert "replaying" not in forced.stdout and "\x1b[?25l" not in forced.stdout  # no bar, no cursor hiding

    child = pexpect.spawn("python", ["-m", "gradrepl", "replay", *map(str, paths)], env=program_env(TERM="xterm"),
                          encoding="utf-8", timeout=60, dimensions=(24, 100))
    child.expect(pexpect.EOF)
    child.wait()  # not close() alone: it kills a process still exiting 0.1 s after the pty closed
    child.close()
    assert child.exitstatus == 0
    assert "replaying" in child.before  # rich's bar, drawn and then cleared
    assert "5 passed, 0 failed, 0 skipped" in child.before


def test_docs_example_of_a_skipped_magic_is_what_replay_prints(tmp_path):
    doc = (ROOT / "docs" / "replay.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```text\n(.*?)```", doc, re.S) if "did not run `%whos`" in b]
    write_nb(tmp_path / "lesson.ipynb", [
        code("import torch\nx = torch.ones(2, requires_grad=True)", count=1),
        code("y = (3 * x).sum()\ny", count=2, outputs=[result("tensor(6., grad_fn=<SumBackward0>)", 2)]),
        code("y.backward()\nx.grad", count=3, outputs=[result("tensor([3., 3.])", 3)]),
        code("%whos", count=4, outputs=[stdout("Variable   Type      Data/Info\n")]),
        code("x.requires_grad", count=5, outputs=[result("True", 5)]),
        code("print(x.grad.sum())", count=6, outputs=[stdout("tensor(6.)\n")]),
    ])
    run = gradrepl("replay", "lesson.ipynb", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout == example
