"""Comparing a cell's recorded outputs with the produced ones, and showing how they differ.

Compared, as in nbval: stdout streams, the ``text/plain`` of ``execute_result`` and ``display_data``
(figures, i.e. display_data carrying an image, are left out), and errors by ename and evalue (tracebacks never: their frames and colours differ between tools).
stderr only on request. Each output becomes a labelled text block; the blocks are normalised and
compared, exactly or, with ``tolerance``, number by number.

Tolerance is the doctest NUMBER idea applied to tensors: a number in the recorded text matches when the
produced number is within one unit of the recorded number's last written digit (``0.3333`` matches
``0.3334``; ``1.5410e+00`` matches ``1.5411e+00``). Integers without a decimal point must be exact, so
shapes and counts never pass by tolerance. Because tensor columns are padded to a common width, spaces
around numbers are not significant in tolerant mode.
"""

from __future__ import annotations

import difflib
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
    return [Block(b.kind, normalise(b.text, sanitizers)) for b in blocks
            if not (b.kind in ("stdout", "stderr") and not normalise(b.text, sanitizers))]


def render(blocks: list[Block]) -> str:
    return "\n".join(f"{LABELS[b.kind]}\n{b.text}" if b.text else LABELS[b.kind] for b in blocks)


def _numbers_close(recorded: str, produced: str) -> bool:
    if recorded == produced:
        return True
    try:
        want, got = float(recorded), float(produced)
    except ValueError:
        return False
    mantissa, _, exponent = recorded.lower().partition("e")
    if "." not in mantissa and not exponent:
        return want == got
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return abs(want - got) <= unit * (1 + 1e-9)


def _tolerant_equal(recorded: str, produced: str) -> bool:
    want, got = _NUMBER.split(recorded), _NUMBER.split(produced)
    if len(want) != len(got):
        return False
    for index, (a, b) in enumerate(zip(want, got)):
        if index % 2:  # the captured numbers sit at odd positions of re.split's result
            if not _numbers_close(a, b):
                return False
        elif a.replace(" ", "") != b.replace(" ", ""):
            return False
    return True


def blocks_match(recorded: list[Block], produced: list[Block], tolerance: bool = False) -> bool:
    if len(recorded) != len(produced):
        return False
    for want, got in zip(recorded, produced):
        if want.kind != got.kind:
            return False
        if want.text != got.text and not (tolerance and _tolerant_equal(want.text, got.text)):
            return False
    return True


def unified_diff(recorded: list[Block], produced: list[Block]) -> list[str]:
    return list(difflib.unified_diff(render(recorded).splitlines(), render(produced).splitlines(),
                                     "recorded", "produced", lineterm=""))
