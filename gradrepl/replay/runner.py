"""Replaying one notebook: run its code cells in a fresh session, judge each against its recording.

A cell's verdict, in order of precedence:
- skipped: marked NBVAL_SKIP / ``skip-execution``, so not run at all;
- unsupported: it failed because gradrepl lacks a torch feature (reported by name);
- failed: it raised an exception it was not marked to raise, or its outputs differ;
- passed otherwise. Cells marked NBVAL_IGNORE_OUTPUT (or, with ``lax``, not marked
  NBVAL_CHECK_OUTPUT) run but are not compared.
The notebook goes on after a failing cell unless ``fail_fast`` is set, as nbval does.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Callable, Optional

from gradrepl.replay.compare import Tolerance, blocks_match, comparable_blocks, render, unified_diff
from gradrepl.replay.magics import register_gradrepl_magics
from gradrepl.replay.markers import CellMarkers, cell_markers
from gradrepl.replay.notebooks import Notebook, cell_source
from gradrepl.replay.results import (FAILED, PASSED, SKIPPED, UNSUPPORTED, CellReport, NotebookReport,
                                     ReplayInterrupted, ReplayOptions, cell_name)
from gradrepl.session import CellResult, Session


def new_session(options: ReplayOptions, after_other_notebooks: bool = False) -> Session:
    session = Session(engine=options.engine, quick_timeit=True, allow_stdin=False)
    if after_other_notebooks:  # without a process of its own: put back what earlier lessons changed
        session.restore_torch_defaults()
    register_gradrepl_magics(session)
    if options.timeout:
        # Load the engine before the first cell so its import never counts against a cell's time limit.
        try:
            session.preload()
        except Exception:
            pass  # the cell that imports torch will report the problem in its own words
    return session


@contextmanager
def stop_on_ctrl_c():
    """Ctrl-C stops the replay, even though the session turns it into a cell's error output.

    The session keeps going after a KeyboardInterrupt (right for the shell); a replay should not.
    The handler still raises KeyboardInterrupt inside the cell, then the flag ends the run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    interrupted = []

    def on_sigint(signum, frame):
        interrupted.append(True)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield lambda: bool(interrupted)
    finally:
        signal.signal(signal.SIGINT, previous)


def replay_notebook(notebook: Notebook, options: ReplayOptions) -> NotebookReport:
    """Replay one notebook as in a fresh kernel: in a process of its own where the system allows
    (``isolation``), else in this process with a fresh session."""
    from gradrepl.replay import isolation

    if isolation.can_isolate(options):
        return isolation.replay_isolated([notebook], options)[0]
    return replay_in_process(notebook, options)


def replay_in_process(notebook: Notebook, options: ReplayOptions,
                      on_cell: Optional[Callable[[CellReport], None]] = None) -> NotebookReport:
    with stop_on_ctrl_c() as interrupted:
        return _replay(notebook, options, on_cell, interrupted, after_other_notebooks=True)


def replay_in_session(notebook: Notebook, options: ReplayOptions,
                      on_cell: Optional[Callable[[CellReport], None]] = None,
                      session: Optional[Session] = None) -> NotebookReport:
    """The replay itself, with Ctrl-C left to the caller (an isolated child ignores it), in
    ``session`` if given: a fresh ``new_session(options)`` the isolated child made while it
    waited for its turn."""
    return _replay(notebook, options, on_cell, lambda: False, session=session)


def _replay(notebook: Notebook, options: ReplayOptions, on_cell, interrupted,
            after_other_notebooks: bool = False, session: Optional[Session] = None) -> NotebookReport:
    with as_recorded_cpu(notebook, options):
        return _replay_cells(notebook, options, on_cell, interrupted, after_other_notebooks, session)


def computed_as_vendor(notebook: Notebook, options: ReplayOptions) -> str:
    """The CPU vendor whose torch the replay's outputs are those of: the one the notebook names
    (the gradrepl engine computes as it, see as_recorded_cpu), else this CPU's (real torch
    always, gradrepl otherwise). ``--update`` stamps it on the notebooks it writes."""
    from gradrepl.engine import cpu_capability

    recorded = _recorded_cpu(notebook, "cpu_vendor")
    if options.engine != "torch" and recorded:
        return recorded
    return cpu_capability.vendor()


def computed_as_isa(notebook: Notebook, options: ReplayOptions) -> str:
    """The same for the CPU's instruction set (``metadata.gradrepl.cpu_isa``: ``avx512``,
    ``avx2`` or ``default``, cpu_capability.isa)."""
    from gradrepl.engine import cpu_capability

    recorded = _recorded_cpu(notebook, "cpu_isa")
    if options.engine != "torch" and recorded:
        return recorded
    return cpu_capability.isa()


