"""In a real browser: Debian's Chromium driven by Playwright.

1. The fixture briefing, opened from ``file://``: every chart draws, no request other than
   the file itself, no console error, and none of the fixtures' hostile payloads runs. A
   hostile variant (channel names, forward names, group labels, message texts, title,
   analyst and terms carrying HTML/JavaScript) shows every payload as text and runs none.
2. The interactive path: JupyterLab on loopback (token, free port, as root) opens each
   notebook, runs all cells, and the figures draw; each explorer's widgets render, and
   changing one control changes what is drawn.

Screenshots and console logs go to ``test-artifacts/``. Without ``/usr/bin/chromium`` these
tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Generous limits, only against a hang: everything waits on a condition, never on the clock,
# and a busy machine (other test runs, a 2-core CI box) is many times slower than a laptop.
NOTEBOOK_TIMEOUT = 900_000  # ms, per notebook: open, run all cells, draw
WAIT = 300_000  # ms, for anything else the page must do
START_TIMEOUT = 600  # s, for JupyterLab to start and a briefing to render

pytestmark = pytest.mark.browser


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} not found (make test installs it with apt: `apt-get install "
                 "chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Watch:
    """Everything a page did: requests, console messages, page errors, dialogs."""

    def __init__(self, page, allowed):
        self.requests, self.blocked, self.console, self.errors, self.dialogs = [], [], [], [], []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

        def route(r):
            url = r.request.url
            self.requests.append(url)
            if allowed(url):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        page.route("**/*", route)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def console_errors(self):
        return [c for c in self.console if c.startswith("error")]

    def save(self, name: str, page) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page still gets its log written
            self.console.append(f"(screenshot failed: {exc})")
        (ARTIFACTS / f"{name}.log").write_text(
            "\n".join(["# requests", *self.requests, "# blocked", *self.blocked,
                       "# console", *self.console, "# page errors", *self.errors,
                       "# dialogs", *self.dialogs]), encoding="utf-8")


# --- the briefing from file:// -------------------------------------------------------------

def _render(corpus: Path, labels: Path, out: Path, *extra: str) -> subprocess.Popen:
    """Start rendering with the command line in a process of its own (Playwright's event
    loop and the notebook client's must not share one; two renders run side by side)."""
    env = {**os.environ, "WORKBENCH_PROGRESS": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "brief", "--corpus", str(corpus), "--labels",
         str(labels), "--out", str(out), *extra], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


HOSTILE = {
    # a collected channel's name (resolves forwards by it, so it is replaced everywhere)
    "Mutat News English": "Mutat <script>document.title='pwned'</script> English",
    # a forward source outside the collection
    "Akogak Old Archive": "Akogak <svg onload=alert(1)> Archive https://t.me/akogak_old",
}
#: A "text" string value in Desktop JSON (the message's, or an entity's).
_TEXT_VALUE = re.compile(r'("text": ")((?:[^"\\]|\\.)*)(")')
#: How many of the fixture texts' most common words carry the payload: enough that whatever
#: message the briefing quotes (its example cascade) holds one.
TEXT_WORDS = 12
_WORD = re.compile(r"(?<![\\\w])\w{4,}")
TEXT_PAYLOAD = "<img src=x onerror=document.title='pwned'>"
GROUP = "control<iframe src=javascript:alert(1)></iframe>"
TITLE = "<img src=x onerror=alert(1)>Hostile briefing"
ANALYST = "<script>alert(1)</script>"


def _common_words(raws: list[str]) -> re.Pattern:
    counts: dict[str, int] = {}
    for raw in raws:
        for m in _TEXT_VALUE.finditer(raw):
            for word in set(re.findall(_WORD, m.group(2))):
                counts[word] = counts.get(word, 0) + 1
    top = sorted(counts, key=lambda w: (-counts[w], w))[:TEXT_WORDS]
    # never the letter after a backslash: "\\nJoin" is an escape and a word
    return re.compile(r"(?<![\\\w])(?:" + "|".join(map(re.escape, top)) + r")\b")


def _hostile_corpus(folder: Path) -> tuple[Path, Path]:
    """The fixture world with payloads in every place a briefing shows data."""
    sources = sorted((FIXTURES / "telegram").rglob("result.json.gz"))
    raws = [gzip.decompress(src.read_bytes()).decode("utf-8") for src in sources]
    words = _common_words(raws)
    for src, raw in zip(sources, raws):
        for name, payload in HOSTILE.items():
            raw = raw.replace(json.dumps(name), json.dumps(payload))
        raw = _TEXT_VALUE.sub(lambda m: m.group(1) + words.sub(TEXT_PAYLOAD, m.group(2))
                              + m.group(3), raw)
        dest = folder / "telegram" / src.relative_to(FIXTURES / "telegram")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(gzip.compress(raw.encode("utf-8"), mtime=0))
    labels = (FIXTURES / "channels.csv").read_text(encoding="utf-8")
    (folder / "labels.csv").write_text(labels.replace(",control,", f",{GROUP},"),
                                       encoding="utf-8")
    return folder / "telegram", folder / "labels.csv"


@pytest.fixture(scope="session")
def briefings(tmp_path_factory) -> dict[str, Path]:
    """The fixture world's Berlin briefing, and its hostile variant (title, analyst and
    terms hostile too), rendered side by side."""
    folder = tmp_path_factory.mktemp("briefings")
    corpus, labels = _hostile_corpus(folder / "hostile")
    jobs = {
        "fixture": _render(FIXTURES / "telegram", FIXTURES / "channels.csv",
                           folder / "briefing.html", "--event", "berlin-2016"),
        "hostile": _render(corpus, labels, folder / "hostile.html", "--event", "berlin-2016",
                           "--title", TITLE, "--analyst", ANALYST,
                           "--terms", "begadon", "<svg onload=alert(2)>"),
    }
    out = {}
    for name, job in jobs.items():
        stdout, stderr = job.communicate(timeout=3 * START_TIMEOUT)
        assert job.returncode == 0, f"{name}: {stderr[-3000:]}"
        out[name] = Path(re.match(r"wrote (.+?) \(", stdout).group(1))
    return out


def _open_briefing(browser, path: Path, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page, allowed=lambda url: url == path.as_uri())
    page.goto(path.as_uri(), wait_until="load")
    html = path.read_text(encoding="utf-8")
    figures = html.count('class="plotly-graph-div wb-figure"')
    # Every chart drawn into SVG, then the page idle: any late script (there must be none)
    # has had its turn by then, however slow the machine.
    page.wait_for_function(
        "n => [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(e => e.querySelector('svg.main-svg')).length >= n", arg=figures, timeout=WAIT)
    page.evaluate("() => new Promise(done => requestIdleCallback(() => setTimeout(done, 0),"
                  " {timeout: 10000}))")
    return page, watch, figures


def _assert_inert(page, watch, title: str, expected_scripts: int):
    assert page.title() == title
    assert watch.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    injected = page.evaluate("""() => ({
        img: document.querySelectorAll('img').length,
        iframe: document.querySelectorAll('iframe, object, embed').length,
        svgOnload: document.querySelectorAll('svg[onload]').length,
        handlers: [...document.querySelectorAll('*')].filter(
            e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
        scripts: document.querySelectorAll('script').length,
        links: [...document.querySelectorAll('a[href]')].filter(
            a => !a.getAttribute('href').startsWith('#')).length,
    })""")
    assert injected == {"img": 0, "iframe": 0, "svgOnload": 0, "handlers": 0,
                        "scripts": expected_scripts, "links": 0}, injected


def test_fixture_briefing_draws_offline_and_inert(browser, briefings):
    fixture_briefing = briefings["fixture"]
    page, watch, figures = _open_briefing(browser, fixture_briefing, "briefing")
    try:
        assert figures == 5
        assert page.locator(".js-plotly-plot").count() == figures
        # Every chart has drawn into SVG, not just received a div.
        drawn = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')]"
                              ".filter(e => e.querySelector('svg.main-svg')).length")
        assert drawn == figures
        assert watch.requests == [fixture_briefing.as_uri()], watch.requests
        assert watch.blocked == [] and watch.errors == [] and watch.console_errors() == []
        _assert_inert(page, watch, "Channel activity around the Berlin Christmas market attack "
                                   "(19 Dec 2016)", expected_scripts=1 + figures)
        text = page.inner_text("body")
        for heading in ("Key findings", "The channel network", "Volume around the event",
                        "Keyword trend", "Cross-posting", "Top channels",
                        "Method and limitations", "Provenance"):
            assert heading in text
        assert "In [" not in text and "import workbench" not in text
    finally:
        watch.save("briefing", page)
        page.close()


