"""workbench.text: the one text normaliser (keywords and shingles levels) and the display
helpers (escape, shorten; defang comes from workbench.links)."""

import math
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import text
from workbench.errors import ParameterError
from workbench.text import defang, escape, normalise_text, normalise_texts, shorten

PAYLOADS = ["<script>document.title='pwned'</script>", "<img src=x onerror=alert(1)>",
            '"><svg onload=alert(1)>']


def test_escape_leaves_no_markup():
    for payload in PAYLOADS:
        out = escape(payload)
        assert "<" not in out and ">" not in out and '"' not in out
    assert escape(pd.NA) == "" and escape(float("nan")) == ""


def test_defang_breaks_every_link_form():
    assert defang("https://t.me/handle/12") == "hxxps://t[.]me/handle/12"
    assert defang("HTTP://Example.com/a.b?x=1") == "HxxP://Example[.]com/a.b?x=1"
    assert defang("t.me/s/handle") == "t[.]me/s/handle"
    assert defang("javascript:alert(1)") == "javascript[:]alert(1)"
    for url in ["https://t.me/x", "javascript:alert(1)", "www.example.org/path"]:
        out = defang(url)
        assert "://" not in out or out.startswith("hxxp")
        assert ".me/" not in out and ".org/" not in out


def test_shorten():
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
    assert shorten("short  text\n", 10) == "short text"
    assert shorten(None) == ""


# --- normalisation: one normaliser, two levels ----------------------------------------------

def kw(value):
    return normalise_text(value, level="keywords")


def sh(value):
    return normalise_text(value, level="shingles")


# (input, keywords level, shingles level), worked out by hand from the module notes.
CASES = [
    # Arabic: harakat and shadda out, hamza on alef out, teh marbuta -> heh
    ("الدَّوْلَةُ الإِسْلَامِيَّةُ!", "الدوله الاسلاميه!", "الدوله الاسلاميه"),
    ("أمير آمن إعلان ٱلعيد", "امير امن اعلان العيد", "امير امن اعلان العيد"),
    ("مستشفى، على", "مستشفي، علي", "مستشفي علي"),            # alef maksura -> yeh
    ("عـــيد", "عيد", "عيد"),                                 # tatweel
    ("ﻻ ﷲ", "لا الله", "لا الله"),                            # presentation forms
    ("٢٠١٦", "2016", "2016"),                                 # Arabic-Indic digits
    # Urdu: keheh -> kaf, choti yeh and yeh barree -> yeh, heh goal and do-chashmi -> heh,
    # teh marbuta goal -> heh; peh, retroflexes and noon ghunna stay
    ("پاکستان", "پاكستان", "پاكستان"),
    ("یہ ہے۔", "يه هي۔", "يه هي"),
    ("بھائی", "بهايي", "بهايي"),                              # yeh with hamza: hamza out
    ("زکوٰۃ", "زكوه", "زكوه"),                                # superscript alef out
    ("ٹوٹا ڈنڈا بڑا ہاں", "ٹوٹا ڈنڈا بڑا هاں", "ٹوٹا ڈنڈا بڑا هاں"),
    # Persian: zero-width non-joiner out, ezafe (heh + hamza, heh with yeh above) -> heh,
    # Persian digits
    ("کتاب\u200cهای ما ۱۳۹۵", "كتابهاي ما 1395", "كتابهاي ما 1395"),
    ("خانهٔ خانۀ", "خانه خانه", "خانه خانه"),
    # Latin with diacritics, mixed case, sharp s, Greek final sigma, ligatures, full width
    ("Crème  Brûlée, Ñandú!", "creme  brulee, nandu!", "creme brulee nandu"),
    ("ISIS Daesh DAESH داعش", "isis daesh daesh داعش", "isis daesh daesh داعش"),
    ("Straße ΟΔΟΣ ﬁnal ＥＩＤ", "strasse οδοσ final eid", "strasse οδοσ final eid"),
    # Cyrillic: diaeresis and breve are marks like any other
    ("Ёлка — ЙОД", "елка — иод", "елка иод"),
    # zero-width and direction characters, keycap frames, emoji
    ("e\u200bi\u200cd\u200d\u2060\ufeff a\u200fb\u202ec", "eid abc", "eid abc"),
    ("1\ufe0f\u20e3 news 🔥", "1 news 🔥", "1 news"),
    # what only the shingles level removes: links, hashtags, mentions, punctuation, spacing
    ("Eid! #Eid @amaq_agency https://T.me/X  ", "eid! #eid @amaq_agency https://t.me/x  ",
     "eid"),
]


