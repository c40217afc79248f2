"""gradrepl's own magics in a replayed notebook: a lesson saved from the shell may use them.

``%graph EXPR`` is gradrepl's, not IPython's: replay runs it (it prints the autograd graph as the
shell does) rather than skipping it as an unsupported magic. The drawing lives with the shell
(``gradrepl.repl.graph``, a module without prompt_toolkit) and is imported only when a cell uses it.
"""

from __future__ import annotations


def register_gradrepl_magics(session) -> None:
    def graph(args: str) -> None:
        from gradrepl.repl.graph import graph_of

        print(graph_of(args, session.namespace))

    session.register_magic("graph", graph)