def _recorded_cpu(notebook: Notebook, key: str) -> str | None:
    """``metadata.gradrepl[key]``: a non-empty string, else None."""
    metadata = notebook.data.get("metadata") or {}
    recorded = (metadata.get("gradrepl") or {}).get(key) if isinstance(metadata, dict) else None
    return recorded if isinstance(recorded, str) and recorded else None


@contextmanager
def as_recorded_cpu(notebook: Notebook, options: ReplayOptions):
    """gradrepl computes as torch did on the CPU the notebook's outputs were recorded on, as far
    as the notebook names it: its vendor (``metadata.gradrepl.cpu_vendor``) and instruction set
    (``cpu_isa``). MKL's summation orders depend on both, ATen's vector loops on the second, and
    gradrepl's emulation of them does not (docs/replay.md, "Samples on another CPU"). Real
    torch (``--engine torch``) computes as this CPU's does."""
    from gradrepl.engine import cpu_capability

    if options.engine == "torch":
        yield
        return
    with cpu_capability.computing_as(_recorded_cpu(notebook, "cpu_vendor"),
                                     _recorded_cpu(notebook, "cpu_isa")):
        yield


def _replay_cells(notebook: Notebook, options: ReplayOptions, on_cell, interrupted,
                  after_other_notebooks: bool = False, session: Optional[Session] = None) -> NotebookReport:
    started = time.perf_counter()
    report = NotebookReport(notebook.path, converted_from=notebook.converted_from)
    if session is None:
        session = new_session(options, after_other_notebooks)
    first_unsupported: Optional[CellReport] = None
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        markers = cell_markers(cell, source)
        if markers.skip:
            cell_report = CellReport(index, source, SKIPPED, reason="marked to skip",
                                     recorded_count=cell.get("execution_count"))
        else:
            result = session.run_cell(source, timeout=options.timeout)
            if interrupted():
                raise ReplayInterrupted([f"{notebook.path}: {cell_name(notebook.cells, index)}"])
            cell_report = judge(index, cell, source, markers, result, options)
            if cell_report.status == FAILED and first_unsupported is not None:
                # Later failures are often a consequence (a NameError for what that cell defined).
                cell_report.reason += f" (after {first_unsupported.name}: {first_unsupported.reason})"
            if cell_report.status == UNSUPPORTED and first_unsupported is None:
                first_unsupported = cell_report
        report.cells.append(cell_report)
        if on_cell is not None:
            on_cell(cell_report)
        if options.fail_fast and cell_report.status in (FAILED, UNSUPPORTED):
            report.stopped_early = True
            break
    report.duration = time.perf_counter() - started
    return report


def judge(index: int, cell: dict, source: str, markers: CellMarkers, result: CellResult,
          options: ReplayOptions) -> CellReport:
    recorded_outputs = cell.get("outputs") or []
    recorded = comparable_blocks(recorded_outputs, options.compare_stderr, options.sanitizers)
    produced = comparable_blocks(result.outputs, options.compare_stderr, options.sanitizers)
    tolerance = Tolerance(options.rtol, options.atol) if options.tolerance else None
    differ = not blocks_match(recorded, produced, tolerance)
    compared = not markers.ignore_output and (markers.check_output or not options.lax)
    error = result.error
    raised = error is not None and not markers.raises_exception
    report = CellReport(
        index=index, source=source, status=PASSED,
        recorded_count=cell.get("execution_count"), execution_count=result.execution_count,
        skipped_lines=[(s.line, s.reason) for s in result.skipped],
        produced_outputs=result.outputs, raised=raised, duration=result.duration,
        diff=unified_diff(recorded, produced) if differ and (compared or raised) else [],
    )
    if differ or raised:  # the HTML report shows both sides of a failing cell
        report.recorded_text, report.produced_text = render(recorded), render(produced)
    report.needs_update = (
        (differ and compared)
        or (not compared and not recorded_outputs and bool(result.outputs))
        or (cell.get("execution_count") is None and result.execution_count is not None and bool(source.strip()))
    )
    if error is not None and error.unsupported and (raised or (differ and compared)):
        report.status, report.unsupported = UNSUPPORTED, error.unsupported
        report.reason = f"unsupported: {error.unsupported}"
    elif raised:
        report.status, report.reason = FAILED, f"raised {error.summary}"
    elif differ and compared:
        report.status, report.reason = FAILED, "output differs"
    report.skip_if_not_all_run()
    return report
