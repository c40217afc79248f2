"""Each notebook in a process of its own, forked from the warm replay process.

Isolation by construction: the replay process imports the engine once, then forks one child per
notebook. A child starts with exactly the state the parent had before any cell ran, so nothing a
lesson does (the generator's state, anomaly mode, ``np.seterr``, a monkeypatched ``torch.add`` or
``Tensor.__repr__``, ``builtins``, the recursion limit, the environment, the working directory, gc
thresholds, threads it started) can reach another notebook, and ``--jobs 1`` and ``--jobs 8`` agree.
A fork costs about a millisecond; the engine's import is paid once.

A child runs its notebook in the notebook's own folder (as Jupyter does) and sends each cell's report
through a pipe as soon as it is judged, then a closing message. A child that ends without that
message (``os._exit(0)`` in a cell, a segfault, the OOM killer) is a failure of that notebook: the cell
it was running is reported as failed, with why, and the run goes on. The parent never runs a cell.

``--timeout S`` is a SIGALRM in the child (``session.timeout``), which Python can only act on between
bytecodes: a cell stuck inside one C call (``sum(range(10**12))``, a huge numpy product) never sees it.
So the parent keeps a hard limit too: a started child that sends nothing for twice S (at least S + 2 s)
is killed, its cell fails with a timeout, and the run goes on with the next notebook.

Where ``os.fork`` is missing (Windows), and with ``--engine torch`` (PyTorch's OpenMP runtime is not
fork-safe), notebooks run one after another in the replay process, each in a fresh session
(``runner.replay_notebook``).
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from gradrepl.replay.notebooks import Notebook
from gradrepl.replay.results import (FAILED, UNSUPPORTED, CellReport, NotebookReport, ReplayInterrupted,
                                     ReplayOptions, cell_name)

# Taken now, so a cell that rebinds ``pickle.dumps`` or ``os.write`` cannot stop a report coming home.
_dumps, _loads, _write, _exit = pickle.dumps, pickle.loads, os.write, os._exit
_HEADER = struct.Struct("!Q")


def can_isolate(options: Optional[ReplayOptions] = None) -> bool:
    """Whether notebooks can run in forked children. Not with ``--engine torch``: real PyTorch's
    OpenMP thread pool does not survive a fork (a child's first multi-threaded kernel waits
    forever on the parent's pool), so those notebooks run in this process, each in a fresh
    session, as where ``os.fork`` is missing."""
    if options is not None and options.engine == "torch":
        return False
    return hasattr(os, "fork")


# Run once in a throwaway session before forking: they import and warm what lessons use on first
# touch, so no child pays for it again (a child that imports ``torch.nn`` itself spends 5 ms on it
# with bytecode cached and 25 ms without). torch.nn, torch.optim and torch.utils.data (real PyTorch
# loads them with ``import torch`` anyway); printing and the display hook; autograd, first and
# second derivatives with torch.autograd.grad, hooks; the C library's pow (found once per process);
# a loss and an optimizer step; the backward steps of the ops most lessons record (linear's addmm
# and t, cross_entropy's log_softmax and nll_loss, sum, mean, sub, exp, view: each made in 3-10 of
# samples/' 26 children otherwise); an error and its traceback. They change no process-wide setting:
# no random numbers (nothing that draws one, such as a layer's initialisation or a DataLoader's
# iterator), no print options, grad mode as it was, and no warning (one shown here would count as
# already shown in every notebook).
_WARM_UP_CELLS = (
    """\
import torch, torch.nn, torch.optim, torch.utils.data
import torch.nn.functional as F
x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
y.backward()
(dy_dx,) = torch.autograd.grad(x ** 3, x, create_graph=True)
(d2y_dx2,) = torch.autograd.grad(dy_dx, x)
w = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
h = w * 2 + 1
h.retain_grad()
h.register_hook(lambda grad: grad)
loss = F.mse_loss(torch.relu(h @ w.T), torch.zeros(2, 2))
loss.backward()
optimizer = torch.optim.SGD([w], lr=0.1, momentum=0.9)
optimizer.step()
optimizer.zero_grad()
with torch.no_grad():
    w -= 0.1 * h.grad
z = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
out = F.linear(z, torch.tensor([[1., 0., -1.], [0.5, 2., 1.]], requires_grad=True), torch.ones(2))
loss = F.cross_entropy(out, torch.tensor([0, 1])) + (out.exp() - 1).mean() + out.view(-1).sum()
loss.backward()
print(y, x.grad, dy_dx, d2y_dx2, y.item(), f"{loss.item():.4f}", w, torch.zeros(3, dtype=torch.int64))
y
""",
    "torch.ones(2) + torch.ones(3)",  # an error, as lessons show them
)


_warmed: set[str] = set()


def warm_up(options: ReplayOptions) -> None:
    """Import and warm what every child needs before forking, so each child gets it for free
    (once per engine and process: the pytest plugin replays notebooks one call at a time)."""
    from gradrepl.replay import compare, runner  # noqa: F401  (imported for the children)
    from gradrepl.replay.markers import cell_markers

    if options.engine in _warmed:
        return
    _warmed.add(options.engine)
    try:
        session = runner.new_session(options)
        session.preload()
        for index, source in enumerate(_WARM_UP_CELLS):
            result = session.run_cell(source)
            # judged and pickled as a child's cells are, against the outputs just produced:
            # the comparison's first call compiles regex templates (re's cache is per process,
            # ~3 ms in every child otherwise) and pickle looks up the report's classes
            cell = {"cell_type": "code", "metadata": {}, "outputs": result.outputs, "source": source}
            _dumps(runner.judge(index, cell, source, cell_markers(cell, source), result, options),
                   protocol=pickle.HIGHEST_PROTOCOL)
        session.restore_torch_defaults()
        _warm_tokenizer()
        if options.engine != "torch":
            from gradrepl.engine.warm import warm_up as make_lazy_parts

            make_lazy_parts()  # the random stream import leaves for first use: once, not per child
    except Exception:
        pass  # a notebook's `import torch` cell reports any problem in its own words


def _warm_tokenizer() -> None:
    """Compile the tokenizer's patterns (``tokenize`` compiles them at its first use in a process,
    ~5 ms): a session tokenizes a cell that has a ``%``, ``!`` or ``?`` (magics) or a ``;`` (the
    display hook), which most lessons have. The source has each kind of string that continues
    past its line."""
    from gradrepl.session import display, magics

    source = "x = 1 % 2 != 3; s = 'a' \"b\" f'{x!r}' '\\\n' \"\\\n\" '\'\'c\nd\'\'\' \"\"\"e\nf\"\"\"  # ?\n"
    magics.transform_escapes(source)
    display.ends_with_semicolon(source)


# --- the child ----------------------------------------------------------------------------------


def _send(fd: int, message) -> None:
    data = _dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[_write(fd, view):]


def _detach_from_terminal(signal_mask) -> None:
    """The child's own output never reaches the terminal (the parent prints reports): cells'
    output is captured, and anything else (a thread printing after its cell, C code writing to
    fd 1) goes to /dev/null, as a kernel's does. Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, signal_mask)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8", errors="replace")


