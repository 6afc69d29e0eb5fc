"""Printing a rendered briefing to PDF with the system's headless Chromium.

The HTML briefing is opened from ``file://`` in Debian's Chromium driven by Playwright (no
browser is downloaded; every request that is not the file itself is refused), laid out at the
width of the printed page so each plotly chart draws at the size it will be printed, checked
(every chart drew), and printed with a header (title, date) and page numbers. Each section
after the first starts a new page; a chart or a table row is never split across pages; and if
anything is still wider than the page, the whole print is scaled down rather than cut.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbenchError
from ._safe import defang_text

__all__ = ["PdfResult", "write_pdf", "PAPER_SIZES", "CHROMIUM_ARGS"]

#: Paper sizes (width, height) in millimetres.
PAPER_SIZES = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
#: Flags for a quiet, offline headless Chromium.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions"]
_MARGIN_MM = {"top": 18.0, "bottom": 16.0, "left": 12.0, "right": 12.0}
_PX_PER_MM = 96 / 25.4
_CSS = """
@media print {
  html, body { background: #fff; }
  main, .jp-Notebook { max-width: none !important; margin: 0 !important;
    padding: 0 !important; }
  .jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output {
    overflow: visible !important; }
  /* The notebook template keeps each cell's output on one page; a section longer than the
     rest of a page (long findings) would then leave that page empty. Only figures, table
     rows and single findings are kept whole (below). */
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,
  .jp-OutputArea-output { break-inside: auto !important; }
  .wb-page-break { break-before: page; }
  h1, h2, h3 { break-after: avoid; }
  .wb-figure, .js-plotly-plot, table.wb-table tr, ul.wb-findings li { break-inside: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  img, svg, table { max-width: 100%; }
  .jp-RenderedHTMLCommon table.wb-table { font-size: 10.5px; }
  .jp-RenderedHTMLCommon table.wb-table th, .jp-RenderedHTMLCommon table.wb-table td {
    padding: 2px 4px; }
  .jp-RenderedHTMLCommon table.wb-cascade td { overflow-wrap: break-word; }
  .jp-RenderedHTMLCommon table.wb-cascade td:last-child { max-width: 280px; }
  .jp-RenderedHTMLCommon table.wb-table th { overflow-wrap: normal; }
  .jp-RenderedHTMLCommon table.wb-table th.num { white-space: normal; }
}
"""
# Each section (an <h2>) after the first starts a page; the break goes on the cell holding
# it, a block in the page's own flow, where Chromium honours it.
_BREAKS_JS = """() => {
  document.querySelectorAll('h2').forEach((h, i) => {
    if (i > 0) (h.closest('.jp-Cell') || h).classList.add('wb-page-break');
  });
}"""
# Every figure slot holds a drawn plotly chart: an SVG with a non-zero size.
_CHARTS_JS = """() => {
  const slots = [...document.querySelectorAll('.wb-figure')];
  return slots.map(s => {
    const svg = s.querySelector('svg.main-svg');
    const box = s.getBoundingClientRect();
    return !!svg && box.width > 0 && box.height > 0 && svg.querySelectorAll('path').length > 0;
  });
}"""
_WAIT_JS = """(n) => document.querySelectorAll('.wb-figure svg.main-svg').length >= n
  && [...document.querySelectorAll('.wb-figure')].every(s => s.querySelector('svg.main-svg'))"""
_HEADER = ('<div style="font-size:8px;width:100%;margin:0 {left}mm;color:#555;'
           'display:flex;justify-content:space-between;font-family:sans-serif">'
           '<span>{title}</span><span>{date}</span></div>')
_FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;'
           'font-family:sans-serif">page <span class="pageNumber"></span> of '
           '<span class="totalPages"></span></div>')


@dataclass(frozen=True)
class PdfResult:
    """What :func:`write_pdf` wrote: the PDF, the charts drawn in it, and the scale the page
    was printed at (1.0 unless something was wider than the page)."""

    path: Path
    figures: int
    scale: float


def _chromium() -> str:
    from ..plots import find_chromium

    browser = find_chromium()
    if browser is None or not os.access(browser, os.X_OK):
        where = f"BROWSER_PATH={browser}" if browser else "/usr/bin/chromium or on PATH"
        raise WorkbenchError(
            f"a PDF briefing is printed by Chromium and there is none ({where}); install "
            "Debian's (`sudo apt-get install chromium`, or `make chromium`) or point "
            "BROWSER_PATH at a Chrome or Chromium binary")
    return browser


def write_pdf(html, pdf=None, *, title: str | None = None, date: str | None = None,
              paper: str = "A4", timeout: float = 300) -> PdfResult:
    """Print an HTML briefing to PDF with the system's headless Chromium, offline.

    Parameters
    ----------
    html : str or Path
        The briefing written by :func:`render_briefing`.
    pdf : str or Path, optional
        The PDF to write; default: beside ``html``, with the suffix ``.pdf``.
    title : str, optional
        The header's title (defanged and escaped); default: the page's title.
    date : str, optional
        The header's date; default: today (UTC), as YYYY-MM-DD.
    paper : {"A4", "Letter"}, default "A4"
    timeout : float, default 300
        Seconds the page may take to load and draw its charts (a hang guard).

    Returns
    -------
    PdfResult

    Raises
    ------
    WorkbenchError
        Naming the missing piece (Chromium, the playwright package), the HTML file that is
        missing, or the chart that did not draw.

    Examples
    --------
    >>> write_pdf("no-such-briefing.html")
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: cannot print no-such-briefing.html to PDF: no such file
    """
    html = Path(html).expanduser()
    if not html.is_file():
        raise WorkbenchError(f"cannot print {html} to PDF: no such file")
    if paper not in PAPER_SIZES:
        raise WorkbenchError(f"paper {paper!r}: expected one of {sorted(PAPER_SIZES)}")
    pdf = Path(pdf).expanduser() if pdf is not None else html.with_suffix(".pdf")
    browser = _chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise WorkbenchError(f"cannot print {html} to PDF: it needs the playwright package "
                             "(pip install playwright; no browser download is needed, the "
                             "system's Chromium is used)") from None
    date = date or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    # Playwright's sync API refuses to run inside an asyncio loop (a Jupyter kernel): a
    # thread of its own has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, browser, html.resolve(), pdf, title, date, paper,
                           timeout).result()


def _print(browser: str, html: Path, pdf: Path, title, date, paper, timeout) -> PdfResult:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    width_mm, height_mm = PAPER_SIZES[paper]
    content_px = int((width_mm - _MARGIN_MM["left"] - _MARGIN_MM["right"]) * _PX_PER_MM)
    url = html.as_uri()
    # The print styles go in before the page's scripts run, so each chart draws once, at
    # the width it is printed at.
    page_html = html.read_text(encoding="utf-8", errors="replace").replace(
        "</head>", f'<style type="text/css">{_CSS}</style></head>', 1)

    def route(r):
        if r.request.url == url:
            r.fulfill(body=page_html, content_type="text/html; charset=utf-8")
        elif r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            r.abort()  # the briefing fetches nothing; nothing else may load

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
            try:
                page = chromium.new_page(viewport={"width": content_px, "height": 1000})
                page.route("**/*", route)
                page.emulate_media(media="print")
                page.goto(url, wait_until="load", timeout=timeout * 1000)
                page.evaluate(_BREAKS_JS)
                expected = page.evaluate("document.querySelectorAll('.wb-figure').length")
                page.wait_for_function(_WAIT_JS, arg=expected, timeout=timeout * 1000)
                page.evaluate("() => document.fonts.ready.then(() => true)")
                drawn = page.evaluate(_CHARTS_JS)
                missing = [i + 1 for i, ok in enumerate(drawn) if not ok]
                if missing:
                    raise WorkbenchError(f"cannot print {html} to PDF: chart(s) {missing} of "
                                         f"{len(drawn)} did not draw")
                wide = page.evaluate("document.documentElement.scrollWidth")
                scale = round(min(1.0, content_px / max(wide, 1)), 3)
                head = defang_text(title or page.title() or html.stem)
                pdf.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(path=str(pdf), format=paper, scale=max(scale, 0.1),
                         print_background=True, display_header_footer=True,
                         header_template=_HEADER.format(
                             left=_MARGIN_MM["left"], title=html_lib.escape(head),
                             date=html_lib.escape(date)),
                         footer_template=_FOOTER,
                         margin={k: f"{v}mm" for k, v in _MARGIN_MM.items()})
            finally:
                chromium.close()
    except PlaywrightError as exc:
        raise WorkbenchError(f"cannot print {html} to PDF with {browser}: "
                             f"{str(exc).splitlines()[0]}") from None
    except OSError as exc:
        raise WorkbenchError(f"cannot write {pdf}: {exc.strerror or exc}") from None
    return PdfResult(path=pdf, figures=len(drawn), scale=scale)
