"""PDF briefings: the fixture world's Berlin briefing rendered with ``pdf=True`` and printed by
the system's headless Chromium; the PDF is read back with pypdf (and drawn with pdftoppm where
poppler-utils is installed, which ``make test`` does).

What is expected comes from the HTML briefing itself, never from the PDF code: its section
headings (each after the first must start a new page, in order), its figures' titles (each
chart must be drawn, so its title is text in the PDF), its title (in every page's header).
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from workbench.briefing import render_briefing, write_pdf
from workbench.errors import WorkbenchError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real briefing render, then print


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} not found (make test installs it with apt)")
    pytest.importorskip("pypdf")
    out = tmp_path_factory.mktemp("pdf") / "berlin.html"
    result = render_briefing(FIXTURES / "telegram", labels=FIXTURES / "channels.csv",
                             event="berlin-2016", out=out, pdf=True)
    from pypdf import PdfReader

    reader = PdfReader(result.pdf)
    return result, reader, out.read_text(), [_page_text(p) for p in reader.pages]


def _text(text: str) -> str:
    """Text as a PDF's text layer holds it: tags gone, entities read, spaces collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", text))).strip()


def _page_text(page) -> str:
    """A page's text layer, ligatures (the "ﬁ" of fonts) read as letters, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", page.extract_text()))


def test_pdf_is_written_beside_the_html(printed):
    result, reader, *_ = printed
    assert result.pdf == result.path.with_suffix(".pdf") and result.pdf.is_file()
    assert result.pdf.read_bytes()[:5] == b"%PDF-"


def test_every_section_starts_its_own_page_in_order(printed):
    _, reader, html, pages = printed
    sections = [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.DOTALL)]
    assert len(sections) >= 6
    assert sections[0] in pages[0]  # the first section follows the title on page 1
    starts = []
    for section in sections[1:]:
        # a section after a page break is the first text of its page
        found = [i for i, text in enumerate(pages) if text.startswith(section + " ")]
        assert len(found) == 1, f"section {section!r} does not open a page"
        starts.append(found[0])
    assert starts == sorted(starts) and starts[0] > 0


def test_every_page_has_the_header_and_its_number(printed):
    _, reader, html, pages = printed
    title = _text(re.search(r'<h1 class="wb-title">(.*?)</h1>', html, re.DOTALL).group(1))
    total = len(reader.pages)
    for number, text in enumerate(pages, 1):
        assert title[:40] in text, f"page {number} lacks the title header"
        assert f"page {number} of {total}" in text
        assert re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # the date in the header


def test_every_chart_is_drawn(printed):
    result, reader, html, pages = printed
    decoder, layouts = json.JSONDecoder(), []
    for match in re.finditer(r'Plotly\.newPlot\("wb-figure-\d+",', html):
        _, end = decoder.raw_decode(html, match.end())  # the data
        layouts.append(decoder.raw_decode(html, end + 1)[0])
    assert len(layouts) == result.figures >= 4
    text = " ".join(pages)
    for layout in layouts:
        title = layout.get("title", {})
        title = title.get("text", "") if isinstance(title, dict) else str(title)
        lines = [_text(line) for line in re.split(r"<br\s*/?>", title) if _text(line)]
        assert lines, "a chart without a title cannot be checked"
        for line in lines:
            assert line in text, f"chart {line!r} was not drawn"


def test_nothing_is_cut_at_the_margins(printed, tmp_path):
    """Drawn at 20 dpi, each page's outer strips (the 12 mm side margins, less 2 mm) are
    white: nothing ran past the printed width into them."""
    result, reader, *_ = printed
    if not shutil.which("pdftoppm"):
        _missing("pdftoppm not found (make test installs poppler-utils)")
    subprocess.run(["pdftoppm", "-gray", "-r", "20", str(result.pdf), str(tmp_path / "p")],
                   check=True, timeout=300)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) == len(reader.pages)
    for page in pages:
        data = page.read_bytes()
        magic, width, height, _, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)",
                                                   data, re.DOTALL).groups()
        width, height = int(width), int(height)
        strip = int(10 / 25.4 * 20)  # 10 mm in pixels at 20 dpi
        for row in range(height):
            line = pixels[row * width:(row + 1) * width]
            assert min(line[:strip]) > 240 and min(line[-strip:]) > 240, (
                f"{page.name} has ink in a side margin on row {row}")


def test_missing_html_is_named(tmp_path):
    with pytest.raises(WorkbenchError, match="nothere.html"):
        write_pdf(tmp_path / "nothere.html")


def test_missing_chromium_is_named(tmp_path, monkeypatch):
    page = tmp_path / "b.html"
    page.write_text("<html><head></head><body>x</body></html>")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(WorkbenchError, match=r"Chromium.*no-chromium.*apt-get install"):
        write_pdf(page)
