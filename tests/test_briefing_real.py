"""A briefing of real, label-less data, checked by the rules a reader relies on.

The corpus is built from the genuine samples in ``../shared/samples``: the 20 public channels
of ``telethon-real``, two genuine Telegram Desktop HTML exports and the twarc2 Twitter pages.
No labels, no event: the briefing must group by detected communities, find its own event and
still read as plain prose. The rules are checked on the fixture briefing too.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.briefing import build_briefing
from workbench.groups import MAX_GROUPS
from workbench.naming import display_name, display_names, natural_sorted

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
HTML_SAMPLES = ("golden-borodutch-channel-2017", "androidsecurity-channel-2022")

# Two briefings (about 17,000 real messages, and the fixtures): about a minute in all.
pytestmark = pytest.mark.slow


def build_real_corpus(samples: Path, folder: Path) -> Path:
    """A label-less corpus folder from the genuine samples (copies, never the originals)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted((samples / "telethon-real").glob("*.jsonl.gz")):
        shutil.copy(f, folder / f.name)
    for sub in HTML_SAMPLES:
        shutil.copytree(samples / "telegram-desktop-html" / sub, folder / sub)
    (folder / "twitter").mkdir()
    for f in sorted((samples / "twitter-v2").glob("*.jsonl")):
        shutil.copy(f, folder / "twitter" / f.name)
    return folder


@pytest.fixture(scope="module")
def real(samples, tmp_path_factory):
    folder = build_real_corpus(samples, tmp_path_factory.mktemp("real") / "corpus")
    return build_briefing(folder)


@pytest.fixture(scope="module")
def fixture_brief():
    return build_briefing(FIXTURES / "telegram", labels=FIXTURES / "channels.csv",
                          event="berlin-2016")


BRIEFS = ["real", "fixture_brief"]
NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"


def _text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))


def _items(brief) -> list[str]:
    html = brief.findings()._repr_html_()
    html = html.split("<details", 1)[0]
    return re.findall(r"<li>(.*?)</li>", html, re.DOTALL)


def _sentences(item: str) -> list[str]:
    """An item's sentences (HTML kept), split after a full stop outside bold names."""
    # Bold names may hold full stops ("J.A.R.V.I.S."): mask them while splitting.
    names = re.findall(r"<b>.*?</b>", item)
    masked = re.sub(r"<b>.*?</b>", "\0", item)
    out = []
    for part in re.split(r"(?<=\.)\s+(?=[A-Z\0<])", masked):
        while "\0" in part:
            part = part.replace("\0", names.pop(0), 1)
        out.append(part)
    return out


@pytest.mark.parametrize("which", BRIEFS)
def test_no_number_that_is_not_a_number(which, request):
    brief = request.getfixturevalue(which)
    text = " ".join(_text(i) for i in _items(brief)) + _text(brief.header()._repr_html_())
    for token in ("inf", "nan", "n/a"):
        assert not re.search(rf"(?<![\w/]){re.escape(token)}(?![\w/])", text, re.IGNORECASE), \
            (token, text)
    assert "×0.0" not in text and "p n/a" not in text


@pytest.mark.parametrize("which", BRIEFS)
def test_each_entity_once_per_sentence(which, request):
    brief = request.getfixturevalue(which)
    for item in _items(brief):
        assert "<b></b>" not in item, "no empty name"
        for sentence in _sentences(item):
            names = [_text(n) for n in re.findall(r"<b>(.*?)</b>", sentence)]
            names = [n for n in names if not n.endswith(".")  # the topic word
                     or n not in ("Hubs.", "Surge.", "Keywords.", "Cross-posting.",
                                  "Collect next.")]
            repeated = {n for n in names if names.count(n) > 1}
            assert not repeated, (repeated, _text(sentence))
            # A group or channel is not named again inside another name either.
            plain = _text(re.sub(r"<b>.*?</b>", "", sentence))
            for n in set(names):
                if len(n) > 6:
                    assert n not in plain, (n, _text(sentence))


