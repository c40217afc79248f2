"""The pytest plugin: ``pytest --gradrepl`` turns notebook cells into test items."""

import subprocess
import sys

import pytest

from notebook_builder import code, dumps_nb, build_nb, result, stdout

pytest_plugins = ["pytester"]

# pytester's in-process runs forget the modules each run imported, and some of numpy's C extensions
# cannot be loaded twice in one process: a notebook's session imports them, so a second in-process
# replay failed when this file ran alone. Importing the session machinery here keeps them loaded.
import gradrepl.replay.runner  # noqa: E402,F401
import gradrepl.torch  # noqa: E402,F401


def make_notebook(pytester):
    nb = build_nb([
        code("print(1)", outputs=[stdout("1\n")]),
        code("print(2)", outputs=[stdout("3\n")]),
        code("# NBVAL_SKIP\nraise SystemExit"),
        code("5", outputs=[result("5")]),
    ])
    pytester.makefile(".ipynb", lesson=dumps_nb(nb))


def test_cells_become_items_with_diffs(pytester):
    make_notebook(pytester)
    outcome = pytester.runpytest("--gradrepl", "-p", "no:cacheprovider", "-v")
    outcome.assert_outcomes(passed=2, failed=1, skipped=1)
    outcome.stdout.fnmatch_lines([
        "*lesson.ipynb::cell_1 PASSED*",
        "*lesson.ipynb::cell_2 FAILED*",
        "*cell 2: output differs*",
        "*-3*",
        "*+2*",
    ])


def test_selecting_one_cell_still_runs_the_cells_before_it(pytester):
    nb = build_nb([code("x = 41"), code("x + 1", outputs=[result("42")])])
    pytester.makefile(".ipynb", chained=dumps_nb(nb))
    outcome = pytester.runpytest("--gradrepl", "-p", "no:cacheprovider", "-k", "cell_2")
    outcome.assert_outcomes(passed=1, deselected=1)


def test_without_flag_notebooks_are_ignored(pytester):
    make_notebook(pytester)
    outcome = pytester.runpytest("-p", "no:cacheprovider")
    assert outcome.ret == pytest_no_tests_collected()


def test_bad_notebook_is_a_collection_error(pytester):
    pytester.makefile(".ipynb", broken='{"cells": [')
    outcome = pytester.runpytest("--gradrepl", "-p", "no:cacheprovider")
    outcome.stdout.fnmatch_lines(["*broken.ipynb: not valid JSON*"])
    assert outcome.ret != 0


def test_plugin_import_is_cheap():
    code_ = ("import sys, gradrepl.replay.pytest_plugin\n"
             "print([m for m in ('gradrepl.session', 'gradrepl.replay.runner', 'nbformat', 'rich', 'typer', 'numpy')"
             " if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code_], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def pytest_no_tests_collected():
    import pytest

    return pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_bad_timeout_stops_the_run_before_any_notebook(pytester):
    make_notebook(pytester)
    refused = pytester.runpytest("--gradrepl", "-p", "no:cacheprovider", "--gradrepl-timeout=-1")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--gradrepl-timeout must be a number of seconds (or inf for no limit)*"])


def test_an_infinite_timeout_means_no_limit(pytester):
    make_notebook(pytester)
    unlimited = pytester.runpytest_subprocess("--gradrepl", "-p", "no:cacheprovider", "--gradrepl-timeout=inf")
    assert unlimited.parseoutcomes().get("passed", 0) >= 1
