"""``gradrepl replay --html FILE``: one self-contained page, read in a real headless browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import dump_dom, needs_chromium, screenshot
from notebook_builder import code, md, result, stdout, write_nb
from program import gradrepl

LONG_LINE = "w = " + "1234567890" * 30  # one line far wider than the page


def course(directory: Path) -> list[Path]:
    """Three lessons: one stale (a changed gradient, a changed print), one needing torch.fft, one green."""
    stale = write_nb(directory / "01_stale.ipynb", [
        md("# Gradients"),
        code("import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x ** 3).sum()\ny.backward()",
             count=1),
        code("x.grad", count=2, outputs=[result("tensor([ 3., 14.])")]),
        code("print('<b>a & b</b>', x.grad.shape)\nprint('</table>')", count=3,
             outputs=[stdout("<b>a & b</b> torch.Size([3])\n</table>\n")]),
        code(f"print('{LONG_LINE}')", count=4, outputs=[stdout(LONG_LINE.replace("5", "6") + "\n")]),
        code("%whos", count=5, outputs=[stdout("Variable   Type\n")]),
    ])
    unsupported = write_nb(directory / "02_fft.ipynb", [
        code("import torch\nspectrum = torch.fft.fft(torch.ones(4))", count=1),
        code("spectrum.abs()", count=2, outputs=[result("tensor([4., 0., 0., 0.])")]),
        code("# NBVAL_SKIP\nslow()", count=3),
    ])
    green = write_nb(directory / "03_green.ipynb", [code("1 + 1", count=1, outputs=[result("2")])])
    return [stale, unsupported, green]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("course")
    page = directory / "reports" / "replay.html"
    run = gradrepl("replay", *course(directory), "--html", page, cwd=directory)
    assert run.returncode == 1, run.stdout + run.stderr
    return page


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: Path) -> Elements:
    elements = Elements()
    elements.feed(page.read_text(encoding="utf-8"))
    return elements


def test_the_page_is_self_contained(report):
    elements = parse(report)
    tags = {tag for tag, _ in elements.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "url(" not in report.read_text(encoding="utf-8")
    ids = {attrs["id"] for _, attrs in elements.tags if "id" in attrs}
    for _, attrs in elements.tags:
        for name in ("href", "src"):
            if name in attrs:
                assert attrs[name].startswith("#") and attrs[name][1:] in ids, attrs


def test_summary_per_notebook_and_closing_line(report):
    text = report.read_text(encoding="utf-8")
    assert "<title>gradrepl replay: 2 passed, 5 failed, 2 skipped (1 unsupported: torch.fft)</title>" in text
    rows = re.findall(r'<tr><td><span class="badge (\w+)">\w+</span></td><td>(.*?)</td><td>(\d+)</td>'
                      r'<td>(\d+)</td><td>(\d+)</td>', text)
    assert [(status, re.sub("<.*?>", "", name).rsplit("/", 1)[-1], p, f, s) for status, name, p, f, s in rows] == [
        ("failed", "01_stale.ipynb", "1", "3", "1"),
        ("failed", "02_fft.ipynb", "0", "2", "1"),
        ("passed", "03_green.ipynb", "1", "0", "0"),
    ]


def test_failing_cells_show_source_and_both_outputs_with_differences_marked(report):
    text = report.read_text(encoding="utf-8")
    # the gradient: 3x^2 at x=2 is 12, not the recorded 14; only the differing digit is marked
    assert "tensor([ 3., 1<del>4</del>.])" in text and "tensor([ 3., 1<ins>2</ins>.])" in text
    # cell sources and outputs are escaped, never markup
    assert html.escape("print('<b>a & b</b>', x.grad.shape)") in text
    assert "&lt;/table&gt;" in text and "<b>a" not in text
    assert "torch.Size([<del>3</del>])" in text and "torch.Size([<ins>2</ins>])" in text
    # the cells that passed are not shown in detail
    assert "cell 2 (In [2]): " in text and "03_green.ipynb</h2>" not in text


def test_unsupported_features_and_skipped_cells_are_listed(report):
    text = report.read_text(encoding="utf-8")
    assert re.search(r"<li><code>torch\.fft</code>: \S*02_fft\.ipynb cell 1 \(In \[1\]\)</li>", text)
    assert "did not run <code>%whos</code>: magic %whos is not supported by gradrepl" in text
    assert "<td>cell 3 (In [3])</td><td>marked to skip</td>" in text


def test_a_huge_output_is_cut(tmp_path):
    lines = "\n".join(str(i) for i in range(3000))
    path = write_nb(tmp_path / "huge.ipynb", [code("for i in range(3000): print(i + 1)",
                                                    outputs=[stdout(lines + "\n")])])
    run = gradrepl("replay", path, "--html", tmp_path / "r.html")
    assert run.returncode == 1
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "the rest of this output is not shown (over 400 lines)" in page
    assert page.count("<tr>") < 420


# --- in a real browser -------------------------------------------------------------------------------

LAYOUT_PROBE = """<script>
const root = document.documentElement;
const rows = [...document.querySelectorAll('table.sbs tbody tr')].filter(r => r.children.length === 4);
const probe = {
  overflow: root.scrollWidth - root.clientWidth,
  rows: rows.map(r => { const a = r.children[1].getBoundingClientRect(), b = r.children[3].getBoundingClientRect();
                        return [a.top, b.top, a.right, b.left, a.width, b.width]; }),
  marks: [...document.querySelectorAll('.sbs del, .sbs ins')].map(e => getComputedStyle(e).backgroundColor),
  badges: [...document.querySelectorAll('.badge')].map(e => [e.textContent, getComputedStyle(e).backgroundColor]),
  text: document.body.innerText,
};
const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(probe);
document.body.appendChild(out);
</script>"""


def layout(report: Path, width: int) -> dict:
    probed = report.with_name(f"probed-{width}.html")
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"), encoding="utf-8")
    dom = dump_dom(probed, width=width)
    return json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1)))


@needs_chromium
@pytest.mark.parametrize("width", [1280, 800])
def test_the_browser_lays_the_report_out_readably(report, width):
    probe = layout(report, width)
    assert probe["overflow"] <= 0, "the page scrolls sideways"
    assert probe["rows"], "no side-by-side rows rendered"
    for left_top, right_top, left_right, right_left, left_width, right_width in probe["rows"]:
        assert abs(left_top - right_top) < 1  # recorded and produced lines level
        assert left_right <= right_left + 1  # recorded on the left, produced on the right
        assert abs(left_width - right_width) < 2  # two equal columns
    assert probe["marks"] and all(colour not in ("rgba(0, 0, 0, 0)", "transparent") for colour in probe["marks"])
    assert dict(probe["badges"])["failed"] != dict(probe["badges"])["passed"]
    assert "2 passed, 5 failed, 2 skipped (1 unsupported: torch.fft)" in probe["text"]


def png_size(png: Path) -> tuple[int, int]:
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@needs_chromium
def test_screenshot(report, tmp_path):
    """A picture of the report for people to look at: kept in GRADREPL_SCREENSHOT_DIR when that is set
    (CI can upload it), else in pytest's temporary directory."""
    png = screenshot(report, tmp_path / "replay-report.png", width=1280, height=1400)
    assert png_size(png) == (1280, 1400)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one (a blank PNG is ~5 kB)
    keep = os.environ.get("GRADREPL_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(keep) / png.name)
