"""Replay's options, declared once: the ``gradrepl replay`` command (typer), its typer-free fast
path (``fast_cli``) and the pytest plugin (``--gradrepl-...``) all read their spellings, defaults
and help here, so that no option can drift between the three.

Kept free of typer and pytest imports: the fast command line reads it before either is loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    """One replay option. ``flags`` are the command's spellings (a ``--x/--no-x`` pair is one
    string, as click writes it); ``plugin`` says whether pytest gets it as ``--gradrepl-<name>``;
    ``value`` is the type of the value it takes (None: a switch)."""

    field: str
    flags: tuple
    help: str
    default: object = None
    value: type | None = None
    metavar: str | None = None
    plugin: bool = False
    minimum: float | None = None

    @property
    def plugin_flag(self) -> str:
        """The pytest plugin's spelling: the command's first long name under ``--gradrepl-``."""
        return "--gradrepl-" + self.flags[0].split("/")[0][2:]

    @property
    def plugin_help(self) -> str:
        """pytest's help style (lower case, no final full stop), naming the plugin's options."""
        text = self.help[0].lower() + self.help[1:].rstrip(".")
        return text.replace(" --", " --gradrepl-")


ENGINES = ("gradrepl", "torch")

_ALL = (
    Option("engine", ("--engine",), "Run cells on gradrepl or on a real PyTorch.", "gradrepl", str,
           metavar="[gradrepl|torch]", plugin=True),
    Option("update", ("--update",), "Write the produced outputs back into the notebooks.", False),
    Option("tolerance", ("--tolerance",),
           "Compare numbers by value, as numpy.isclose (rtol 1e-3, atol 1e-5).", False, plugin=True),
    Option("rtol", ("--rtol",), "Relative tolerance (implies --tolerance).", None, float, "R", plugin=True,
           minimum=0),
    Option("atol", ("--atol",), "Absolute tolerance (implies --tolerance).", None, float, "A", plugin=True,
           minimum=0),
    Option("compare_stderr", ("--compare-stderr",), "Compare stderr streams too.", False, plugin=True),
    Option("lax", ("--lax",), "Compare only cells marked NBVAL_CHECK_OUTPUT (like nbval-lax).", False,
           plugin=True),
    Option("sanitize", ("--sanitize", "--sanitize-with"), "nbval-style regex/replace file applied to outputs.",
           None, str, "FILE", plugin=True),
    Option("json_path", ("--json",), "Write a JSON report.", None, str, "FILE"),
    Option("junit_path", ("--junit-xml",), "Write a JUnit XML report.", None, str, "FILE"),
    Option("html_path", ("--html",), "Write a self-contained HTML report (failing cells side by side).",
           None, str, "FILE"),
    Option("jobs", ("--jobs", "-j"), "Replay this many notebooks in parallel.", 1, int, "N", minimum=1),
    Option("timeout", ("--timeout",), "Fail a cell that runs longer than S seconds (inf: no limit).", None,
           float, "S", plugin=True),
    Option("fail_fast", ("--fail-fast", "-x"), "Stop at the first failing cell.", False),
    Option("verbose", ("--verbose", "-v"), "Also list skipped cells.", False),
    Option("color", ("--color/--no-color",), "Colour the output (default: on a terminal).", None),
)

OPTIONS = {option.field: option for option in _ALL}


def switch_spellings() -> dict:
    """Every spelling of a switch (an option without a value) -> (field, the value it sets)."""
    spellings = {}
    for option in _ALL:
        if option.value is not None:
            continue
        for flag in option.flags:
            on, _, off = flag.partition("/")
            spellings[on] = (option.field, True)
            if off:
                spellings[off] = (option.field, False)
    return spellings


def cell_time_limit(seconds: float | None) -> float | None:
    """``--timeout``'s value as the runner takes it: None for no limit (none given, 0 or inf);
    ValueError, in the user's terms, for nan or a negative number."""
    if seconds is not None and (math.isnan(seconds) or seconds < 0):
        raise ValueError("--timeout must be a number of seconds (or inf for no limit)")
    return seconds if seconds and math.isfinite(seconds) else None


def tolerance_fields(tolerance: bool, rtol: float | None, atol: float | None) -> dict:
    """ReplayOptions' tolerance fields: an rtol or atol given implies comparing by value."""
    given = {name: value for name, value in (("rtol", rtol), ("atol", atol)) if value is not None}
    return {"tolerance": tolerance or bool(given), **given}