def test_real_groups_are_few_named_after_hubs_in_one_order(real):
    assert real.groups_from == "communities"
    assert len(real.groups) <= MAX_GROUPS
    header = _text(real.header()._repr_html_())
    scope = header.split("Groups:", 1)[1].split("Event:", 1)[0]
    for g in real.groups:
        assert g in scope
    # Past the cap, the rest are folded and the count says how many.
    n_found = real.corpus.messages["group"].nunique()
    assert n_found <= MAX_GROUPS
    if real.folded:
        assert f"other groups ({real.folded})" in real.groups
    assert not any(re.fullmatch(r"community \d+", g) for g in real.groups), \
        "detected communities are named after their hub, not numbered"
    for g in real.groups:
        assert g.startswith("community around ") or g in (
            "channels without forwards") or g.startswith("other groups (")
    bold = {_text(b) for i in _items(real) for b in re.findall(r"<b>(.*?)</b>", i)}
    assert {b for b in bold if b.startswith("community around")} <= set(real.groups)
    # Legends in natural order.
    vol = real.volume_figure()
    legend = [t.name for t in vol.data if t.showlegend is not False and t.name]
    legend = [n for n in legend if n in real.groups]
    assert legend == natural_sorted(legend)
    fig = real.network_figure()
    nodes = [t.name for t in fig.data if t.name not in ("edges", "edge hover")]
    named_nodes = [n for n in nodes if n != "(none)"]
    assert named_nodes == natural_sorted(named_nodes)


def test_one_display_rule_for_channels(real, fixture_brief):
    for brief in (real, fixture_brief):
        shown = set(display_names(brief.corpus.channels).values())
        shown |= {display_name(r["name"], r["handle"], r["channel_id"])
                  for _, r in brief.candidates.iterrows()}
        shown |= {display_name(d.get("name"), d.get("handle"), n)
                  for n, d in brief.graph.nodes(data=True)}
        hubs = [i for i in _items(brief) if i.startswith("<b>Hubs.</b>")
                or i.startswith("<b>Collect next.</b>")]
        for item in hubs:
            for name in re.findall(r"<b>(.*?)</b>", item)[1:]:
                assert html_lib.unescape(name) in {wb.briefing.defang_text(s) for s in shown} \
                    | shown, name
        table = _text(brief.top_channels_table()._repr_html_())
        for cid in brief.centrality.head(brief.params.top).index:
            assert brief.display(cid) in table
        if brief.cascade is not None:
            assert list(brief.cascade["channel"]) == [brief.display(c)
                                                      for c in brief.cascade["channel_id"]]
            assert all(brief.cascade["channel"].str.len() > 0)
        # The network's hover names follow the same rule.
        for n, d in brief.graph.nodes(data=True):
            assert d["name"] == brief.display(n)


def test_spaced_out_names_are_cleaned_for_display_only(real):
    assert display_name("N i d a l", None) == "Nidal"
    ch = real.corpus.channels.copy()
    ch.loc[ch.index[0], "name"] = "N i d a l"
    assert display_names(ch)[ch["channel_id"].iloc[0]] == "Nidal"
    assert ch.loc[ch.index[0], "name"] == "N i d a l", "the data keep the name as written"


def test_tiny_baselines_as_counts_and_untested_groups_as_limitations(real):
    s = real.window.summary
    findings = " ".join(_text(i) for i in _items(real))
    method = _text(real.method()._repr_html_())
    for _, r in s.iterrows():
        g = r["group"]
        if g not in findings.split("By group", 1)[-1].split("Change-point", 1)[0]:
            assert g in method and "not tested" in method, g
    # A ratio is only ever printed over a baseline of at least one message a day.
    for g, ratio in re.findall(r"([^;,()]+?) \(×(\d+\.\d)", findings):
        row = s[s["group"] == g.strip()]
        if len(row):
            assert row["pre_mean"].iloc[0] >= 1, (g, ratio)


