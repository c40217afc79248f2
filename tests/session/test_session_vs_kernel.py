"""The session against a real Jupyter kernel: same cells, same outputs (skipped without ipykernel).

Outputs are compared after replay's normalisation (addresses, the kernel's pid in cell file names),
so this checks display, streams, warnings, errors and magics, not timings.
"""

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

from gradrepl.replay.compare import comparable_blocks, render  # noqa: E402
from gradrepl.session import Session  # noqa: E402

CELLS = [
    "x = 1\nx", "x;", "x = 2; x", "5; # comment", "5 # comment ;", "if True:\n    5", "None",
    "print('a')\nimport sys\nprint('b', file=sys.stderr)\nprint('c')",
    "print('before')\ndisplay('shown')\nprint('after', file=sys.stderr)\nprint('after')\n7",
    "import warnings\nwarnings.warn('careful')", "warnings.warn('careful')",
    "for i in range(3):\n    warnings.warn('loop')", "warnings.warn('dep', DeprecationWarning)",
    "print('partial')\n1/0", "def f():\n    return undefined\nf()", "x = (", "def g(:\n    pass",
    "class Foo: pass\nFoo()", "Foo", "type(1)", "list(range(40))", "{'a': list(range(30)), 'b': 2}",
    "display([1,2]); display('x')\n3", "_", "__", "Out[1]", "raise KeyboardInterrupt",
    "from __future__ import annotations", "a = [1]\na.append(a)\na", "import collections\ncollections.Counter('aab')",
    "len", "lambda x: x", "f", "int('x')", "import json\njson.loads('{')", "assert 1 == 2, 'nope'",
    "input('?')", "!echo skipped", "%load_ext nothing",
    "from IPython.display import display, clear_output\nprint('x')\ndisplay(1)\nclear_output()\nprint('y')\ndisplay(2)",
    "from IPython.display import clear_output\nprint('x')\nclear_output(wait=True)\nprint('y')",
]

TORCH_CELLS = [
    "import torch\nt = torch.tensor(2.0, requires_grad=True)\ny = t*t\ny.grad",
    "y.grad_fn", "y.grad_fn.next_functions", "type(y)", "print(y.grad_fn)", "torch.ones(2,3).shape",
    "[torch.ones(2), torch.zeros(3)]", "y.backward(); y.backward()",
]

SKIPPED_BY_SESSION = ("!echo", "%load_ext")  # the session reports these instead of running them


def kernel_outputs(client, code):
    msg_id = client.execute(code, store_history=True, allow_stdin=False)
    outputs, clear_on_next = [], False
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return outputs
        if kind == "clear_output":  # what nbclient does with it
            if content["wait"]:
                clear_on_next = True
            else:
                outputs.clear()
            continue
        if clear_on_next and kind in ("stream", "execute_result", "display_data", "error"):
            outputs.clear()
            clear_on_next = False
        if kind == "stream":
            outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
        elif kind in ("execute_result", "display_data"):
            outputs.append({"output_type": kind, "data": content["data"]})
        elif kind == "error":
            outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"]})


@pytest.fixture(scope="module")
def kernel():
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def compare_cells(kernel, cells):
    session = Session(engine="torch", allow_stdin=False)
    for code in cells:
        expected = render(comparable_blocks(kernel_outputs(kernel, code), compare_stderr=True))
        produced = render(comparable_blocks(session.run_cell(code).outputs, compare_stderr=True))
        if code.startswith(SKIPPED_BY_SESSION):
            assert produced == ""
            continue
        assert produced == expected, code


def test_plain_python_cells_match_a_kernel(kernel):
    compare_cells(kernel, CELLS)


def test_torch_cells_match_a_kernel(kernel):
    pytest.importorskip("torch")
    compare_cells(kernel, TORCH_CELLS)
