"""Rendering a briefing: execute the notebook template with papermill, export it to one
self-contained, offline HTML file.

The HTML holds no code and no script but plotly.js (inlined once) and one small script per
figure. nbconvert's own scripts (require.js, MathJax, mermaid: all fetched from CDNs) are
removed, no widget state is written, and a Content-Security-Policy admits only those scripts
by hash and forbids every network request, so even a payload that slipped past escaping could
neither run nor call home.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import WorkbenchError
from ..progress import progress_enabled
from ._content import SALT_ENV
from ._params import check_parameters, parameter_error, write_output
from ._safe import defang_text

__all__ = ["RenderResult", "render_briefing", "export_html", "external_references",
           "template_path", "NOTEBOOK_ONLY_TAG"]

#: Cells with this tag explain the notebook to an analyst; they are not part of the briefing.
NOTEBOOK_ONLY_TAG = "notebook-only"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_SLOT = '<div class="wb-figure-slot" data-slot="{}"></div>'
_SLOT_RE = re.compile(r'<div class="wb-figure-slot" data-slot="(\d+)"></div>')
_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_EXTERNAL_RE = re.compile(
    r"""(?:\b(?:src|href|action|formaction|poster|data|srcset|background)\s*=\s*["']?\s*"""
    r"""(?:https?:|ftp:|//|ws:|wss:))|(?:url\(\s*["']?\s*(?:https?:|//))|(?:@import\b)""",
    re.IGNORECASE)

BRIEFING_CSS = """
body { background: #fff; }
main, .jp-Notebook { max-width: 1120px; margin: 0 auto; }
.jp-Notebook { padding: 24px 32px 48px; }
.jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.5; }
h1.wb-title { font-size: 2em; margin: 0.2em 0 0.4em; padding-bottom: 0.2em;
  border-bottom: 2px solid #333; }
ul.wb-scope { list-style: none; padding-left: 0; color: #333; }
ul.wb-scope li { margin: 0.15em 0; }
ul.wb-findings li { margin: 0.45em 0; }
ul.wb-method li { margin: 0.35em 0; }
.jp-RenderedHTMLCommon table.wb-table { border-collapse: collapse; margin: 0.5em 0 1em;
  font-size: 13px; table-layout: auto; }
.jp-RenderedHTMLCommon table.wb-table th, .jp-RenderedHTMLCommon table.wb-table td {
  border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon table.wb-table .num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.jp-RenderedHTMLCommon table.wb-files td, .jp-RenderedHTMLCommon table.wb-versions td {
  font-family: monospace; font-size: 11px; }
.jp-RenderedHTMLCommon table.wb-files td:nth-child(2) { white-space: nowrap; }
.jp-RenderedHTMLCommon table.wb-files td:nth-child(4) { word-break: break-all; }
.jp-RenderedHTMLCommon table.wb-cascade td:last-child { max-width: 460px;
  unicode-bidi: plaintext; }
.wb-figure { width: 100%; margin: 0.5em 0 1em; }
.wb-note { color: #555; font-size: 13px; }
@media print { .wb-figure { break-inside: avoid; } }
"""


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_briefing` wrote: the HTML file, its size in bytes, how many
    figures it draws, and the seconds the render took."""

    path: Path
    size: int
    figures: int
    seconds: float
    notebook: Path | None = None
    pdf: Path | None = None


def template_path() -> Path:
    """The briefing notebook template shipped with the package (package data).

    Examples
    --------
    >>> template_path().name
    'briefing.ipynb'
    """
    return Path(str(resources.files("workbench") / "templates" / "briefing.ipynb"))


def external_references(html: str) -> list[str]:
    """Attributes, CSS ``url()`` and ``@import`` in ``html`` that would fetch from a host.

    Examples
    --------
    >>> external_references('<img src="https://x.org/a.png"><a href="#top">top</a>')
    ['src="https:']
    """
    return [m.group(0) for m in _EXTERNAL_RE.finditer(html)]


def _safe_json(obj) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line
    separators survive as such, so no text can close the element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _figure_html(index: int, figure: dict) -> tuple[str, str]:
    """A figure's div and the script drawing it."""
    layout = figure.get("layout", {}) or {}
    height = int(layout.get("height") or 450)
    config = {**(figure.get("config") or {}), "displaylogo": False, "responsive": True,
              "showLink": False, "showSendToCloud": False, "showEditInChartStudio": False}
    div_id = f"wb-figure-{index}"
    script = (f"Plotly.newPlot({json.dumps(div_id)},{_safe_json(figure.get('data', []))},"
              f"{_safe_json(layout)},{_safe_json(config)});")
    div = (f'<div id="{div_id}" class="plotly-graph-div wb-figure" '
           f'style="height:{height}px;width:100%;"></div>')
    return div, script


def _sha(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()
                                         ).decode("ascii") + "'"


def _briefing_cells(nb):
    """A copy of ``nb`` with only what the briefing shows: no analyst-only cells, no
    streams, errors, widgets or media; plotly outputs replaced by slots. Returns the copy
    and the figures in order."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    figures: list[dict] = []
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if NOTEBOOK_ONLY_TAG in tags:
            continue
        cell.get("metadata", {}).pop("papermill", None)
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") not in ("display_data", "execute_result"):
                    continue  # streams (warnings, prints) and errors are not briefing content
                data = out.get("data", {})
                if WIDGET_MIME in data:
                    continue  # live widgets never reach a static briefing
                if PLOTLY_MIME in data:
                    figures.append(data[PLOTLY_MIME])
                    out["data"] = {"text/html": _SLOT.format(len(figures) - 1)}
                elif "text/html" in data:
                    out["data"] = {"text/html": data["text/html"]}
                else:
                    continue  # plain reprs, images and other media are left out
                out["metadata"] = {}
                outputs.append(out)
            cell["outputs"] = outputs
        cells.append(cell)
    nb.cells = cells
    return nb, figures


def export_html(nb, *, title: str | None = None) -> tuple[str, int]:
    """Export an executed briefing notebook to self-contained HTML.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (plotly figures as ``application/vnd.plotly.v1+json``).
    title : str, optional
        The page title (defanged; nbconvert escapes it).

    Returns
    -------
    (str, int)
        The HTML and the number of figures in it.

    Raises
    ------
    WorkbenchError
        If the exported page would still reference any outside host.
    """
    import plotly.offline
    from nbconvert import HTMLExporter

    nb, figures = _briefing_cells(nb)
    if title:
        nb.metadata["title"] = defang_text(title)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(nb)
    # nbconvert's scripts (require.js, MathJax, mermaid) and links all point at CDNs.
    body = _SCRIPT_RE.sub("", body)
    body = _LINK_RE.sub("", body)
    body = _COMMENT_RE.sub("", body)
    found = external_references(body)
    if found:
        raise WorkbenchError(f"the exported briefing still references outside hosts: "
                             f"{found[:5]}")
    scripts = []
    placed = []

    def place(match: re.Match) -> str:
        index = int(match.group(1))
        div, script = _figure_html(index + 1, figures[index])
        scripts.append(script)
        placed.append(index)
        return f"{div}<script>{script}</script>"

    body = _SLOT_RE.sub(place, body)
    if sorted(placed) != list(range(len(figures))):
        raise WorkbenchError("a figure of the briefing notebook found no place in the HTML")
    head = ""
    if figures:
        bundle = plotly.offline.get_plotlyjs()
        scripts.insert(0, bundle)
        head = f"<script>{bundle}</script>"
    csp = ("default-src 'none'; img-src data: blob:; font-src data:; style-src 'unsafe-inline'; "
           "connect-src 'none'; form-action 'none'; base-uri 'none'; script-src "
           + " ".join(dict.fromkeys(_sha(s) for s in scripts)))
    # The policy comes first in <head>, so it governs everything after it.
    meta = (f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="referrer" content="no-referrer">'
            '<meta name="generator" content="Channel Workbench briefing">')
    body = body.replace("<head>", "<head>" + meta, 1)
    style = f'<style type="text/css">{BRIEFING_CSS}</style>'
    body = body.replace("</head>", style + head + "</head>", 1)
    return body, len(figures)


@contextlib.contextmanager
def _environment(values: dict[str, str | None]):
    """Set environment variables for the kernel papermill starts, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    """Set each variable to its value, or unset it where the value is None."""
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _kernel_manager_class(log_path: Path):
    from jupyter_client.manager import AsyncKernelManager

    class SameInterpreterKernelManager(AsyncKernelManager):
        """Runs the kernel on this interpreter, whatever kernelspec named ``python3`` the
        machine has, so the template imports the workbench that renders it; talks to it
        over local sockets (IPC) rather than TCP ports; and sends the kernel's own output
        (start-up and shutdown chatter) to a log instead of the analyst's terminal."""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("transport", "ipc" if os.name == "posix" else "tcp")
            super().__init__(*args, **kwargs)

        def format_kernel_cmd(self, extra_arguments=None):
            return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                    *(extra_arguments or [])]

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log = open(log_path, "ab")  # noqa: SIM115 - the kernel process keeps it open
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            try:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                log.close()  # the child has its own copy of the descriptor

    return SameInterpreterKernelManager


def _reraise(exc, log_path: Path) -> None:
    """Turn a failed cell into the workbench error the kernel raised, message intact."""
    from .. import errors

    name = getattr(exc, "ename", "") or type(exc).__name__
    value = getattr(exc, "evalue", "") or str(exc)
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, errors.WorkbenchError):
        error = cls(value)
        if cls is errors.ParameterError and ":" in value:
            error.parameter = value.split(":", 1)[0].strip()
        raise error from None
    log = log_path.read_text(errors="replace")[-2000:] if log_path.is_file() else ""
    raise WorkbenchError(f"the briefing notebook failed: {name}: {value}"
                         + (f"\nkernel log:\n{log}" if log.strip() else "")) from None


def render_briefing(corpus, *, out="briefing.html", labels=None, event=None, before="28D",
                    after="14D", groups=None, terms=None, title=None, analyst=None,
                    redact="none", salt=None, tz="UTC", seed: int = 0, top: int = 15,
                    notebook=None, timeout: int = 900, pdf=None) -> RenderResult:
    """Render a briefing to one HTML file: check the parameters, execute the notebook
    template with papermill, export it offline and safe.

    Parameters
    ----------
    corpus : str or Path
        What ``wb.load`` reads (a file or a folder of exports, or a saved corpus).
    out : str or Path, default "briefing.html"
        The HTML file to write (its folder is created).
    labels, event, before, after, groups, terms, title, analyst, redact, tz, seed, top
        See :func:`~workbench.briefing.check_parameters`.
    salt : str, optional
        Secret for ``redact="pseudonymise"`` (random per run when omitted). It reaches the
        kernel through the environment, never as a notebook parameter, so it is in neither
        the executed notebook nor the HTML.
    notebook : str or Path, optional
        Also keep the executed notebook here (for the analyst; it holds the parameters).
    timeout : int, default 900
        Seconds any one cell may run.
    pdf : bool, str or Path, optional
        Also print the briefing to PDF with the system's headless Chromium
        (:func:`~workbench.briefing.write_pdf`): ``True`` writes it beside the HTML (same
        name, ``.pdf``), a path writes it there.

    Returns
    -------
    RenderResult

    Raises
    ------
    ParameterError
        Naming the parameter, before the notebook starts for everything that needs no data,
        and before any analysis for the rest (empty corpus, event outside its dates).
    WorkbenchError
        If the notebook fails otherwise (the kernel's error, without its traceback).
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    params = check_parameters(corpus, labels=labels, event=event, before=before, after=after,
                              groups=groups, terms=terms, title=title, analyst=analyst,
                              redact=redact, tz=tz, seed=seed, top=top)
    if not isinstance(params.corpus, Path):
        raise parameter_error("corpus", "render_briefing needs a path (the notebook loads it); "
                                        "save a corpus with corpus.to_parquet(folder) first")
    out = Path(out).expanduser()
    if out.is_dir():
        raise parameter_error("out", f"{out} is a folder; name the HTML file to write")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise parameter_error("out", f"cannot create the folder {out.parent}: {exc}") from exc
    target = out.resolve()

    values = {
        "CORPUS": str(params.corpus),
        "LABELS": str(params.labels) if params.labels is not None else None,
        # As given: the kernel resolves it again, to the same event.
        "EVENT": str(event) if params.event is not None else None,
        "BEFORE": f"{params.before.days}D",
        "AFTER": f"{params.after.days}D",
        "GROUPS": list(params.groups) or None,
        "TERMS": list(params.terms) or None,
        "TITLE": params.title,
        "ANALYST": params.analyst,
        "REDACT": params.redact,
        "TIME_ZONE": params.tz,
        "SEED": params.seed,
        "TOP": params.top,
    }
    cells_bar = progress_enabled(None)  # papermill's bar over the cells; the kernel has none
    env = {"PLOTLY_RENDERER": "plotly_mimetype", "WORKBENCH_PROGRESS": "0",
           SALT_ENV: salt if salt is not None else None, "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory(prefix="workbench-brief-") as work:
        # Absolute: papermill runs the kernel in the scratch folder.
        executed = (Path(notebook).expanduser().resolve() if notebook is not None
                    else Path(work) / "briefing.ipynb")
        log_path = Path(work) / "kernel.log"
        try:
            with _environment(env):
                nb = papermill.execute_notebook(
                    str(template_path()), str(executed), parameters=values,
                    kernel_name="python3", progress_bar=cells_bar, cwd=work,
                    request_save_on_cell_execute=False, execution_timeout=timeout,
                    kernel_manager_class=_kernel_manager_class(log_path))
        except PapermillExecutionError as exc:
            _reraise(exc, log_path)
        except (RuntimeError, TimeoutError) as exc:  # a dead or hung kernel
            _reraise(exc, log_path)
        nb = nbformat.from_dict(nb) if not hasattr(nb, "cells") else nb
        html, figures = export_html(nb, title=_title_of(nb) or params.title)
    write_output(target, html)
    printed = None
    if pdf is not None and pdf is not False:
        from ._pdf import write_pdf
        printed = write_pdf(target, out.with_suffix(".pdf") if pdf is True else pdf,
                            title=_title_of(nb) or params.title).path
    return RenderResult(path=out, size=target.stat().st_size, figures=figures,
                        seconds=time.perf_counter() - start,
                        notebook=Path(notebook) if notebook is not None else None, pdf=printed)


def _title_of(nb) -> str | None:
    """The briefing's title as its header cell rendered it."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            match = re.search(r'<h1 class="wb-title">(.*?)</h1>', html, re.DOTALL)
            if match:
                import html as html_lib
                return html_lib.unescape(match.group(1))
    return None

