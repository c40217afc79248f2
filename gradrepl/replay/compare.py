"""Comparing a cell's recorded outputs with the produced ones, and showing how they differ.

Compared, as in nbval: stdout streams, the ``text/plain`` of ``execute_result`` and ``display_data``
(figures, i.e. display_data carrying an image, are left out), and errors by ename and evalue (tracebacks never: their frames and colours differ between tools).
stderr only on request. Each output becomes a labelled text block; the blocks are normalised and
compared, exactly or, with ``tolerance``, number by number.

With ``tolerance`` (``--tolerance``), numbers are compared by value, as ``numpy.isclose`` does:
a produced number ``p`` matches a recorded ``r`` when ``|p - r| <= atol + rtol * |r|``, with
``rtol = 1e-3`` and ``atol = 1e-5`` unless given (``--rtol``, ``--atol``). Two more rules keep
tolerance from hiding real differences: integers written without a decimal point (shapes, counts)
must be equal, and so must two whole values written in fixed notation (``10.`` never passes for
``11.``, however large ``rtol``). Because tensor columns are padded to a common width, spaces
around numbers are not significant in tolerant mode.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from gradrepl.replay.normalise import normalise
from gradrepl.replay.notebooks import joined

LABELS = {"stdout": "[stdout]", "stderr": "[stderr]", "execute_result": "[Out]", "display_data": "[display]",
          "error": "[error]"}

_NUMBER = re.compile(r"(?<![\w.])([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w])")


@dataclass(frozen=True)
class Block:
    kind: str  # a key of LABELS
    text: str


def comparable_blocks(outputs: list[dict], compare_stderr: bool, sanitizers=()) -> list[Block]:
    """The compared part of a cell's outputs, normalised; adjacent same-stream texts merged."""
    blocks: list[Block] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", "stdout")
            if name == "stderr" and not compare_stderr:
                continue
            text = joined(output.get("text"))
            if blocks and blocks[-1].kind == name:
                blocks[-1] = Block(name, blocks[-1].text + text)
                continue
            blocks.append(Block(name, text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if kind == "display_data" and any(mime.startswith("image/") for mime in data):
                continue  # a figure: gradrepl draws none, and its "<Figure size ...>" text says nothing
            if "text/plain" in data:
                blocks.append(Block(kind, joined(data["text/plain"])))
        elif kind == "error":
            evalue = output.get("evalue", "")
            blocks.append(Block("error", f"{output.get('ename', '')}: {evalue}" if evalue else output.get("ename", "")))
    normalised = [Block(b.kind, normalise(b.text, sanitizers)) for b in blocks]
    return [b for b in normalised if b.text or b.kind not in ("stdout", "stderr")]


def render(blocks: list[Block]) -> str:
    return "\n".join(f"{LABELS[b.kind]}\n{b.text}" if b.text else LABELS[b.kind] for b in blocks)


DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-5


@dataclass(frozen=True)
class Tolerance:
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


def _whole(written: str) -> bool:
    """Written in fixed notation with no fractional digits but zeros: ``10.``, ``16.0000``, ``3``."""
    mantissa, e, _ = written.lower().partition("e")
    return not e and set(mantissa.partition(".")[2]) <= {"0"}


def numbers_close(recorded: str, produced: str, tolerance: Tolerance) -> bool:
    if recorded == produced:
        return True
    try:
        want, got = float(recorded), float(produced)
    except ValueError:
        return False
    if want == got:
        return True
    if "." not in recorded and "e" not in recorded.lower():
        return False  # an integer: a shape, a count, an index
    if _whole(recorded) and _whole(produced):
        return False
    return abs(got - want) <= tolerance.atol + tolerance.rtol * abs(want)


def _tolerant_equal(recorded: str, produced: str, tolerance: Tolerance) -> bool:
    want, got = _NUMBER.split(recorded), _NUMBER.split(produced)
    if len(want) != len(got):
        return False
    for index, (a, b) in enumerate(zip(want, got)):
        if index % 2:  # the captured numbers sit at odd positions of re.split's result
            if not numbers_close(a, b, tolerance):
                return False
        elif a.replace(" ", "") != b.replace(" ", ""):
            return False
    return True


def blocks_match(recorded: list[Block], produced: list[Block], tolerance: Tolerance | None = None) -> bool:
    if len(recorded) != len(produced):
        return False
    for want, got in zip(recorded, produced):
        if want.kind != got.kind:
            return False
        if want.text != got.text and not (tolerance is not None and _tolerant_equal(want.text, got.text, tolerance)):
            return False
    return True


MAX_DIFF_LINES = 60
MAX_LINE_CHARS = 400


def _shorten(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return line[:MAX_LINE_CHARS] + f"... ({len(line) - MAX_LINE_CHARS} more characters)"


def unified_diff(recorded: list[Block], produced: list[Block]) -> list[str]:
    """A unified diff, capped for huge outputs: at most ``MAX_DIFF_LINES`` lines, each at most
    ``MAX_LINE_CHARS`` characters, then "... N more lines"."""
    diff = difflib.unified_diff(render(recorded).splitlines(), render(produced).splitlines(),
                                "recorded", "produced", lineterm="")
    lines = [_shorten(line) for line in itertools.islice(diff, MAX_DIFF_LINES)]
    rest = sum(1 for _ in diff)
    if rest:
        lines.append(f"... {rest} more line{'s' if rest != 1 else ''}")
    return lines
