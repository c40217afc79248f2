"""The shell's own magics: ``%who``, ``%reset``, ``%history``, ``%save``, ``%load``, ``%graph``
and ``obj?`` help. (``%time`` and ``%timeit`` belong to the session, shared with replay.)

Each magic is one function ``(shell, argument_line)`` in the ``MAGICS`` table. They print with
``print`` so that whatever captures the cell's stdout captures them too.
"""

from __future__ import annotations

import inspect
import re
import shlex
import types
from pathlib import Path
from typing import Callable

# `x?`, `?x`, `torch.tensor?`, `x??`: IPython's help syntax, on a line of its own.
_HELP = re.compile(r"^\s*\?{0,2}\s*([A-Za-z_][\w.]*)\s*\?{0,2}\s*$")


def help_target(line: str) -> str | None:
    """The dotted name asked about when ``line`` is ``obj?`` (or ``?obj``), else None."""
    if "?" not in line:
        return None
    match = _HELP.match(line)
    return match.group(1) if match else None


def user_names(shell) -> list[str]:
    """Names the user defined: not private, not there at start (torch, In, Out ...)."""
    return sorted(
        name for name in shell.namespace
        if not name.startswith("_") and name not in shell.initial_names
    )


def _output_history_names(namespace) -> list[str]:
    """IPython's `_`, `__`, `___`, `_3`, `_i3` ... (cleared by %reset along with the user's names)."""
    return [n for n in namespace if re.fullmatch(r"_\d+|_i\d+", n)]


def who(shell, line: str) -> None:
    wanted = set(line.split())
    names = [
        n for n in user_names(shell)
        if not wanted or type(shell.namespace[n]).__name__ in wanted
    ]
    if not names:
        print("No variables match your requested type." if wanted else "Interactive namespace is empty.")
        return
    print("\t".join(names))


def reset(shell, line: str) -> None:
    if "-f" not in line.split():
        answer = shell.ask("Once deleted, variables cannot be recovered. Proceed (y/[n])? ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing done.")
            return
    namespace = shell.namespace
    for name in user_names(shell) + _output_history_names(namespace):
        del namespace[name]
    namespace["_"] = namespace["__"] = namespace["___"] = ""
    if isinstance(namespace.get("Out"), dict):
        namespace["Out"].clear()


def help_magic(shell, name: str) -> None:
    show_help(shell, name.strip())


def history(shell, line: str) -> None:
    numbered = "-n" in line.split()
    for count, source in shell.input_history():
        if numbered:
            first, *rest = source.split("\n")
            print(f"{count:>3}: {first}" + "".join("\n     " + r for r in rest))
        else:
            print(source)


def graph(shell, line: str) -> None:
    from gradrepl.repl.graph import graph_of

    print(graph_of(line, shell.namespace))


def save(shell, line: str) -> None:
    from gradrepl.repl.notebook import write_notebook

    args = shlex.split(line)
    if len(args) != 1 or not args[0].endswith(".ipynb"):
        print("usage: %save FILE.ipynb")
        return
    count = write_notebook(Path(args[0]), shell.cells, set(MAGICS))
    print(f"saved {count} cell{'s' if count != 1 else ''} to {args[0]}")


def load(shell, line: str) -> None:
    from gradrepl.repl.notebook import read_code_cells

    args = shlex.split(line)
    if len(args) != 1:
        print("usage: %load FILE.ipynb")
        return
    sources = read_code_cells(Path(args[0]))
    print(f"loading {len(sources)} code cell{'s' if len(sources) != 1 else ''} from {args[0]}")
    shell.queue_cells(sources)


MAGICS: dict[str, Callable] = {
    "who": who,
    "reset": reset,
    "history": history,
    "hist": history,
    "graph": graph,
    "save": save,
    "load": load,
    "?": help_magic,  # the session turns `obj?` lines into this magic
}


def describe(name: str, obj: object) -> str:
    """IPython-style ``obj?``: type, string form, signature and docstring."""
    lines = [f"Type:        {type(obj).__name__}"]
    if not isinstance(obj, (types.ModuleType, type)) and not callable(obj):
        form = repr(obj)
        if len(form) > 200:
            form = form[:200] + "..."
        lines.append(f"String form: {form}".replace("\n", "\n             "))
    if callable(obj):
        try:
            lines.append(f"Signature:   {name.rsplit('.', 1)[-1]}{inspect.signature(obj)}")
        except (TypeError, ValueError):
            pass
    module = getattr(obj, "__module__", None) if not isinstance(obj, types.ModuleType) else None
    if isinstance(module, str) and module.startswith("gradrepl.torch"):
        lines.append("Module:      torch (gradrepl)")
    doc = inspect.getdoc(obj)
    lines.append("Docstring:\n" + doc if doc else "Docstring:   <no docstring>")
    return "\n".join(lines)


def show_help(shell, name: str) -> None:
    from gradrepl.repl.completer import MISSING, resolve_dotted

    obj = resolve_dotted(name, shell.namespace)
    if obj is MISSING:
        print(f"Object `{name}` not found.")
        return
    print(describe(name, obj))
