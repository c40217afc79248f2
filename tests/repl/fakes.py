"""A stand-in for gradrepl.session.Session, so editing and key tests do not depend on the engine."""

from __future__ import annotations

import ast
import contextlib
import io
from dataclasses import dataclass, field


@dataclass
class FakeResult:
    execution_count: int
    outputs: list = field(default_factory=list)
    error: object = None
    skipped: list = field(default_factory=list)


@dataclass
class FakeError:
    ename: str
    evalue: str
    traceback: str = ""


class FakeSession:
    def __init__(self, engine="gradrepl"):
        self.namespace = {"__name__": "__main__"}
        self.count = 0
        self.magics = {}
        self.sources = []

    def register_magic(self, name, func):
        self.magics[name] = func

    def run_cell(self, source, timeout=None, on_output=None):
        self.count += 1
        self.sources.append(source)
        result = FakeResult(self.count)

        def emit(output):
            result.outputs.append(output)
            if on_output:
                on_output(output)

        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                if source.startswith("%"):
                    name, _, line = source[1:].partition(" ")
                    self.magics[name](line)
                else:
                    tree = ast.parse(source)
                    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                    if last is not None:
                        tree.body.pop()
                    exec(compile(tree, "<cell>", "exec"), self.namespace)
                    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), self.namespace) if last else None
            if buffer.getvalue():
                emit({"output_type": "stream", "name": "stdout", "text": buffer.getvalue()})
            if value is not None and not source.rstrip().endswith(";"):
                emit({"output_type": "execute_result", "execution_count": self.count,
                      "data": {"text/plain": repr(value)}, "metadata": {}})
        except Exception as exc:
            if buffer.getvalue():
                emit({"output_type": "stream", "name": "stdout", "text": buffer.getvalue()})
            result.error = FakeError(type(exc).__name__, str(exc))
            emit({"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": []})
        return result
