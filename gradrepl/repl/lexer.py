"""Syntax highlighting with pygments' PythonLexer.

The pygments lexer costs about 0.05-0.1 s to import, so the shell draws its first prompt with a
plain lexer and loads this one right after (``PythonHighlighting.load``); highlighting switches on
from the next redraw, which the next keystroke causes anyway.
"""

from __future__ import annotations

from prompt_toolkit.lexers import DynamicLexer, Lexer, SimpleLexer


class PythonHighlighting:
    def __init__(self):
        self._pygments: Lexer | None = None
        self._plain = SimpleLexer()
        self.lexer = DynamicLexer(lambda: self._pygments or self._plain)

    def load(self) -> None:
        from prompt_toolkit.lexers import PygmentsLexer
        from pygments.lexers.python import PythonLexer

        self._pygments = PygmentsLexer(PythonLexer)
