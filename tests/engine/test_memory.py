"""The engine's process tuning (gradrepl/engine/memory.py) applies once and respects the user's own."""

import subprocess
import sys

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_collector_threshold_is_raised_from_pythons_default():
    assert _run("import gc, gradrepl.torch; print(gc.get_threshold()[0])") == "10000"


def test_a_threshold_the_program_chose_is_kept():
    assert _run("import gc; gc.set_threshold(500); import gradrepl.torch; "
                "print(gc.get_threshold()[0])") == "500"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_allocator_tuning_applies_on_linux():
    assert _run("import gradrepl.torch; from gradrepl.engine import memory; "
                "print(memory.tune_allocator())") == "True"
