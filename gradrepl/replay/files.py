"""Machine-readable reports: ``--json FILE`` and ``--junit-xml FILE`` (one testcase per cell)."""

from __future__ import annotations

import json
import os
import re

from gradrepl.replay.results import FAILED, PASSED, SKIPPED, UNSUPPORTED, NotebookReport

JSON_FORMAT_VERSION = 1


def _cell_dict(cell) -> dict:
    return {
        "cell": cell.number,
        "index": cell.index,
        "recorded_execution_count": cell.recorded_count,
        "status": cell.status,
        "reason": cell.reason,
        "unsupported": cell.unsupported,
        "source": cell.source,
        "diff": cell.diff,
        "skipped_lines": [{"line": line, "reason": reason} for line, reason in cell.skipped_lines],
        "duration": round(cell.duration, 6),
    }


def json_report(reports: list[NotebookReport]) -> dict:
    totals = {status: sum(r.count(status) for r in reports) for status in (PASSED, FAILED, UNSUPPORTED, SKIPPED)}
    return {
        "format_version": JSON_FORMAT_VERSION,
        "summary": {**totals, "notebooks": len(reports), "ok": all(r.ok for r in reports)},
        "notebooks": [
            {
                "path": r.path,
                "ok": r.ok,
                "summary": {status: r.count(status) for status in (PASSED, FAILED, UNSUPPORTED, SKIPPED)},
                "duration": round(r.duration, 6),
                "stopped_early": r.stopped_early,
                "converted_from": r.converted_from,
                "cells": [_cell_dict(cell) for cell in r.cells],
            }
            for r in reports
        ],
    }


# Characters XML 1.0 cannot carry at all (a cell may print a bell or a form feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(reports: list[NotebookReport]) -> str:
    from xml.etree import ElementTree as ET  # only for --junit-xml

    suites = ET.Element("testsuites", name="gradrepl replay")
    for report in reports:
        suite = ET.SubElement(
            suites, "testsuite", name=report.path, tests=str(len(report.cells)),
            failures=str(report.count(FAILED) + report.count(UNSUPPORTED)), errors="0",
            skipped=str(report.count(SKIPPED)), time=f"{report.duration:.3f}",
        )
        for cell in report.cells:
            case = ET.SubElement(suite, "testcase", classname=report.path, name=cell.name,
                                 time=f"{cell.duration:.3f}")
            if cell.status in (FAILED, UNSUPPORTED):
                failure = ET.SubElement(case, "failure", message=_xml_text(cell.reason),
                                        type="unsupported" if cell.status == UNSUPPORTED else "mismatch")
                failure.text = _xml_text("\n".join(cell.head(10) + [""] + cell.diff))
            elif cell.status == SKIPPED:
                ET.SubElement(case, "skipped", message=cell.reason)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def report_path_problem(path: str) -> str | None:
    """Why a report could not be written to ``path``, checked before the run; None when it can."""
    target = os.path.abspath(path)
    if os.path.isdir(target):
        return f"{path}: is a directory, not a report file"
    directory = os.path.dirname(target)
    existing = directory
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"{path}: cannot write a report here ({existing} is not a directory)"
    if not os.access(existing, os.W_OK | os.X_OK) or not os.stat(existing).st_mode & 0o222:
        return f"{path}: cannot write a report here ({existing} is read-only)"
    if os.path.exists(target) and (not os.access(target, os.W_OK) or not os.stat(target).st_mode & 0o222):
        return f"{path}: the report file is read-only"
    return None


def write_text(path: str, text: str) -> None:
    """Write ``path`` atomically (a temporary file renamed over it): a report is never half-written,
    even when replay is killed while writing it."""
    from gradrepl.replay.update import write_atomically

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_atomically(path, text, suffix=".tmp")


def write_json(path: str, reports: list[NotebookReport]) -> None:
    write_text(path, json.dumps(json_report(reports), indent=2, ensure_ascii=False) + "\n")


def write_junit(path: str, reports: list[NotebookReport]) -> None:
    write_text(path, junit_xml(reports))
