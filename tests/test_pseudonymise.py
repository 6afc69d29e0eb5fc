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
    # Everything else is untouched.
    pd.testing.assert_frame_equal(a.messages.drop(columns=["author", "author_id"]),
                                  plain.messages.drop(columns=["author", "author_id"]))


def test_empty_salt_is_refused(export):
    with pytest.raises(ParameterError, match="pseudonymise"):
        wb.load(export, pseudonymise="")
