"""The compiled normaliser (``workbench.text._fold``) against its definition, step by step.

The reference below is the shingles level written out as its documented steps, one library
call each: Unicode NFKC (Arrow's), URLs, hashtags and mentions out, lower-cased (Arrow's),
``ß`` to ``ss``, NFD (Python's), the code-point table, spaces collapsed and trimmed. The
compiled loops must give exactly that, code point for code point, on real texts and on
strings built to break a per-character shortcut (compositions across characters, marks out
of canonical order, Hangul jamo, compatibility characters next to combining marks).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import text
from workbench.errors import SchemaError
from workbench.text import _fold, normalise_texts


def reference_nfkc(texts: list) -> list:
    return pc.utf8_normalize(pa.array(texts, type=pa.large_string()), "NFKC").to_pylist()


def reference(texts: list) -> list[str]:
    arr = pc.utf8_normalize(pa.array(texts, type=pa.large_string()), "NFKC")
    arr = pc.replace_substring_regex(arr, text._STRIP_RE2, " ")
    arr = pc.replace_substring(pc.utf8_lower(arr), "ß", "ss")
    table = text._codepoint_table()
    out = []
    for value in arr.to_pylist():
        if value is None:
            out.append("")
            continue
        kept = "".join(chr(table[ord(c)]) for c in unicodedata.normalize("NFD", value)
                       if table[ord(c)] != 0)
        out.append(re.sub(" +", " ", kept).strip(" "))
    return out


def compiled(texts: list) -> list[str]:
    codes, offsets = normalise_texts(texts)
    return [codes[a:b].tobytes().decode("utf-32-le") for a, b in zip(offsets, offsets[1:])]


# Characters that make a per-character shortcut wrong if it is careless: compositions
# (e + combining acute, Hangul L + V + T, Kannada vowel signs), marks in non-canonical order,
# compatibility characters whose NFKC starts or ends with a letter that composes, the
# characters whose lower case or NFD is longer, and the marks the table keeps or deletes.
TRICKY = (
    "aeiouAEIOU énÅ\u0301\u0323\u0308\u0327\u0345"  # letters, combining marks
    "\u1100\u1161\u11a8\uac00\uac01\u3131\u314f\u3260"  # Hangul: jamo, syllables, compat
    "\u0cc6\u0cc2\u0cd5\u0cca\u0b47\u0b3e\u0dd9\u0dcf"  # vowel signs that compose
    "\u00b4\u00a8\u02dc\u1fed\u0384\u1fbd"  # spacing accents: NFKC gives space + mark
    "\u203c\u2026\u00a0\u2139\uff1a\uff21\ufb01\ufdfa\ufe8d\ufefb\u0132\u01c4"  # compat
    "\u00df\u1e9e\u0130\u03a3\u03c2\u017f\u2126\u212a\u212b"  # case oddities
    "\u0627\u0644\u0651\u064e\u0670\u0654\u0622\u0640\u06cc"  # Arabic
    "\u1715\u302e\u302f\U0001d165\ua9c0\u1b44\u0f39\u094d\u093c"  # combining classes
    "\u200d\u200c\ufe0f\U0001f600\U0001f1fa\u20e3\u00ad"  # emoji, joiners, format
    "\U0001d5d4\U0001d7ec\u2460\u00bd\u2153"  # math letters, digits, fractions
    "\U000e0041\U000f0000\u0378\U0001fbff"  # tag, private use, unassigned
    "#@/.: \t\n-_"  # what links, hashtags and mentions are made of
)


#: tests/test_compiled_bounds.py runs this file again with bounds checks on: there a share of
#: the examples and texts is enough to catch a read or write out of bounds.
SHARE = 10 if os.environ.get("NUMBA_BOUNDSCHECK") else 1


@pytest.fixture(scope="module")
def real_texts(samples) -> list:
    texts = []
    for f in sorted((samples / "telethon-real").glob("*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            texts += [json.loads(line).get("message") for line in fh]
    return texts[::SHARE]


def test_compiled_normaliser_is_the_stepwise_one_on_real_texts(real_texts):
    assert len(real_texts) > 10_000 // SHARE
    assert compiled(real_texts) == reference(real_texts)


def test_fast_nfkc_is_arrows_on_real_texts(real_texts):
    arr = pa.array(real_texts, type=pa.large_string())
    assert _fold.nfkc(arr).to_pylist() == reference_nfkc(real_texts)


@pytest.mark.parametrize("sample", [
    "e\u0301", "\u00b4e", "e\u00b4", "\u3131\u314f", "\u1100\u1161\u11a8", "\uac00\u11a8",
    "\u3260\u1161", "\u0cc6\u0cc2\u0cd5", "a\u0323\u0301\u0308", "a\u0301\u0323",
    "\u1715\u0323\u302e", "a\u302e\u0301\u1715", "\u0345\u03a3", "\u0130\u00df\u1e9e",
    "\ufdfa \ufb01 \u203c\u203c", "\u01c4\u030c", "\ufefb\u0651", "", " \t ", None,
    "#tag @someone https://t.me/x/1 \uff03\u0648\u0633\u0645 tail",
])
def test_compiled_normaliser_on_hand_picked_strings(sample):
    assert compiled([sample]) == reference([sample])
    assert _fold.nfkc(pa.array([sample], type=pa.large_string())).to_pylist() == \
        reference_nfkc([sample])


@settings(max_examples=400 // SHARE, deadline=None)
@given(st.lists(st.text(st.sampled_from(TRICKY), max_size=14), min_size=1, max_size=8))
def test_compiled_normaliser_on_tricky_strings(samples):
    assert compiled(samples) == reference(samples)
    assert _fold.nfkc(pa.array(samples, type=pa.large_string())).to_pylist() == \
        reference_nfkc(samples)


@settings(max_examples=200 // SHARE, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=20), min_size=1, max_size=6))
def test_compiled_normaliser_on_any_strings(samples):
    assert compiled(samples) == reference(samples)


def test_nfkc_keeps_nulls_and_slices():
    arr = pa.array(["x", None, "\u203c", "\ufb01e\u0301"], type=pa.large_string())[1:]
    assert _fold.nfkc(arr).to_pylist() == [None, "!!", "fi\u00e9"]


def test_every_mark_that_canonical_order_moves_is_deleted():
    # What makes folding one character at a time exact: NFD reorders only characters with a
    # combining class, and the table deletes every one of them.
    table = text._codepoint_table()
    moved = [cp for cp in range(0x110000) if unicodedata.combining(chr(cp))]
    assert len(moved) > 800
    assert all(table[cp] == 0 for cp in moved)


def test_result_types_and_offsets():
    codes, offsets = normalise_texts(pa.array(["Ab, C!", None, "\u00e9"]))
    assert codes.dtype == np.uint32 and offsets.dtype == np.int64
    assert offsets.tolist() == [0, 4, 4, 5]


@pytest.mark.parametrize("raw", [
    [b"ok", b"\xc3", b"\x9f"],  # a sequence cut by the end of its text (the next one
    [b"ok", b"a\x9f"],           # holds its continuation); a stray continuation byte
    [b"ok", b"\xff\xff\xff\xff"], [b"ok", b"\xc0\xaf"],  # no such lead; overlong "/"
    [b"ok", b"\xed\xa0\x80"], [b"ok", b"\xf4\x90\x80\x80"],  # surrogate; past U+10FFFF
    [b"ok", b"\xe2\x82"],       # cut at the end of the last text
])
def test_invalid_utf8_is_refused_naming_the_text(raw):
    # Arrow arrays built from buffers are not checked; the loops must not read or write past
    # their arrays on such input (the bounds-checked rerun would fail), and say which text.
    arr = pa.array(raw, pa.large_binary()).view(pa.large_string())
    with pytest.raises(pa.ArrowInvalid):
        pc.utf8_normalize(arr, "NFKC")  # (Arrow refuses it too)
    for normalise in (_fold.nfkc, _fold.fold):
        with pytest.raises(SchemaError, match="text 1 .*not valid UTF-8") as caught:
            normalise(arr)
        assert caught.value.rows == [1]


def test_valid_multibyte_sequences_pass():
    raw = ["\u00e9", "\u20ac", "\U0001f600", "\U0010fffd", "\u07ff\u0800\uffff"]
    arr = pa.array([r.encode() for r in raw], pa.large_binary()).view(pa.large_string())
    assert _fold.nfkc(arr).to_pylist() == reference_nfkc(raw)
    assert compiled(raw) == reference(raw)


def test_code_points_of_nulls_holding_bytes_and_of_small_strings():
    # A null slot whose offsets span bytes (legal in Arrow) is an empty text, not those bytes.
    data = "ab\u00e9cd".encode()
    arr = pa.LargeStringArray.from_buffers(
        3, pa.py_buffer(np.array([0, 2, 4, 6], np.int64)), pa.py_buffer(data),
        pa.py_buffer(np.packbits([1, 0, 1], bitorder="little")), 1)
    codes, offsets = _fold.code_points(arr)
    assert [codes[a:b].tobytes().decode("utf-32-le") for a, b in zip(offsets, offsets[1:])] \
        == ["ab", "", "cd"]
    codes, offsets = _fold.code_points(pa.array(["x", None, "yz"]))  # int32 offsets
    assert codes.tolist() == [120, 121, 122] and offsets.tolist() == [0, 1, 1, 3]


def test_find_crossposts_names_the_message_whose_text_is_not_valid_utf8():
    import pandas as pd

    from workbench import schema
    from workbench.crosspost import find_crossposts

    bad = pa.array([b"fine text here", b"cut \xe2\x82", b"fine text here"],
                   pa.large_binary()).view(pa.large_string())
    msgs = schema.conform(pd.DataFrame({
        "platform": ["telegram"] * 3, "channel_id": ["telegram:1", "telegram:2", "telegram:3"],
        "message_id": [10, 20, 30],
        "date": pd.to_datetime(["2016-12-01", "2016-12-02", "2016-12-03"], utc=True),
        "text": pd.Series(pd.arrays.ArrowStringArray(bad), index=[7, 8, 9]),
    }, index=[7, 8, 9]), "messages").set_axis([7, 8, 9])  # rows are named by label
    with pytest.raises(SchemaError, match=r"\(telegram:2, 20\).*not valid UTF-8") as caught:
        find_crossposts(msgs)
    assert caught.value.rows == [8]
