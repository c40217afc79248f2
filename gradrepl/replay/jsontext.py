"""Editing values inside a notebook's JSON text without re-serialising the rest of it.

``--update`` must keep every byte it does not mean to change (markdown, metadata, attachments, cell
ids, and the file's own formatting). So instead of ``json.dump``-ing the whole notebook, it finds the
exact character span of each code cell's ``outputs`` and ``execution_count`` values and replaces only
those, writing the new values the way nbformat writes JSON (indent 1, sorted keys, non-ASCII kept,
multi-line strings split into lists of lines).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()


def object_members(text: str, start: int) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Members of the JSON object at ``text[start] == '{'``: key -> (key_start, value_start, value_end)."""
    members: dict[str, tuple[int, int, int]] = {}
    index = _skip(text, start + 1)
    if text[index] == "}":
        return members, index + 1
    while True:
        key_start = index
        key, index = scanstring(text, index + 1)
        index = _skip(text, index)
        if text[index] != ":":
            raise ValueError(f"expected ':' at {index}")
        value_start = _skip(text, index + 1)
        _, value_end = _DECODER.raw_decode(text, value_start)
        members[key] = (key_start, value_start, value_end)
        index = _skip(text, value_end)
        if text[index] == ",":
            index = _skip(text, index + 1)
        elif text[index] == "}":
            return members, index + 1
        else:
            raise ValueError(f"expected ',' or '}}' at {index}")


def cell_objects(text: str) -> list[tuple[dict[str, tuple[int, int, int]], int]]:
    """For each element of the top-level ``cells`` array: the spans of its members, and where the
    object ends (just after its closing brace)."""
    top, _ = object_members(text, _skip(text, 0))
    _, cells_start, _ = top["cells"]
    cells = []
    index = _skip(text, cells_start + 1)
    if text[index] == "]":
        return cells
    while True:
        members, index = object_members(text, index)
        cells.append((members, index))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
        elif text[index] == "]":
            return cells
        else:
            raise ValueError(f"expected ',' or ']' at {index}")


def cell_members(text: str) -> list[dict[str, tuple[int, int, int]]]:
    """For each element of the top-level ``cells`` array, the spans of its members."""
    return [members for members, _ in cell_objects(text)]


def indentation_before(text: str, position: int) -> str | None:
    """The whitespace a line starts with when ``position`` is its first non-blank; else None."""
    line_start = text.rfind("\n", 0, position) + 1
    prefix = text[line_start:position]
    return prefix if prefix.strip() == "" and line_start > 0 else None


def indent_unit(text: str) -> int | None:
    """Spaces per nesting level in this file (1 for nbformat); None for single-line JSON."""
    start = _skip(text, 0)
    after_brace = _skip(text, start + 1)
    spaces = indentation_before(text, after_brace)
    return len(spaces) if spaces else None


def dumps_value(value, indent: int | None, prefix: str) -> str:
    """``value`` as nbformat would write it at a nesting whose lines start with ``prefix``."""
    if indent is None:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False)
    return text.replace("\n", "\n" + prefix)


def split_lines(output: dict) -> dict:
    """nbformat stores multi-line strings of outputs as lists of lines (``nbformat.v4.rwbase``)."""
    output = dict(output)
    if output.get("output_type") == "stream" and isinstance(output.get("text"), str):
        output["text"] = output["text"].splitlines(True)
    elif output.get("output_type") in ("execute_result", "display_data"):
        data = {}
        for mime, value in output.get("data", {}).items():
            if isinstance(value, str) and (mime.startswith("text/") or mime in ("application/javascript",
                                                                               "image/svg+xml")):
                value = value.splitlines(True)
            data[mime] = value
        output["data"] = data
    return output


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start, end, new_text) replacements."""
    pieces, last = [], 0
    for start, end, new in sorted(replacements):
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
