"""Autograd beyond backward() as transcripts: custom Functions, autograd.functional, gradcheck,
hooks and the graph API, anomaly mode, torch.func.

Same shape as scenarios.py (each takes the torch module ``T`` and ``show``); kept apart so that
its goldens (tests/goldens/autograd_scenarios.json, scripts/record_engine_goldens.py) are too.
Reprs that carry a memory address are shown through ``addressless``.
"""

from __future__ import annotations

import re
import warnings

from scenarios import Show, edges, name  # noqa: F401  (used by the topic modules)

SCENARIOS: dict = {}
KNOWN: dict = {}  # why a scenario still differs from torch (a strict xfail), by name


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def run(library, scenario_name: str) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        show = Show(caught)
        try:
            SCENARIOS[scenario_name](library, show)
        finally:
            library.set_grad_enabled(True)
            library.autograd.set_detect_anomaly(False)
        show._flush()
    return [_first_line_of_anomaly_warning(addressless(line)) for line in show.lines]


def addressless(text: str) -> str:
    return re.sub(r" at 0x[0-9a-f]+", " at 0x...", text)


def _first_line_of_anomaly_warning(line: str) -> str:
    # torch's anomaly warning goes on with the forward call's traceback (file paths), which
    # gradrepl does not record (docs/autograd.md): compare its first line
    if line.startswith("UserWarning: Error detected in "):
        return line.split("\n", 1)[0]
    return line


# the scenarios, by topic (imported last: they register themselves with @scenario)
from autograd_scenarios import functional, functions, gradchecks, hooks, options, transforms  # noqa: E402,F401