def _child(notebook: Notebook, options: ReplayOptions, fd: int, go_fd: int, signal_mask) -> None:
    from gradrepl.replay.runner import new_session, replay_in_session

    try:
        _detach_from_terminal(signal_mask)
        os.chdir(os.path.dirname(os.path.abspath(notebook.path)))
        try:
            session = new_session(options)  # runs no cell: what every notebook's session does first
        except Exception:
            session = None  # made again after the go, failing there as it always did
        # Forked ahead while the notebook before runs (``_Scheduler``): wait for the parent's go.
        # No byte (the parent closed the pipe, stopped or died) means never start.
        if not os.read(go_fd, 1):
            _exit(0)
        os.close(go_fd)
        report = replay_in_session(notebook, options, on_cell=lambda cell: _send(fd, ("cell", cell)),
                                   session=session)
        report.cells = []  # already sent one by one
        _send(fd, ("done", report))
    except BaseException as exc:  # the cell broke gradrepl's own machinery in this process
        try:
            _send(fd, ("broken", _describe(exc)))
        except BaseException:
            pass
    finally:
        _exit(0)


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:
        text = "<exception str() failed>"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- the parent -----------------------------------------------------------------------------------


@dataclass
class _Child:
    notebook: Notebook
    pid: int
    fd: int
    go_fd: Optional[int] = None  # the write end of its go pipe until it is told to start
    ended: Optional[tuple] = None  # (input position, wait status) of a standby that ended before its turn
    buffer: bytearray = field(default_factory=bytearray)
    cells: list = field(default_factory=list)
    report: Optional[NotebookReport] = None
    broken: Optional[str] = None
    heard: float = 0.0  # monotonic time of its go or its last message: the hard time limit counts from it


