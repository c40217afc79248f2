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

# Every pattern here runs in time linear in the text, whatever it holds (a cell may print 100,000
# characters without a space): no pattern starts with an unanchored run that could rescan the line.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*\x07")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_CELL_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py|<ipython-input-\d+-[0-9a-f]+>")
_PATH_CHAR = re.compile(r"[^\s:'\"()]")
_CELL_BASENAME = re.compile(r"\(\d+\.py, line (\d+)\)")


def _timing_line(line: str) -> str | None:
    """What a line printed by %time or %timeit becomes ("" to drop it); None for any other line."""
    if line.startswith("CPU times: "):
        return "CPU times: <timing>"
    if line.startswith("Wall time: "):
        return "Wall time: <timing>"
    if line.startswith(("Compiler time ", "Compiler : ")):
        return ""
    if line.startswith("The slowest run took ") and line.endswith(" cached."):
        return ""
    if " per loop (mean " in line and line.endswith(")") and (" ± " in line or " +- " in line) \
            and " std. dev. of " in line:
        return "<timeit result>"
    return None


def _cell_files(text: str) -> str:
    """``/tmp/ipykernel_4242/3390876532.py`` (with any directory before it) becomes ``<cell>``."""
    pieces, last = [], 0
    for match in _CELL_FILE.finditer(text):
        start = match.start()
        if match.group().startswith("ipykernel_") and start > last and text[start - 1] in "/\\":
            start -= 1
            while start > last and _PATH_CHAR.match(text, start - 1):
                start -= 1
        pieces.append(text[last:start])
        pieces.append("<cell>")
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


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
    except UnicodeDecodeError:
        raise SanitizeFileError(f"{path}: not a sanitize file (not UTF-8 text)") from None
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
    text = _ANSI.sub("", text) if "\x1b" in text else text
    text = text.replace("\r\n", "\n")
    for sanitizer in sanitizers:
        text = sanitizer.apply(text)
    text = _ADDRESS.sub("0x...", text)
    if "ipykernel_" in text or "<ipython-input-" in text:
        text = _cell_files(text)
    text = _CELL_BASENAME.sub(r"(<cell>, line \1)", text)
    lines = []
    for line in text.split("\n"):
        timing = _timing_line(line)
        if timing is None:
            lines.append(line.rstrip())
        elif timing:
            lines.append(timing)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
