"""The side-by-side rows of the HTML report: every line shown once, in order, differences marked."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.replay.html_diff import MAX_MARKED_LINE, MAX_ROWS, side_by_side

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r'<td class="num">(\d*)</td><td class="line[^"]*">(.*?)</td>', re.S)


def columns(table: str) -> tuple[list[str], list[str]]:
    """The text each side shows, line by line, with the marks taken out."""
    left, right = [], []
    for row in ROW.findall(table.split("<tbody>", 1)[1]):
        cells = CELL.findall(row)
        if len(cells) != 2:
            continue
        for (number, markup), side in zip(cells, (left, right)):
            if number:
                side.append(html.unescape(re.sub(r"</?(del|ins)>", "", markup)))
    return left, right


lines = st.lists(st.text(alphabet="ab <&>\t1.", max_size=12), max_size=8)


@settings(max_examples=60, deadline=None)
@given(lines, lines)
def test_each_side_shows_its_lines_in_order(recorded, produced):
    left, right = columns(side_by_side("\n".join(recorded), "\n".join(produced)))
    assert left == "\n".join(recorded).splitlines() and right == "\n".join(produced).splitlines()


def test_only_the_differing_characters_are_marked():
    table = side_by_side("[Out]\ntensor([1., 2.])", "[Out]\ntensor([1., 3.])")
    assert "tensor([1., <del>2</del>.])" in table and "tensor([1., <ins>3</ins>.])" in table
    assert '<td class="line label">[Out]</td>' in table


def test_lines_on_one_side_only_face_an_empty_cell():
    table = side_by_side("a\nb", "a\nb\nc")
    assert '<td class="num"></td><td class="line empty"></td><td class="num">3</td><td class="line added">c</td>' in table


def test_long_lines_are_marked_whole_and_long_outputs_cut():
    long_line = "x" * (MAX_MARKED_LINE + 1)
    assert f"<del>{long_line}</del>" in side_by_side(long_line, long_line + "y")
    table = side_by_side("\n".join(map(str, range(5000))), "")
    assert table.count("<tr>") == 1 + MAX_ROWS + 1 and f"over {MAX_ROWS} lines" in table