_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _start(notebook: Notebook, options: ReplayOptions, register: Callable[[_Child], None]) -> None:
    """Fork a child for ``notebook`` and ``register`` it, with signals held off in between: a
    Ctrl-C or SIGTERM arriving just then must find the child registered, so it is killed too."""
    read_fd, write_fd = os.pipe()
    go_read, go_write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    # The child inherits the parent's objects frozen: its collector never walks them, so it never
    # writes into their headers and copies only the pages its lesson really touches. The parent
    # unfreezes at once, leaving its own collector as it was (the pytest plugin forks from pytest's
    # process; one that froze objects itself is left alone).
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child always leaves through os._exit)
            os.close(read_fd)
            os.close(go_write)
            _child(notebook, options, write_fd, go_read, held)
        os.close(write_fd)
        os.close(go_read)
        register(_Child(notebook, pid, read_fd, go_write))
    finally:
        if freeze:
            gc.unfreeze()
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _go(child: _Child) -> None:
    """Let a child forked ahead start its notebook. One that is already gone (killed before its
    turn) is reported as ended by its pipe's end, as any child that ends without its report."""
    fd, child.go_fd = child.go_fd, None
    child.heard = time.monotonic()
    try:
        os.write(fd, b"g")
    except OSError:
        pass
    finally:
        os.close(fd)


def _receive(child: _Child, data: bytes) -> None:
    child.buffer += data
    while len(child.buffer) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(child.buffer)
        if len(child.buffer) < _HEADER.size + size:
            return
        kind, payload = _loads(bytes(child.buffer[_HEADER.size:_HEADER.size + size]))
        del child.buffer[:_HEADER.size + size]
        if kind == "cell":
            child.cells.append(payload)
        elif kind == "done":
            child.report = payload
        else:
            child.broken = payload


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def hard_time_limit(timeout: Optional[float]) -> Optional[float]:
    """Seconds without a word from a running child after which the parent kills it: twice the
    cell's limit, and at least two seconds more, so the child's own SIGALRM always comes first
    where Python can act on it (None: no limit)."""
    from gradrepl.session.timeout import NO_LIMIT_BEYOND

    if not timeout or not 0 < timeout < NO_LIMIT_BEYOND:  # as the cell's own alarm: inf, 1e300
        return None
    return timeout + max(2.0, timeout)


def _finish(child: _Child, status: int, why: Optional[str] = None) -> NotebookReport:
    if child.report is not None:
        child.report.cells = child.cells
        return child.report
    report = NotebookReport(child.notebook.path, cells=child.cells, converted_from=child.notebook.converted_from)
    index = next_code_cell(child.notebook, child.cells[-1].index if child.cells else -1)
    if why is not None:
        pass
    elif child.broken is not None:
        why = f"gradrepl could not go on after this cell ({child.broken})"
    else:
        why = f"the notebook's process ended while running this cell ({_ended(status)})"
    if index is not None:
        cell = child.notebook.cells[index]
        from gradrepl.replay.notebooks import cell_source

        report.cells.append(CellReport(index, cell_source(cell), FAILED, reason=why, raised=True,
                                       recorded_count=cell.get("execution_count")))
    else:
        report.cells.append(CellReport(len(child.notebook.cells), "", FAILED, reason=why, raised=True))
    return report