@pytest.mark.parametrize("which", BRIEFS)
def test_every_number_in_the_findings_is_in_the_facts_table(which, request):
    brief = request.getfixturevalue(which)
    html = brief.findings()._repr_html_()
    assert "The numbers behind these findings" in html
    assert "&amp;lt;" not in html  # a value escaped twice reads "p &lt; 0.001"
    table = _text(html.split("<details", 1)[1])
    table_numbers = set(re.findall(NUMBER, table))
    for item in _items(brief):
        # Names (bold) may hold digits; the event's name is the title's.
        body = _text(re.sub(r"<b>.*?</b>", "", item))
        for number in re.findall(NUMBER, body):
            assert number in table_numbers, (number, body)


def test_network_figure_within_its_node_cap(real):
    from workbench.plots import TOP_SOURCES
    collected = sum(1 for _, d in real.graph.nodes(data=True) if d.get("resolved", True))
    fig = real.network_figure()
    assert fig.layout.meta["nodes"] <= collected + TOP_SOURCES
    uncollected = real.graph.number_of_nodes() - collected
    if uncollected > TOP_SOURCES:
        assert "left out" in fig.layout.title.text


def test_explorer_offers_core_and_top_sources(corpus):
    from workbench import network
    edges = network.forward_edges(corpus.messages)
    outside = edges[~edges["resolved"].astype(bool)].groupby("source")["weight"].sum()
    assert len(outside) > 2, "the fixtures forward more than two uncollected sources"
    top = set(outside.sort_values(ascending=False, kind="stable").index[:2])
    explorer = wb.widgets.network_explorer(corpus, sources=2)
    shown = {n for n, d in explorer.graph.nodes(data=True) if d.get("resolved", True) is False}
    assert shown == top
    assert "left out" in explorer.figure.layout.title.text
    explorer.update(sources=None)
    everything = {n for n, d in explorer.graph.nodes(data=True)
                  if d.get("resolved", True) is False}
    assert everything == set(outside.index)


def test_open_corpus_groups_a_label_less_corpus_so_by_group_runs(samples, tmp_path):
    folder = tmp_path / "telethon"
    folder.mkdir()
    for f in sorted((samples / "telethon-real").glob("*.jsonl.gz"))[:6]:
        shutil.copy(f, folder / f.name)
    plain = wb.load(folder, progress=False)
    assert "group" not in plain.channels or plain.channels["group"].isna().all()
    with pytest.warns(wb.errors.WorkbenchWarning, match="no group labels"):
        corpus = wb.open_corpus(folder)
    assert corpus.messages["group"].notna().all()
    assert corpus.messages["group"].nunique() <= MAX_GROUPS
    volume = wb.timeline.message_volume(corpus.messages, by="group")
    assert set(volume.columns) == set(corpus.messages["group"].unique())
    assert len(corpus.messages) == len(plain.messages), "nothing lost or added"


def test_without_any_forward_each_channel_is_a_group(corpus):
    from workbench.groups import assign_groups
    m = corpus.messages.drop(columns="group").assign(
        fwd_from_channel_id=pd.NA, fwd_from_name=pd.NA).astype(
        {"fwd_from_channel_id": "string", "fwd_from_name": "string"})
    ch = corpus.channels.drop(columns="group")
    plain = wb.Corpus(m, ch[ch["channel_id"].isin(m["channel_id"])].reset_index(drop=True))
    grouped, source, _, folded = assign_groups(plain, labels_given=False, seed=0)
    assert source == "channels"
    shown = set(display_names(plain.channels).values())
    groups = set(grouped.messages["group"])
    assert len(groups) == MAX_GROUPS and folded == m["channel_id"].nunique() - (MAX_GROUPS - 1)
    assert groups - shown == {f"other groups ({folded})"}
