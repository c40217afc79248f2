"""Uncoloured output is written without rich (gradrepl/replay/console.py's ``plain_line``), and is
byte for byte what rich writes uncoloured: control codes it drops, tab stops counted in cells
(a wide character takes two), lines longer than the terminal left whole."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.replay.console import ConsoleReporter, plain_line

AWKWARD = list("ab \t\n\r\x07\x08\x0b\x0c\x1b[]:\\|+-@界é\u0301😀\u200b\x00\x7f\u2028\x85") + ["\udcff"]


def rich_line(text: str, style: str) -> str:
    from rich.console import Console
    from rich.text import Text

    out = io.StringIO()
    Console(file=out, highlight=False, soft_wrap=True, force_terminal=False).print(Text(text, style=style))
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(AWKWARD) | st.characters(), max_size=200).map("".join),
       st.sampled_from(["", "red", "bold green", "dim", "cyan"]))
def test_plain_lines_are_what_rich_writes_without_colour(text, style):
    assert plain_line(text) == rich_line(text, style)


def test_reporters_write_plain_lines_without_colour_and_use_rich_with_it(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    plain, coloured = io.StringIO(), io.StringIO()
    ConsoleReporter(file=plain, color=False).message("a\tb", "red")
    assert plain.getvalue() == "a       b\n"
    reporter = ConsoleReporter(file=coloured, color=True)
    reporter.message("a", "red")
    assert reporter.plain is False and "\x1b[" in coloured.getvalue()
    assert ConsoleReporter(file=io.StringIO()).plain  # colour left to the environment: not a terminal