@pytest.mark.parametrize("raw, keywords, shingles", CASES)
def test_normalise_text_levels_by_hand(raw, keywords, shingles):
    assert kw(raw) == keywords
    assert sh(raw) == shingles
    assert normalise_text(raw) == keywords  # the default level


# Each Arabic-script variant and the letter it becomes, at both levels (the two old
# normalisers disagreed on the Urdu ones).
VARIANTS = {
    "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d2": "\u064a", "\u06d3": "\u064a",
    "\u0626": "\u064a", "\u0624": "\u0648",
    "\u0629": "\u0647", "\u06c3": "\u0647", "\u06c0": "\u0647", "\u06c1": "\u0647",
    "\u06c2": "\u0647", "\u06be": "\u0647", "\u06d5": "\u0647",
    "\u06a9": "\u0643",
}


@pytest.mark.parametrize("variant, letter", sorted(VARIANTS.items()))
def test_letter_variants_fold_alike_at_both_levels(variant, letter):
    assert kw(variant) == sh(variant) == letter
    assert kw("ب" + variant + "ب") == sh("ب" + variant + "ب") == "ب" + letter + "ب"


@pytest.mark.parametrize("letter", list("پچژگٹڈڑںگ"))
def test_distinct_letters_are_kept(letter):
    assert kw(letter) == sh(letter) == letter


def test_nulls_and_levels():
    for null in (None, pd.NA, math.nan):
        assert kw(null) == "" and sh(null) == ""
    assert kw(12) == "12" and sh(12) == ""
    with pytest.raises(ParameterError, match="level='words'"):
        normalise_text("x", level="words")


def test_old_entry_points_are_the_one_normaliser_at_their_level():
    samples = [raw for raw, _, _ in CASES] + [None, "", "  ", "ٱلعيد و۲۰۱۷ ＃وسم #tag"]
    assert wb.timeline.normalise_text is text.normalise_text
    assert wb.crosspost.normalise_texts is text.normalise_texts
    for raw in samples:
        assert wb.timeline.normalise_text(raw) == kw(raw)
        assert wb.crosspost.normalise_text(raw) == sh(raw)
    codes, offsets = normalise_texts(samples)
    decoded = [codes[a:b].tobytes().decode("utf-32-le") for a, b in zip(offsets, offsets[1:])]
    assert decoded == [sh(raw) for raw in samples]


def _squash(value: str) -> str:
    """Punctuation, symbols, separators and controls as spaces, runs collapsed, ends trimmed."""
    return " ".join("".join(" " if unicodedata.category(c)[0] in "PSZC" else c
                            for c in value).split())


# Letters, marks, digits, punctuation and invisible characters of the scripts we read; no
# characters that start a link, hashtag or mention (those the shingles level removes).
_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Zs", "Cc", "Cf"),
    exclude_characters=".:/@#\uff03\ufe6b\uff0e\uff0f\uff1a\u2024\u2025\u2026",
    max_codepoint=0x06FF,
) | st.sampled_from(["\u200b", "\u200c", "\u200d", "\u200f", "\u2060", "\ufeff", "\u0640",
                     "\u00a0", "\u20e3", "\ufe0f"])


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=30))
def test_the_levels_differ_only_in_what_shingles_removes(raw):
    assert sh(raw) == _squash(kw(raw))


# --- bidirectional controls ------------------------------------------------------------------

FSI, PDI, PDF, RLO, LRI = "\u2068", "\u2069", "\u202c", "\u202e", "\u2066"


@pytest.mark.parametrize("raw, shown", [
    ("plain name", "plain name"),                                  # untouched, byte for byte
    (f"abc{RLO}gnp.exe", f"{FSI}abc{RLO}gnp.exe{PDF}{PDI}"),       # open override closed
    (f"a{RLO}b{PDF}c", f"{FSI}a{RLO}b{PDF}c{PDI}"),                # balanced: only wrapped
    (f"x{PDI}{RLO}y", f"{FSI}x{RLO}y{PDF}{PDI}"),                  # stray PDI cannot close FSI
    (f"{PDF}x", f"{FSI}x{PDI}"),                                   # stray PDF dropped
    (f"{LRI}a{RLO}b", f"{FSI}{LRI}a{RLO}b{PDF}{PDI}{PDI}"),        # nested, closed in order
    (f"{LRI}a{RLO}b{PDI}c", f"{FSI}{LRI}a{RLO}b{PDI}c{PDI}"),      # PDI closes the override
    ("\u200fmark", f"{FSI}\u200fmark{PDI}"),                      # marks: wrapped only
])
def test_isolate_bidi_by_hand(raw, shown):
    assert text.isolate_bidi(raw) == shown
    assert escape(raw) == shown


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab<&\u202a\u202b\u202c\u202d\u202e"
                                               "\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))))
