"""Session.run_cell behaves like an IPython kernel cell: display, streams, warnings, errors, magics."""

import os
import subprocess
import sys
import textwrap

import pytest

from gradrepl.session import Session
from gradrepl.session.cells import murmur2_x86


@pytest.fixture
def session():
    return Session(engine="torch")


def texts(result, kind=None):
    out = []
    for output in result.outputs:
        if kind and output["output_type"] != kind:
            continue
        if output["output_type"] == "stream":
            out.append((output["name"], output["text"]))
        elif output["output_type"] in ("execute_result", "display_data"):
            out.append((output["output_type"], output["data"]["text/plain"]))
        else:
            out.append(("error", output["ename"], output["evalue"]))
    return out


def test_last_expression_is_displayed_with_execution_count(session):
    result = session.run_cell("x = 41\nx + 1")
    assert result.execution_count == 1
    assert result.outputs == [{"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {},
                               "execution_count": 1}]


@pytest.mark.parametrize("source", ["x = 1; x;", "1;  # comment", "None", "x = 3", "for i in range(2):\n    i"])
def test_nothing_displayed(session, source):
    assert session.run_cell(source).outputs == []


def test_semicolon_not_last_token_still_displays(session):
    assert texts(session.run_cell("x = 2; x")) == [("execute_result", "2")]


def test_empty_cell_does_not_count(session):
    session.run_cell("1")
    assert session.run_cell("  \n").execution_count == 1
    assert session.run_cell("2").execution_count == 2


def test_streams_grouped_as_ipykernel_sends_them(session):
    # Within a quick cell ipykernel sends all buffered stdout, then stderr, at each display point.
    result = session.run_cell("import sys\nprint('a')\nprint('e', file=sys.stderr)\nprint('b')\n"
                              "display(1)\nprint('c')")
    assert texts(result) == [("stdout", "a\nb\n"), ("stderr", "e\n"), ("display_data", "1"), ("stdout", "c\n")]


def test_streams_flushed_after_the_kernels_interval(session):
    # ipykernel also sends a stream's buffer 0.2 s after its first write, so slow cells interleave.
    result = session.run_cell("import sys, time\nprint('a')\ntime.sleep(0.25)\n"
                              "print('e', file=sys.stderr)\ntime.sleep(0.25)\nprint('b')")
    assert texts(result) == [("stdout", "a\n"), ("stderr", "e\n"), ("stdout", "b\n")]


def test_on_output_sees_each_write_live_with_real_streams(session):
    seen = []
    session.run_cell("print('a'); print('b'); 5", on_output=lambda o: seen.append((o, sys.stdout)))
    assert [o["output_type"] for o, _ in seen] == ["stream", "stream", "stream", "stream", "execute_result"]
    assert all(stream is sys.stdout for _, stream in seen)


def test_display_emits_display_data(session):
    result = session.run_cell("display([1, 2]); display('s', 3)\n7")
    assert texts(result) == [("display_data", "[1, 2]"), ("display_data", "'s'"), ("display_data", "3"),
                             ("execute_result", "7")]


def test_types_and_default_reprs_like_ipython(session):
    assert texts(session.run_cell("type(1.0)")) == [("execute_result", "float")]
    result = session.run_cell("class Foo:\n    pass\nFoo()")
    assert result.outputs[0]["data"]["text/plain"].startswith("<__main__.Foo at 0x")


def test_namespace_persists_and_output_history(session):
    session.run_cell("a = 5")
    session.run_cell("a * 2")
    session.run_cell("b = _ + 1")
    assert session.namespace["b"] == 11
    assert session.namespace["Out"] == {2: 10}
    assert session.namespace["_2"] == 10
    assert session.namespace["In"][1] == "a = 5"


def test_warning_shown_on_stderr_as_in_jupyter(session):
    source = "import warnings\nwarnings.warn('careful')"
    result = session.run_cell(source)
    filename = f"/tmp/ipykernel_{os.getpid()}/{murmur2_x86(source)}.py"
    assert texts(result) == [("stderr", f"{filename}:2: UserWarning: careful\n  warnings.warn('careful')\n")]


