"""Telegram Desktop HTML exports: genuine pages checked field by field against the raw HTML
(read here with plain regular expressions, not with the reader), synthetic exports against
the Desktop JSON export of the same world, and hand-written pages for each quirk."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import FormatError, LoadError, ParameterError, WorkbenchWarning
from workbench.io import desktop_html
from workbench.io.detect import detect
from workbench.synth import generate_world, write_fixtures
from workbench.synth._html import write_desktop_html

HTML = "telegram-desktop-html"
GOLDEN = "golden-borodutch-channel-2017"
TGNIZE = "tgnize-group-2017"
ANDROID = "androidsecurity-channel-2022"


# --------------------------------------------------------------------------------------------
# An independent, simple reading of Desktop's pages: one regex per field
# --------------------------------------------------------------------------------------------
_BLOCK = re.compile(r'<div class="(message [^"]*)" id="message(-?\d+)">')


def blocks(page: str) -> list[dict]:
    """Every message element of a page with its raw fields, by string search."""
    starts = [(m.start(), m.group(1).split(), int(m.group(2))) for m in _BLOCK.finditer(page)]
    found = []
    for i, (pos, classes, mid) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(page)
        block = page[pos:end]
        outer, marker, forwarded = block.partition('class="forwarded body"')
        rec = {"id": mid, "service": "service" in classes, "joined": "joined" in classes,
               "forwarded": bool(marker), "line": page.count("\n", 0, pos) + 1}
        title = re.search(r'class="pull_right date details" title="([^"]+)"', block)
        rec["title"] = title.group(1) if title else None
        sender = re.search(r'<div class="from_name">\n(.*?)\n *</div>', outer, re.S)
        rec["sender"] = plain(sender.group(1)).strip() if sender else None
        fwd = re.search(r'<div class="from_name">\n([^<]*)<span class="(?:date )?details"'
                        r'(?: title="([^"]*)")?>([^<]*)</span>', forwarded)
        rec["fwd_name"] = html.unescape(fwd.group(1)).strip() if fwd else None
        rec["fwd_when"] = (fwd.group(2) or fwd.group(3).strip()) if fwd else None
        text = re.search(r'<div class="text">\n(.*?)\n *</div>', block, re.S)
        rec["text"] = plain(text.group(1)) if text else None
        signature = re.search(r'<div class="signature details">\n(.*?)\n *</div>', block, re.S)
        rec["signature"] = plain(signature.group(1)).strip() if signature else None
        reply = re.search(r'<div class="reply_to details">(.*?)</div>', block, re.S)
        target = re.search(r"GoToMessage\((\d+)\)|go_to_message(\d+)", reply.group(1)) \
            if reply else None
        rec["reply_to"] = int(target.group(1) or target.group(2)) if target else None
        rec["hashtags"] = re.findall(r'ShowHashtag\(&quot;(.*?)&quot;\)', block)
        rec["media_title"] = [plain(t).strip() for t in re.findall(
            r'<div class="title bold">\n(.*?)\n *</div>', block, re.S)]
        body = re.search(r'<div class="body details">\n(.*?)\n *</div>', block, re.S)
        rec["service_text"] = " ".join(plain(body.group(1)).split()) if body else None
        found.append(rec)
    return found


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


def utc(title: str, tz_minutes: int = 0) -> pd.Timestamp:
    """A Desktop date title as a UTC instant (``tz_minutes``: the offset when it has none)."""
    m = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)(?: UTC([+-])(\d\d):(\d\d))?",
                     title.strip())
    assert m, title
    d, mo, y, h, mi, s = (int(g) for g in m.groups()[:6])
    local = pd.Timestamp(year=y, month=mo, day=d, hour=h, minute=mi, second=s)
    offset = tz_minutes
    if m.group(7):
        offset = (int(m.group(8)) * 60 + int(m.group(9))) * (-1 if m.group(7) == "-" else 1)
    return (local - pd.Timedelta(minutes=offset)).tz_localize("UTC")


def without_via(name: str | None) -> str | None:
    return re.sub(r"\s+via @\w+$", "", name) if name else name


def load_quiet(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(path, **kwargs)
    return corpus, [str(w.message) for w in caught if issubclass(w.category, WorkbenchWarning)]


def sample(samples: Path, name: str) -> Path:
    return samples / "telegram-desktop-html" / name


def value(x):
    return None if x is None or x is pd.NA or (isinstance(x, float) and x != x) or x is pd.NaT \
        else x


# --------------------------------------------------------------------------------------------
# Genuine pages
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def golden(samples):
    path = sample(samples, GOLDEN)
    corpus, caught = load_quiet(path)
    raw = blocks((path / "messages.html").read_text(encoding="utf-8"))
    return corpus, caught, raw


def test_golden_counts(golden):
    corpus, caught, raw = golden
    messages = [r for r in raw if not r["service"]]
    assert len(messages) == 998 and sum(r["joined"] for r in messages) == 120
    assert len(raw) - len(messages) == 228
    m = corpus.messages
    assert len(m) == 998 and len(corpus.service) == 228 and len(corpus.rejected) == 0
    assert sorted(m["message_id"]) == sorted(r["id"] for r in messages)
    assert sorted(corpus.service["message_id"]) == sorted(r["id"] for r in raw if r["service"])
    separators = corpus.service[corpus.service["message_id"] < 0]
    assert len(separators) == 226 and (separators["action"] == "day_separator").all()
    assert int(m["fwd_from_name"].notna().sum()) == 24 == sum(r["forwarded"] for r in messages)
    # the export is page 1 of 5 and the others are not there: said, not hidden
    assert any("messages2.html" in w and "not there" in w for w in caught)
    files = corpus.files.iloc[0]
    assert (files["records"], files["loaded"], files["service"]) == (1226, 998, 228)
    assert files["format"] == HTML


def test_golden_channel(golden):
    corpus, _, _ = golden
    ch = corpus.channels.set_index("channel_id").loc["telegram:name:золото бородача"]
    assert ch["name"] == "Золото Бородача" and ch["kind"] == "channel" and not ch["resolved"]
    assert (corpus.messages["channel_id"] == "telegram:name:золото бородача").all()


def test_golden_every_message_field_by_field(golden):
    corpus, _, raw = golden
    m = corpus.messages.set_index("message_id")
    checked = 0
    for r in raw:
        if r["service"]:
            continue
        row = m.loc[r["id"]]
        assert row["date"] == utc(r["title"]), r["id"]
        assert value(row["text"]) == (r["text"] if r["text"] and r["text"].strip() else None)
        assert value(row["author"]) == r["signature"]  # a channel: the signature
        assert value(row["reply_to"]) == r["reply_to"]
        if r["forwarded"]:
            assert row["fwd_from_name"] == without_via(r["fwd_name"]), r["id"]
            assert row["fwd_from_date"] == utc(r["fwd_when"]), r["id"]
        else:
            assert value(row["fwd_from_name"]) is None and value(row["fwd_from_date"]) is None
        # hashtag links first (as the JSON reader takes entities first), then the text's own
        tagged = list(dict.fromkeys(r["hashtags"]))
        assert row["hashtags"][: len(tagged)] == tagged
        # the line its element starts on, counted from 1
        assert row["source"] == f"{GOLDEN}/messages.html#{r['line']}"
        checked += 1
    assert checked == 998


def test_golden_hand_checked_messages(golden):
    corpus, _, _ = golden
    m = corpus.messages.set_index("message_id")
    # message3: "13.05.2017 15:28:10 UTC-08:00" is 23:28:10 UTC
    assert m.loc[3, "date"] == pd.Timestamp("2017-05-13 23:28:10", tz="UTC")
    assert m.loc[3, "text"].startswith("Первая запись, и сразу же начнем")
    assert "\n\nЗакрываю я ее потому" in m.loc[3, "text"]  # <br><br>
    # message4: joined, a photo not included in the export (no file name)
    assert m.loc[4, "media_type"] == "photo" and value(m.loc[4, "media_name"]) is None
    assert value(m.loc[4, "text"]) is None
    # message26: forwarded from a person with the newer header, a 25 s video message
    assert m.loc[26, "fwd_from_name"] == "Nikita 🐋 Kolmogorov"
    assert m.loc[26, "fwd_from_date"] == pd.Timestamp("2017-05-20 03:44:34", tz="UTC")
    assert (m.loc[26, "media_type"], m.loc[26, "media_duration"]) == ("video_message", 25)
    # documents keep their file names; signatures are the post's author
    assert set(m.loc[m["media_type"] == "document", "media_name"]) == {
        "lineapp.pdf", "TON.pdf", "TON Paper.pdf",
        "00100sPORTRAIT_00100_BURST20171027091346666_COVER.jpg"}
    assert m["author"].value_counts().to_dict()["J.A.R.V.I.S."] == 348
    assert m["media_type"].value_counts().to_dict() == {
        "photo": 135, "sticker": 5, "document": 4, "video_message": 4, "video_file": 2,
        "animation": 1}
    mentioning = m[m["text"].fillna("").str.contains("@borodutcher", regex=False)]
    assert len(mentioning) and all("borodutcher" in x for x in mentioning["mentions"])


def test_golden_service_records(golden):
    corpus, _, raw = golden
    svc = corpus.service.set_index("message_id")
    assert svc.loc[1, "action"] == "create_channel"
    assert svc.loc[1, "text"] == "Channel «Золото Бородача» created"
    assert svc.loc[-1, "text"] == "13 May 2017"
    # the separator's day starts at local midnight, UTC-08:00 as the next message says
    assert svc.loc[-1, "date"] == pd.Timestamp("2017-05-13 08:00", tz="UTC")
    texts = {r["id"]: r["service_text"] for r in raw if r["service"]}
    assert svc["text"].to_dict() == texts


@pytest.fixture(scope="module")
def tgnize(samples):
    path = sample(samples, TGNIZE)
    corpus, caught = load_quiet(path)
    pages = [blocks((path / name).read_text(encoding="utf-8"))
             for name in ("messages.html", "messages2.html")]
    return corpus, caught, pages


def test_tgnize_two_pages_counts(tgnize):
    corpus, caught, pages = tgnize
    raw = pages[0] + pages[1]
    messages = [r for r in raw if not r["service"]]
    assert len(messages) == 1986 and sum(r["joined"] for r in messages) == 536
    assert len(corpus.messages) == 1986 and len(corpus.rejected) == 0
    assert len(corpus.service) == 19 == len(raw) - len(messages)
    replies = corpus.messages["reply_to"].notna().sum()
    assert replies == 784 == sum(r["reply_to"] is not None for r in messages)
    assert (corpus.service["message_id"] < 0).sum() == 5
    # one warning for the export's missing offsets, naming both pages
    offsets = [w for w in caught if "no UTC offset" in w]
    assert len(offsets) == 1 and "messages.html (and 1 following page)" in offsets[0]
    # the pages are read as one export, in order: the first page's row counts both
    files = corpus.files.set_index("path")
    assert files.loc[f"{TGNIZE}/messages.html", "records"] == 2005
    assert files.loc[f"{TGNIZE}/messages2.html", "records"] == 0
    page2 = corpus.messages["source"].str.contains("/messages2.html#", regex=False)
    assert page2.sum() == sum(not r["service"] for r in pages[1])
    kind = corpus.channels.set_index("channel_id").loc["telegram:name:devs chat", "kind"]
    assert kind == "supergroup"  # "converted a basic group to this supergroup"


def test_tgnize_joined_messages_belong_to_the_previous_sender(tgnize):
    corpus, _, pages = tgnize
    m = corpus.messages.set_index("message_id")
    sender = None
    for r in pages[0] + pages[1]:
        if r["service"]:
            continue
        if not r["joined"]:
            sender = without_via(r["sender"])
        assert m.loc[r["id"], "author"] == sender, r["id"]
        assert value(m.loc[r["id"], "reply_to"]) == r["reply_to"]
        assert m.loc[r["id"], "date"] == utc(r["title"])
        assert value(m.loc[r["id"], "text"]) == (r["text"] if r["text"] else None)
        assert value(m.loc[r["id"], "author_id"]) is None  # HTML has no user ids


def test_tgnize_tz_and_service(samples):
    path = sample(samples, TGNIZE)
    corpus, _ = load_quiet(path, tz="+04:30")
    m = corpus.messages.set_index("message_id")
    assert m.loc[6, "date"] == pd.Timestamp("2017-08-24 22:21:02", tz="UTC")  # 02:51:02 local
    svc = corpus.service.set_index("message_id")
    assert (svc.loc[2, "action"], svc.loc[2, "actor"]) == ("invite_members", "POURIA")
    assert svc.loc[9, "action"] == "pin_message"
    assert svc.loc[262, "text"] == "POURIA changed group title to «Devs Chat»"
    assert svc.loc[-1, "date"] == pd.Timestamp("2017-08-24 19:30", tz="UTC")


def test_tgnize_single_page_files(samples):
    path = sample(samples, TGNIZE)
    first, _ = load_quiet(path / "messages.html")  # a file: its next page is followed
    assert len(first.messages) == 1986
    second, caught = load_quiet(path / "messages2.html")
    assert len(second.messages) == 1000 and len(second.service) == 3
    assert any("later page" in w for w in caught)


def test_androidsecurity_older_forward_header(samples):
    path = sample(samples, ANDROID)
    raw = blocks((path / "messages2.html").read_text(encoding="utf-8"))
    for tz, minutes in (("UTC", 0), ("+01:00", 60)):
        corpus, caught = load_quiet(path, tz=tz)
        m = corpus.messages.set_index("message_id")
        forwards = [r for r in raw if r["forwarded"]]
        assert len(forwards) == 13 and m["fwd_from_name"].notna().sum() == 13
        for r in forwards:
            assert 'class="details">' not in (r["fwd_when"] or "")
            assert m.loc[r["id"], "fwd_from_name"] == r["fwd_name"]
            assert m.loc[r["id"], "fwd_from_date"] == utc(r["fwd_when"], minutes)
        for r in raw:
            if not r["service"]:
                assert m.loc[r["id"], "date"] == utc(r["title"], minutes)
                assert m.loc[r["id"], "hashtags"][:len(r["hashtags"])] == r["hashtags"]
        assert len(m) == 471 and len(corpus.service) == 289
        assert any("later page" in w for w in caught)
    assert corpus.messages["fwd_from_name"].dropna().unique().tolist() == [
        "The Bug Bounty Hunter"]


def test_detection_of_genuine_pages(samples):
    for name in (GOLDEN, TGNIZE):
        page = sample(samples, name) / "messages.html"
        assert detect(page.read_bytes()[:1024], page).NAME == HTML


# --------------------------------------------------------------------------------------------
# Synthetic exports: the same world as Desktop JSON
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world_dirs(tmp_path_factory):
    world = generate_world(5, n_channels=15, messages_scale=0.15)
    root = tmp_path_factory.mktemp("html_world")
    write_fixtures(world, root / "ref")
    ref, _ = load_quiet(root / "ref" / "telegram", channels=root / "ref" / "channels.csv")
    return world, root, ref


COMPARED = ["platform", "channel_id", "channel", "author_id", "author", "message_id", "date",
            "text", "fwd_from_channel_id", "fwd_from_name", "reply_to", "media_type",
            "media_name", "media_duration", "mentions", "links", "hashtags"]


def frame(corpus, cols=COMPARED):
    m = corpus.messages.sort_values(["channel_id", "message_id"], ignore_index=True)
    return m[cols].astype({"media_type": object})


def test_paged_export_reads_like_one_page(world_dirs):
    world, root, ref = world_dirs
    small = write_desktop_html(world, root / "paged", page_size=7)
    whole = write_desktop_html(world, root / "whole")
    assert len(small) > 3 * len(whole)
    biggest = max(world.exports, key=lambda h: len(world.exports[h]["messages"]))
    assert (root / "paged" / biggest / "messages10.html").is_file()  # sorts before page 2
    labels = root / "ref" / "channels.csv"
    paged, _ = load_quiet(root / "paged", channels=labels)
    single, _ = load_quiet(root / "whole", channels=labels)
    pd.testing.assert_frame_equal(frame(paged), frame(single))
    pd.testing.assert_frame_equal(frame(paged), frame(ref))
    files = paged.files.set_index("path")
    first = files.loc[f"paged/{biggest}/messages.html"]
    assert first["records"] == len(world.exports[biggest]["messages"]) + \
        (paged.service["source"].str.startswith(f"paged/{biggest}/")
         & (paged.service["message_id"] < 0)).sum()
    assert files.loc[f"paged/{biggest}/messages10.html", "records"] == 0
    per_page = paged.messages["source"].str.replace(r"#.*", "", regex=True).value_counts()
    assert per_page.max() <= 7


def test_offsetless_titles_take_tz(world_dirs):
    world, root, ref = world_dirs
    write_desktop_html(world, root / "old", with_offset=False)
    labels = root / "ref" / "channels.csv"
    right, caught = load_quiet(root / "old", channels=labels, tz="+03:00")
    pd.testing.assert_frame_equal(frame(right), frame(ref))
    # the assumption is said even when tz= was given (as for JSON exports without unixtime)
    said = [w for w in caught if "no UTC offset" in w]
    assert len(said) == len(world.exports) and all("read as UTC+03:00" in w for w in said)
    wrong, caught = load_quiet(root / "old", channels=labels)
    shift = frame(wrong)["date"] - frame(ref)["date"]
    assert (shift == pd.Timedelta(hours=3)).all()
    assert len([w for w in caught if "no UTC offset" in w]) == len(world.exports)


def test_json_and_html_of_the_same_channels_merge(world_dirs):
    world, root, ref = world_dirs
    mixed = root / "mixed"
    write_desktop_html(world, mixed / "html")
    write_fixtures(world, root / "mixed_json")
    (root / "mixed_json" / "telegram").rename(mixed / "json")
    corpus, caught = load_quiet(mixed)
    assert len(corpus.messages) == len(ref.messages)
    assert corpus.messages["channel_id"].str.fullmatch(r"telegram:\d+").all()
    assert int(corpus.files["merged"].sum()) == len(ref.messages) + len(ref.service)
    assert any("keyed by the id given to the same name" in w for w in caught)
    # the newer export wins: both are equally new, so the later file (json/ after html/)
    pd.testing.assert_frame_equal(frame(corpus), frame(ref))


def test_channel_id_argument_and_channels_table(world_dirs):
    world, root, ref = world_dirs
    handle, export = next(iter(world.exports.items()))
    write_desktop_html(world, root / "one")
    one = root / "one" / handle
    corpus, _ = load_quiet(one, channel_id=str(export["id"]))
    assert set(corpus.messages["channel_id"]) == {f"telegram:{export['id']}"}
    assert corpus.channels.set_index("channel_id").loc[f"telegram:{export['id']}", "resolved"]
    corpus, _ = load_quiet(one, channel_id=f"-100{export['id']}")  # Bot API form
    assert set(corpus.messages["channel_id"]) == {f"telegram:{export['id']}"}
    with pytest.raises(ParameterError, match="channel_id"):
        wb.load(one, channel_id="not an id")
    # one id for two chats: the second export is refused, with the reason
    corpus, caught = load_quiet(root / "one", channel_id="telegram:1")
    assert set(corpus.messages["channel_id"]) == {"telegram:1"}
    assert corpus.messages["channel"].nunique() == 1
    assert corpus.rejected["reason"].str.contains("channel_id='telegram:1' names one").all()
    assert len(corpus.rejected) == len(world.exports) - 1
    # a channels table with channel_id and name keys the pages too
    table = pd.DataFrame({"channel_id": [f"telegram:{export['id']}"], "name": [export["name"]],
                          "group": ["g"]})
    corpus, caught = load_quiet(one, channels=table)
    assert set(corpus.messages["channel_id"]) == {f"telegram:{export['id']}"}
    assert set(corpus.messages["group"]) == {"g"}
    assert any("from the channels= table" in w for w in caught)
    # a name the table gives two ids is left keyed by name, with a warning
    twice = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"],
                          "name": [export["name"]] * 2})
    corpus, caught = load_quiet(one, channels=twice)
    assert corpus.messages["channel_id"].str.startswith("telegram:name:").all()
    assert any("more than one id" in w for w in caught)
    # without a mapping the chat is keyed by its name, and a warning says so
    corpus, caught = load_quiet(one)
    assert corpus.messages["channel_id"].str.startswith("telegram:name:").all()
    assert any("known only by name" in w for w in caught)


# --------------------------------------------------------------------------------------------
# Hand-written pages: one quirk per message
# --------------------------------------------------------------------------------------------
HEAD = ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8"/>\n<title>Exported Data</title>\n'
        '</head>\n<body onload="CheckLocation();">\n<div class="page_wrap">\n'
        '<div class="page_header">\n<div class="content">\n<div class="text bold">\n'
        'Quirk Group \n</div>\n</div>\n</div>\n<div class="page_body chat_page">\n'
        '<div class="history">\n')
TAIL = "\n</div>\n</div>\n</div>\n</body>\n</html>\n"


def msg(mid, body, *, joined=False, title="01.10.2016 15:00:00 UTC+03:00", sender="Ann"):
    cls = "message default clearfix" + (" joined" if joined else "")
    date = f'<div class="pull_right date details" title="{title}">\n15:00\n</div>\n' \
        if title is not None else ""
    name = f'<div class="from_name">\n{sender} \n</div>\n' if not joined else ""
    return f'<div class="{cls}" id="message{mid}">\n<div class="body">\n{date}{name}{body}' \
           '</div>\n</div>\n'


def text(t):
    return f'<div class="text">\n{t}\n       </div>\n'


QUIRKS = [
    # a service record and a day separator
    '<div class="message service" id="message-1">\n<div class="body details">\n'
    '1 October 2016\n</div>\n</div>\n',
    '<div class="message service" id="message1">\n<div class="body details">\n'
    'Ann created group &laquo;Quirk Group&raquo;\n</div>\n</div>\n',
    # 2: plain text with a control character as Desktop writes it, and a <br>
    msg(2, text("bell&#x07;here<br>next line")),
    # 3: joined: no sender block, Ann's
    msg(3, text("still Ann"), joined=True),
    # 4: a forward (newer header) then 5: a joined forward without a name block
    msg(4, '<div class="forwarded body">\n<div class="from_name">\nSource Channel <span '
           'class="date details" title="30.09.2016 10:00:00 UTC+03:00"> 30.09.2016 10:00:00'
           '</span>\n</div>\n' + text("fwd one") + "</div>\n", sender="Bob"),
    msg(5, '<div class="forwarded body">\n' + text("fwd two") + "</div>\n", joined=True),
    # 6: a reply to another chat (no link), 7: a reply across pages
    msg(6, '<div class="reply_to details">\nIn reply to a message in another chat\n</div>\n'
           + text("re")),
    msg(7, '<div class="reply_to details">\nIn reply to <a href="messages.html#go_to_message2"'
           '>this message</a>\n</div>\n' + text("re 2")),
    # 8: entities: mention, mention_name, hashtag, url, text_link, e-mail, bot command,
    # custom emoji (a relative link), and hostile markup escaped as text
    msg(8, text('<a href="https://t.me/some_handle">@some_handle</a> '
                '<a href="" onclick="return ShowMentionName()">Dan</a> '
                '<a href="" onclick="return ShowHashtag(&quot;tag&quot;)">#tag</a> '
                '<a href="https://example.org/x">https://example.org/x</a> '
                '<a href="javascript:alert(1)">click</a> '
                '<a href="mailto:a@b.cd">a@b.cd</a> '
                '<a href="" onclick="return ShowBotCommand(&quot;start&quot;)">/start</a> '
                '<a href = "stickers/e.webp">😀</a> '
                '&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;')),
    # 9: a bad date title, 10: no date at all, 11: an id that is not a number
    msg(9, text("bad date"), title="yesterday"),
    msg(10, text("no date"), title=None),
    '<div class="message default clearfix" id="messageX">\n<div class="body">\n'
    '<div class="pull_right date details" title="01.10.2016 15:00:00">\n15:00\n</div>\n'
    + text("bad id") + "</div>\n</div>\n",
    # 12: a duplicate of message 2
    msg(2, text("again")),
    # 13: a call (a service record in JSON exports), 14: unsupported media
    msg(13, '<div class="media_wrap clearfix">\n<div class="media clearfix pull_left '
            'media_call success">\n<div class="body">\n<div class="title bold">\nBob\n</div>\n'
            '<div class="status details">\nOutgoing (5 seconds)\n</div>\n</div>\n</div>\n'
            '</div>\n'),
    '<div class="message service" id="message14">\n<div class="body details">\nThis message '
    'is not supported by this version of Telegram Desktop. Please update the application.\n'
    '</div>\n</div>\n',
    # 15: a voice message, file not included; 16: an included audio file; 17: a via bot
    msg(15, '<div class="media_wrap clearfix">\n<div class="media clearfix pull_left '
            'media_voice_message">\n<div class="body">\n<div class="title bold">\nVoice message'
            '\n</div>\n<div class="status details">\n1:02:03, 20.2 KB\n</div>\n</div>\n</div>\n'
            '</div>\n'),
    msg(16, '<div class="media_wrap clearfix">\n<a class="media clearfix pull_left block_link '
            'media_audio_file" href="files/song.mp3">\n<div class="body">\n'
            '<div class="title bold">\nAudio file\n</div>\n<div class="status details">\n04:05'
            '\n</div>\n</div>\n</a>\n</div>\n'),
    msg(17, text("by bot"), sender="Cy  via @helper_bot"),
]


@pytest.fixture()
def quirks(tmp_path):
    path = tmp_path / "quirks" / "messages.html"
    path.parent.mkdir()
    path.write_text(HEAD + "".join(QUIRKS) + TAIL, encoding="utf-8")
    return path


def line_of(path, element_id: str, *, last: bool = False) -> str:
    """``quirks/messages.html#<line>``: the locator of the element ``id="<element_id>"``, the
    line it starts on (the first such element, or the ``last``)."""
    text = path.read_text(encoding="utf-8")
    marker = f'id="{element_id}"'
    at = text.rindex(marker) if last else text.index(marker)
    start = text.rindex("<div", 0, at)
    return f"quirks/messages.html#{text.count(chr(10), 0, start) + 1}"


def test_quirks_field_by_field(quirks):
    corpus, caught = load_quiet(quirks.parent)
    m = corpus.messages.set_index("message_id")
    assert m.loc[2, "text"] == "bell\x07here\nnext line"
    assert m.loc[2, "date"] == pd.Timestamp("2016-10-01 12:00", tz="UTC")
    assert (m.loc[3, "author"], m.loc[4, "author"], m.loc[5, "author"]) == ("Ann", "Bob", "Bob")
    assert (m.loc[4, "fwd_from_name"], m.loc[5, "fwd_from_name"]) == ("Source Channel",) * 2
    assert m.loc[4, "fwd_from_date"] == pd.Timestamp("2016-09-30 07:00", tz="UTC")
    assert value(m.loc[5, "fwd_from_date"]) is None  # a joined forward shows no date
    assert value(m.loc[6, "reply_to"]) is None and m.loc[7, "reply_to"] == 2
    assert m.loc[8, "mentions"] == ["some_handle", "Dan"]
    assert m.loc[8, "hashtags"] == ["tag"]
    assert m.loc[8, "links"] == ["https://example.org/x", "javascript:alert(1)"]
    assert m.loc[8, "text"].endswith("<script>alert('x')</script>")
    assert (m.loc[15, "media_type"], m.loc[15, "media_duration"]) == ("voice_message", 3723)
    assert value(m.loc[15, "media_name"]) is None
    assert (m.loc[16, "media_type"], m.loc[16, "media_name"], m.loc[16, "media_duration"]) == (
        "audio_file", "song.mp3", 245)
    assert m.loc[17, "author"] == "Cy"  # "via @helper_bot" is not part of the name
    assert corpus.channels.set_index("channel_id").loc["telegram:name:quirk group", "kind"] \
        == "group"
    reasons = corpus.rejected.set_index("source")["reason"].to_dict()
    assert len(reasons) == 5
    assert "date title 'yesterday'" in reasons[line_of(quirks, "message9")]
    assert "no date" in reasons[line_of(quirks, "message10")]
    assert "'messageX' is not 'message<number>'" in reasons[line_of(quirks, "messageX")]
    assert "duplicate message id 2" in reasons[line_of(quirks, "message2", last=True)]
    assert "unsupported" in reasons[line_of(quirks, "message14")]
    svc = corpus.service.set_index("message_id")
    assert (svc.loc[13, "action"], svc.loc[13, "actor"]) == ("phone_call", "Ann")
    assert (svc.loc[1, "action"], svc.loc[1, "actor"]) == ("create_group", "Ann")
    assert svc.loc[-1, "date"] == pd.Timestamp("2016-09-30 21:00", tz="UTC")
    # every element accounted for: loaded + service + rejected
    elements = len(re.findall(r'<div class="message ', quirks.read_text(encoding="utf-8")))
    assert len(corpus.messages) + len(corpus.service) + len(corpus.rejected) == elements == 18


def test_truncated_page_rejects_the_cut_message(quirks):
    data = quirks.read_bytes()
    cut = data.index(b"still Ann") + 3
    quirks.write_bytes(data[:cut])
    corpus, caught = load_quiet(quirks.parent)
    assert any("looks truncated" in w for w in caught)
    assert corpus.rejected["reason"].tolist() == ["cut off: the page ends inside this record"]
    assert corpus.rejected["source"].tolist() == [line_of(quirks, "message3")]
    assert len(corpus.messages) == 1 and len(corpus.service) == 2


def test_truncated_inside_a_character(quirks):
    page = (HEAD + msg(2, text("ж" * 10)) + TAIL).encode("utf-8")
    cut = page.index("ж".encode()) + 1  # half of a two-byte character, at the end
    quirks.write_bytes(page[:cut])
    corpus, caught = load_quiet(quirks)
    assert len(corpus.rejected) == 1 and any("looks truncated" in w for w in caught)


def test_unreadable_pages(tmp_path):
    empty = tmp_path / "messages.html"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        wb.load(empty, format=HTML)
    latin = tmp_path / "latin.html"
    latin.write_bytes((HEAD + msg(2, text("x" * 2000)) + TAIL).encode() + b"caf\xe9"
                      + b" " * 10)
    with pytest.raises(LoadError, match=r"byte 0xe9 at byte [\d,]+ \(line \d+\)"):
        wb.load(latin)
    summary = tmp_path / "export_results.html"
    summary.write_text('<!DOCTYPE html><html><head><title>Exported Data</title></head><body>'
                       '<div class="page_wrap"><div class="page_body"><div class="sections">'
                       "</div></div></div></body></html>", encoding="utf-8")
    with pytest.raises(FormatError, match="not a chat's messages"):
        wb.load(summary)
    listing = b"<!DOCTYPE html><html><head><title>Exported Data</title></head><body>" \
              b'<div class="page_body list_page">'
    assert "list page" in desktop_html.sniff(listing)
    nameless = tmp_path / "nameless.html"
    nameless.write_text(HEAD.replace("Quirk Group", "") + msg(2, text("x")) + TAIL,
                        encoding="utf-8")
    with pytest.raises(LoadError, match="names no chat"):
        wb.load(nameless)
    assert len(wb.load(nameless, channel_id="telegram:9").messages) == 1


def test_next_links_only_to_pages_beside(tmp_path):
    folder = tmp_path / "export"
    (tmp_path / "elsewhere").mkdir()
    folder.mkdir()
    page = HEAD + msg(2, text("one")) + '<a class="pagination block_link" href="../elsewhere/'\
        'messages2.html">\nNext messages\n</a>\n' + TAIL
    (folder / "messages.html").write_text(page, encoding="utf-8")
    (tmp_path / "elsewhere" / "messages2.html").write_text(
        HEAD + msg(3, text("two")) + TAIL, encoding="utf-8")
    corpus, _ = load_quiet(folder / "messages.html")
    assert corpus.messages["message_id"].tolist() == [2]
