"""wb.load(..., pseudonymise=salt) removes personal identifiers and keeps people distinct."""

import json

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ParameterError

EXPORT = {
    "name": "Test Group", "type": "private_supergroup", "id": 777,
    "messages": [
        {"id": 1, "type": "message", "date": "2016-12-01T10:00:00", "date_unixtime": "1480586400",
         "from": "Alice Real", "from_id": "user11", "text": "hello"},
        {"id": 2, "type": "message", "date": "2016-12-01T10:05:00", "date_unixtime": "1480586700",
         "from": "Bob Real", "from_id": "user22", "text": "hi"},
        {"id": 3, "type": "message", "date": "2016-12-01T10:06:00", "date_unixtime": "1480586760",
         "from": "Alice Real", "from_id": "user11", "text": "again"},
        {"id": 4, "type": "service", "date": "2016-12-01T10:07:00", "date_unixtime": "1480586820",
         "actor": "Bob Real", "actor_id": "user22", "action": "pin_message", "text": ""},
    ],
}


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(EXPORT))
    return path


def test_people_are_replaced_consistently_and_differ_across_salts(export):
    plain = wb.load(export, progress=False)
    assert set(plain.messages["author"]) == {"Alice Real", "Bob Real"}
    a = wb.load(export, progress=False, pseudonymise="salt-one")
    b = wb.load(export, progress=False, pseudonymise="salt-two")
    text = a.messages.to_string() + a.service.to_string()
    assert "Alice" not in text and "Bob" not in text
    assert a.messages["author_id"].str.fullmatch(r"anon:[0-9a-f]{16}").all()
    authors = a.messages.set_index("message_id")["author_id"]
    assert authors[1] == authors[3] != authors[2]
    assert (a.messages["author"] == a.messages["author_id"]).all()
    assert a.service.loc[0, "actor_id"] == authors[2]  # Bob is one person across tables
    assert set(a.messages["author_id"]).isdisjoint(set(b.messages["author_id"]))
    # The private group is a person-like chat: its key and title are pseudonymised too.
    assert a.messages["channel_id"].str.fullmatch(r"telegram:anon:[0-9a-f]{16}").all()
    assert (a.messages["channel"] == a.messages["channel_id"].str.removeprefix("telegram:")).all()
    assert "Test Group" not in a.channels.to_string() and "777" not in a.channels.to_string()
    # Everything else is untouched.
    changed = ["author", "author_id", "channel", "channel_id", "source"]
    pd.testing.assert_frame_equal(a.messages.drop(columns=changed),
                                  plain.messages.drop(columns=changed))


def test_empty_salt_is_refused(export):
    with pytest.raises(ParameterError, match="pseudonymise"):
        wb.load(export, pseudonymise="")


# --- property: no person survives pseudonymisation ------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAME = st.from_regex(r"[A-Z][a-z]{5,8} [A-Z][a-z]{5,8}", fullmatch=True)
_ID = st.integers(min_value=3_000_000_000 + 1, max_value=3_999_999_999)
_HANDLE = st.from_regex(r"[a-z]{6,10}_[a-z]{4,8}", fullmatch=True)


def _cells(corpus) -> str:
    return "\n".join(getattr(corpus, name).astype(str).to_csv(index=False)
                     for name in ("messages", "channels", "service", "rejected", "files"))


def _desktop(kind, chat_name, chat_id, people, ids):
    """A Desktop export of a private group or a personal chat, people in every field."""
    a, b, c, d = people
    ia, ib, ic, id_ = ids
    t = 1480586400

    def msg(i, **extra):
        return {"id": i, "type": "message", "date": "2016-12-01T10:00:00",
                "date_unixtime": str(t + 60 * i), "text": "hello", **extra}

    return {"name": chat_name, "type": kind, "id": chat_id, "messages": [
        msg(1, **{"from": a, "from_id": f"user{ia}"}),
        msg(2, forwarded_from=c, forwarded_from_id=f"user{ic}",
            **{"from": b, "from_id": f"user{ib}"}),
        msg(3, forwarded_from=d, **{"from": a, "from_id": f"user{ia}"}),
        msg(4, text=["hi ", {"type": "mention_name", "text": d, "user_id": id_}, "!"],
            text_entities=[{"type": "plain", "text": "hi "},
                           {"type": "mention_name", "text": d, "user_id": id_},
                           {"type": "plain", "text": "!"}],
            **{"from": b, "from_id": f"user{ib}"}),
        {"id": 5, "type": "service", "date": "2016-12-01T10:06:00",
         "date_unixtime": str(t + 360), "actor": c, "actor_id": f"user{ic}",
         "action": "invite_members", "members": [d], "text": ""},
        msg(6, reply_to_message_id=f"{a} {ia}", **{"from": a, "from_id": f"user{ia}"}),
    ]}


def _tweet(i, user, uid, handle, mentioned, mentioned_id, mentioned_handle):
    return {"created_at": "Fri Feb 05 11:59:00 +0000 2016", "id_str": str(690000000000000000 + i),
            "full_text": f"hey @{mentioned_handle} twitter.com/{mentioned_handle}",
            "user": {"id_str": str(uid), "screen_name": handle, "name": user},
            "entities": {"user_mentions": [{"screen_name": mentioned_handle,
                                            "id_str": str(mentioned_id), "name": mentioned}],
                         "urls": [], "hashtags": []}}


