"""`import gradrepl.torch` must stay light: the shell and replay pull in their UI libraries, the
engine must not (a lesson that only imports torch should not pay for prompt_toolkit or typer)."""

import json
import subprocess
import sys

HEAVY = ("prompt_toolkit", "typer", "nbformat", "rich", "click", "pygments", "torch")


def _modules_after(statement: str) -> set:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_engine_import_pulls_in_no_ui_or_cli_library():
    loaded = _modules_after("import gradrepl.torch")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_bare_package_import_pulls_in_nothing_heavy():
    loaded = _modules_after("import gradrepl")
    assert "numpy" not in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_engine_import_leaves_nn_optim_and_data_unloaded():
    """torch.nn, torch.optim and torch.utils.data load on first use, not with the engine."""
    loaded = _modules_after("import gradrepl.torch")
    assert not {m for m in loaded if m.startswith(("gradrepl.torch.nn", "gradrepl.torch.optim",
                                                   "gradrepl.torch.utils"))}


def test_engine_import_leaves_numpy_random_and_ctypes_util_unloaded():
    """torch.default_generator makes its MT19937 stream at the first draw (numpy.random costs
    ~10 ms to import), and libm is opened by its file name before ctypes.util's search."""
    loaded = _modules_after("import gradrepl.torch")
    assert "numpy.random" not in loaded
    assert "ctypes.util" not in loaded
    assert "subprocess" not in loaded
    assert "fractions" not in loaded  # vector_math.fma's rare exact path imports it
