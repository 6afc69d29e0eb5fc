"""Briefings: defanging, escaping and pseudonymisation; findings
checked against the planted truth; the rendered HTML (offline, safe, complete, in order) made
by the command line from a non-editable install; a second corpus (another event, two groups,
pseudonymised); and bad parameters refused before any work, naming the parameter.

The browser checks of the same HTML are in ``tests/test_browser.py``.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.briefing import (Pseudonymiser, build_briefing, check_parameters, defang_text,
                                html_table, pseudonymise_corpus, render_briefing, safe_html)
from workbench.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
TELEGRAM = FIXTURES / "telegram"
LABELS = FIXTURES / "channels.csv"
SALT = "test-salt-9f1c2e"
SECTIONS = ["Key findings", "The channel network", "Volume around the event", "Keyword trend",
            "Cross-posting", "Top channels", "Method and limitations", "Provenance"]


def _text(block) -> str:
    """The visible text of an HTMLBlock, as a reader sees it."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", block._repr_html_()))


def _outside_bundle(page: str) -> str:
    """The page without the inlined plotly.js bundle (the largest script), whose source
    mentions CDNs and MathJax in code paths a briefing never takes."""
    scripts = list(re.finditer(r"<script>(.*?)</script>", page, re.DOTALL))
    biggest = max(scripts, key=lambda m: len(m.group(1)))
    return page[:biggest.start()] + page[biggest.end():]


def _markup(page: str) -> str:
    """The page without plotly.js and without style sheets (whose comments cite URLs)."""
    return re.sub(r"<style\b[^>]*>.*?</style>", "", _outside_bundle(page), flags=re.DOTALL)


def _visible(page: str) -> str:
    """The text a reader sees (outside figures), whitespace collapsed."""
    body = re.sub(r"<script\b[^>]*>.*?</script>", "", _markup(page), flags=re.DOTALL)
    body = re.sub(r"</?(?:b|i|em|strong|span|a)\b[^>]*>", "", body)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- defanging and escaping --------------------------------------------------------------

def test_defang_text_breaks_every_link_in_free_text():
    text = ("join https://t.me/amaq_agency/12 or t.me/s/mirror, see www.example.org/a and "
            "ex-ample.com/path, or HTTP://Example.NET/x; javascript:alert(1) tg:resolve")
    out = defang_text(text)
    assert out == ("join hxxps://t[.]me/amaq_agency/12 or t[.]me/s/mirror, see "
                   "www[.]example[.]org/a and ex-ample[.]com/path, or HxxP://Example[.]NET/x; "
                   "javascript[:]alert(1) tg[:]resolve")
    for raw in ("://t.me", "t.me/", "example.org", ".com/", "javascript:"):
        assert raw not in out
    assert defang_text(out) == out, "defanging twice changes nothing"
    assert defang_text(pd.NA) == "" and defang_text(None) == ""


def test_safe_html_leaves_no_markup_in_the_planted_payloads(truth):
    payloads = [p["payload"] for p in truth["hostile_payloads"]]
    assert payloads
    for payload in payloads + ['"><svg/onload=alert(1)>', "<a href='https://t.me/x'>x</a>"]:
        out = safe_html(payload)
        assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
        assert "javascript:" not in out and "https://" not in out


def test_html_table_escapes_cells_and_headers():
    frame = pd.DataFrame({"<th>": ["<script>x</script>", "https://t.me/x"], "n": [1200, None]})
    out = html_table(frame, numeric=["n"], formats={"n": "{:,.0f}".format})
    assert "<script>" not in out and "<th>&lt;th&gt;</th>" in out
    assert "hxxps://t[.]me/x" in out and '<td class="num">1,200</td>' in out
    assert out.count("<tr>") == 3  # header and two rows; the missing value is an empty cell


# --- pseudonymisation ----------------------------------------------------------------------

def test_pseudonyms_are_consistent_within_a_salt_and_differ_across_salts():
    a, a2, b = Pseudonymiser(SALT), Pseudonymiser(SALT), Pseudonymiser("another salt")
    keys = ["telegram:1048766675", "telegram:name:roras old archive", "twitter:12345"]
    for key in keys:
        assert a.channel_id(key) == a2.channel_id(key) != b.channel_id(key)
        assert a.name_of(key) == a2.name_of(key) != b.name_of(key)
    assert len({a.channel_id(k) for k in keys}) == len(keys)
    assert a.channel_id("telegram:1").startswith("telegram:ps-")
    # A name-only key stays a name key, so forwards from it still resolve to one channel.
    assert a.channel_id("telegram:name:x") == wb.ids.name_key(a.name_of("telegram:name:x"))
    assert a.handle("@Amaq_Agency") == a.handle("amaq_agency") != b.handle("amaq_agency")
    assert SALT not in repr(a)
    random_1, random_2 = Pseudonymiser(), Pseudonymiser()
    assert random_1.channel_id(keys[0]) != random_2.channel_id(keys[0]), "random salt per run"


