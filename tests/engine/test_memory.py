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
