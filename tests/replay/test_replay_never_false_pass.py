"""Replay's exit status can be trusted: a dead session fails its notebook, notebooks are isolated,
tolerance is on values, hostile cells and files fail in one line while the run and its reports go
on, and signals, threads and --jobs never hang or orphan anything. All on the real program."""

import json
import os
import signal
import time

# numpy is imported before pytester's in-process runs, which drop the modules first imported inside
# them: numpy cannot be loaded twice in one process.
import numpy  # noqa: F401
import pytest

from notebook_builder import code, error, result, stdout, write_nb
from program import run, start

pytest_plugins = ["pytester"]


def test_a_cell_calling_os_exit_fails_its_notebook_and_the_run_goes_on(tmp_path):
    dead = write_nb(tmp_path / "a_dead.ipynb", [code("print(1)", outputs=[stdout("1\n")]),
                                                code("import os; os._exit(0)"), code("print(2)")])
    alive = write_nb(tmp_path / "b_alive.ipynb", [code("print(3)", outputs=[stdout("3\n")])])
    for jobs in ("1", "2"):
        completed = run("replay", "--jobs", jobs, "--json", tmp_path / "r.json", dead, alive)
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert completed.stdout.splitlines() == [
            f"{dead}  1 passed, 1 failed, 0 skipped",
            "  cell 2: the notebook's process ended while running this cell (exit status 0)",
            "    | import os; os._exit(0)",
            f"{alive}  1 passed, 0 failed, 0 skipped",
            "2 passed, 1 failed, 0 skipped"]
        assert "Traceback" not in completed.stderr
        report = json.loads((tmp_path / "r.json").read_text())
        assert report["summary"]["ok"] is False and report["summary"]["failed"] == 1