def test_same_warning_same_line_shown_once(session):
    session.run_cell("import warnings")
    first = session.run_cell("for _ in range(3):\n    warnings.warn('again')")
    assert first.outputs[0]["text"].count("UserWarning") == 1


def test_warning_filters_stay_inside_session(session):
    import warnings

    before = list(warnings.filters)
    session.run_cell("import warnings\nwarnings.simplefilter('ignore')")
    assert warnings.filters == before
    assert session.run_cell("warnings.warn('hidden')").outputs == []


def test_exception_becomes_error_output_with_user_frames_only(session):
    result = session.run_cell("def f(x):\n    return x / 0\nf(1)")
    assert texts(result) == [("error", "ZeroDivisionError", "division by zero")]
    assert result.error.traceback.splitlines() == [
        "Traceback (most recent call last):",
        "  Cell In[1], line 3",
        "    f(1)",
        "  Cell In[1], line 2, in f",
        "    return x / 0",
        "ZeroDivisionError: division by zero",
    ]
    assert session.run_cell("1 + 1").success


def test_library_frames_are_hidden(session):
    result = session.run_cell("import json\njson.loads('{')")
    assert result.error.ename == "JSONDecodeError"
    assert all("json" not in line or "Cell" in line or "loads" in line for line in result.error.traceback.splitlines())
    assert "decoder.py" not in result.error.traceback


def test_output_before_error_is_kept(session):
    result = session.run_cell("print('before')\nraise ValueError('boom')")
    assert texts(result) == [("stdout", "before\n"), ("error", "ValueError", "boom")]


def test_syntax_error_uses_ipykernel_cell_name(session):
    source = "x = ("
    result = session.run_cell(source)
    assert result.error.ename == "SyntaxError"
    assert result.error.evalue == f"incomplete input ({murmur2_x86(source)}.py, line 1)"  # IPython's compiler flags
    assert result.error.traceback.splitlines()[0] == "  Cell In[1], line 1"


def test_keyboard_interrupt_is_an_error_and_session_survives(session):
    result = session.run_cell("raise KeyboardInterrupt")
    assert texts(result) == [("error", "KeyboardInterrupt", "")]
    assert texts(session.run_cell("3")) == [("execute_result", "3")]


def test_timeout_stops_runaway_loop_even_with_bare_except(session):
    result = session.run_cell("while True:\n    try:\n        pass\n    except Exception:\n        pass", timeout=0.3)
    assert result.error.ename == "TimeoutError"
    assert result.error.evalue == "Cell execution timed out after 0.3 seconds"
    assert texts(session.run_cell("'alive'")) == [("execute_result", "'alive'")]


def test_learners_own_numpy_allocation_keeps_numpys_message(session):
    result = session.run_cell("import numpy as np\nnp.ones(10**13, dtype=np.float32)")
    assert result.error.ename == "MemoryError"
    assert result.error.evalue == ("Unable to allocate 36.4 TiB for an array with shape (10000000000000,) "
                                   "and data type float32")


