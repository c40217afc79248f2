"""IPython's ``%magic``, ``%%cell magic``, ``!shell`` and ``obj?`` lines in a session.

Like IPython's input transformers, the cell source is rewritten before compiling: each such line at
the start of a logical line becomes a call ``__gradrepl_magic__(name, args)`` (an assignment
``x = !ls`` keeps its target). The call runs the magics gradrepl knows (``%matplotlib`` accepted
silently, ``%time``, ``%timeit``, and whatever the shell registers) and records every other line as
skipped, with the reason, so nothing is dropped silently.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable

MAGIC_CALL = "__gradrepl_magic__"
SHELL = "!"
# A shell magic saved in a notebook as a comment (`#gradrepl %graph y`), so that Jupyter skips it
# while gradrepl's sessions still run it.
GRADREPL_MAGIC_COMMENT = "#gradrepl "
CAPTURED_SHELL = "!!"

# Magics that change nothing a lesson's printed output depends on: accepted without a word.
SILENT_MAGICS = frozenset({"matplotlib"})

# ``obj?``, ``obj.attr??``, ``?obj``: IPython's help syntax (a comment ending in "?" is not help).
_HELP = re.compile(r"^(?:\?{1,2}(?P<before>[A-Za-z_][\w.]*)|(?P<after>[A-Za-z_][\w.\[\]'\"]*)\?{1,2})$")
_ASSIGNED_ESCAPE = re.compile(r"^(?P<target>[\w.,\s\[\]()*]+?)\s*=\s*(?P<escape>[%!])(?P<rest>.*)$")


@dataclass
class CellMagic:
    """A cell starting with ``%%name args``: its body runs (or is skipped) as a whole."""

    name: str
    args: str
    body: str


def split_cell_magic(source: str) -> CellMagic | None:
    stripped = source.lstrip("\n")
    if not stripped.startswith("%%"):
        return None
    first, _, body = stripped.partition("\n")
    name, _, args = first[2:].partition(" ")
    return CellMagic(name.strip(), args.strip(), body)


def _logical_line_starts(source: str) -> set[int]:
    """Line numbers (1-based) where a logical line begins, not inside brackets or strings."""
    starts: set[int] = set()
    depth, at_start = 0, True
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                if depth == 0:
                    at_start = True
                continue
            if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            if at_start:
                starts.add(token.start[0])
                at_start = False
            if token.type == tokenize.OP:
                depth += token.string in "([{"
                depth -= token.string in ")]}"
                depth = max(depth, 0)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return starts


def _escape_call(escape: str, rest: str, assigned: bool = False) -> str:
    if escape == SHELL:
        # `files = !ls` wants the output's lines (IPython's getoutput); a bare `!ls` prints them.
        name = CAPTURED_SHELL if assigned else SHELL
        return f"{MAGIC_CALL}({name!r}, {rest.strip()!r})"
    name, _, args = rest.partition(" ")
    return f"{MAGIC_CALL}({name.strip()!r}, {args.strip()!r})"


def _transform_line(line: str) -> str | None:
    """The Python replacing one escaped line, or None when the line is ordinary Python."""
    body = line.lstrip()
    indent = line[: len(line) - len(body)]
    text = body.rstrip("\r\n")
    if text.startswith(GRADREPL_MAGIC_COMMENT + "%"):
        text = text[len(GRADREPL_MAGIC_COMMENT):]
    if text.startswith("%") and not text.startswith("%%"):
        return indent + _escape_call("%", text[1:])
    if text.startswith("!") and not text.startswith("!="):
        return indent + _escape_call(SHELL, text[1:])
    help_request = _HELP.match(text.strip())
    if help_request:
        return indent + f"{MAGIC_CALL}('?', {help_request['before'] or help_request['after']!r})"
    match = _ASSIGNED_ESCAPE.match(text)
    if match:
        return indent + f"{match['target']} = " + _escape_call(match["escape"], match["rest"], assigned=True)
    return None


def transform_escapes(source: str) -> str:
    """Rewrite magic, shell and help lines into calls; other lines are kept byte for byte."""
    if not any(mark in source for mark in "%!?"):  # (a `#gradrepl %magic` line has a % too)
        return source
    lines = source.splitlines(keepends=True)
    starts = _logical_line_starts(source)
    for number in sorted(starts):
        line = lines[number - 1]
        replacement = _transform_line(line)
        if replacement is not None:
            ending = line[len(line.rstrip("\r\n")):]
            lines[number - 1] = replacement + ending
    return "".join(lines)


class UsageError(Exception):
    """A magic that does not exist or was called wrongly (IPython's name: the shell prints it as
    ``UsageError: ...``, without a traceback, and a script that raises it exits 1)."""


def unknown_line_magic(name: str) -> UsageError:
    return UsageError(f"Line magic function `%{name}` not found.")


def unknown_cell_magic(name: str) -> UsageError:
    return UsageError(f"Cell magic `%%{name}` not found.")


class MagicRegistry:
    """Line magics by name. ``strict`` (the shell and scripts, as IPython) makes an unknown magic a
    UsageError; otherwise (replay) it is recorded as a skipped line, with the reason."""

    def __init__(self):
        self._magics: dict[str, Callable[[str], object]] = {}
        self.strict = False

    def register(self, name: str, func: Callable[[str], object]) -> None:
        self._magics[name.lstrip("%")] = func

    def __contains__(self, name: str) -> bool:
        return name in self._magics

    def get(self, name: str):
        return self._magics.get(name)

    def names(self) -> list[str]:
        return sorted(self._magics)

    def line_magic_names(self) -> list[str]:
        """What ``%lsmagic`` lists: the registered names that are typed as ``%name``."""
        return sorted(n for n in self._magics if n[:1].isalpha())


def skip_reason(name: str, args: str) -> tuple[str, str]:
    """(the line as the user wrote it, why it was not run)."""
    if name in (SHELL, CAPTURED_SHELL):
        return f"!{args}", "shell commands are not run by gradrepl"
    if name == "?":
        return f"{args}?", "object help is not available in replay"
    line = f"%{name} {args}".rstrip()
    return line, f"magic %{name} is not supported by gradrepl"


class IPythonShim:
    """What ``get_ipython()`` returns in a session: enough for code exported from notebooks
    (``get_ipython().run_line_magic('matplotlib', 'inline')``) to run like its magic line."""

    def __init__(self, run_magic: Callable[[str, str], object]):
        self._run_magic = run_magic

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1):
        return self._run_magic(name, line)

    def magic(self, line: str):
        name, _, args = line.lstrip("%").partition(" ")
        return self._run_magic(name, args)

    def system(self, command: str):
        return self._run_magic(SHELL, command)

    def getoutput(self, command: str):
        return self._run_magic(CAPTURED_SHELL, command)
