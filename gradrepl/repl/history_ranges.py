"""Parsing ``%history``'s arguments as IPython does: ``-n``, ``-l [N]`` and cell ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gradrepl.session.magics import UsageError

_RANGE = re.compile(r"^(\d+)(?:([-:])(\d+))?$")


@dataclass
class HistoryRequest:
    numbered: bool = False
    last: int | None = None  # -l N: only the last N cells
    cells: list[range] = field(default_factory=list)  # empty: all cells


def parse_history_args(line: str) -> HistoryRequest:
    request = HistoryRequest()
    words = line.split()
    while words:
        word = words.pop(0)
        if word == "-n":
            request.numbered = True
        elif word == "-l":
            request.last = int(words.pop(0)) if words and words[0].isdigit() else 10
        elif _RANGE.match(word):
            start, sep, stop = _RANGE.match(word).groups()
            if sep is None:
                request.cells.append(range(int(start), int(start) + 1))
            else:
                # IPython: 4-6 includes 6, 4:6 stops before it, as a Python slice does.
                request.cells.append(range(int(start), int(stop) + (sep == "-")))
        else:
            raise UsageError(f"%history: cannot read {word!r}; use -n, -l N, or cell numbers like 3 or 2-4")
    return request


def select_cells(cells: list[tuple[int | None, str]], request: HistoryRequest) -> list[tuple[int | None, str]]:
    chosen = cells
    if request.cells:
        chosen = [cell for cell in cells if any(cell[0] in r for r in request.cells)]
    if request.last is not None:
        chosen = chosen[-request.last:] if request.last else []
    return chosen
