"""What IPython does to a cell before anything else, so that a cell runs as it runs in Jupyter.

IPython's input transformers begin with four clean-ups (``IPython.core.inputtransformer2``): blank
lines at the top are dropped; when the first line is indented, that indentation is removed from
every line that starts with it (a cell pasted from inside a function, or typed with a stray space,
runs instead of raising IndentationError); and prompts copied from a doctest (``>>> ``, ``... ``)
or from an IPython session (``In [3]: ``, ``   ...: ``) are removed when the first line has one,
or the second line (for a doctest, any of its prompts). Everything after (magics, ``!``, ``?``,
cell magics) sees the cleaned cell, and so do tracebacks' line numbers, as in IPython.
"""

from __future__ import annotations

import re

_INDENT = re.compile(r"^[ \t]+")
_DOCTEST = re.compile(r"^(>>>|\.\.\.)( |$)")
_DOCTEST_FIRST = re.compile(r"^>>>( |$)")  # `...` alone on a first line is Python (Ellipsis)
_IPYTHON = re.compile(r"^(((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?)")


def cleanup_cell(source: str) -> str:
    """``source`` as IPython's clean-up transforms leave it; unchanged (the same string) when they
    have nothing to do, as for almost every cell."""
    if not source[:1].isspace() and not any(mark in source for mark in (">>>", "...", "In [")):
        return source
    lines = source.splitlines(keepends=True)
    lines = _without_leading_blank_lines(lines)
    lines = _without_leading_indent(lines)
    lines = _without_prompts(lines, _DOCTEST, _DOCTEST_FIRST)
    lines = _without_prompts(lines, _IPYTHON, _IPYTHON)
    cleaned = "".join(lines)
    return source if cleaned == source else cleaned


def _without_leading_blank_lines(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line and not line.isspace():
            return lines[index:]
    return lines  # a cell of blank lines stays as it is


def _without_leading_indent(lines: list[str]) -> list[str]:
    match = _INDENT.match(lines[0]) if lines else None
    if match is None:
        return lines
    indent = match.group(0)
    return [line[len(indent):] if line.startswith(indent) else line for line in lines]


def _without_prompts(lines: list[str], prompt: re.Pattern, first: re.Pattern) -> list[str]:
    if not lines or not (first.match(lines[0]) or (len(lines) > 1 and prompt.match(lines[1]))):
        return lines
    return [prompt.sub("", line, count=1) for line in lines]
