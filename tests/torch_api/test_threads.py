"""torch.set_num_threads / get_num_threads and the inter-op pair: taken, checked and reported as
torch does (the arithmetic keeps emulating the two threads the references were recorded with).

Each run is a fresh interpreter: torch allows one set_num_interop_threads per process, and the
live oracle must not keep a changed thread count for the other tests."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

# every call on its own line, printed with its result or its error
CALLS = """\
torch.get_num_threads()
torch.get_num_interop_threads()
torch.set_num_threads(1)
torch.get_num_threads()
torch.set_num_threads(np.int64(3))
torch.get_num_threads()
torch.set_num_threads(np.int32(2))
torch.set_num_threads(0)
torch.set_num_threads(-1)
torch.set_num_threads(1.5)
torch.set_num_threads(True)
torch.set_num_threads(None)
torch.set_num_threads('a')
torch.set_num_threads(torch.tensor(3))
torch.set_num_threads(np.float64(3))
torch.set_num_threads(2**31 - 1)
torch.get_num_threads()
torch.set_num_threads(2**31)
torch.set_num_threads(-2**31 - 1)
torch.set_num_threads(2**63)
torch.set_num_threads(-2**70)
torch.set_num_threads()
torch.set_num_threads(1, 2)
torch.set_num_threads(n=1)
torch.get_num_threads(1)
torch.get_num_threads(x=1)
torch.set_num_interop_threads(0)
torch.set_num_interop_threads(1.5)
torch.set_num_interop_threads()
torch.get_num_interop_threads(1)
torch.set_num_interop_threads(3)
torch.get_num_interop_threads()
torch.set_num_interop_threads(4)
torch.set_num_interop_threads(-1)
torch.get_num_interop_threads()
torch.set_num_threads(2)
"""

SCRIPT = """\
import sys
import numpy as np
if sys.argv[1] == "gradrepl":
    import gradrepl.torch as torch
else:
    import torch
for line in sys.stdin.read().splitlines():
    try:
        print(line, "->", repr(eval(line)))
    except Exception as error:
        print(line, "!!", type(error).__name__, error)
"""


def _run(engine: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, engine], input=CALLS,
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_thread_settings_match_torch():
    pytest.importorskip("torch")
    assert _run("gradrepl") == _run("torch")


@pytest.fixture
def threads():
    from gradrepl.engine import threads as module

    saved = module._num_threads, module._num_interop_threads, module._interop_set
    yield module
    module._num_threads, module._num_interop_threads, module._interop_set = saved


def test_settings_are_kept_and_checked(threads):
    import gradrepl.torch as torch

    assert torch.get_num_threads() == 2 and torch.get_num_interop_threads() == 2
    assert torch.set_num_threads(np.int64(1)) is None
    assert torch.get_num_threads() == 1
    with pytest.raises(RuntimeError, match="^set_num_threads expects a positive integer$"):
        torch.set_num_threads(0)
    with pytest.raises(RuntimeError, match="^set_num_threads expects an int, but got bool$"):
        torch.set_num_threads(True)
    with pytest.raises(RuntimeError, match="but got numpy.float64$"):
        torch.set_num_threads(np.float64(2))
    with pytest.raises(ValueError, match="^Overflow when unpacking long$"):
        torch.set_num_threads(2**31)
    with pytest.raises(TypeError, match=r"takes exactly one argument \(0 given\)"):
        torch.set_num_threads()
    assert torch.get_num_threads() == 1
    torch.set_num_interop_threads(3)
    with pytest.raises(RuntimeError, match="set_num_interop_threads called$"):
        torch.set_num_interop_threads(3)
    assert torch.get_num_interop_threads() == 3


def test_thread_count_leaves_the_arithmetic_alone(threads):
    import gradrepl.torch as torch

    x = torch.linspace(0, 1, 40000) ** 3
    before = x.sum().item()
    torch.set_num_threads(1)
    assert x.sum().item() == before


def test_the_script_runs_without_torch():
    lines = _run("gradrepl").splitlines()
    assert lines[0] == "torch.get_num_threads() -> 2"
    assert len(lines) == len(textwrap.dedent(CALLS).splitlines())