TOTAL_MEMORY = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@pytest.mark.skipif(TOTAL_MEMORY > 30e9, reason="40 GB might really be allocated on this machine")
def test_huge_tensor_request_is_pytorchs_one_line_error():
    session = Session(engine="gradrepl")
    result = session.run_cell("import torch\nx = torch.ones(10**10)")
    assert (result.error.ename, result.error.evalue) == (
        "RuntimeError", "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                        "you tried to allocate 40000000000 bytes. Error code 12 (Cannot allocate memory)")
    assert result.error.traceback.splitlines()[1:3] == ["  Cell In[1], line 2", "    x = torch.ones(10**10)"]
    assert session.run_cell("x = torch.ones(2)\nx.sum()").success


def test_magics_accepted_skipped_and_reported(session):
    result = session.run_cell("%matplotlib inline\n!ls -l\n%load_ext foo\nfiles = !ls\nx = 1\nx?\nx")
    assert texts(result) == [("execute_result", "1")]
    assert [(s.line, s.reason) for s in result.skipped] == [
        ("!ls -l", "shell commands are not run by gradrepl"),
        ("%load_ext foo", "magic %load_ext is not supported by gradrepl"),
        ("!ls", "shell commands are not run by gradrepl"),
        ("x?", "object help is not available in replay"),
    ]
    assert session.namespace["files"] is None


def test_percent_inside_expressions_and_strings_is_python(session):
    result = session.run_cell("s = '''\n%not a magic\n!nor shell\n'''\nv = (7\n %\n 4)\nv")
    assert texts(result) == [("execute_result", "3")]
    assert result.skipped == []


def test_time_magic_runs_and_returns_value(session):
    result = session.run_cell("%time y = 6 * 7\ny")
    (name, text), value = texts(result)
    assert name == "stdout" and text.startswith("CPU times: user ") and "\nWall time: " in text
    assert value == ("execute_result", "42")
    assert texts(session.run_cell("%time 2 + 3"))[-1] == ("execute_result", "5")


def test_timeit_prints_ipython_line(session):
    quick = Session(engine="torch", quick_timeit=True)
    result = quick.run_cell("%timeit -n 3 -r 2 sum(range(10))")
    assert "per loop (mean ± std. dev. of 1 run, 1 loop each)" in texts(result)[0][1]
    text = texts(session.run_cell("%timeit -n 3 -r 2 sum(range(10))"))[0][1]
    assert text.endswith("per loop (mean ± std. dev. of 2 runs, 3 loops each)\n")


def test_cell_magic_time_and_unsupported_cell_magic(session):
    assert texts(session.run_cell("%%time\nz = 5\nz"))[-1] == ("execute_result", "5")
    result = session.run_cell("%%bash\necho hi")
    assert result.outputs == []
    assert result.skipped[0].line == "%%bash"


def test_future_imports_persist(session):
    session.run_cell("from __future__ import annotations")
    session.run_cell("def f(x: Undefined) -> Nope:\n    return 1")
    assert session.namespace["f"].__annotations__ == {"x": "Undefined", "return": "Nope"}


def test_register_magic(session):
    session.register_magic("who", lambda line: f"called with {line!r}")
    assert texts(session.run_cell("%who Tensor")) == [("execute_result", "\"called with 'Tensor'\"")]


def test_user_names_hide_kernel_names(session):
    session.run_cell("a = 1\n2")
    assert session.user_names() == ["a"]


def test_import_is_cheap():
    code = ("import sys, gradrepl.session\n"
            "heavy = [m for m in ('typer', 'nbformat', 'rich', 'numpy', 'torch', 'gradrepl.torch', 'IPython')"
            " if m in sys.modules]\nprint(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_magic_may_run_cells_itself(session):
    session.register_magic("load", lambda line: session.run_cell(line).result)
    result = session.run_cell("print('outer')\n%load print('inner')\ndisplay('after')\n%unknown\n7")
    assert texts(result) == [("stdout", "outer\n"), ("display_data", "'after'"), ("execute_result", "7")]
    assert [s.line for s in result.skipped] == ["%unknown"]
    assert session.execution_count == 2


def test_comments_and_strings_ending_in_question_marks_are_code(session):
    result = session.run_cell("a = 1  # really?\ns = 'why?'\ns")
    assert texts(result) == [("execute_result", "'why?'")]
    assert result.skipped == []
    assert [s.line for s in session.run_cell("a.real??\n?a").skipped] == ["a.real?", "a?"]


def test_ipython_display_imports_use_the_session(session):
    result = session.run_cell("from IPython.display import display, clear_output, HTML\n"
                              "print('gone')\ndisplay('gone too')\nclear_output()\nprint('kept')\n"
                              "display(HTML('<b>x</b>'))")
    assert texts(result) == [("stdout", "kept\n"), ("display_data", "<IPython.core.display.HTML object>")]
    result = session.run_cell("from IPython.core.display import clear_output\n"
                              "print('a')\nclear_output(wait=True)\nprint('still here until now')\n")
    assert texts(result) == [("stdout", "still here until now\n")]
