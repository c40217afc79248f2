"""What ``import gradrepl.torch`` leaves for first use, made before a process forks workers.

The import makes op rows' backwards, node classes and saved-tensor tables, and the default
generator's MT19937 stream (numpy.random, ~10 ms to import), only when first used, so a lesson
pays only for what it touches. ``gradrepl replay`` forks one child per notebook after warming
up: it calls ``warm_up`` so that no child imports numpy.random again. The rows stay lazy: each
child makes only the few its notebook uses (~0.1 ms each), and making all of them in the parent,
on the path before any child starts, measured slower on samples/ (docs/benchmarks.md).
Nothing here draws a random number or changes a setting.
"""

from __future__ import annotations


def warm_up() -> None:
    from gradrepl.engine.random import default_generator

    default_generator.make_stream()