def test_hostile_briefing_shows_payloads_as_text_and_runs_none(browser, briefings):
    path, title = briefings["hostile"], TITLE
    page, watch, figures = _open_briefing(browser, path, "briefing-hostile")
    try:
        assert figures == 5 and page.locator(".js-plotly-plot").count() == figures
        assert watch.requests == [path.as_uri()], watch.blocked
        assert watch.errors == [] and watch.console_errors() == []
        _assert_inert(page, watch, title, expected_scripts=1 + figures)
        text = page.inner_text("body")
        # Each payload is on the page as plain text (links defanged).
        group = GROUP.replace("javascript:", "javascript[:]")
        for shown in ("Mutat <script>document.title='pwned'</script> English",
                      "Akogak <svg onload=alert(1)> Archive hxxps://t[.]me/akogak_old",
                      TEXT_PAYLOAD, group, TITLE, ANALYST):
            assert shown in text, shown
        # ... and in the figures' SVG text (names, legends, the keyword's legend entry).
        svg_text = page.evaluate("[...document.querySelectorAll('.js-plotly-plot svg')]"
                                 ".map(s => s.textContent).join(' ')")
        assert "<svg onload=alert(2)>" in svg_text and group in svg_text
        for raw in ("javascript:", "https://", "t.me/"):
            assert raw not in text and raw not in svg_text, raw
    finally:
        watch.save("briefing-hostile", page)
        page.close()


