"""``--update``: produced outputs written back atomically, every other byte kept."""

import copy
import json
import os
import stat

from typer.testing import CliRunner

from gradrepl.cli import app
from gradrepl.engine.cpu_capability import isa, vendor
from notebook_builder import build_nb, code, dumps_nb, md, result, stdout, write_nb

runner = CliRunner()


def replay(*args):
    return runner.invoke(app, ["replay", "--no-color", *map(str, args)])


def lesson_cells():
    return [
        md("# Ünïcödé lesson ✓\n![img](attachment:a.png)", attachments={"a.png": {"image/png": "iVBORw0KGgo="}}),
        code("x = 2\nprint(x)", outputs=[stdout("2\n")], count=1, metadata={"collapsed": False}),
        code("x * 10", outputs=[result("21", 2)], count=2),  # stale
        code("print('new ✓')"),  # never executed
        code("y = 1", count=4),
        md("The end"),
    ]


STAMP = ('"gradrepl": {\n      "cpu_isa": "%s",\n      "cpu_vendor": "%s"\n    },\n    '
         % (isa(), vendor()))  # json.dumps(indent=2)'s


def expected_after_update():
    nb = build_nb(lesson_cells())
    nb["metadata"]["gradrepl"] = {"cpu_isa": isa(), "cpu_vendor": vendor()}  # the CPU the new outputs come from
    nb["cells"][2]["outputs"] = [result("20", 2)]
    nb["cells"][3]["outputs"] = [stdout("new ✓\n")]
    nb["cells"][3]["execution_count"] = 3
    return nb


def test_update_rewrites_only_changed_cells_as_nbformat_would(tmp_path):
    path = write_nb(tmp_path / "lesson.ipynb", lesson_cells(), metadata={"widgets": {"state": {}}, "title": "é"})
    outcome = replay("--update", path)
    assert outcome.exit_code == 0, outcome.output
    assert f"{path}: updated 2 cells" in outcome.output
    expected = expected_after_update()
    expected["metadata"] = {"widgets": {"state": {}}, "title": "é", "gradrepl": {"cpu_isa": isa(), "cpu_vendor": vendor()}}
    assert path.read_text(encoding="utf-8") == dumps_nb(expected)


def test_update_is_idempotent_and_then_passes(tmp_path):
    path = write_nb(tmp_path / "lesson.ipynb", lesson_cells())
    assert replay("--update", path).exit_code == 0
    before = path.read_bytes()
    inode = os.stat(path).st_ino
    outcome = replay("--update", path)
    assert outcome.exit_code == 0
    assert "updated" not in outcome.output
    assert path.read_bytes() == before and os.stat(path).st_ino == inode  # not even rewritten
    assert replay(path).exit_code == 0


def test_foreign_formatting_kept_outside_changed_values(tmp_path):
    nb = build_nb(lesson_cells())
    text = json.dumps(nb, indent=2, ensure_ascii=True)  # not nbformat's style, keys unsorted
    path = tmp_path / "foreign.ipynb"
    path.write_text(text)
    assert replay("--update", path).exit_code == 0
    new_text = path.read_text()
    assert json.loads(new_text) == expected_after_update()
    stale_start = text.index('"outputs"', text.index('"x * 10"') - 400)
    assert new_text[:stale_start] == text[:stale_start]
    # the vendor stamp goes into the metadata in sorted key order, nothing else moves
    assert new_text.replace(STAMP, "").endswith(
        text[text.index('"cell_type": "markdown"', text.index("y = 1")) - 20:])


def test_update_refused_when_a_cell_raises(tmp_path):
    path = write_nb(tmp_path / "raises.ipynb", [code("print(1)", outputs=[stdout("0\n")]), code("undefined_name")])
    before = path.read_bytes()
    outcome = replay("--update", path)
    assert outcome.exit_code == 1
    assert f"{path}: not updated: cell 2 raised NameError: name 'undefined_name' is not defined" in outcome.output
    assert path.read_bytes() == before


def test_update_records_expected_exceptions(tmp_path):
    path = write_nb(tmp_path / "expected.ipynb", [code("1/0", tags=["raises-exception"])])
    assert replay("--update", path).exit_code == 0
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    assert [(o["output_type"], o["ename"], o["evalue"]) for o in outputs] == [
        ("error", "ZeroDivisionError", "division by zero")]
    assert replay(path).exit_code == 0


def test_update_is_atomic_and_keeps_file_mode(tmp_path):
    path = write_nb(tmp_path / "mode.ipynb", [code("print(3)")])
    os.chmod(path, 0o640)
    assert replay("--update", path).exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mode.ipynb"]


def test_ignored_cells_keep_their_recorded_outputs(tmp_path):
    cells = [code("import random\nrandom.random()", tags=["nbval-ignore-output"], outputs=[result("0.5", 1)], count=1)]
    path = write_nb(tmp_path / "ignored.ipynb", cells)
    before = path.read_bytes()
    assert replay("--update", path).exit_code == 0
    assert path.read_bytes() == before


def test_update_of_v3_notebook_is_refused_not_rewritten_as_v4(tmp_path):
    v3 = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [
        {"cell_type": "code", "collapsed": False, "input": ["print(5)"], "language": "python", "metadata": {},
         "outputs": [], "prompt_number": None}], "metadata": {}}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    before = path.read_bytes()
    outcome = replay("--update", path)
    assert outcome.exit_code == 1
    assert f"{path}: not updated: it is an nbformat 3 notebook and gradrepl writes only nbformat 4" in outcome.output
    assert path.read_bytes() == before


def test_update_with_parallel_jobs(tmp_path):
    paths = [write_nb(tmp_path / f"j{i}.ipynb", [code(f"print({i} * 2)")]) for i in range(3)]
    outcome = replay("--update", "--jobs", "2", *paths)
    assert outcome.exit_code == 0, outcome.output
    for i, path in enumerate(paths):
        assert json.loads(path.read_text())["cells"][0]["outputs"] == [stdout(f"{i * 2}\n")]
    assert replay(*paths).exit_code == 0


def test_windows_line_endings_are_kept(tmp_path):
    path = tmp_path / "crlf.ipynb"
    text = dumps_nb(build_nb([md("# Title"), code("print(1)")])).replace("\n", "\r\n")
    path.write_bytes(text.encode())
    assert replay("--update", path).exit_code == 0
    new = path.read_bytes().decode()
    assert "\n" not in new.replace("\r\n", "")
    assert json.loads(new)["cells"][1]["outputs"] == [stdout("1\n")]
    assert replay(path).exit_code == 0
