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


def set_member(text: str, path: tuple, value, indent: int | None, newline: str = "\n") -> list:
    """Replacements that make the member at ``path`` (keys from the top-level object down) hold
    ``value``, adding the objects missing on the way in nbformat's sorted key order; none when
    it already holds it. Every other byte stays."""
    start = _skip(text, 0)
    for depth, key in enumerate(path):
        members, end = object_members(text, start)
        nested = value
        for inner in reversed(path[depth + 1:]):
            nested = {inner: nested}
        if key not in members:
            return [_added_member(text, start, members, end, key, nested, indent, newline)]
        key_start, value_start, value_end = members[key]
        if depth < len(path) - 1:
            if text[value_start] != "{":
                return []  # not an object (not nbformat's): nothing of it is replaced
            start = value_start
            continue
        if json.loads(text[value_start:value_end]) == nested:
            return []
        at = indentation_before(text, key_start) or ""
        return [(value_start, value_end, dumps_value(nested, indent, at).replace("\n", newline))]
    return []


def _added_member(text, start, members, end, key, value, indent, newline) -> tuple[int, int, str]:
    """The replacement adding ``key: value`` to the object ``text[start:end]``."""
    if not members:  # {} becomes an object written as nbformat would, at the line's indentation
        line_start = text.rfind("\n", 0, start) + 1
        at = text[line_start:_skip(text, line_start)]
        return start, end, dumps_value({key: value}, indent, at).replace("\n", newline)
    later = sorted((k, span) for k, span in members.items() if k > key)
    if later:  # before the first key after it: sorted, as nbformat writes keys
        key_start = later[0][1][0]
        at = indentation_before(text, key_start)
        gap = f",{newline}{at}" if at is not None else ", "
        member = (f"{json.dumps(key)}: " + dumps_value(value, indent, at or "")).replace("\n", newline)
        return key_start, key_start, member + gap
    last_key, _, last_end = max(members.values(), key=lambda span: span[2])
    at = indentation_before(text, last_key)
    gap = f",{newline}{at}" if at is not None else ", "
    member = (f"{json.dumps(key)}: " + dumps_value(value, indent, at or "")).replace("\n", newline)
    return last_end, last_end, gap + member