@settings(derandomize=True, deadline=None, max_examples=30,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(kind=st.sampled_from(["private_supergroup", "private_group", "personal_chat"]),
       people=st.lists(_NAME, min_size=6, max_size=6, unique=True),
       ids=st.lists(_ID, min_size=7, max_size=7, unique=True),
       handles=st.lists(_HANDLE, min_size=2, max_size=2, unique=True))
def test_no_person_survives_pseudonymisation(tmp_path_factory, kind, people, ids, handles):
    root = tmp_path_factory.mktemp("export")
    chat_name, chat_id = (people[0], ids[0]) if kind == "personal_chat" else (
        f"{people[0]} family", ids[0])
    folder = root / f"ChatExport_{people[0].replace(' ', '_')}"
    folder.mkdir()
    (folder / "result.json").write_text(
        json.dumps(_desktop(kind, chat_name, chat_id, people[1:5], ids[1:5])), encoding="utf-8")
    tweets = [_tweet(1, people[5], ids[5], handles[0], people[4], ids[6], handles[1]),
              _tweet(2, people[4], ids[6], handles[1], people[5], ids[5], handles[0])]
    (root / f"{handles[0]}_tweets.jsonl").write_text(
        "\n".join(json.dumps(t) for t in tweets), encoding="utf-8")
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = wb.load(root, progress=False, pseudonymise="a salt")
    cells = _cells(corpus) + "\n".join(str(w.message) for w in caught)
    secrets_ = [*people, *(p.replace(" ", "_") for p in people), *map(str, ids), *handles]
    leaked = [s for s in secrets_ if s.casefold() in cells.casefold()]
    assert not leaked
    assert len(corpus.messages) == 6 and len(corpus.rejected) == 1


def test_pseudonymised_briefing_shows_no_person(tmp_path):
    """A private group exported beside public channels, loaded with a salt, saved under a
    folder named after a person, briefed with redact="pseudonymise": no person in the HTML."""
    import shutil

    from workbench.briefing import build_briefing

    exports = tmp_path / "exports"
    shutil.copytree(wb.io.fixtures_dir() / "telegram", exports / "public")
    first = wb.load_fixtures().messages.iloc[0]
    group = {"name": "Alice Privatperson Family", "type": "private_supergroup", "id": 5550001,
             "messages": [
                 {"id": i, "type": "message", "date_unixtime": str(1481900000 + 3600 * i),
                  "from": name, "from_id": uid, "forwarded_from": str(first["channel"]),
                  "text": f"see +49 170 1234567, {name.lower().replace(' ', '.')}@example.org"}
                 for i, (name, uid) in enumerate([("Alice Privatperson", "user11111"),
                                                  ("Bob Geheim", "user22222")] * 3, start=1)]}
    folder = exports / "ChatExport_Alice_Privatperson"
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps(group), encoding="utf-8")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = wb.load(exports, pseudonymise="salt", progress=False)
    assert corpus.messages["channel_id"].str.startswith("telegram:anon:").sum() == 6
    saved = tmp_path / "Alice_Privatperson_corpus"
    corpus.to_parquet(saved)
    brief = build_briefing(saved, event="berlin-2016", redact="pseudonymise", salt="other")
    page = "".join(str(getattr(brief, piece)()._repr_html_()) for piece in (
        "header", "findings", "top_channels_table", "cascade_table", "method", "provenance"))
    for secret in ("Alice", "Privatperson", "Bob", "Geheim", "11111", "22222", "5550001",
                   "1234567", "example.org"):
        assert secret not in page, secret
    assert "Pseudonymised." in page


def test_public_marks_keep_an_account_in_clear():
    from pathlib import Path

    src = Path(__file__).parent / "data" / "twitter" / "kaggle_quirks.csv"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = wb.load(src, progress=False)
        masked = wb.load(src, progress=False, pseudonymise="salt", public=["abu_x"])
    kept = masked.channels[masked.channels["handle"] == "abu_x"]
    assert kept["name"].tolist() == plain.channels.loc[
        plain.channels["handle"] == "abu_x", "name"].tolist()
    assert kept["channel_id"].tolist() == plain.channels.loc[
        plain.channels["handle"] == "abu_x", "channel_id"].tolist()
    assert "umm_y" not in masked.channels.to_string()
    texts = " ".join(masked.messages["text"].dropna())
    assert "@abu_x" in texts and "@umm_y" not in texts


def test_public_needs_a_salt(export):
    with pytest.raises(ParameterError, match="public"):
        wb.load(export, public=["x"])


def test_salts_are_used_whole_and_bytes_work():
    from workbench.privacy import Pseudonymiser

    long = "x" * 100
    assert Pseudonymiser(long + "a").person("k") != Pseudonymiser(long + "b").person("k")
    assert Pseudonymiser(b"s3cret").person("k") == Pseudonymiser("s3cret").person("k")
    with pytest.raises(ParameterError):
        Pseudonymiser(b"")
