"""The shell's own magics: ``%who``, ``%reset``, ``%history``, ``%save``, ``%load``, ``%graph``
and ``obj?`` help. (``%time`` and ``%timeit`` belong to the session, shared with replay.)

Each magic is one function ``(shell, argument_line)`` in the ``MAGICS`` table. They print with
``print`` so that whatever captures the cell's stdout captures them too.
"""

from __future__ import annotations

import re
import shlex
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


def whos(shell, line: str) -> None:
    """``%whos``: IPython's table of names and types; tensors show shape, dtype and requires_grad."""
    from gradrepl.repl.whos import whos_table

    wanted = set(line.split())
    names = [n for n in user_names(shell) if not wanted or type(shell.namespace[n]).__name__ in wanted]
    if not names:
        print("No variables match your requested type." if wanted else "Interactive namespace is empty.")
        return
    print(whos_table([(n, shell.namespace[n]) for n in names]))


def lsmagic(shell, line: str) -> None:
    names = sorted(n for n in MAGICS if n[:1].isalpha()) + ["time", "timeit"]
    print("Available line magics:")
    print("  ".join(f"%{n}" for n in sorted(set(names))))
    print()
    print("Available cell magics:")
    print("%%time  %%timeit")
    print()
    print("Also: !cmd runs a shell command, obj? (or help(obj)) shows help, %graph y draws y's autograd graph.")


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
    from gradrepl.repl.help import show_help

    show_help(shell, name.strip())


def history(shell, line: str) -> None:
    """``%history [-n] [-l [N]] [RANGES]``: IPython's options. ``-n`` numbers the cells, ``-l N``
    shows the last N (10 by default), ``4``, ``4-6`` (inclusive) and ``4:6`` (up to 5) pick cells."""
    from gradrepl.repl.history_ranges import parse_history_args, select_cells

    request = parse_history_args(line)
    for count, source in select_cells(shell.input_history(), request):
        if request.numbered:
            first, *rest = source.split("\n")
            print(f"{count:>3}: {first}" + "".join("\n     " + r for r in rest))
        else:
            print(source)


def graph(shell, line: str) -> None:
    from gradrepl.repl.graph import graph_of

    print(graph_of(line, shell.namespace))


def save(shell, line: str) -> None:
    from gradrepl.repl.notebook import notebook_path, write_notebook

    args = shlex.split(line)
    if len(args) != 1:
        print("usage: %save FILE   (writes FILE.ipynb)")
        return
    path = notebook_path(args[0])
    count = write_notebook(path, shell.cells, set(MAGICS))
    print(f"saved {count} cell{'s' if count != 1 else ''} to {path}")


def load(shell, line: str) -> None:
    from gradrepl.repl.notebook import read_code_cells

    args = shlex.split(line)
    if len(args) != 1:
        print("usage: %load FILE.ipynb")
        return
    sources = read_code_cells(Path(args[0]))
    print(f"loading {len(sources)} code cell{'s' if len(sources) != 1 else ''} from {args[0]}")
    shell.queue_cells(sources)


def _ipython_only(magic: str) -> Callable:
    def not_run(shell, line: str):
        from gradrepl.repl.external import ipython_only

        return ipython_only(shell, line, magic)

    return not_run


def _external(name: str) -> Callable:
    def magic(shell, line: str):
        from gradrepl.repl import external

        return getattr(external, name)(shell, line)

    magic.__name__ = name
    return magic


MAGICS: dict[str, Callable] = {
    "who": who,
    "whos": whos,
    "lsmagic": lsmagic,
    "run": _external("run_file"),
    "pip": _external("pip"),
    "pwd": _external("pwd"),
    "cd": _external("cd"),
    "env": _external("env"),
    "!": _external("system"),
    "!!": _external("getoutput"),
    "reset": reset,
    "history": history,
    "hist": history,
    "graph": graph,
    "save": save,
    "load": load,
    "?": help_magic,  # the session turns `obj?` lines into this magic
    **{name: _ipython_only(name) for name in ("load_ext", "reload_ext", "unload_ext", "autoreload", "config")},
}
