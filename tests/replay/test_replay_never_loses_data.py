"""``--update`` never loses a byte: on the real program, with a second process editing the file,
cells changing directory, links, read-only files, outputs gradrepl cannot produce and signals."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from gradrepl.engine.cpu_capability import isa, vendor
from notebook_builder import build_nb, code, dumps_nb, md, stdout, write_nb
from program import run, start


def wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_notebook_edited_while_replay_runs_is_not_overwritten(tmp_path):
    started, go = tmp_path / "started", tmp_path / "go"
    path = write_nb(tmp_path / "lesson.ipynb", [
        code(f"open({str(started)!r}, 'w').close()"),
        code(f"import os, time\nwhile not os.path.exists({str(go)!r}): time.sleep(0.02)\nprint('new')"),
    ])
    replay = start("replay", "--update", path)
    wait_for(started)
    # a second process (Jupyter's autosave, say) saves the notebook meanwhile
    edit = ("import json, sys; p = sys.argv[1]; nb = json.load(open(p)); "
            "nb['cells'].append({'cell_type': 'markdown', 'id': 'x', 'metadata': {}, 'source': 'edited'}); "
            "open(p, 'w').write(json.dumps(nb, indent=1))")
    subprocess.run([sys.executable, "-c", edit, str(path)], check=True)
    edited = path.read_bytes()
    go.touch()
    out, err = replay.communicate(timeout=60)
    assert replay.returncode == 1, out + err
    assert f"{path}: not updated: the file changed on disk while replay ran" in out
    assert path.read_bytes() == edited


def test_chdir_in_a_cell_moves_no_file_and_each_notebook_starts_in_its_own_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = write_nb(tmp_path / "a" / "first.ipynb", [code(f"import os\nos.chdir({str(elsewhere)!r})"),
                                                      code("print('recorded now')")])
    second = write_nb(tmp_path / "b" / "second.ipynb", [code("import os\nprint(os.getcwd())")])
    completed = run("replay", "--update", "--json", "report.json", "--junit-xml", "report.xml",
                    "--html", "report.html", "a/first.ipynb", "b/second.ipynb", cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(first.read_text())["cells"][1]["outputs"] == [stdout("recorded now\n")]
    assert json.loads(second.read_text())["cells"][0]["outputs"] == [stdout(f"{tmp_path / 'b'}\n")]
    assert all((tmp_path / name).exists() for name in ("report.json", "report.xml", "report.html"))
    assert sorted(os.listdir(elsewhere)) == []


def test_update_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    target = write_nb(tmp_path / "real" / "lesson.ipynb", [code("print(2)")])
    target.chmod(0o640)
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    completed = run("replay", "--update", link)
    assert completed.returncode == 0, completed.stdout
    assert link.is_symlink()
    assert json.loads(target.read_text())["cells"][0]["outputs"] == [stdout("2\n")]
    assert target.stat().st_mode & 0o777 == 0o640


def test_update_writes_through_a_hard_link(tmp_path):
    path = write_nb(tmp_path / "lesson.ipynb", [code("print(3)")])
    other = tmp_path / "other-name.ipynb"
    os.link(path, other)
    assert run("replay", "--update", path).returncode == 0
    assert json.loads(other.read_text())["cells"][0]["outputs"] == [stdout("3\n")]
    assert path.stat().st_ino == other.stat().st_ino


def test_read_only_notebooks_and_folders_are_refused_before_running(tmp_path):
    marker = tmp_path / "ran"
    read_only = write_nb(tmp_path / "ro.ipynb", [code(f"open({str(marker)!r}, 'w').close()")])
    read_only.chmod(0o444)
    folder = tmp_path / "locked"
    in_locked = write_nb(folder / "lesson.ipynb", [code("print(1)")])
    folder.chmod(0o555)
    try:
        before = read_only.read_bytes(), in_locked.read_bytes()
        completed = run("replay", "--update", read_only, in_locked)
    finally:
        folder.chmod(0o755)
    assert completed.returncode == 2
    assert completed.stdout.splitlines() == [
        f"error: {read_only}: the notebook is read-only; --update will not change it",
        f"error: {in_locked}: its folder {folder} is read-only; --update cannot write the notebook"]
    assert not marker.exists()
    assert (read_only.read_bytes(), in_locked.read_bytes()) == before


FIGURE = {"data": {"image/png": "iVBORw0KGgo=\n", "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
          "metadata": {}, "output_type": "display_data"}


def test_figures_are_kept_when_a_text_output_beside_them_changes(tmp_path):
    path = write_nb(tmp_path / "fig.ipynb", [code("print('new text')", outputs=[stdout("old text\n"), FIGURE])])
    completed = run("replay", "--update", path)
    assert completed.returncode == 0, completed.stdout
    assert json.loads(path.read_text())["cells"][0]["outputs"] == [stdout("new text\n"), FIGURE]


def test_a_changed_result_with_html_beside_it_is_refused_not_dropped(tmp_path):
    html = {"data": {"text/html": ["<b>1</b>"], "text/plain": ["1"]}, "execution_count": 1, "metadata": {},
            "output_type": "execute_result"}
    path = write_nb(tmp_path / "html.ipynb", [code("2", outputs=[html], count=1)])
    before = path.read_bytes()
    completed = run("replay", "--update", path)
    assert completed.returncode == 1
    assert ("has recorded text/html output, which gradrepl cannot produce, and its text changed"
            in completed.stdout)
    assert path.read_bytes() == before


def test_cells_without_outputs_or_execution_count_keys_get_them_and_nothing_else_changes(tmp_path):
    nb = build_nb([md("# Title"), code("print(4)")])
    for key in ("outputs", "execution_count"):
        del nb["cells"][1][key]
    text = dumps_nb(nb)
    path = tmp_path / "sparse.ipynb"
    path.write_text(text)
    assert run("replay", "--update", path).returncode == 0
    new = path.read_text()
    cell = json.loads(new)["cells"][1]
    assert cell["outputs"] == [stdout("4\n")] and cell["execution_count"] == 1
    # only insertions: the old text is the new one with the two members taken out
    start = new.index('"source": [\n    "print(4)"\n   ]') + len('"source": [\n    "print(4)"\n   ]')
    end = new.index("\n  }", start)
    nb["metadata"]["gradrepl"] = {"cpu_isa": isa(), "cpu_vendor": vendor()}  # the CPU the outputs come from
    assert new[:start] + new[end:] == dumps_nb(nb)


def test_sigterm_during_a_run_kills_the_workers_and_leaves_no_file_behind(tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    paths = [write_nb(tmp_path / f"n{i}.ipynb", [code(
        f"import os\nopen(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\nwhile True: pass")])
        for i in range(2)]
    before = [p.read_bytes() for p in paths]
    replay = start("replay", "--update", "--jobs", "2", "--json", tmp_path / "r.json", *paths)
    deadline = time.monotonic() + 30
    while len(os.listdir(pids)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    replay.send_signal(signal.SIGTERM)
    out, _ = replay.communicate(timeout=20)
    assert replay.returncode == 128 + signal.SIGTERM
    assert "terminated (SIGTERM): no notebook was updated" in out
    for pid in map(int, os.listdir(pids)):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert [p.read_bytes() for p in paths] == before
    assert sorted(os.listdir(tmp_path)) == ["n0.ipynb", "n1.ipynb", "pids"]


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    from gradrepl.replay import update

    path = tmp_path / "lesson.ipynb"
    path.write_text("old")

    def killed(fd):
        raise KeyboardInterrupt  # what the SIGTERM/SIGINT handlers raise mid-write

    monkeypatch.setattr(update.os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        update.write_atomically(str(path), "new")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["lesson.ipynb"]


def test_a_signal_while_notebooks_are_being_written_leaves_each_whole_and_no_temporary_file(tmp_path):
    big = "x" * 200_000
    paths = [write_nb(tmp_path / f"n{i:03}.ipynb", [code(f"print({i})\nprint('{big}')")]) for i in range(60)]
    before = {p: p.read_bytes() for p in paths}
    replay = start("replay", "--update", *paths, PYTHONUNBUFFERED="1")
    for line in replay.stdout:
        if ": updated " in line:  # writing has begun: stop replay in the middle of it
            replay.send_signal(signal.SIGTERM)
            break
    replay.communicate(timeout=60)
    assert replay.returncode in (0, 128 + signal.SIGTERM)
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths)  # no temporary file left
    updated = 0
    for path in paths:
        text = path.read_bytes()
        if text != before[path]:
            updated += 1
            assert json.loads(text)["cells"][0]["outputs"][0]["text"][0] == f"{int(path.stem[1:])}\n"
    assert 1 <= updated <= len(paths)