def test_os_exit_in_a_cell_fails_under_pytest_too(pytester):
    from notebook_builder import build_nb, dumps_nb

    pytester.makefile(".ipynb", lesson=dumps_nb(build_nb([code("import os; os._exit(0)"), code("1")])))
    outcome = pytester.runpytest("--gradrepl", "-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1, skipped=1)
    outcome.stdout.fnmatch_lines(["*the notebook's process ended while running this cell (exit status 0)*"])


# Everything a lesson may change process-wide. The second notebook prints it all; its recording is
# made by replaying it alone, so it is what a fresh kernel prints.
MUTATE = """
import builtins, gc, os, sys, warnings
import numpy as np
import torch
torch.manual_seed(123); torch.randn(5)
torch.autograd.set_detect_anomaly(True)
np.seterr(all="raise")
torch.add = lambda *a, **k: "patched"
torch.Tensor.__repr__ = lambda self: "patched repr"
builtins.abs = lambda x: "patched abs"
sys.setrecursionlimit(123)
os.environ["GRADREPL_LEAK"] = "1"
os.chdir("/")
gc.set_threshold(1, 1, 1)
warnings.simplefilter("error")
"""
OBSERVE = """
import builtins, gc, os, sys
import numpy as np
import torch
print(torch.randn(2), torch.is_anomaly_enabled(), np.geterr()["divide"])
print(torch.add(torch.ones(1), 1), torch.ones(1), abs(-2))
print(sys.getrecursionlimit(), os.environ.get("GRADREPL_LEAK"), os.path.basename(os.getcwd()), gc.get_threshold())
"""


def test_notebooks_are_isolated_so_jobs_1_and_jobs_8_agree(tmp_path):
    mutate = write_nb(tmp_path / "a_mutate.ipynb", [code(MUTATE)])
    (tmp_path / "b").mkdir()
    observe = write_nb(tmp_path / "b" / "observe.ipynb", [code(OBSERVE)])
    assert run("replay", "--update", observe).returncode == 0
    recorded = json.loads(observe.read_text())["cells"][0]["outputs"][0]["text"]
    assert "None b" in recorded[2]  # no leaked environment variable; the notebook's own folder
    for jobs in ("1", "8"):
        completed = run("replay", "--jobs", jobs, mutate, observe)
        assert completed.returncode == 0, completed.stdout + completed.stderr


def test_tolerance_never_lets_a_whole_value_pass_for_another(tmp_path):
    path = write_nb(tmp_path / "t.ipynb", [code("import torch\ntorch.tensor([10., 16., 22.])",
                                                outputs=[result("tensor([11., 15., 23.])")])])
    completed = run("replay", "--tolerance", "--rtol", "0.5", path)
    assert completed.returncode == 1
    assert "output differs" in completed.stdout


def test_timeout_inf_means_no_limit_and_nan_is_refused(tmp_path):
    path = write_nb(tmp_path / "t.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    assert run("replay", "--timeout", "inf", path).returncode == 0
    assert run("replay", "--timeout", "1e300", path).returncode == 0
    refused = run("replay", "--timeout", "nan", path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == "error: --timeout must be a number of seconds (or inf for no limit)"


def test_a_huge_line_is_compared_quickly_and_its_diff_capped(tmp_path):
    path = write_nb(tmp_path / "huge.ipynb", [code("print('=' * 100000)\nfor i in range(500): print(i)",
                                                   outputs=[stdout("-" * 100000 + "\n")])])
    started = time.monotonic()
    completed = run("replay", path)
    assert time.monotonic() - started < 20  # was minutes: quadratic normalisation
    assert completed.returncode == 1
    assert "more characters)" in completed.stdout and completed.stdout.count("\n") < 80
    assert "more lines" in completed.stdout


HOSTILE_CELLS = [
    "class E(Exception):\n    def __str__(self): raise ValueError('no')\nraise E()",
    "globals().clear()",
    "del In",
    "del Out",
    "print('\\udcff')",
    "import builtins; builtins.len = None",
    # a thread that prints only after its cell ended, forever
    "import threading, time\ndef tick():\n    time.sleep(0.1)\n    while True:\n        print('TI' + 'CK'); time.sleep(0.01)\n"
    "threading.Thread(target=tick).start()",
    "import sys; sys.stdout = None",
]


@pytest.mark.parametrize("hostile", HOSTILE_CELLS)
def test_a_cell_breaking_gradrepls_machinery_fails_and_the_run_and_reports_go_on(tmp_path, hostile):
    bad = write_nb(tmp_path / "a_bad.ipynb", [code(hostile), code("print('after')", outputs=[stdout("after\n")]),
                                              code("import time; time.sleep(0.3)")])
    good = write_nb(tmp_path / "b_good.ipynb", [code("print(5)")])
    completed = run("replay", "--update", "--json", tmp_path / "r.json", "--junit-xml", tmp_path / "r.xml",
                    bad, good, timeout=30)
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "TICK" not in completed.stdout  # a thread's late output is in no cell and not on the terminal
    assert completed.stdout.splitlines()[-1].endswith(("cells updated", "cell updated"))
    assert json.loads(good.read_text())["cells"][0]["outputs"] == [stdout("5\n")]
    report = json.loads((tmp_path / "r.json").read_text())
    assert [n["path"] for n in report["notebooks"]] == [str(bad), str(good)]
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")
    cells = report["notebooks"][0]["cells"]
    # the hostile cell either ran as a cell does (an error output, or nothing) or failed its notebook
    assert cells[0]["status"] in ("passed", "failed")
    if len(cells) > 1 and hostile != "import sys; sys.stdout = None":
        assert cells[1]["status"] == "passed", cells  # the session survived: the next cell runs as usual


def test_a_thread_that_never_ends_does_not_keep_replay_running(tmp_path):
    path = write_nb(tmp_path / "t.ipynb", [
        code("import threading, time\nthreading.Thread(target=lambda: [time.sleep(0.01) for _ in iter(int, 1)]).start()"),
        code("print(1)", outputs=[stdout("1\n")])])
    completed = run("replay", path, timeout=30)
    assert completed.returncode == 0, completed.stdout


def _wait_for_files(folder, count, timeout=30):
    deadline = time.monotonic() + timeout
    while len(os.listdir(folder)) < count:
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_stop_jobs_without_hanging_or_orphans(tmp_path, signum, status):
    pids = tmp_path / "pids"
    pids.mkdir()
    paths = [write_nb(tmp_path / f"n{i}.ipynb", [code(
        f"import os, time\nopen(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\ntime.sleep(300)")])
        for i in range(2)]
    replay = start("replay", "--jobs", "2", *paths)
    _wait_for_files(pids, 2)
    replay.send_signal(signum)
    replay.communicate(timeout=20)
    assert replay.returncode == status
    for pid in map(int, os.listdir(pids)):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_fail_fast_does_not_wait_for_running_notebooks(tmp_path):
    failing = write_nb(tmp_path / "a.ipynb", [code("import time; time.sleep(0.5); print(1)",
                                                   outputs=[stdout("2\n")])])
    slow = write_nb(tmp_path / "b.ipynb", [code("import time; time.sleep(300)")])
    started = time.monotonic()
    completed = run("replay", "-x", "--jobs", "2", failing, slow, timeout=60)
    assert time.monotonic() - started < 30
    assert completed.returncode == 1


def test_unwritable_report_paths_are_refused_before_anything_runs(tmp_path):
    marker = tmp_path / "ran"
    path = write_nb(tmp_path / "n.ipynb", [code(f"open({str(marker)!r}, 'w').close()")])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    (tmp_path / "file").write_text("")
    try:
        completed = run("replay", "--json", locked / "r.json", "--junit-xml", tmp_path / "file" / "r.xml",
                        "--html", tmp_path, path)
    finally:
        locked.chmod(0o755)
    assert completed.returncode == 2
    assert completed.stdout.splitlines() == [
        f"error: {locked / 'r.json'}: cannot write a report here ({locked} is read-only)",
        f"error: {tmp_path / 'file' / 'r.xml'}: cannot write a report here ({tmp_path / 'file'} is not a directory)",
        f"error: {tmp_path}: is a directory, not a report file"]
    assert not marker.exists()


def test_a_sanitize_file_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "s.cfg").write_bytes(b"[a]\nregex: \xff\n")
    path = write_nb(tmp_path / "n.ipynb", [code("1")])
    completed = run("replay", "--sanitize", tmp_path / "s.cfg", path)
    assert completed.returncode == 2
    assert completed.stderr == f"error: {tmp_path / 's.cfg'}: not a sanitize file (not UTF-8 text)\n"


def test_recorded_error_outputs_still_compare(tmp_path):
    # a cell marked to raise is judged on its error, through the isolated child as before
    path = write_nb(tmp_path / "e.ipynb", [code("1/0", tags=["raises-exception"],
                                                outputs=[error("ZeroDivisionError", "division by zero")])])
    assert run("replay", path).returncode == 0


ODD_CONTENT = {
    "data null": ('[{"output_type": "execute_result", "data": null, "metadata": {}, "execution_count": 1}]',
                  "cell 1: an execute_result output whose data is not an object"),
    "integer text": ('[{"output_type": "stream", "name": "stdout", "text": 5}]',
                     "cell 1: a stream output whose text is not text"),
    "unknown stream": ('[{"output_type": "stream", "name": "stdlog", "text": "1"}]',
                       "cell 1: a stream output named 'stdlog', not stdout or stderr"),
    "lone surrogate": ('[{"output_type": "stream", "name": "stdout", "text": "\\udcff"}]',
                       "cell 1: text with a lone surrogate (not Unicode text)"),
}


@pytest.mark.parametrize("outputs, message", ODD_CONTENT.values(), ids=ODD_CONTENT.keys())
def test_odd_but_parseable_content_is_one_line_naming_notebook_and_cell(tmp_path, outputs, message):
    path = tmp_path / "odd.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": '
                    + outputs + ', "source": "1"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    completed = run("replay", path)
    assert (completed.returncode, completed.stdout) == (2, f"error: {path}: not a valid notebook ({message})\n")


def test_deep_nesting_huge_integers_and_v3_code_that_is_not_text_are_one_line(tmp_path):
    deep = tmp_path / "deep.ipynb"
    deep.write_text('{"cells": [], "metadata": ' + "[" * 100_000 + "]" * 100_000 + ', "nbformat": 4}')
    huge = tmp_path / "huge.ipynb"
    huge.write_text('{"cells": [], "metadata": {"n": ' + "9" * 5000 + '}, "nbformat": 4}')
    v3 = tmp_path / "v3.ipynb"
    v3.write_text(json.dumps({"metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [
        {"cell_type": "code", "input": 5, "language": "python", "metadata": {}, "outputs": []}]}]}))
    completed = run("replay", deep, huge, v3)
    assert completed.returncode == 2
    assert completed.stdout.splitlines() == [
        f"error: {deep}: not a notebook (JSON nested too deeply)",
        f"error: {huge}: not a notebook (a number too long to read)",
        f"error: {v3}: not a valid notebook (cell 1: source is not text)"]


def test_without_fork_notebooks_run_one_after_another_in_process(tmp_path, monkeypatch):
    # Windows has no fork: the fallback replays in this process, each notebook in a new session.
    from typer.testing import CliRunner

    from gradrepl.cli import app
    from gradrepl.replay import isolation

    monkeypatch.setattr(isolation, "can_isolate", lambda options=None: False)
    first = write_nb(tmp_path / "a.ipynb", [code("import torch\ntorch.set_printoptions(precision=2)")])
    second = write_nb(tmp_path / "b.ipynb", [code("import torch\ntorch.tensor([1/3])",
                                                  outputs=[result("tensor([0.3333])")])])
    outcome = CliRunner().invoke(app, ["replay", "--no-color", "--jobs", "2", str(first), str(second)])
    assert outcome.exit_code == 0, outcome.output
