"""pytest plugin: ``pytest --gradrepl samples/`` collects notebooks and reports cells as test items.

Registered under ``pytest11`` like nbval, so pytest loads it in every run wherever gradrepl is
installed: it must import cheaply and do nothing unless ``--gradrepl`` is given. Replay itself is
imported only when a notebook is collected.

Each notebook is replayed once, when its first cell item runs; every cell item then reports its own
verdict (passed, failed with the same diff as ``gradrepl replay``, or skipped: marked to skip, or
holding a line gradrepl does not run, with the reason), so ``-k`` and ``--lf`` select cells but
never change which code ran before them.
"""

from __future__ import annotations

import pytest

from gradrepl.replay.options import ENGINES, OPTIONS, cell_time_limit, tolerance_fields


def pytest_addoption(parser):
    group = parser.getgroup("gradrepl", "replay notebooks with gradrepl")
    group.addoption("--gradrepl", action="store_true", default=False,
                    help="collect .ipynb files and check each code cell's outputs with gradrepl")
    for option in OPTIONS.values():
        if not option.plugin:
            continue
        if option.value is None:
            group.addoption(option.plugin_flag, action="store_true", default=option.default,
                            help=option.plugin_help)
        elif option.field == "engine":
            group.addoption(option.plugin_flag, default=option.default, choices=ENGINES, help=option.plugin_help)
        else:
            group.addoption(option.plugin_flag, type=option.value, default=option.default,
                            metavar=option.metavar, help=option.plugin_help)


def pytest_configure(config):
    if config.getoption("gradrepl", False):
        _time_limit(config)  # a bad --gradrepl-timeout stops the run before any notebook starts


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    """With pytest-xdist (``-n auto``), send all of a notebook's cells to one worker (``--dist
    loadfile``) unless the user chose a mode: cells share a session, so a worker given one cell
    must replay the whole notebook, and xdist's default would do that once per worker. A wrapper,
    so it runs before xdist's own hook, which picks ``load`` only when the mode is still unset."""
    option = config.option
    if getattr(option, "gradrepl", False) and getattr(option, "numprocesses", None) \
            and getattr(option, "dist", None) == "no":
        option.dist = "loadfile"
    yield


def pytest_collect_file(file_path, parent):
    if not parent.config.getoption("gradrepl"):
        return None
    if file_path.suffix == ".ipynb" and ".ipynb_checkpoints" not in file_path.parts:
        return NotebookFile.from_parent(parent, path=file_path)
    return None


def _options(config):
    from gradrepl.replay.normalise import read_sanitize_file
    from gradrepl.replay.results import ReplayOptions

    sanitize = config.getoption("gradrepl_sanitize")
    return ReplayOptions(
        engine=config.getoption("gradrepl_engine"),
        timeout=_time_limit(config),
        **tolerance_fields(config.getoption("gradrepl_tolerance"), config.getoption("gradrepl_rtol"),
                           config.getoption("gradrepl_atol")),
        compare_stderr=config.getoption("gradrepl_compare_stderr"),
        lax=config.getoption("gradrepl_lax"),
        sanitizers=tuple(read_sanitize_file(sanitize)) if sanitize else (),
    )


def _time_limit(config):
    try:
        return cell_time_limit(config.getoption("gradrepl_timeout"))
    except ValueError as error:
        raise pytest.UsageError(str(error).replace("--timeout", "--gradrepl-timeout")) from None


class NotebookFile(pytest.File):
    def collect(self):
        from gradrepl.replay.notebooks import NotebookError, cell_source, load

        try:
            self.notebook = load(str(self.path))
        except NotebookError as error:
            raise self.CollectError(str(error)) from None
        self._report = None
        for index, cell in enumerate(self.notebook.cells):
            if cell.get("cell_type") == "code":
                yield CellItem.from_parent(self, name=f"cell_{index + 1}", index=index,
                                           source=cell_source(cell))

    def replayed(self):
        if self._report is None:
            from gradrepl.replay.runner import replay_notebook

            report = replay_notebook(self.notebook, _options(self.config))
            self._report = {cell.index: cell for cell in report.cells}
        return self._report


class CellFailed(Exception):
    def __init__(self, cell_report):
        super().__init__(cell_report.reason)
        self.cell_report = cell_report


class CellItem(pytest.Item):
    def __init__(self, *, index: int, source: str, **kwargs):
        super().__init__(**kwargs)
        self.index = index
        self.source = source

    def runtest(self):
        from gradrepl.replay.results import FAILED, SKIPPED, UNSUPPORTED

        cell = self.parent.replayed().get(self.index)
        if cell is None:
            pytest.skip("not run: an earlier cell stopped the notebook")
        if cell.status == SKIPPED:
            pytest.skip(cell.reason)
        if cell.status in (FAILED, UNSUPPORTED):
            raise CellFailed(cell)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CellFailed):
            cell = excinfo.value.cell_report
            lines = [f"{cell.name}: {cell.reason}"] + [f"  | {line}" for line in cell.head()] + cell.diff
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name
