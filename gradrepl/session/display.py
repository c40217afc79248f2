"""Showing values as Jupyter does: the cell's last expression and ``display(...)``.

IPython's display hook shows a cell's value unless it is None or the cell's last token is ``;``;
the text is ``IPython.lib.pretty`` of the value (see ``pretty.py``). ``display(obj)`` emits a
``display_data`` output with the same text, whatever the position in the cell.
"""

from __future__ import annotations

import io
import tokenize

from gradrepl.session.outputs import display_data
from gradrepl.session.pretty import pretty


def plain_text(value) -> str:
    """The ``text/plain`` representation of ``value`` in a Jupyter output."""
    return pretty(value)


def ends_with_semicolon(source: str) -> bool:
    """IPython's DisplayHook.semicolon_at_end_of_expression: is the last real token ``;``?"""
    if ";" not in source:  # no token, and no fallback below, can be ``;``: skip the tokenizer
        return False  # (pure Python: ~0.2 ms a cell, more than many cells' own run)
    return _last_token_is_semicolon(source)


def _last_token_is_semicolon(source: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source.rstrip().endswith(";")
    ignored = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    for token in reversed(tokens):
        if token.type in ignored:
            continue
        return token.type == tokenize.OP and token.string == ";"
    return False


def make_display(emit):
    """The ``display`` builtin of a session; ``emit`` receives each display_data output."""

    def display(*objs, include=None, exclude=None, metadata=None, raw=False, **kwargs):
        for obj in objs:
            if raw and isinstance(obj, dict):
                text = obj.get("text/plain", "")
            else:
                text = plain_text(obj)
            emit(display_data(text))

    return display