@pytest.fixture(scope="module")
def masked(corpus):
    return pseudonymise_corpus(corpus, Pseudonymiser(SALT))


def _strings(corpus):
    for name in ("messages", "channels", "service", "files", "rejected"):
        table = getattr(corpus, name)
        for col in table.columns:
            if col in ("mentions", "links", "hashtags"):
                yield from (v for values in table[col] for v in values)
            elif isinstance(table[col].dtype, pd.StringDtype):
                yield from table[col].dropna().unique()


def test_pseudonymised_corpus_holds_no_name_handle_or_id(corpus, masked):
    names = {n.casefold() for n in corpus.channels["name"].dropna()} | \
            {n.casefold() for n in corpus.messages["fwd_from_name"].dropna()}
    handles = {h.casefold() for h in corpus.channels["handle"].dropna()}
    ids = {c.split(":")[-1] for c in corpus.channels["channel_id"]}
    assert len(names) > 40 and len(handles) > 40
    handle_re = re.compile(r"(?<![a-z0-9_])(" + "|".join(map(re.escape, handles))
                           + r")(?![a-z0-9_])")
    leaks = []
    for value in _strings(masked):
        low = str(value).casefold()
        if any(n in low for n in names) or handle_re.search(low) or \
                any(i in low for i in ids if len(i) > 6):
            leaks.append(value)
    assert not leaks, leaks[:5]


def test_pseudonymised_corpus_keeps_the_structure(corpus, masked):
    m0, m1 = corpus.messages, masked.messages
    pairs = set(zip(m0["channel_id"], m1["channel_id"]))
    assert len(pairs) == m0["channel_id"].nunique() == m1["channel_id"].nunique(), \
        "one pseudonym per channel, one channel per pseudonym"
    mapping = dict(pairs)
    ch = masked.channels.set_index("channel_id")
    assert set(m1["channel_id"]) <= set(ch.index)
    # Every table agrees: a channel's messages carry its pseudonymous name.
    assert (m1["channel"].to_numpy() == ch.loc[m1["channel_id"], "name"].to_numpy()).all()
    fwd = m0["fwd_from_channel_id"].notna()
    assert (m1.loc[fwd, "fwd_from_channel_id"].to_numpy()
            == m0.loc[fwd, "fwd_from_channel_id"].map(mapping).to_numpy()).all()
    # The forward network is the same network, renamed.
    e0 = wb.network.forward_edges(m0)
    e1 = wb.network.forward_edges(m1)
    unresolved = {r.source for r in e0.itertuples() if not r.resolved}
    p = Pseudonymiser(SALT)
    rename = {**mapping, **{u: p.channel_id(u) for u in unresolved}}
    renamed = set(zip(e0["source"].map(rename), e0["target"].map(rename), e0["weight"]))
    assert renamed == set(zip(e1["source"], e1["target"], e1["weight"]))
    assert set(masked.channels.loc[~masked.channels["resolved"], "channel_id"]) == \
        {p.channel_id(u) for u in corpus.channels.loc[~corpus.channels["resolved"], "channel_id"]}
    assert len(masked.files) == len(corpus.files)
    assert (masked.files["sha256"] == corpus.files["sha256"]).all()


def test_pseudonymisation_differs_across_salts(corpus, masked):
    other = Pseudonymiser("a different salt")
    again = {other.channel_id(c) for c in corpus.channels["channel_id"]}
    assert not again & set(masked.channels["channel_id"])


# --- findings against the truth ------------------------------------------------------------

@pytest.fixture(scope="module")
def brief():
    return build_briefing(TELEGRAM, labels=LABELS, event="berlin-2016")


def _finding(brief, label: str) -> str:
    items = re.findall(r"<li>(.*?)</li>", brief.findings()._repr_html_(), re.DOTALL)
    found = [html_lib.unescape(re.sub(r"<[^>]+>", "", i)) for i in items if label in i]
    assert found, f"no finding containing {label!r}"
    return " ".join(found)


