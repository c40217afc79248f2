"""Making recorded and produced output texts comparable.

What differs between two faithful runs and therefore never counts as a mismatch: ANSI colour codes,
trailing whitespace, memory addresses (``<AccumulateGrad object at 0x7f3a...>``), the temporary file
name and process id of a cell (``/tmp/ipykernel_4242/3390876532.py``), and the times printed by
``%time``/``%timeit``. A ``--sanitize`` file adds the user's own replacements in nbval's format::

    [dates]
    regex: \\d{1,2}/\\d{1,2}/\\d{2,4}
    replace: DATE-STAMP
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_CELL_FILE = re.compile(r"(?:[^\s:'\"()]*[/\\])?ipykernel_\d+[/\\]\d+\.py|<ipython-input-\d+-[0-9a-f]+>")
_CELL_BASENAME = re.compile(r"\(\d+\.py, line (\d+)\)")
_TIMING_LINES = (
    (re.compile(r"^CPU times: .*$", re.M), "CPU times: <timing>"),
    (re.compile(r"^Wall time: .*$", re.M), "Wall time: <timing>"),
    (re.compile(r"^.* (?:±|\+-) .* per loop \(mean (?:±|\+-) std\. dev\. of .*\)$", re.M), "<timeit result>"),
    (re.compile(r"^The slowest run took .* cached\.\n?", re.M), ""),
    (re.compile(r"^Compiler (?:time|:) .*\n?", re.M), ""),
)


@dataclass(frozen=True)
class Sanitizer:
    pattern: re.Pattern
    replace: str

    def apply(self, text: str) -> str:
        return self.pattern.sub(self.replace, text)


class SanitizeFileError(Exception):
    pass


def read_sanitize_file(path: str) -> list[Sanitizer]:
    """nbval's sanitize file: INI sections, each with ``regex:`` and ``replace:``."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as error:
        raise SanitizeFileError(f"{path}: cannot read sanitize file ({error.strerror})") from None
    except configparser.Error as error:
        raise SanitizeFileError(f"{path}: not a sanitize file ({error.message.splitlines()[0]})") from None
    sanitizers = []
    for section in parser.sections():
        if "regex" not in parser[section]:
            raise SanitizeFileError(f"{path}: section [{section}] has no 'regex:' line")
        try:
            pattern = re.compile(parser[section]["regex"])
        except re.error as error:
            raise SanitizeFileError(f"{path}: section [{section}]: bad regex ({error})") from None
        sanitizers.append(Sanitizer(pattern, parser[section].get("replace", "")))
    return sanitizers


def normalise(text: str, sanitizers: tuple[Sanitizer, ...] | list[Sanitizer] = ()) -> str:
    text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n")
    for sanitizer in sanitizers:
        text = sanitizer.apply(text)
    text = _ADDRESS.sub("0x...", text)
    text = _CELL_FILE.sub("<cell>", text)
    text = _CELL_BASENAME.sub(r"(<cell>, line \1)", text)
    for pattern, replacement in _TIMING_LINES:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
