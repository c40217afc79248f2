"""``--html FILE``: one self-contained page a course team can open from a CI artifact.

The page holds everything inline (styles, no scripts, no fonts or images fetched), so it reads the
same from an e-mail attachment, a CI artifact or a laptop without network. It shows:
- the closing line (``N passed, M failed, K skipped``) and a table with one row per notebook;
- the torch features gradrepl lacked, with the cells that needed them;
- per notebook with something to look at: each failing cell's source, then its recorded and
  produced output side by side with the differences marked, and the cells that were skipped, why.
"""

from __future__ import annotations

import time
from html import escape

from gradrepl.replay.html_diff import side_by_side
from gradrepl.replay.results import FAILED, SKIPPED, UNSUPPORTED, CellReport, NotebookReport, Totals, counts_line

_STYLE = """
:root { color-scheme: light; --fail: #b42318; --pass: #067647; --skip: #667085; --warn: #b54708;
        --line: #d0d5dd; --soft: #f9fafb; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #101828; margin: 0 auto; padding: 24px 32px 64px; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
code, pre, .sbs td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.totals { font-size: 18px; font-weight: 600; margin: 0; }
.ok .totals { color: var(--pass); } .bad .totals { color: var(--fail); }
.meta, .note { color: var(--skip); margin: 2px 0; }
table { border-collapse: collapse; }
.summary th, .summary td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: right; }
.summary th:nth-child(-n+2), .summary td:nth-child(-n+2) { text-align: left; }
.badge { display: inline-block; min-width: 64px; padding: 0 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; text-align: center; color: #fff; }
.badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); }
.badge.unsupported { background: var(--warn); } .badge.skipped { background: var(--skip); }
.cell { border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 6px;
        padding: 4px 16px 16px; margin: 12px 0; }
.cell.unsupported { border-left-color: var(--warn); }
.cell h3 .why { font-weight: normal; color: var(--fail); }
.cell.unsupported h3 .why { color: var(--warn); }
pre.source { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px;
             margin: 0 0 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.sbs { width: 100%; table-layout: fixed; border: 1px solid var(--line); }
.sbs th { background: var(--soft); text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
.sbs col.numcol { width: 3.2em; }
.sbs td { padding: 1px 8px; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere; }
.sbs td.num { color: var(--skip); text-align: right; user-select: none; border-right: 1px solid var(--line); }
.sbs td.label { color: var(--skip); font-style: italic; }
.sbs td.changed { background: #fffaeb; }
.sbs td.removed { background: #fef3f2; } .sbs td.added { background: #ecfdf3; }
.sbs td.empty { background: repeating-linear-gradient(45deg, #fff, #fff 4px, var(--soft) 4px, var(--soft) 8px); }
.sbs del { background: #fecdca; color: #7a271a; text-decoration: line-through; text-decoration-thickness: 1px; }
.sbs ins { background: #abefc6; color: #054f31; text-decoration: underline; }
.sbs td.cut { color: var(--skip); font-style: italic; text-align: center; }
.skips td { padding: 2px 12px 2px 0; vertical-align: top; }
ul.features li { margin: 2px 0; }
"""


def _badge(status: str) -> str:
    return f'<span class="badge {status}">{status}</span>'


def _notebook_id(position: int) -> str:
    return f"notebook-{position + 1}"


def _summary_table(reports: list[NotebookReport]) -> str:
    rows = []
    for position, report in enumerate(reports):
        totals = Totals.of([report])
        status = "passed" if report.ok else "failed"
        name = escape(report.path)
        has_details = not report.ok or report.count(SKIPPED)
        link = f'<a href="#{_notebook_id(position)}">{name}</a>' if has_details else name
        rows.append(f"<tr><td>{_badge(status)}</td><td>{link}</td><td>{totals.passed}</td>"
                    f"<td>{totals.failed}</td><td>{totals.skipped}</td><td>{report.duration:.2f} s</td></tr>")
    return ('<table class="summary"><thead><tr><th></th><th>notebook</th><th>passed</th><th>failed</th>'
            f'<th>skipped</th><th>time</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _features(reports: list[NotebookReport]) -> str:
    needed: dict[str, list[str]] = {}
    for report in reports:
        for cell in report.cells:
            if cell.unsupported:
                needed.setdefault(cell.unsupported, []).append(f"{report.path} {cell.name}")
    if not needed:
        return ""
    items = "".join(f"<li><code>{escape(feature)}</code>: {escape(', '.join(cells))}</li>"
                    for feature, cells in sorted(needed.items()))
    return ('<section id="unsupported"><h2>Torch features gradrepl does not support yet</h2>'
            f'<ul class="features">{items}</ul></section>')


def _failing_cell(cell: CellReport) -> str:
    return (f'<article class="cell {cell.status}"><h3>{escape(cell.name)}: '
            f'<span class="why">{escape(cell.reason)}</span></h3>'
            f'<pre class="source">{escape(cell.source)}</pre>'
            f"{side_by_side(cell.recorded_text, cell.produced_text)}</article>")


def _skip_reason(cell: CellReport) -> str:
    if not cell.skipped_lines:
        return escape(cell.reason)
    return "<br>".join(f"did not run <code>{escape(line)}</code>: {escape(reason)}"
                       for line, reason in cell.skipped_lines)


def _skipped_cells(cells: list[CellReport]) -> str:
    if not cells:
        return ""
    rows = "".join(f"<tr><td>{escape(cell.name)}</td><td>{_skip_reason(cell)}</td></tr>" for cell in cells)
    return f'<h3>Skipped cells</h3><table class="skips"><tbody>{rows}</tbody></table>'


def _notebook_section(position: int, report: NotebookReport) -> str:
    failing = [cell for cell in report.cells if cell.status in (FAILED, UNSUPPORTED)]
    skipped = [cell for cell in report.cells if cell.status == SKIPPED]
    if not failing and not skipped:
        return ""
    notes = []
    if report.converted_from:
        notes.append(f"converted from nbformat {report.converted_from}")
    if report.stopped_early:
        notes.append("stopped at the first failure (--fail-fast)")
    note = f'<p class="note">{escape("; ".join(notes))}</p>' if notes else ""
    return (f'<section class="notebook" id="{_notebook_id(position)}"><h2>{escape(report.path)}</h2>'
            f'<p class="meta">{escape(report.summary())}</p>{note}'
            f'{"".join(_failing_cell(cell) for cell in failing)}{_skipped_cells(skipped)}</section>')


def html_report(reports: list[NotebookReport], engine: str = "gradrepl", when: float | None = None) -> str:
    ok = all(report.ok for report in reports)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when if when is not None else time.time()))
    seconds = sum(report.duration for report in reports)
    count = len(reports)
    meta = (f"{count} notebook{'s' if count != 1 else ''} replayed on {escape(engine)} "
            f"in {seconds:.2f} s, {stamp}")
    sections = "".join(_notebook_section(position, report) for position, report in enumerate(reports))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>gradrepl replay: {escape(counts_line(reports))}</title><style>{_STYLE}</style></head>"
        f'<body class="{"ok" if ok else "bad"}"><header><h1>gradrepl replay</h1>'
        f'<p class="totals">{escape(counts_line(reports))}</p><p class="meta">{meta}</p></header>'
        f"<section id=\"notebooks\"><h2>Notebooks</h2>{_summary_table(reports)}</section>"
        f"{_features(reports)}{sections}</body></html>\n"
    )
