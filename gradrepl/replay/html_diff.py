"""Recorded and produced output side by side, as HTML rows with the differences marked.

Lines are paired with ``difflib.SequenceMatcher`` (the same matcher behind the console's unified
diff); within a changed pair, the differing characters are wrapped in ``<del>`` (recorded) and
``<ins>`` (produced), so a one-digit change in a long tensor line is visible at a glance. Each
side's lines are already normalised (what replay compared), and escaped with ``html.escape``.
"""

from __future__ import annotations

import difflib
from html import escape

from gradrepl.replay.compare import LABELS

# A cell printing a million lines must not make a report nobody can open: past this, rows are cut.
MAX_ROWS = 400
# Character matching is quadratic in the worst case; longer lines are marked as changed whole.
MAX_MARKED_LINE = 2000
_LABEL_LINES = frozenset(LABELS.values())


def _marked(text: str, other: str, tag: str) -> str:
    """``text`` escaped, its characters absent from ``other`` wrapped in ``<tag>``."""
    if max(len(text), len(other)) > MAX_MARKED_LINE:
        return f"<{tag}>{escape(text)}</{tag}>"
    matcher = difflib.SequenceMatcher(None, other, text, autojunk=False)
    pieces = []
    for op, _, _, start, end in matcher.get_opcodes():
        piece = escape(text[start:end])
        pieces.append(piece if op == "equal" or not piece else f"<{tag}>{piece}</{tag}>")
    return "".join(pieces)


def _cell(number: int | None, text: str | None, kind: str, markup: str | None = None) -> str:
    if text is None:
        return '<td class="num"></td><td class="line empty"></td>'
    css = "line label" if text in _LABEL_LINES else f"line {kind}"
    return f'<td class="num">{number}</td><td class="{css}">{markup if markup is not None else escape(text)}</td>'


def _rows(recorded: list[str], produced: list[str]):
    """(recorded cells, produced cells) per row, aligned by the line matcher."""
    matcher = difflib.SequenceMatcher(None, recorded, produced, autojunk=False)
    for op, r1, r2, p1, p2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(r2 - r1):
                yield _cell(r1 + offset + 1, recorded[r1 + offset], "same"), _cell(p1 + offset + 1,
                                                                                   produced[p1 + offset], "same")
            continue
        for offset in range(max(r2 - r1, p2 - p1)):
            r, p = r1 + offset, p1 + offset
            want = recorded[r] if r < r2 else None
            got = produced[p] if p < p2 else None
            if want is not None and got is not None:
                yield (_cell(r + 1, want, "changed", _marked(want, got, "del")),
                       _cell(p + 1, got, "changed", _marked(got, want, "ins")))
            else:
                yield _cell(r + 1, want, "removed"), _cell(p + 1, got, "added")


def side_by_side(recorded: str, produced: str) -> str:
    """A ``<table class="sbs">``: recorded on the left, produced on the right."""
    rows = []
    # Lines past the cut are never shown, so they need not be matched either.
    recorded_lines, produced_lines = recorded.splitlines()[:2 * MAX_ROWS], produced.splitlines()[:2 * MAX_ROWS]
    for count, (left, right) in enumerate(_rows(recorded_lines, produced_lines)):
        if count == MAX_ROWS:
            rows.append('<tr><td colspan="4" class="cut">... the rest of this output is not shown '
                        f'(over {MAX_ROWS} lines)</td></tr>')
            break
        rows.append(f"<tr>{left}{right}</tr>")
    if not rows:
        rows.append('<tr><td colspan="4" class="cut">(no output on either side)</td></tr>')
    return ('<table class="sbs"><colgroup><col class="numcol"><col><col class="numcol"><col></colgroup>'
            '<thead><tr><th colspan="2">recorded</th><th colspan="2">produced</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')