def test_findings_match_the_planted_truth(brief, truth, corpus):
    names = dict(zip(corpus.channels["channel_id"], corpus.channels["name"]))
    hubs = {names[c] for ids in truth["hubs"].values() for c in ids}
    hub_text = _finding(brief, "Hubs.")
    named = re.findall(r"(?:are |; and |; )([^;]+?)(?: \(@[^)]*\))?, (?:in|at|not) ",
                       hub_text)
    assert len(named) == 3 and set(named) <= hubs, named

    by_group = _finding(brief, "Surge.")
    rose = by_group.split("rose significantly in", 1)[1].split(";", 1)[0]
    for group in truth["groups"]:
        assert (group in rose) == (group in truth["surge"]["groups"]), (group, by_group)
    assert "did not change significantly in control" in by_group
    assert "a significant rise" in _finding(brief, "Surge.")
    assert re.search(r"starts a new regime on 19 Dec 2016 in aqap \(×[\d.]+\), "
                     r"news_network \(×[\d.]+\), official \(×[\d.]+\) and supporters", by_group)

    assert f"before the event is {truth['keyword']}:" in _finding(brief, "Keywords.")

    planted = {tuple(m) for c in truth["crosspost_clusters"] for m in c["members"]} | \
              {tuple(c["origin"]) for c in truth["crosspost_clusters"]}
    text = _finding(brief, "Cross-posting.")
    share = float(re.search(r"(\d+(?:\.\d)?) % of the messages", text).group(1)) / 100
    assert abs(share - len(planted) / len(corpus.messages)) < 0.03
    families = int(re.search(r"belong to ([\d,]+) families", text).group(1).replace(",", ""))
    assert abs(families - len(truth["crosspost_clusters"])) < 0.05 * families
    # The leader named is the group that, in the planted clusters both groups share, is
    # more often where the content started.
    follower, leader = re.search(r"families shared with (\w+), (\w+) posted first in",
                                 text).group(1, 2)
    pair = (leader, follower)
    group_of = {c["channel_id"]: c["group"] for c in truth["channels"]}
    firsts = {g: 0 for g in pair}
    for c in truth["crosspost_clusters"]:
        groups = {group_of.get(m[0]) for m in c["members"]} | {group_of.get(c["origin"][0])}
        if set(pair) <= groups:
            origin = group_of.get(c["origin"][0])
            if origin in firsts:
                firsts[origin] += 1
    assert leader == max(firsts, key=firsts.get), (pair, firsts)

    collect = _finding(brief, "Collect next.")
    expected = sorted(truth["unresolved_sources"], key=lambda s: -s["forwards"])
    assert f"{len(expected)} channels are forwarded" in collect
    named = re.findall(r"(?:forwarded: |; and |; )([^;]+?), forwarded", collect)
    assert [n.split(" (@")[0] for n in named] == [s["name"] for s in expected[:3]]


def test_briefing_parts_and_table(brief, truth, corpus):
    header = _text(brief.header())
    assert brief.title.startswith("Channel activity around the Berlin Christmas market attack")
    totals = f"{truth['totals']['messages']:,} messages from {len(truth['channels'])} channels"
    assert totals in header and "labels file channels.csv" in header
    table = brief.top_channels_table()._repr_html_()
    assert table.count("<tr>") == 1 + 15
    assert [f.__class__.__name__ for f in (brief.network_figure(), brief.volume_figure(),
            brief.keyword_figure(), brief.flows_figure(), brief.cascade_figure())] == \
        ["Figure"] * 5
    assert brief.cascade["channel_id"].nunique() >= 3
    assert brief.keyword_terms[0] == truth["keyword"]


def test_without_labels_or_event_groups_are_communities_and_the_rise_is_found(truth):
    brief = build_briefing(TELEGRAM)
    assert brief.groups_from == "communities"
    assert all(re.fullmatch(r"community around .+|channels without forwards", g)
               for g in brief.groups)
    header = _text(brief.header())
    assert "communities detected in the forward network (no labels file was given" in header
    assert "communities detected" in _text(brief.method())
    # No event: the briefing centres on the largest rise in volume, the planted surge.
    assert brief.event_detected
    assert brief.event["date"].strftime("%Y-%m-%d") == truth["surge"]["date"]
    assert "found by change-point detection" in header
    assert brief.keyword_terms[0] == truth["keyword"]


