"""The child forked ahead (``isolation._Scheduler``'s standby): while one notebook runs, the next
one's process is forked and waits for its turn. It must never run a cell before its turn, never
outlive the replay, never show in where Ctrl-C stopped, and never be reported when --fail-fast
stops the run before its turn. All on the real program."""

import os
import signal
import time

import pytest

from notebook_builder import code, result, stdout, write_nb
from program import run, start


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return set(map(int, listing.read().split()))


def _wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers signal 0
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def _slow_then_marked(tmp_path, seconds=300):
    """A notebook that signals it started, then sleeps; one after it that leaves a marker if it runs."""
    started, ran = tmp_path / "started", tmp_path / "ran"
    slow = write_nb(tmp_path / "a_slow.ipynb", [
        code("x = 1", count=1),
        code(f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep({seconds})", count=2)])
    marked = write_nb(tmp_path / "b_marked.ipynb", [code(f"open({str(ran)!r}, 'w').close()")])
    return slow, marked, started, ran


def test_ctrl_c_names_only_the_running_notebook_and_kills_the_waiting_child(tmp_path):
    slow, marked, started, ran = _slow_then_marked(tmp_path)
    replay = start("replay", slow, marked)
    _wait_until(started.exists)
    _wait_until(lambda: len(_children(replay.pid)) == 2)  # the running notebook and the next one, waiting
    children = _children(replay.pid)
    replay.send_signal(signal.SIGINT)
    out, err = replay.communicate(timeout=30)
    assert replay.returncode == 130
    assert out + err == f"interrupted\n  was running {slow}: cell 2 (In [2])\n"
    assert all(_gone(pid) for pid in children)
    assert not ran.exists()


def test_the_waiting_child_ends_with_the_replay_without_running(tmp_path):
    slow, marked, started, ran = _slow_then_marked(tmp_path, seconds=1)
    replay = start("replay", slow, marked)
    _wait_until(started.exists)
    _wait_until(lambda: len(_children(replay.pid)) == 2)
    children = _children(replay.pid)
    replay.kill()  # no clean-up in the parent: the waiting child sees its go pipe closed
    replay.communicate(timeout=30)
    _wait_until(lambda: all(_gone(pid) for pid in children))
    assert not ran.exists()


def test_fail_fast_never_starts_the_waiting_notebook(tmp_path):
    ran = tmp_path / "ran"
    failing = write_nb(tmp_path / "a.ipynb", [code("import time; time.sleep(0.3); print(1)", outputs=[stdout("2\n")])])
    marked = write_nb(tmp_path / "b.ipynb", [code(f"open({str(ran)!r}, 'w').close()")])
    last = write_nb(tmp_path / "c.ipynb", [code("1", outputs=[result("1")])])
    completed = run("replay", "--fail-fast", failing, marked, last)
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [
        f"{failing}  0 passed, 1 failed, 0 skipped  (stopped at the first failure)",
        "  cell 1: output differs",
        "    | import time; time.sleep(0.3); print(1)",
        "    --- recorded",
        "    +++ produced",
        "    @@ -1,2 +1,2 @@",
        "     [stdout]",
        "    -2",
        "    +1",
        "0 passed, 1 failed, 0 skipped"]
    assert not ran.exists()


@pytest.mark.parametrize("fail_fast", [False, True])
def test_a_waiting_child_killed_before_its_turn_fails_its_notebook_in_its_turn(tmp_path, fail_fast):
    # the first notebook kills its sibling (the child waiting for the next notebook) through /proc
    killer = write_nb(tmp_path / "a.ipynb", [code(
        "import os, signal, time\n"
        "parent = os.getppid()\n"
        "for _ in range(500):\n"
        "    others = set(map(int, open(f'/proc/{parent}/task/{parent}/children').read().split())) - {os.getpid()}\n"
        "    if others:\n"
        "        break\n"
        "    time.sleep(0.01)\n"
        "os.kill(others.pop(), signal.SIGKILL)\n"
        "time.sleep(0.2)\n"
        "print('done')", outputs=[stdout("done\n")])])
    victim = write_nb(tmp_path / "b.ipynb", [code("1", outputs=[result("1")])])
    last = write_nb(tmp_path / "c.ipynb", [code("2", outputs=[result("2")])])
    completed = run("replay", *(["--fail-fast"] if fail_fast else []), killer, victim, last)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    # the first notebook runs to its end (the failure is the victim's, in its turn); -x runs no more
    assert completed.stdout.splitlines() == [
        f"{killer}  1 passed, 0 failed, 0 skipped",
        f"{victim}  0 passed, 1 failed, 0 skipped",
        "  cell 1: the notebook's process ended while running this cell (killed by SIGKILL)",
        "    | 1",
        *([] if fail_fast else [f"{last}  1 passed, 0 failed, 0 skipped"]),
        "1 passed, 1 failed, 0 skipped" if fail_fast else "2 passed, 1 failed, 0 skipped"]
