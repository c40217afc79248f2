"""Syntax highlighting with pygments' PythonLexer.

The pygments lexer module costs about 0.1 s to import, so the highlighting switches on once it is
loaded in the background: the first keystrokes may show plain text, the prompt never waits.
"""

from __future__ import annotations

import threading

from prompt_toolkit.lexers import DynamicLexer, Lexer, SimpleLexer


class _Holder:
    lexer: Lexer | None = None


def python_lexer(background: bool = False) -> Lexer:
    holder = _Holder()

    def load():
        from prompt_toolkit.lexers import PygmentsLexer
        from pygments.lexers.python import PythonLexer

        holder.lexer = PygmentsLexer(PythonLexer)

    if background:
        threading.Thread(target=load, name="gradrepl-lexer", daemon=True).start()
    else:
        load()
    plain = SimpleLexer()
    return DynamicLexer(lambda: holder.lexer or plain)
