"""``gradrepl replay``: find notebooks, replay them (in parallel with ``--jobs``), report, update.

Exit status: 0 when every compared cell matched (or, with ``--update``, every notebook was updated),
1 when a cell failed or an update was refused, 2 when the input cannot be used at all (missing file,
not JSON, not a notebook, unsupported nbformat version, bad sanitize file, no PyTorch for
``--engine torch``), 130 after Ctrl-C. Input problems are all found before anything runs, each as
one line.
"""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Optional

from gradrepl.replay import files
from gradrepl.replay.notebooks import Notebook, NotebookError, discover, load
from gradrepl.replay.results import NotebookReport, ReplayOptions
from gradrepl.replay.runner import replay_notebook

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


def _replay_in_worker(notebook: Notebook, options: ReplayOptions) -> NotebookReport:
    return replay_notebook(notebook, options)


def _run_all(notebooks: list[Notebook], request: ReplayRequest, on_report) -> list[NotebookReport]:
    """Replay every notebook; ``on_report`` is called in input order as reports become available."""
    options = request.options
    reports: list[NotebookReport] = []
    if request.jobs <= 1 or len(notebooks) <= 1:
        for notebook in notebooks:
            report = replay_notebook(notebook, options)
            reports.append(report)
            on_report(report)
            if options.fail_fast and not report.ok:
                break
        return reports
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=request.jobs, mp_context=context) as pool:
        futures = [pool.submit(_replay_in_worker, notebook, options) for notebook in notebooks]
        for future in futures:
            report = future.result()
            reports.append(report)
            on_report(report)
            if options.fail_fast and not report.ok:
                for pending in futures:
                    pending.cancel()
                break
    return reports


def _progress(reporter, total: int):
    if not reporter.is_terminal or total < PROGRESS_MIN_NOTEBOOKS:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=reporter.console, transient=True)


def run(request: ReplayRequest, out=None) -> int:
    from gradrepl.replay.console import ConsoleReporter

    reporter = ConsoleReporter(file=out, color=request.color, verbose=request.verbose)
    if request.options.engine == "torch" and importlib.util.find_spec("torch") is None:
        reporter.message("error: --engine torch needs PyTorch installed (pip install torch)", "red")
        return EXIT_USAGE
    notebooks, problems = load_notebooks(request.paths)
    from gradrepl.session.process import own_process

    own_process()  # `gradrepl replay` owns its process
    if problems:
        for problem in problems:
            reporter.message(f"error: {problem}", "red")
        return EXIT_USAGE

    with _progress(reporter, len(notebooks)) as progress:
        task = progress.add_task("replay", total=len(notebooks)) if progress else None

        def on_report(report: NotebookReport) -> None:
            reporter.notebook(report)
            if progress is not None:
                progress.advance(task)

        try:
            reports = _run_all(notebooks, request, on_report)
        except KeyboardInterrupt:
            reporter.message("interrupted" + (": no notebook was updated" if request.update else ""), "red")
            return EXIT_INTERRUPTED

    exit_code = EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED
    updated = None
    if request.update:
        exit_code, updated = _update(notebooks, reports, reporter)
    if request.json_path:
        files.write_json(request.json_path, reports)
    if request.junit_path:
        files.write_junit(request.junit_path, reports)
    if request.html_path:
        from gradrepl.replay.html_report import html_report

        files.write_text(request.html_path, html_report(reports, engine=request.options.engine))
    reporter.closing(reports, updated=updated, ok=exit_code == EXIT_OK)
    return exit_code


def _update(notebooks: list[Notebook], reports: list[NotebookReport], reporter) -> tuple[int, int]:
    """Write each report back; the exit code and how many cells were rewritten in all."""
    from gradrepl.replay.update import UpdateRefused, update_notebook

    by_path = {notebook.path: notebook for notebook in notebooks}
    exit_code, total = EXIT_OK, 0
    for report in reports:
        try:
            changed = update_notebook(by_path[report.path], report)
        except UpdateRefused as refusal:
            reporter.message(str(refusal), "red")
            exit_code = EXIT_FAILED
            continue
        if changed:
            total += changed
            reporter.message(f"{report.path}: updated {changed} cell{'s' if changed != 1 else ''}", "cyan")
    return exit_code, total