# --- bad parameters -----------------------------------------------------------------------

@pytest.fixture
def no_work(monkeypatch):
    """Fail if any analysis starts."""
    def refuse(*args, **kwargs):
        raise AssertionError("the analyses started although a parameter was bad")
    monkeypatch.setattr(wb.briefing._content.Briefing, "__init__", refuse)


def _service_only_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    export = {"name": "Quiet", "type": "public_channel", "id": 77, "messages": [
        {"id": 1, "type": "service", "date": "2016-10-01T10:00:00",
         "date_unixtime": "1475316000", "action": "create_channel", "actor": "Quiet"}]}
    (folder / "result.json").write_text(json.dumps(export), encoding="utf-8")
    return folder


@pytest.mark.parametrize("case, parameter, words", [
    (dict(event="atlantis-2016"), "event", ["unknown event", "berlin-2016"]),
    (dict(corpus="no/such/folder"), "corpus", ["no such file or folder"]),
    (dict(corpus="EMPTY"), "corpus", ["is empty"]),
    (dict(corpus="SERVICE_ONLY"), "corpus", ["holds no messages"]),
    (dict(event="manchester-2017"), "event", ["outside the corpus' dates", "2017-01-31"]),
    (dict(event="2018-03-01"), "event", ["outside the corpus' dates"]),
    (dict(labels=LABELS, groups=["officials"]), "groups", ["officials", "official"]),
    (dict(labels="no/such/labels.csv"), "labels", ["no such file"]),
    (dict(redact="anonymise"), "redact", ["pseudonymise"]),
    (dict(before="2W3h"), "before", ["whole days"]),
    (dict(after="-3D"), "after", ["positive"]),
    (dict(tz="Mars/Olympus"), "tz", ["not a time zone"]),
])
def test_bad_parameters_are_refused_before_any_work(case, parameter, words, tmp_path, no_work):
    case = dict(case)
    corpus = case.pop("corpus", TELEGRAM)
    if corpus == "EMPTY":
        corpus = tmp_path / "empty"
        corpus.mkdir()
    elif corpus == "SERVICE_ONLY":
        corpus = _service_only_export(tmp_path / "quiet")
    with pytest.raises(ParameterError) as info:
        build_briefing(corpus, **{"event": "berlin-2016", **case})
    assert info.value.parameter == parameter
    message = str(info.value)
    assert message.startswith(f"{parameter}: ")
    for word in words:
        assert word in message


