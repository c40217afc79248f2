"""Tuning the process, for the programs that own theirs: the shell, ``gradrepl run`` / ``-c`` and
``replay`` (not the library, nor the pytest plugin, which run in someone else's process).

A graph of many small Python objects runs faster with the collector's first threshold raised,
and big numpy temporaries with malloc keeping freed blocks for reuse: see engine/memory.py for
what each is worth.
"""

from __future__ import annotations


def own_process() -> None:
    from gradrepl.engine.memory import tune_process

    tune_process()
