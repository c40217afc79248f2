"""Deciding from the code itself whether the input is a complete cell.

The rule follows IPython: an open bracket or string, or a block header ending in ``:``, keeps the
cell open; a block stays open while its last line is indented and closes on an empty line; a
syntax error counts as complete so that the error is shown instead of trapping the user.
"""

from __future__ import annotations

import codeop
import warnings

_BLOCK_ENDERS = ("pass", "return", "break", "continue", "raise")


def is_complete(text: str) -> bool:
    """True when pressing Enter at the end of ``text`` should run it."""
    if not text.strip():
        return True
    if text.lstrip().startswith("%%"):
        # A cell magic's body follows on the next lines, as in IPython: an empty line ends it.
        lines = text.strip("\n").split("\n")
        return len(lines) > 1 and not text.split("\n")[-1].strip() and text.endswith("\n")
    try:
        with warnings.catch_warnings():
            # "invalid escape sequence" and friends are the user's business, shown when it runs.
            warnings.simplefilter("ignore")
            code = codeop.compile_command(text, symbol="exec")
    except (SyntaxError, ValueError, OverflowError):
        return True
    if code is None:
        return False
    lines = text.split("\n")
    last = lines[-1]
    if len(lines) > 1 and not last.strip():
        return True  # the empty line that closes a block
    # An indented last line means the user is inside a block: wait for the closing empty line.
    return not last[:1].isspace()


def indent_after(line: str) -> str:
    """The indentation for the line that follows ``line`` as the user types a block."""
    stripped = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    if stripped.endswith(":"):
        return indent + "    "
    first_word = stripped.split(maxsplit=1)[0] if stripped else ""
    if first_word in _BLOCK_ENDERS:
        return indent[:-4] if indent.endswith("    ") else indent.rstrip(" ")
    return indent
