"""Figures as files: ``wb.plots.save`` through kaleido and the system Chromium, offline, and
the "save figure" row every explorer shows.

Sizes and texts checked are the ones the test sets on the figure (a 300 x 200 layout saved
at scale 2 must be a 600 x 400 PNG; a title the test chose must be in the SVG and the PDF).
"""

from __future__ import annotations

import os
import struct
import sys
import time

import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.errors import ParameterError, WorkbenchError

CHROMIUM = "/usr/bin/chromium"
TITLE = "wb-save-check"


def _needs_chromium():
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} not found (make test installs it with apt)")
        pytest.skip(f"{CHROMIUM} not found")


def _figure():
    return go.Figure(go.Bar(x=["official", "supporters"], y=[3, 5]),
                     layout={"title": {"text": TITLE}, "width": 300, "height": 200})


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
@pytest.mark.slow  # two Chromium starts
def test_save_writes_png_and_pdf_offline(tmp_path):
    _needs_chromium()
    from pypdf import PdfReader

    fig = _figure()
    png = wb.plots.save(fig, tmp_path / "out" / "fig.png", scale=2)  # folder created
    assert _png_size(png.read_bytes()) == (600, 400)
    pdf = PdfReader(wb.plots.save(fig, tmp_path / "fig.pdf"))
    assert len(pdf.pages) == 1 and TITLE in pdf.pages[0].extract_text()


def test_unknown_suffix_and_bad_scale_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="fig.txt"):
        wb.plots.save(_figure(), tmp_path / "fig.txt")
    with pytest.raises(ParameterError, match="scale"):
        wb.plots.save(_figure(), tmp_path / "fig.png", scale=0)
    with pytest.raises(ParameterError, match="format"):
        wb.plots.save(_figure(), tmp_path / "fig.png", format="bmp")
    assert not list(tmp_path.iterdir())


def test_missing_chromium_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with pytest.raises(WorkbenchError, match=r"fig\.png.*BROWSER_PATH=.*no-such-chromium"
                                             r".*apt-get install chromium"):
        wb.plots.save(_figure(), tmp_path / "fig.png")
    assert not (tmp_path / "fig.png").exists()


def test_missing_kaleido_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kaleido", None)  # import kaleido now fails
    with pytest.raises(WorkbenchError, match=r"fig\.svg.*kaleido package"):
        wb.plots.save(_figure(), tmp_path / "fig.svg")


def _fake_browser(monkeypatch, tmp_path, *, fail: bool):
    # choreographer (kaleido's browser driver) logs warnings such as "Resorting to unclean
    # kill browser." when Chromium is slow to close; with no handler set up, Python prints
    # them to stderr, which in a notebook is a red output no analyst can act on (the likely
    # cause of a notebook's unexplained stderr in `make test`, beside another worker's
    # Chromiums).
    import logging

    import kaleido

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))

    def calc_fig_sync(*args, **kwargs):
        time.sleep(0.02)  # as long as a real draw takes, relatively: saves in threads overlap
        logging.getLogger("browser_proc").error("[0101:ERROR:bus.cc(407)] Failed to connect")
        logging.getLogger("choreographer.browser_async").warning(
            "Resorting to unclean kill browser.")
        if fail:
            raise TimeoutError("render timed out")
        return b"\x89PNG\r\n\x1a\n" + bytes(20)

    monkeypatch.setattr(kaleido, "calc_fig_sync", calc_fig_sync)


def test_the_browsers_own_log_stays_out_of_the_output(tmp_path, monkeypatch, capfd, caplog):
    _fake_browser(monkeypatch, tmp_path, fail=False)
    path = wb.plots.save(_figure(), tmp_path / "fig.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    out, err = capfd.readouterr()
    assert "Failed to connect" not in err + out and "unclean kill" not in err + out
    # Nothing reached the root logger either (outside pytest, Python's last-resort handler
    # would print it to stderr).
    assert not [r for r in caplog.records if r.name.startswith(("browser_proc", "choreo"))]


def test_a_failed_save_names_the_browsers_last_errors(tmp_path, monkeypatch, capfd, caplog):
    _fake_browser(monkeypatch, tmp_path, fail=True)
    with pytest.raises(WorkbenchError, match=r"(?s)fig\.png.*render timed out.*"
                                             r"Failed to connect"):
        wb.plots.save(_figure(), tmp_path / "fig.png")
    assert "Failed to connect" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.name.startswith(("browser_proc", "choreo"))]


@pytest.fixture(scope="module")
def explorer(corpus):
    return wb.widgets.volume_explorer(corpus)


def test_every_explorer_class_gets_the_save_row_from_the_shared_base():
    from workbench.widgets._common import Explorer

    for cls in (wb.widgets.VolumeExplorer, wb.widgets.NetworkExplorer,
                wb.widgets.CrosspostExplorer):
        assert issubclass(cls, Explorer) and "widget" not in vars(cls)


# The cross-posting explorer is left out only for time: its row comes from the same setter.
@pytest.mark.parametrize("make", [wb.widgets.volume_explorer, wb.widgets.network_explorer])
def test_every_explorer_shows_a_save_row(make, corpus):
    explorer = make(corpus)
    row = explorer.widget.children[-1]
    assert row.children == tuple(explorer.save_controls.values())
    assert explorer.save_controls["button"].description == "save figure"


def test_save_button_reports_an_error_escaped(explorer, tmp_path):
    status = explorer.save_controls["status"]
    explorer.save_controls["path"].value = str(tmp_path / "<b>fig</b>.txt")
    explorer.save_controls["button"].click()
    assert "&lt;b&gt;fig&lt;/b&gt;.txt" in status.value and "<b>" not in status.value
    assert not list(tmp_path.iterdir())


@pytest.mark.browser
def test_save_button_writes_the_figure_shown(explorer, tmp_path):
    _needs_chromium()
    target = tmp_path / "volume.svg"
    explorer.update(by="group")
    explorer.save_controls["path"].value = str(target)
    explorer.save_controls["button"].click()
    assert explorer.save_controls["status"].value.startswith("saved ")
    svg = target.read_text()
    assert svg.lstrip().startswith("<svg") and "<path" in svg
    # each group of the volume figure is a trace, and its name is in the legend
    names = [t.name for t in explorer.figure.data if t.name]
    assert names and all(name in svg for name in names)


def test_saves_in_two_threads_leave_the_loggers_as_they_were(tmp_path, monkeypatch):
    # Saving changes process-wide logging settings for its duration; two saves at once (two
    # explorers' buttons) take turns, so neither restores the other's settings.
    import logging
    from concurrent.futures import ThreadPoolExecutor

    _fake_browser(monkeypatch, tmp_path, fail=False)
    names = ("browser_proc", "choreographer", "kaleido")
    before = [(logging.getLogger(n).propagate, list(logging.getLogger(n).handlers))
              for n in names]
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda i: wb.plots.save(_figure(), tmp_path / f"f{i}.png"),
                              range(8)))
    assert all(p.exists() for p in paths)
    assert [(logging.getLogger(n).propagate, list(logging.getLogger(n).handlers))
            for n in names] == before
