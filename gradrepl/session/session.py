"""``Session``: run cells the way an IPython kernel does, one namespace per notebook or shell.

``run_cell`` goes through the same steps as IPython's ``run_cell``: count the execution, rewrite
magics, compile under ipykernel's cell file name, run every statement but the last, then evaluate a
final expression and show it through the display hook; stdout, stderr, warnings and errors become
nbformat outputs along the way. The shell (``gradrepl.repl``) and ``gradrepl replay`` both run code
only through this class, so a lesson prints the same in both.
"""

from __future__ import annotations

import __future__ as _future
import ast
import builtins
import codeop
import time
from typing import Callable, Optional

from gradrepl.session import cells, magics, timing
from gradrepl.session.cleanup import cleanup_cell
from gradrepl.session.capture import OutputSink, captured, default_warning_filters
from gradrepl.session.display import ends_with_semicolon, make_display, plain_text
from gradrepl.session.errors import error_info
from gradrepl.session.imports import session_builtins
from gradrepl.session.interrupts import interrupts_only_in_user_code
from gradrepl.session.ipython_display import MODULE_NAMES as IPYTHON_DISPLAY
from gradrepl.session.ipython_display import make_module as make_ipython_display
from gradrepl.session.outputs import CellResult, ErrorInfo, SkippedLine, error_output, execute_result
from gradrepl.session.timeout import time_limit

ENGINES = ("gradrepl", "torch")
# IPython's compiler flags: with them ``x = (`` is "incomplete input", as Jupyter reports it.
_IPYTHON_FLAGS = codeop.PyCF_DONT_IMPLY_DEDENT | getattr(codeop, "PyCF_ALLOW_INCOMPLETE_INPUT", 0)
_FUTURE_FLAGS = 0
for _feature in _future.all_feature_names:
    _FUTURE_FLAGS |= getattr(_future, _feature).compiler_flag

# Names IPython puts in a fresh namespace; the shell's %who and %reset leave them alone.
HIDDEN_NAMES = frozenset({"__name__", "__doc__", "__builtins__", "__builtin__", "In", "Out", "_", "__", "___",
                          "_i", "_ii", "_iii", "_ih", "_oh", "_dh", "get_ipython", "exit", "quit"})


class _CellRun:
    """Per-cell state the magic dispatcher and display hook need while a cell runs."""

    def __init__(self, execution_count: int, sink: OutputSink, filename: str):
        self.execution_count = execution_count
        self.sink = sink
        self.filename = filename
        self.skipped: list[SkippedLine] = []