def test_escaped_bidi_is_always_balanced(raw):
    out = escape(raw)
    # Replay UAX #9 matching: every closer matches an opener and nothing stays open.
    stack = []
    for ch in out:
        if ch in "\u202a\u202b\u202d\u202e":
            stack.append("E")
        elif ch in "\u2066\u2067\u2068":
            stack.append("I")
        elif ch == PDF:
            assert stack and stack[-1] == "E"
            stack.pop()
        elif ch == PDI:
            assert "I" in stack
            while stack.pop() != "I":
                pass
    assert not stack
    if any(ch in raw for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
           "\u200e\u200f\u061c"):
        assert out.startswith(FSI) and out.endswith(PDI)
    else:
        assert out == escape(raw.replace("\u2068", ""))  # nothing added


def test_plot_labels_and_hover_isolate_bidi_names():
    import networkx as nx

    G = nx.DiGraph(kind="forward")
    G.add_node("telegram:1", name=f"ok{RLO}gnp.exe")
    G.add_node("telegram:2", name="plain")
    G.add_edge("telegram:1", "telegram:2", weight=2)
    fig = wb.plots.plot_network(G, labels=2)
    shown = [str(v) for trace in fig.data for field in ("text", "hovertext")
             for v in (getattr(trace, field, None) or ()) if RLO in str(v)]
    assert shown
    assert all(FSI in v and PDI in v for v in shown)


# --- files handed to other programs -----------------------------------------------------------

@pytest.mark.parametrize("raw, out", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
    ("a=b", "a=b"), ("Amaq", "Amaq"), ("", ""),
    (-2, -2), (-2.5, -2.5), (None, None),
])
def test_neutralise_formula(raw, out):
    assert text.neutralise_formula(raw) == out


def test_neutralise_formulas_keeps_numbers_and_copies():
    frame = pd.DataFrame({"=name": ["=1+1", "ok", None], "weight": [-1, 2, 3],
                          "share": [-0.5, 0.1, float("nan")],
                          "group": pd.Categorical(["-x", "y", "-x"])})
    out = text.neutralise_formulas(frame)
    assert list(out.columns) == ["'=name", "weight", "share", "group"]
    assert out["'=name"].tolist()[:2] == ["'=1+1", "ok"]
    assert out["weight"].tolist() == [-1, 2, 3] and out["weight"].dtype == frame["weight"].dtype
    assert out["share"].iloc[0] == -0.5
    assert out["group"].tolist() == ["'-x", "y", "'-x"]
    assert frame["=name"].iloc[0] == "=1+1"  # input untouched


def test_csv_export_keeps_negative_weights_numbers(tmp_path):
    import networkx as nx

    G = nx.DiGraph()
    G.add_edge("-a", "=b", weight=-2)
    nodes, edges = wb.network.write_graph(G, tmp_path / "net.csv")
    back = pd.read_csv(edges)
    assert back["Weight"].tolist() == [-2]
    assert back[["Source", "Target"]].values.tolist() == [["'-a", "'=b"]]
    assert pd.read_csv(nodes)["Id"].tolist() == ["'-a", "'=b"]


@pytest.mark.parametrize("suffix", ["gexf", "graphml"])
def test_xml_exports_read_back_with_visible_escapes(tmp_path, suffix):
    import networkx as nx

    G = nx.DiGraph()
    G.add_node("telegram:name:nul\x00", name="bell\x07name", **{"lab\x01": "x\ufffe"})
    G.add_edge("telegram:name:nul\x00", "telegram:2", weight=1, note="esc\x1b")
    (path,) = wb.network.write_graph(G, tmp_path / f"net.{suffix}")
    back = nx.read_gexf(path) if suffix == "gexf" else nx.read_graphml(path)
    node = back.nodes["telegram:name:nul\\x00"]
    assert node["label"] == "bell\\x07name"
    assert node["lab\\x01"] == "x\\ufffe"
    assert back.edges["telegram:name:nul\\x00", "telegram:2"]["note"] == "esc\\x1b"


def test_xml_safe_node_ids_must_stay_distinct(tmp_path):
    import networkx as nx

    G = nx.Graph()
    G.add_edge("a\x07", "a\\x07")
    with pytest.raises(ParameterError, match="node ids"):
        wb.network.write_graph(G, tmp_path / "net.gexf")


def test_briefing_table_cells_isolate_bidi():
    from workbench.briefing._html import html_table

    out = html_table(pd.DataFrame({"channel": [f"ok{RLO}gnp.exe", "plain"]}))
    assert f"<td>{FSI}ok{RLO}gnp.exe{PDF}{PDI}</td>" in out
    assert "<td>plain</td>" in out