def next_code_cell(notebook: Notebook, after: int) -> Optional[int]:
    for index in range(after + 1, len(notebook.cells)):
        if notebook.cells[index].get("cell_type") == "code":
            return index
    return None


def _stop(children) -> None:
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)  # a second Ctrl-C must not cut this short
    try:
        _kill_and_reap(children)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _kill_and_reap(children) -> None:
    for child in children:
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for child in children:
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        os.close(child.fd)
        if child.go_fd is not None:
            os.close(child.go_fd)
            child.go_fd = None


def replay_isolated(notebooks: list[Notebook], options: ReplayOptions, jobs: int = 1,
                    on_report: Callable[[NotebookReport], None] = lambda report: None) -> list[NotebookReport]:
    """Replay every notebook in its own child, ``jobs`` at a time; ``on_report`` in input order.

    With ``options.fail_fast`` the first failing cell stops everything: running children are
    killed, not waited for. Whatever ends this function (Ctrl-C, SIGTERM made an exception, an
    error) kills the children still running, so none is left behind.
    """
    warm_up(options)
    scheduler = _Scheduler(notebooks, options, max(1, jobs), on_report)
    try:
        scheduler.start_children()
        while scheduler.busy:
            scheduler.read_children()
            # The next notebook starts before this process prints the last one's report.
            scheduler.start_children()
            scheduler.report_in_order()
    except KeyboardInterrupt as stop:
        if isinstance(stop, ReplayInterrupted):
            raise
        raise ReplayInterrupted(scheduler.where_running()) from None
    finally:
        scheduler.kill_running()
        scheduler.selector.close()
    return scheduler.reports