class Session:
    """One kernel-like namespace.

    ``engine="gradrepl"`` makes ``import torch`` in cells mean ``gradrepl.torch``; ``engine="torch"``
    leaves imports alone so cells run on a real PyTorch. ``quick_timeit`` runs ``%timeit`` statements
    once (replay compares no timings, so it need not spend seconds measuring). With
    ``allow_stdin=False`` (replay), ``input()`` fails as it does in a kernel whose frontend cannot
    answer input requests.
    """

    def __init__(self, engine: str = "gradrepl", *, quick_timeit: bool = False, allow_stdin: bool = True,
                 torch_module: Optional[str] = None):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.engine = engine
        self.quick_timeit = quick_timeit
        self.allow_stdin = allow_stdin
        self._torch_target = torch_module or ("gradrepl.torch" if engine == "gradrepl" else None)
        self.execution_count = 0
        self.history: list[str] = []
        self.magics = magics.MagicRegistry()
        self._cell_numbers: dict[str, int] = {}
        self._warning_filters = default_warning_filters()
        self._compile_flags = 0
        self._current: Optional[_CellRun] = None
        self.namespace: dict = {}
        self.reset()

    # --- namespace ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty the namespace as a fresh kernel has it (the execution count keeps going)."""
        display = make_display(self._emit)
        ipython_display = make_ipython_display(display, self._clear_output)
        namespace_builtins = session_builtins(self._torch_target, dict.fromkeys(IPYTHON_DISPLAY, ipython_display))
        namespace_builtins["display"] = display
        namespace_builtins[magics.MAGIC_CALL] = self._run_magic
        if not self.allow_stdin:
            namespace_builtins["input"] = _no_stdin
        shell = magics.IPythonShim(self._run_magic)
        self.namespace.clear()
        self._builtins = namespace_builtins
        self.namespace.update({
            "__name__": "__main__",
            "__doc__": None,
            "__builtins__": namespace_builtins,
            "__builtin__": builtins,
            "In": [""] + list(self.history),
            "Out": {},
            "_ih": None,
            "_oh": None,
            "_dh": [],
            "_": "", "__": "", "___": "",
            "_i": "", "_ii": "", "_iii": "",
            "get_ipython": lambda: shell,
        })
        self.namespace["_ih"] = self.namespace["In"]
        self.namespace["_oh"] = self.namespace["Out"]
        self._unders = ("", "", "")  # the values of _, __, ___ the display hook last set

    def restore_torch_defaults(self) -> None:
        """Put torch's process-wide settings back as a fresh kernel has them: print options, default
        dtype and grad mode (and, on gradrepl, the warnings torch gives only once per process). Replay
        runs many notebooks in one process, each in a new session; without this, a notebook that
        calls ``torch.set_printoptions(precision=2)`` changes how the next one prints. Nothing to do
        when torch was never imported."""
        import sys

        module = sys.modules.get(self._torch_target or "torch")
        if module is None:
            return
        module.set_printoptions(profile="default", sci_mode=None)
        module.set_default_dtype(module.float32)
        module.set_grad_enabled(True)
        engine_warn = sys.modules.get("gradrepl.engine.warn") if self._torch_target else None
        if engine_warn is not None:
            engine_warn._warned.clear()

    def preload(self):
        """Import the engine now rather than at the first ``import torch`` (outside any cell
        time limit; the shell may call it while its prompt is already drawn). Returns the module."""
        import importlib

        return importlib.import_module(self._torch_target or "torch")

    def register_magic(self, name: str, func: Callable[[str], object]) -> None:
        """Make ``%name args`` call ``func(args)``; its return value is the line's value."""
        self.magics.register(name, func)

    def user_names(self) -> list[str]:
        """Names the user defined (what ``%who`` lists)."""
        return [name for name in self.namespace if name not in HIDDEN_NAMES
                and not (name.startswith("_i") and name[2:].isdigit())
                and not (name.startswith("_") and name[1:].isdigit())]

    def cell_label(self, filename: str) -> Optional[str]:
        """``Cell In[3]`` for a cell's file name, None for any other file."""
        number = self._cell_numbers.get(filename)
        return None if number is None else f"Cell In[{number}]"

    # --- running a cell -------------------------------------------------------------------------

    def run_cell(self, source: str, timeout: Optional[float] = None,
                 on_output: Optional[Callable[[dict], None]] = None) -> CellResult:
        """Run one cell; see ``CellResult``. ``timeout`` is in seconds (main thread only)."""
        if not source or source.isspace():
            # IPython does not count an empty cell as an execution.
            return CellResult(execution_count=self.execution_count)
        self.execution_count += 1
        count = self.execution_count
        self._record_input(source)
        filename = cells.cell_filename(source)
        self._cell_numbers[filename] = count
        run = _CellRun(count, OutputSink(on_output), filename)
        result = CellResult(execution_count=count, outputs=run.sink.outputs, skipped=run.skipped)
        started = time.perf_counter()
        # A magic may run cells itself (the shell's %load): restore the outer cell afterwards.
        outer, self._current = self._current, run
        try:
            with interrupts_only_in_user_code() as user_code, captured(run.sink, self._warning_filters):
                try:
                    with user_code(), time_limit(timeout):
                        self._execute(source, run)
                except BaseException as exc:  # everything a cell raises is the cell's output
                    result.error = self._report_error_safely(exc, run)
        finally:
            self._current = outer
            result.duration = time.perf_counter() - started
        return result

    def _repair_namespace(self) -> None:
        """Put back what the session itself needs when a cell removed it (``globals().clear()``,
        ``del In``), as IPython keeps working after both: the builtins that make ``import torch``
        mean gradrepl's, and the input and output history."""
        ns = self.namespace
        if ns.get("__builtins__") is not self._builtins:
            ns["__builtins__"] = self._builtins
        if not isinstance(ns.get("In"), list):
            ns["In"] = ns["_ih"] = [""] + self.history
        if not isinstance(ns.get("Out"), dict):
            ns["Out"] = ns["_oh"] = {}
        ns.setdefault("__name__", "__main__")

    def _record_input(self, source: str) -> None:
        self._repair_namespace()
        self.history.append(source)
        ns = self.namespace
        ns["In"].append(source)
        ns["_iii"], ns["_ii"], ns["_i"] = ns.get("_ii", ""), ns.get("_i", ""), source
        ns[f"_i{self.execution_count}"] = source

    def _execute(self, source: str, run: _CellRun) -> None:
        source = cleanup_cell(source)
        cell_magic = magics.split_cell_magic(source)
        if cell_magic is not None:
            self._run_cell_magic(cell_magic, run)
            return
        code = magics.transform_escapes(source)
        cells.register_cell_source(run.filename, code)
        tree = compile(code, run.filename, "exec", ast.PyCF_ONLY_AST | _IPYTHON_FLAGS | self._compile_flags,
                       dont_inherit=True)
        body, last = tree.body, None
        if body and isinstance(body[-1], ast.Expr):
            body, last = body[:-1], body[-1]
        if body:
            self._exec(ast.Module(body=body, type_ignores=[]), run.filename)
        if last is not None:
            value = self._eval(ast.Expression(body=last.value), run.filename)
            if value is not None and not ends_with_semicolon(code):
                self._show_result(value, run)

    def _compile(self, tree: ast.AST, filename: str, mode: str):
        code = compile(tree, filename, mode, flags=_IPYTHON_FLAGS | self._compile_flags, dont_inherit=True)
        # Keep ``from __future__`` imports in force for later cells, as IPython's compiler does.
        self._compile_flags |= code.co_flags & _FUTURE_FLAGS
        return code

    def _exec(self, tree: ast.Module, filename: str) -> None:
        exec(self._compile(tree, filename, "exec"), self.namespace)

    def _eval(self, tree: ast.Expression, filename: str):
        return eval(self._compile(tree, filename, "eval"), self.namespace)

    # --- display hook ---------------------------------------------------------------------------

    def _emit(self, output: dict) -> None:
        if self._current is not None:
            self._current.sink.add(output)

    def _clear_output(self, wait: bool) -> None:
        if self._current is not None:
            self._current.sink.clear(wait)

    def _show_result(self, value, run: _CellRun) -> None:
        run.sink.add(execute_result(plain_text(value), run.execution_count))
        self._update_output_history(value, run.execution_count)

    def _update_output_history(self, value, count: int) -> None:
        ns = self.namespace
        # Like IPython: leave _, __ and ___ alone once the user has assigned one of them.
        unders = ns.get("_"), ns.get("__"), ns.get("___")
        if all(a is b for a, b in zip(unders, self._unders)):
            ns["___"], ns["__"], ns["_"] = ns.get("__"), ns.get("_"), value
            self._unders = (ns["_"], ns["__"], ns["___"])
        ns[f"_{count}"] = value
        ns["Out"][count] = value

    # --- magics ---------------------------------------------------------------------------------

    def _run_magic(self, name: str, args: str):
        run = self._current
        if name in magics.SILENT_MAGICS:
            return None
        func = self.magics.get(name)
        if func is not None:
            return func(args)
        if name == "time":
            return timing.time_statement(args, self.namespace, "<timed exec>")
        if name == "timeit":
            return timing.timeit_statement(args, self.namespace, quick=self.quick_timeit)
        if self.magics.strict:
            raise magics.unknown_line_magic(name)
        line, reason = magics.skip_reason(name, args)
        if run is not None:
            run.skipped.append(SkippedLine(line, reason))
        return None

    def _run_cell_magic(self, cell_magic: magics.CellMagic, run: _CellRun) -> None:
        cells.register_cell_source(run.filename, cell_magic.body)
        if cell_magic.name == "time":
            value = timing.time_statement(cell_magic.body, self.namespace, run.filename)
            if value is not None and not ends_with_semicolon(cell_magic.body):
                self._show_result(value, run)
        elif cell_magic.name == "timeit":
            timing.timeit_statement(cell_magic.args, self.namespace, quick=self.quick_timeit,
                                    cell_body=cell_magic.body)
        elif self.magics.strict:
            raise magics.unknown_cell_magic(cell_magic.name)
        else:
            run.skipped.append(SkippedLine(f"%%{cell_magic.name} {cell_magic.args}".rstrip(),
                                           f"cell magic %%{cell_magic.name} is not supported by gradrepl; "
                                           "the cell was not run"))

    # --- errors ---------------------------------------------------------------------------------

    def _report_error_safely(self, exc: BaseException, run: _CellRun):
        """The cell's error, even when reporting it fails (a cell may break what a traceback needs)."""
        try:
            return self._report_error(exc, run)
        except Exception:
            info = ErrorInfo(ename=type(exc).__name__, evalue="", traceback=type(exc).__name__)
            run.sink.add(error_output(info.ename, info.evalue, [info.traceback]))
            return info

    def _report_error(self, exc: BaseException, run: _CellRun):
        info = error_info(exc, self.cell_label, torch_target=self._torch_target)
        run.sink.add(error_output(info.ename, info.evalue, info.traceback.splitlines()))
        return info


class StdinNotImplementedError(NotImplementedError):
    """``input()`` in a session that has no one to answer it (IPython's name and message)."""


def _no_stdin(prompt=""):
    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")
