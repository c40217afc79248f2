"""``--timeout`` for a cell stuck inside one C call, which Python's SIGALRM cannot interrupt: the
replay process kills that notebook's child after the hard limit (``isolation.hard_time_limit``),
fails the cell with a timeout, and goes on with the next notebook. On the real program."""

import time

import pytest

from gradrepl.replay.isolation import hard_time_limit
from notebook_builder import code, stdout, write_nb
from program import run

STUCK = "sum(range(10**15))"  # one C call: no bytecode runs, so the alarm's handler never does


def test_hard_limit_is_twice_the_cells_and_at_least_two_seconds_more():
    assert hard_time_limit(None) is None
    assert hard_time_limit(0) is None
    assert hard_time_limit(float("inf")) is None and hard_time_limit(1e300) is None
    assert hard_time_limit(0.5) == 2.5
    assert hard_time_limit(1) == 3
    assert hard_time_limit(30) == 60


def test_a_cell_stuck_in_a_c_call_fails_with_a_timeout_and_the_run_goes_on(tmp_path):
    stuck = write_nb(tmp_path / "a_stuck.ipynb", [
        code("print('before')", outputs=[stdout("before\n")], count=1),
        code(STUCK, count=2),
        code("print('after')", outputs=[stdout("after\n")], count=3)])
    fine = write_nb(tmp_path / "b_fine.ipynb", [code("print(2 + 2)", outputs=[stdout("4\n")], count=1)])
    began = time.monotonic()
    done = run("replay", "--timeout", "1", stuck, fine, timeout=60)
    took = time.monotonic() - began
    assert done.returncode == 1, done.stdout + done.stderr
    assert "timed out after 1 seconds" in done.stdout
    assert "stuck in a call Python cannot interrupt" in done.stdout
    assert "b_fine.ipynb" in done.stdout
    assert "1 failed" in done.stdout and "2 passed" in done.stdout, done.stdout
    assert took < 30  # killed at 3 s, not left running


@pytest.mark.parametrize("timeout", ["inf", "0"])
def test_without_a_limit_nothing_is_killed(tmp_path, timeout):
    slow = write_nb(tmp_path / "slow.ipynb", [
        code("import time\ntime.sleep(2.5)\nprint('done')", outputs=[stdout("done\n")], count=1)])
    done = run("replay", "--timeout", timeout, slow, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_slow_notebook_whose_cells_report_in_time_is_not_killed(tmp_path):
    cells = [code(f"import time\ntime.sleep(0.6)\nprint({i})", outputs=[stdout(f"{i}\n")], count=i + 1)
             for i in range(6)]  # 3.6 s in all, past the 3 s hard limit, each cell within 1 s
    slow = write_nb(tmp_path / "slow.ipynb", cells)
    done = run("replay", "--timeout", "1", slow, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
