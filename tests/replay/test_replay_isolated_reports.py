"""Issue 10's honest counts and reports through issue 12's isolation: every verdict, the HTML,
JSON and JUnit reports and ``%graph`` come back from the forked notebook processes intact, with
one notebook at a time and with ``--jobs``."""

import json

import pytest

from notebook_builder import code, stdout, write_nb
from program import run


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_skipped_failed_and_graph_cells_flow_back_from_each_notebooks_process(tmp_path, jobs):
    graph = write_nb(tmp_path / "a_graph.ipynb", [
        code("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()"),
        code("%graph y"),
    ])
    recorded = run("replay", "--update", graph)  # %graph runs in the child and its drawing is recorded
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    drawing = "".join(json.loads(graph.read_text())["cells"][1]["outputs"][0]["text"])
    assert "AccumulateGrad" in drawing
    mixed = write_nb(tmp_path / "b_mixed.ipynb", [
        code("print(1)", outputs=[stdout("1\n")]),
        code("%whos\nprint(2)", outputs=[stdout("2\n")]),
        code("print(3)", outputs=[stdout("4\n")]),
    ])
    html, report, junit = tmp_path / "r.html", tmp_path / "r.json", tmp_path / "r.xml"
    completed = run("replay", "--jobs", jobs, "--html", html, "--json", report, "--junit-xml", junit,
                    graph, mixed)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == f"{graph}  2 passed, 0 failed, 0 skipped"
    assert f"{mixed}  1 passed, 1 failed, 1 skipped" in lines
    assert lines[-1] == "3 passed, 1 failed, 1 skipped"
    summary = json.loads(report.read_text())["summary"]
    assert (summary["passed"], summary["failed"], summary["skipped"]) == (3, 1, 1)
    assert junit.read_text().count("<skipped ") == 1
    page = html.read_text()
    assert "b_mixed.ipynb" in page and "did not run" in page and "print(3)" in page
