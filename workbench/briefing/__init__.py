"""Briefings: one command turns a corpus into a self-contained, offline, safe HTML briefing.

:func:`build_briefing` checks the parameters, loads the corpus and runs the analyses; the
:class:`Briefing` it returns gives the briefing's parts (findings, figures, tables, method,
provenance) one notebook cell at a time. :func:`render_briefing` executes the notebook
template (``workbench/templates/briefing.ipynb``) with papermill and exports it to one HTML
file: plotly.js inlined once, no code, no request to any host, every data-derived string
escaped and every link defanged; with ``pdf=`` it is also printed to PDF by the system's
headless Chromium (:func:`write_pdf`). ``workbench brief`` on the command line calls it.

Examples
--------
>>> import workbench as wb
>>> wb.briefing.safe_html('<img src=x onerror=alert(1)> see https://t.me/amaq/12')
'&lt;img src=x onerror=alert(1)&gt; see hxxps://t[.]me/amaq/12'
>>> wb.briefing.template_path().name
'briefing.ipynb'
"""

from ._content import SALT_ENV, Briefing, build_briefing
from ._html import HTMLBlock, html_table
from ._params import REDACT_LEVELS, BriefingParameters, check_parameters
from ._pdf import PdfResult, write_pdf
from ._render import (RenderResult, external_references, export_html, render_briefing,
                      template_path)
from ._safe import Pseudonymiser, defang_text, pseudonymise_corpus, safe_html
from ._terms import rising_terms

__all__ = [
    "Briefing",
    "BriefingParameters",
    "HTMLBlock",
    "PdfResult",
    "Pseudonymiser",
    "REDACT_LEVELS",
    "RenderResult",
    "SALT_ENV",
    "build_briefing",
    "check_parameters",
    "defang_text",
    "export_html",
    "external_references",
    "html_table",
    "pseudonymise_corpus",
    "render_briefing",
    "rising_terms",
    "safe_html",
    "template_path",
    "write_pdf",
]