# --- the notebooks in JupyterLab ---------------------------------------------------------------

EXPLORERS = {
    # notebook: (what to change, how to measure what is drawn)
    "01-channel-network.ipynb": "min_weight",
    "02-berlin-event-volume.ipynb": "freq",
    "03-cross-posting.ipynb": "via",
}
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def _free_port() -> int:
    """A port free now; another process may take it before JupyterLab binds it, so the lab
    fixture reads the port JupyterLab really chose from its runtime file."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on loopback over a copy of the notebooks (with ../data beside them), its
    settings, workspaces and runtime files in a temporary folder."""
    base = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", base / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (base / "data").symlink_to(ROOT / "data", target_is_directory=True)
    settings = base / "settings"
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {"checkForUpdates": False,
                                                        "fetchNews": "false"},
    }.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"), "WORKBENCH_PROGRESS": "0",
           "PLOTLY_RENDERER": "plotly_mimetype"}
    log = open(base / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
         "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={base / 'notebooks'}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
    # When the port was taken meanwhile, JupyterLab moves to the next free one and says so in
    # its runtime file: the URL comes from there.
    info = base / "runtime" / f"jpserver-{server.pid}.json"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                url = f"http://127.0.0.1:{json.loads(info.read_text())['port']}"
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=30):
                    break
            except (OSError, ValueError, KeyError):  # not written yet, or not serving yet
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (base / "lab.log").read_text(errors="replace")[-3000:])
                time.sleep(0.5)
        yield {"url": url, "token": token, "base": base}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy2(base / "lab.log", ARTIFACTS / "jupyterlab-server.log")


