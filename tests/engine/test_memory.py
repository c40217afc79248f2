"""A library is polite: importing gradrepl.torch leaves numpy's error state, malloc and the
collector as they were; the programs that own their process (shell, run, replay) tune them."""

import subprocess
import sys

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_the_engine_leaves_the_process_as_it_was():
    out = _run("import gc, numpy as np; before = (np.geterr(), gc.get_threshold()); "
               "import gradrepl.torch as torch; torch.ones(2).exp().sum(); "
               "from gradrepl.engine import memory; "
               "print(before == (np.geterr(), gc.get_threshold()), memory._tuned)")
    assert out == "True []"  # numpy, gc unchanged, mallopt never called


def test_host_numpy_warnings_are_untouched(tmp_path):
    code = ("import warnings; warnings.simplefilter('error'); import numpy as np; "
            "import gradrepl.torch as torch; "
            "print(torch.tensor([0., 1e38]).log(), torch.tensor(1e38) * 10, torch.tensor([0.]) / 0)\n"
            "try:\n    np.log(np.zeros(1))\nexcept RuntimeWarning as w:\n    print('host:', w)\n")
    engine_line, host_line = _run(code).splitlines()  # the engine's ops raised nothing
    assert "inf" in engine_line and "nan" in engine_line
    assert host_line == "host: divide by zero encountered in log"


def test_collector_threshold_is_raised_for_a_process_gradrepl_owns():
    assert _run("import gc; from gradrepl.session.process import own_process; own_process(); "
                "print(gc.get_threshold()[0])") == "10000"


def test_a_threshold_the_program_chose_is_kept():
    assert _run("import gc; gc.set_threshold(500); from gradrepl.session.process import "
                "own_process; own_process(); print(gc.get_threshold()[0])") == "500"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_allocator_tuning_applies_on_linux():
    assert _run("from gradrepl.engine import memory; print(memory.tune_allocator())") == "True"


# own_process's collector (engine/memory.py, point 3): a chain of 20,000 ops is ~60,000 live
# tracked objects, so its young collections free nothing; self-referencing lists are garbage
# only the collector can free.
_GRAPH = ("import gc, gradrepl.torch as torch\n"
          "def graph(n=20000):\n"
          "    x = torch.tensor(1.0, requires_grad=True); y = x\n"
          "    for _ in range(n): y = y * 0.5\n"
          "    return y\n"
          "def garbage(n=30000):\n"
          "    for _ in range(n):\n"
          "        a = []; a.append(a)\n")


def test_young_collections_that_free_nothing_raise_the_threshold_and_garbage_lowers_it():
    out = _run("from gradrepl.session.process import own_process; own_process()\n" + _GRAPH +
               "y = graph(); first = gc.get_threshold()[0]\n"
               "y = graph(40000); most = gc.get_threshold()[0]\n"
               "del y; garbage(90000); print(first, most, gc.get_threshold()[0])")
    first, most, after_garbage = map(int, out.split())
    assert 10_000 < first <= most == 80_000
    assert after_garbage == 10_000


def test_a_forked_child_starts_from_the_base_threshold():
    out = _run("import os\nfrom gradrepl.session.process import own_process; own_process()\n" +
               _GRAPH + "y = graph()\npid = os.fork()\n"
               "if pid == 0:\n    print(gc.get_threshold()[0], flush=True); os._exit(0)\n"
               "os.waitpid(pid, 0); print(gc.get_threshold()[0] > 10000)")
    assert out.split() == ["10000", "True"]


def test_a_threshold_set_after_own_process_is_left_alone():
    out = _run("from gradrepl.session.process import own_process; own_process()\n" + _GRAPH +
               "gc.set_threshold(2000, 5, 5); y = graph(); del y; garbage(); y = graph()\n"
               "print(gc.get_threshold())")
    assert out == "(2000, 5, 5)"


def test_importing_the_engine_adds_no_collector_callback():
    assert _run("import gc; n = len(gc.callbacks); import gradrepl.torch as torch; "
                "torch.ones(2, requires_grad=True).exp().sum().backward(); "
                "print(len(gc.callbacks) == n)") == "True"