def test_cli_names_the_option_and_prints_no_traceback(capsys, tmp_path):
    from workbench.cli import main

    out = tmp_path / "never.html"
    with pytest.raises(SystemExit) as info:
        main(["brief", "--corpus", str(TELEGRAM), "--event", "atlantis", "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench brief: error: --event: unknown event 'atlantis'")
    assert "Traceback" not in err and not out.exists()


def test_render_refuses_an_event_outside_the_data_naming_it(tmp_path):
    """Data-dependent checks run in the kernel, before any analysis; the error comes back
    as the same ParameterError, without papermill's traceback, and nothing is written."""
    out = tmp_path / "b.html"
    with pytest.raises(ParameterError) as info:
        render_briefing(TELEGRAM, labels=LABELS, event="manchester-2017", out=out)
    assert info.value.parameter == "event"
    assert "outside the corpus' dates" in str(info.value)
    assert "Traceback" not in str(info.value) and not out.exists()


def test_check_parameters_normalises():
    p = check_parameters(TELEGRAM, labels=LABELS, event="Berlin", groups="official",
                         terms=["begadon", "begadon"], redact="pseudonymize")
    assert p.event["key"] == "berlin-2016" and p.groups == ("official",)
    assert p.terms == ("begadon",) and p.redact == "pseudonymise"
    assert p.corpus_name == "telegram"
    assert "official" in p.label_groups


def test_committed_notebook_is_the_template():
    """notebooks/05-briefing.ipynb is the shipped template, executed: same cells, same tags,
    so what nbval checks is what ``workbench brief`` runs."""
    import nbformat

    def cells(path):
        nb = nbformat.read(path, as_version=4)
        return [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]

    template = wb.briefing.template_path()
    assert cells(template) == cells(ROOT / "notebooks" / "05-briefing.ipynb")
    nb = nbformat.read(template, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "parameters" in nb.cells[1].metadata["tags"]
    assert "notebook-only" in nb.cells[0].metadata["tags"]


# --- the rendered fixture briefing, from the command line of a non-editable install ---------

@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package installed (not editable) into a folder of its own, from a copy of the
    sources, so the template must come from package data."""
    base = tmp_path_factory.mktemp("install")
    src, site = base / "src", base / "site"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "workbench", src / "workbench",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
         "--target", str(site), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, \
        f"pip install failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert (site / "workbench" / "templates" / "briefing.ipynb").is_file(), \
        "the notebook template is not installed as package data"
    return site


@pytest.fixture(scope="module")
def rendered(installed, tmp_path_factory):
    """The fixture world's Berlin briefing, rendered by ``workbench brief`` run from an
    unrelated folder against the non-editable install."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = {**os.environ, "PYTHONPATH": str(installed), "WORKBENCH_PROGRESS": "0"}
    env.pop("WORKBENCH_FIXTURES", None)
    where = subprocess.run([sys.executable, "-c", "import workbench; print(workbench.__file__)"],
                           cwd=cwd, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(installed)), where.stdout
    script = installed / "bin" / "workbench"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "workbench.cli"]
    proc = subprocess.run(
        [*command, "brief", "--corpus", str(TELEGRAM), "--labels", str(LABELS), "--event",
         "Berlin", "--out", "out/briefing.html"], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = cwd / "out" / "briefing.html"
    assert path.is_file()
    return path, proc


def test_cli_reports_what_it_wrote(rendered):
    path, proc = rendered
    assert re.fullmatch(r"wrote out/briefing\.html \(\d+\.\d MB, 5 figures, \d+ s\)\n",
                        proc.stdout), proc.stdout
    assert "WARNING" not in proc.stderr and "Traceback" not in proc.stderr


def test_briefing_is_self_contained_and_offline(rendered):
    path, _ = rendered
    page = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 8 * 2**20
    import plotly.offline
    bundle = plotly.offline.get_plotlyjs()
    assert page.count(bundle) == 1, "plotly.js inlined exactly once"
    rest = _outside_bundle(page)
    assert rest.count("Plotly.newPlot(") == 5 == rest.count('class="plotly-graph-div wb-figure"')
    assert not re.search(r"<script[^>]+src\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert wb.briefing.external_references(rest) == []
    for absent in ("require.js", "requirejs", "MathJax", "mathjax", "mermaid", "cdnjs",
                   "unpkg", "jsdelivr", "widget-state", "jupyter-widgets", "@jupyter-widgets"):
        assert absent not in rest, absent
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    # No code: no input areas, no source of the template's cells.
    markup = _markup(page)
    for code in ('jp-InputArea-editor"', 'class="highlight', "build_briefing(",
                 "import workbench", "brief.findings()", "In&nbsp;[", "Out["):
        assert code not in markup, code


def test_briefing_has_every_section_in_order(rendered):
    path, _ = rendered
    rest = _markup(path.read_text(encoding="utf-8"))
    positions = [rest.index('<h1 class="wb-title">')]
    for heading in SECTIONS:
        match = re.search(r"<h2[^>]*>" + re.escape(html_lib.escape(heading, quote=False)), rest)
        assert match, heading
        positions.append(match.start())
    assert positions == sorted(positions)
    figures = [m.start() for m in re.finditer(r'class="plotly-graph-div wb-figure"', rest)]
    order = [positions[2], positions[3], positions[4], positions[5], positions[5]]
    assert all(f > o for f, o in zip(figures, order)) and figures[-1] < positions[6]
    assert "<title>Channel activity around the Berlin Christmas market attack" in rest
    assert "Generated " in rest and " UTC." in rest


def test_briefing_provenance_lists_every_input(rendered, corpus):
    path, _ = rendered
    rest = _markup(path.read_text(encoding="utf-8"))
    provenance = rest[rest.index("Provenance"):]
    for row in corpus.files.itertuples():
        assert row.sha256 in provenance and f"{row.size:,}" in provenance
        assert html_lib.escape(row.path) in provenance
    total = int(corpus.files["records"].sum())
    assert (f"{len(corpus.files)} input files, {total:,} records: {len(corpus.messages):,} "
            f"messages loaded, {len(corpus.service):,} service records, "
            f"{len(corpus.rejected):,} rejected") in provenance
    for name in ("pandas", "plotly", "networkx", "papermill", "nbconvert", "workbench"):
        assert f"<td>{name}</td>" in provenance
    assert "berlin-2016: Berlin Christmas market attack, 2016-12-19 19:02 UTC" in provenance
    assert str(ROOT) not in rest and "/tmp/" not in rest, "no local paths in the briefing"


def test_briefing_shows_data_escaped_and_links_defanged(rendered, corpus):
    path, _ = rendered
    rest = _markup(path.read_text(encoding="utf-8"))
    links = {u for us in corpus.messages["links"] for u in us if "://" in u}
    assert links
    for url in links:
        assert url not in rest, url
    assert "https://" not in rest and "http://" not in rest
    assert "hxxps://en[.]wikipedia[.]org" in rest
    for payload in ("<script>document", "<img src=x", "<svg onload", "javascript:alert"):
        assert payload not in rest
    assert rest.count("<script>") == 5, "one script per figure, nothing else"


# --- a second corpus: another event, two groups, pseudonymised ------------------------------

@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """A world whose surge follows Istanbul (31 Dec 2016), labels for two groups only,
    briefed on those two groups, pseudonymised with a known salt."""
    from workbench.synth import generate_world, write_fixtures

    folder = tmp_path_factory.mktemp("istanbul")
    world = generate_world(11, n_channels=24, surge_event="istanbul-2017", messages_scale=0.6)
    write_fixtures(world, folder)
    labels = pd.read_csv(folder / "channels.csv")
    labels[labels["group"].isin(["official", "supporters"])].to_csv(folder / "two.csv",
                                                                    index=False)
    result = render_briefing(folder / "telegram", labels=folder / "two.csv",
                             event="istanbul-2017", groups=["official", "supporters"],
                             redact="pseudonymise", salt=SALT, analyst="Desk <b>7</b>",
                             out=folder / "out" / "istanbul.html")
    return world.truth, result, labels


def test_second_corpus_renders_without_edits(second):
    truth, result, labels = second
    page = result.path.read_text(encoding="utf-8")
    rest = _markup(page)
    assert result.figures == 5 and result.size < 8 * 2**20
    text = _visible(page)
    assert "Channel activity around the Istanbul Reina nightclub attack (31 Dec 2016)" in text
    assert "Groups: only official and supporters" in text
    assert "rose significantly in" in text
    rose = text.split("rose significantly in", 1)[1].split("Change-point", 1)[0]
    assert re.search(r"official \(×\d\.\d\)", rose) and re.search(r"supporters \(×\d", rose)
    findings = text[:text.index("The channel network")]
    for other in ("news_network", "aqap", "control"):
        assert other not in findings
        assert f'"{other}"' not in rest and f">{other}<" not in rest, "not in figures or tables"
    assert f"before the event is {truth['keyword']}:" in text
    assert "Prepared by: Desk <b>7</b>" in text and "Desk <b>7</b>" not in rest
    # Channels outside the two groups appear nowhere (by their pseudonyms either).
    p = Pseudonymiser(SALT)
    outside = labels.loc[~labels["group"].isin(["official", "supporters"]), "channel_id"]
    assert len(outside) > 5
    for cid in outside:
        assert p.name_of(cid) not in rest


def test_pseudonymised_briefing_hides_names_and_the_salt(second):
    truth, result, labels = second
    page = result.path.read_text(encoding="utf-8")
    assert SALT not in page
    assert wb.briefing.SALT_ENV not in os.environ, "the salt does not linger in the environment"
    for channel in truth["channels"]:
        assert channel["name"] not in page and channel["handle"] not in page
        assert channel["channel_id"] not in page
    for source in truth["unresolved_sources"]:
        assert source["name"] not in page
    # The same pseudonym everywhere: the planted hubs' pseudonyms appear in the findings,
    # the top-channels table and the network figure's data.
    p = Pseudonymiser(SALT)
    rest = _markup(page)
    findings = rest[rest.index("Key findings"):rest.index("The channel network")]
    table = rest[rest.index("Top channels"):rest.index("Method and limitations")]
    network = rest[rest.index('id="wb-figure-1"'):rest.index('id="wb-figure-2"')]
    hubs = [c for g in ("official", "supporters") for c in truth["hubs"][g]]
    named = [h for h in hubs if p.name_of(h) in findings]
    assert named, "a planted hub is named (by its pseudonym) among the findings"
    for hub in hubs:
        assert p.name_of(hub) in table and p.name_of(hub) in network
    assert "Identifiers</b>: pseudonymised" in rest