_RUN_STATE = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!w || !w.content || !w.content.model || !w.sessionContext) return null;
    const cells = w.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (c.type !== 'code') continue;
        for (const o of c.outputs.toJSON()) {
            if (o.output_type === 'error') return 'error: ' + o.ename + ': ' + o.evalue;
        }
    }
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return null;
    for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (c.type === 'code' && c.executionCount === null) return null;
    }
    return 'done';
}"""

_FIGURES = """() => {
    const panel = window.jupyterapp.shell.currentWidget.node;
    const all = [...panel.querySelectorAll('.js-plotly-plot')];
    const drawn = all.filter(e => e.querySelector('svg.main-svg'));
    return {outputs: drawn.filter(e => !e.closest('.widget-output')).length,
            widgets: drawn.filter(e => e.closest('.widget-output')).length};
}"""

# How many SVG path commands matching COMMANDS the lines of the first explorer figure hold.
_PATH_COMMANDS = """() => {
    const gd = window.jupyterapp.shell.currentWidget.node.querySelector(
        '.widget-output .js-plotly-plot');
    let n = 0;
    gd.querySelectorAll('.scatterlayer path.js-line').forEach(
        p => { n += ((p.getAttribute('d') || '').match(/COMMANDS/g) || []).length; });
    return n;
}"""
_EDGES = _PATH_COMMANDS.replace("COMMANDS", "M")  # an edge: one move, then a line
_POINTS = _PATH_COMMANDS.replace("COMMANDS", "[ML]")  # a point: a move or a line

_TITLE = """() => {
    const t = window.jupyterapp.shell.currentWidget.node.querySelector(
        '.widget-output .js-plotly-plot .gtitle');
    return t ? t.textContent : null;
}"""


def _static_figures(name: str) -> int:
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return sum("application/vnd.plotly.v1+json" in o.get("data", {})
               for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _labelled(page, kind: str, label: str):
    """The ipywidgets control of class ``kind`` whose description is ``label``."""
    return page.locator(f".jupyter-widgets.{kind}").filter(
        has=page.locator("label.widget-label", has_text=re.compile(f"^{re.escape(label)}$")))


def _change_and_measure(page, control: str):
    """Change one explorer control; return (before, after) of what it should change."""
    if control == "min_weight":
        before = page.evaluate(_EDGES)
        box = _labelled(page, "widget-inline-hbox", "min weight").locator("input")
        box.fill("10")
        box.press("Enter")
        box.press("Tab")
        page.wait_for_function(f"({_EDGES})() !== {before}", timeout=WAIT)
        return before, page.evaluate(_EDGES)
    if control == "freq":
        before = page.evaluate(_POINTS)
        _labelled(page, "widget-dropdown", "per").locator("select").select_option(label="week")
        page.wait_for_function(f"({_POINTS})() !== {before}", timeout=WAIT)
        return before, page.evaluate(_POINTS)
    before = page.evaluate(_TITLE)
    _labelled(page, "widget-dropdown", "via").locator("select").select_option(label="media")
    page.wait_for_function(f"({_TITLE})() !== {json.dumps(before)}", timeout=WAIT)
    return before, page.evaluate(_TITLE)


def _shutdown_kernels(lab) -> None:
    base = f"{lab['url']}/api/sessions"
    with urllib.request.urlopen(f"{base}?token={lab['token']}", timeout=120) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/{session['id']}?token={lab['token']}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=120).close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_draws_in_jupyterlab(browser, lab, name):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    origin = lab["url"]
    watch = Watch(page, allowed=lambda url: url.startswith(origin))
    stem = f"lab-{Path(name).stem}"
    page.set_default_timeout(WAIT)
    try:
        # A workspace of its own, so no notebook of an earlier test is reopened beside it.
        page.goto(f"{origin}/lab/workspaces/{Path(name).stem}/tree/{name}?reset"
                  f"&token={lab['token']}")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
            "window.jupyterapp.shell.currentWidget.content && "
            "window.jupyterapp.shell.currentWidget.content.model", timeout=WAIT)
        page.wait_for_function(
            "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
            " return s && s.session && s.session.kernel && s.session.kernel.status === 'idle'; }",
            timeout=WAIT)
        page.evaluate("() => window.jupyterapp.commands.execute("
                      "'notebook:clear-all-cell-outputs')")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = page.wait_for_function(
            f"() => ({_RUN_STATE})()", timeout=NOTEBOOK_TIMEOUT, polling=500).json_value()
        assert state == "done", f"{name}: {state}"

        expected = _static_figures(name)
        explorer = name in EXPLORERS
        page.wait_for_function(
            f"() => {{ const f = ({_FIGURES})(); return f.outputs >= {expected}"
            f" && f.widgets >= {int(explorer)}; }}", timeout=WAIT)
        figures = page.evaluate(_FIGURES)
        assert figures["outputs"] == expected, figures
        if explorer:
            assert page.locator(".jp-NotebookPanel .jupyter-widgets.widget-dropdown").count() >= 1
            assert figures["widgets"] >= 1
            before, after = _change_and_measure(page, EXPLORERS[name])
            if EXPLORERS[name] == "via":
                assert before != after and after.startswith("cluster"), (before, after)
            else:
                assert after < before, (before, after)
            page.locator(".widget-output .js-plotly-plot").first.scroll_into_view_if_needed()
        assert watch.blocked == [], watch.blocked
        assert watch.errors == [], watch.errors
        watch.save(stem, page)
    except BaseException:
        watch.save(stem, page)
        raise
    finally:
        context.close()
        _shutdown_kernels(lab)