class _Scheduler:
    """Runs ``jobs`` notebooks at a time, in input order, each in its own child, and keeps one
    more child forked ahead (the standby): it waits for its go (``_child``) until a running
    notebook has sent its report, then starts at once. So the fork and a child's start-up
    overlap with the notebook before, and a finished child's exit with the next notebook; the
    notebooks' cells still run ``jobs`` at a time, each in a fresh process forked from this
    warm one."""

    def __init__(self, notebooks: list[Notebook], options: ReplayOptions, jobs: int, on_report):
        self.options, self.jobs, self.on_report = options, jobs, on_report
        self.waiting = list(enumerate(notebooks))
        self.running: dict[int, tuple[int, _Child]] = {}  # by pipe fd: (input position, child)
        self.standby: Optional[_Child] = None  # forked, not yet told to start
        self.finished: dict[int, NotebookReport] = {}
        self.reports: list[NotebookReport] = []
        self.selector = selectors.DefaultSelector()
        self.stopping = False  # --fail-fast saw a failure: start nothing more
        self.hard_limit = hard_time_limit(options.timeout)

    @property
    def busy(self) -> bool:
        return bool(self.running or (self.waiting and not self.stopping))

    def _running_notebooks(self) -> int:
        """Children told to start whose report has not come yet."""
        return sum(1 for _, child in self.running.values()
                   if child.go_fd is None and child.report is None and child.broken is None)

    def start_children(self) -> None:
        while not self.stopping:
            if self.standby is not None and self._running_notebooks() < self.jobs:
                child, self.standby = self.standby, None
                if child.ended is None:
                    _go(child)
                    continue
                # it ended before its turn (killed from outside): its notebook fails now, in its turn
                position, status = child.ended
                self.finished[position] = _finish(child, status)
                if self.options.fail_fast and not self.finished[position].ok:
                    self.stopping = True
            elif self.standby is None and self.waiting:
                position, notebook = self.waiting.pop(0)

                def register(child: _Child, position: int = position) -> None:
                    self.running[child.fd] = (position, child)
                    self.selector.register(child.fd, selectors.EVENT_READ)
                    self.standby = child

                _start(notebook, self.options, register)
            else:
                return

    def _started(self):
        """(position, child) of each child running its notebook: told to go, report not yet in."""
        return [(position, child) for position, child in self.running.values()
                if child.go_fd is None and child.report is None and child.broken is None]

    def _until_overdue(self) -> Optional[float]:
        """Seconds until the first started child passes the hard time limit (None: no limit)."""
        if self.hard_limit is None:
            return None
        started = self._started()
        if not started:
            return None
        first = min(child.heard for _, child in started)
        return max(0.0, first + self.hard_limit - time.monotonic())

    def _kill_overdue(self) -> None:
        """Kill every started child silent past the hard limit: its cell fails with a timeout."""
        now = time.monotonic()
        for position, child in self._started():
            if now < child.heard + self.hard_limit:
                continue
            self.selector.unregister(child.fd)
            del self.running[child.fd]
            _stop([child])  # killed, reaped, its pipe closed
            why = (f"Cell execution timed out after {self.options.timeout:g} seconds: it was stuck in "
                   f"a call Python cannot interrupt, so its notebook's process was killed after "
                   f"{self.hard_limit:g} seconds")
            self.finished[position] = _finish(child, 0, why)
            if self.options.fail_fast:
                self.stopping = True

    def read_children(self) -> None:
        for key, _ in self.selector.select(self._until_overdue()):
            position, child = self.running[key.fd]
            data = os.read(key.fd, 1 << 16)
            if data:
                child.heard = time.monotonic()
                _receive(child, data)
                if self.options.fail_fast and any(c.status in (FAILED, UNSUPPORTED) for c in child.cells):
                    self.stopping = True
                continue
            self.selector.unregister(key.fd)
            del self.running[key.fd]
            _, status = os.waitpid(child.pid, 0)
            os.close(child.fd)
            if child.go_fd is not None:  # the standby, ended before its turn (killed from outside)
                os.close(child.go_fd)
                child.go_fd = None
                child.ended = (position, status)  # reported when its turn comes (start_children)
                continue
            self.finished[position] = _finish(child, status)
            if self.options.fail_fast and not self.finished[position].ok:
                self.stopping = True
        if self.hard_limit is not None:
            self._kill_overdue()
        if self.stopping and self.running:
            for position, child in self.running.values():
                if child.go_fd is None:  # a standby's notebook never started: no report, as if unforked
                    self.finished[position] = (_finish(child, 0) if child.report is not None
                                               else _finish_stopped(child))
            self.kill_running()

    def report_in_order(self) -> None:
        while len(self.reports) in self.finished:
            self.reports.append(self.finished.pop(len(self.reports)))
            self.on_report(self.reports[-1])

    def where_running(self) -> list[str]:
        """``path: cell 3 (In [2])`` for each child still running, in input order: the cell after
        the last one it reported (not the standby: its notebook has not started)."""
        where = []
        for _, child in sorted(self.running.values(), key=lambda running: running[0]):
            if child.go_fd is not None:
                continue
            index = next_code_cell(child.notebook, child.cells[-1].index if child.cells else -1)
            if index is not None:
                where.append(f"{child.notebook.path}: {cell_name(child.notebook.cells, index)}")
        return where

    def kill_running(self) -> None:
        children = [child for _, child in self.running.values()]
        for child in children:
            self.selector.unregister(child.fd)
        self.running.clear()
        self.standby = None
        _stop(children)


def _finish_stopped(child: _Child) -> NotebookReport:
    """A notebook killed because another one failed first under ``--fail-fast``."""
    report = NotebookReport(child.notebook.path, cells=child.cells, converted_from=child.notebook.converted_from)
    report.stopped_early = True
    return report
