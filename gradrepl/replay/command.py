"""``gradrepl replay``: find notebooks, replay them (in parallel with ``--jobs``), report, update.

Exit status: 0 when every compared cell matched (or, with ``--update``, every notebook was updated),
1 when a cell failed or an update was refused, 2 when the input cannot be used at all (missing file,
not JSON, not a notebook, unsupported nbformat version, bad sanitize file, no PyTorch for
``--engine torch``), 130 after Ctrl-C. Input problems are all found before anything runs, each as
one line.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Optional

from gradrepl.replay import files, isolation
from gradrepl.replay.notebooks import Notebook, NotebookError, discover, load
from gradrepl.replay.results import NotebookReport, ReplayOptions
from gradrepl.replay.runner import replay_in_process

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROGRESS_MIN_NOTEBOOKS = 4


@dataclass
class ReplayRequest:
    paths: list[str]
    options: ReplayOptions = field(default_factory=ReplayOptions)
    update: bool = False
    json_path: Optional[str] = None
    junit_path: Optional[str] = None
    html_path: Optional[str] = None
    jobs: int = 1
    verbose: bool = False
    color: Optional[bool] = None


REPORT_PATHS = ("json_path", "junit_path", "html_path")  # ReplayRequest's report files

def load_notebooks(paths: list[str]) -> tuple[list[Notebook], list[str]]:
    try:
        found = discover(paths)
    except NotebookError as error:
        return [], [str(error)]
    notebooks, problems = [], []
    for path in found:
        try:
            notebooks.append(load(path))
        except NotebookError as error:
            problems.append(str(error))
    return notebooks, problems


def _run_all(notebooks: list[Notebook], request: ReplayRequest, on_report) -> list[NotebookReport]:
    """Replay every notebook, each as in a fresh kernel; ``on_report`` is called in input order."""
    options = request.options
    if isolation.can_isolate(options):
        return isolation.replay_isolated(notebooks, options, jobs=request.jobs, on_report=on_report)
    reports: list[NotebookReport] = []
    for notebook in notebooks:
        report = replay_in_process(notebook, options)
        reports.append(report)
        on_report(report)
        if options.fail_fast and not report.ok:
            break
    return reports


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised as an exception so that cleanup (killing children, removing a
    temporary file being written) runs before replay exits."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def terminate_cleanly():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum, frame):
        raise Terminated(signum)

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _progress(reporter, total: int):
    if not reporter.is_terminal or total < PROGRESS_MIN_NOTEBOOKS:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=reporter.console, transient=True)


def preflight(request: ReplayRequest, notebooks: list[Notebook]) -> list[str]:
    """Everything that would fail after the run, found before it: one line each."""
    from gradrepl.replay.update import update_problem

    problems = [problem for name in REPORT_PATHS if (path := getattr(request, name))
                for problem in [files.report_path_problem(path)] if problem]
    if request.update:
        problems += [problem for notebook in notebooks for problem in [update_problem(notebook)] if problem]
    return problems


def run(request: ReplayRequest, out=None) -> int:
    from gradrepl.replay.console import ConsoleReporter

    reporter = ConsoleReporter(file=out, color=request.color, verbose=request.verbose)
    if request.options.engine == "torch" and importlib.util.find_spec("torch") is None:
        reporter.message("error: --engine torch needs PyTorch installed (pip install torch)", "red")
        return EXIT_USAGE
    notebooks, problems = load_notebooks(request.paths)
    from gradrepl.session.process import own_process

    own_process()  # `gradrepl replay` owns its process
    problems += preflight(request, notebooks) if not problems else []
    if problems:
        for problem in problems:
            reporter.message(f"error: {problem}", "red")
        return EXIT_USAGE
    # A cell may chdir (in-process fallback): every path is fixed before anything runs.
    request = replace(request, **{name: os.path.abspath(path) for name in REPORT_PATHS
                                  if (path := getattr(request, name))})
    with terminate_cleanly():
        try:
            reports = _replay_with_progress(notebooks, request, reporter)
        except KeyboardInterrupt as stop:
            reporter.message("interrupted" + (": no notebook was updated" if request.update else ""), "red")
            for where in getattr(stop, "running", []):
                reporter.message(f"  was running {where}", "red")
            return EXIT_INTERRUPTED
        except Terminated as stop:
            reporter.message(f"terminated ({signal.Signals(stop.signum).name})"
                             + (": no notebook was updated" if request.update else ""), "red")
            return 128 + stop.signum
        return _conclude(notebooks, reports, request, reporter)


def _replay_with_progress(notebooks: list[Notebook], request: ReplayRequest, reporter) -> list[NotebookReport]:
    with _progress(reporter, len(notebooks)) as progress:
        task = progress.add_task("replay", total=len(notebooks)) if progress else None

        def on_report(report: NotebookReport) -> None:
            reporter.notebook(report)
            if progress is not None:
                progress.advance(task)

        return _run_all(notebooks, request, on_report)


def _conclude(notebooks, reports, request: ReplayRequest, reporter) -> int:
    """Updates, report files and the closing line; Ctrl-C or SIGTERM here leaves every file whole."""
    exit_code = EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED
    updated = None
    try:
        if request.update:
            exit_code, updated = _update(notebooks, reports, reporter, request.options)
        if request.json_path:
            files.write_json(request.json_path, reports)
        if request.junit_path:
            files.write_junit(request.junit_path, reports)
        if request.html_path:
            from gradrepl.replay.html_report import html_report

            files.write_text(request.html_path, html_report(reports, engine=request.options.engine))
    except OSError as error:
        reporter.message(f"error: {error.filename or ''}: cannot write ({error.strerror})", "red")
        return EXIT_USAGE
    except (KeyboardInterrupt, Terminated) as stop:
        reporter.message("interrupted while writing files: each file is either as it was or fully written", "red")
        return 128 + stop.signum if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    reporter.closing(reports, updated=updated, ok=exit_code == EXIT_OK)
    return exit_code


def _update(notebooks: list[Notebook], reports: list[NotebookReport], reporter,
            options: ReplayOptions) -> tuple[int, int]:
    """Write each report back; the exit code and how many cells were rewritten in all."""
    from gradrepl.replay.runner import computed_as_isa, computed_as_vendor
    from gradrepl.replay.update import UpdateRefused, update_notebook

    by_path = {notebook.path: notebook for notebook in notebooks}
    exit_code, total = EXIT_OK, 0
    for report in reports:
        notebook = by_path[report.path]
        try:
            cpu = {"cpu_vendor": computed_as_vendor(notebook, options),
                   "cpu_isa": computed_as_isa(notebook, options)}
            changed = update_notebook(notebook, report, cpu)
        except UpdateRefused as refusal:
            reporter.message(str(refusal), "red")
            exit_code = EXIT_FAILED
            continue
        if changed:
            total += changed
            reporter.message(f"{report.path}: updated {changed} cell{'s' if changed != 1 else ''}", "cyan")
    return exit_code, total
