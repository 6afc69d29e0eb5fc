"""The shingles-level normaliser's two passes over the texts' UTF-8, compiled: :func:`nfkc`
and :func:`fold`.

Both go one character at a time through a table built once from the Unicode data, and each
gives exactly what its steps give on whole texts (``tests/test_text_fold.py`` checks them,
code point for code point, against the steps):

:func:`nfkc`
    Arrow's NFKC. A text made only of *context-free* characters is its characters' NFKC one
    after the other: such a character has combining class 0, composes with nothing before it
    (it is no second half of a canonical composition, and neither is the first character of
    its NFKD), and is assigned in Python's Unicode data. A character after it that could
    compose with it would not be context-free itself. Every other text goes through Arrow:
    40 of the 62,968 distinct texts of the 10^5 real-text benchmark (a character Python
    does not know, a Hangul jamo, a combining mark).
:func:`fold`
    Lower-cased (Arrow's, one character to one), ``ß`` to ``ss``, NFD (Python's), the
    code-point table of :mod:`workbench.text`, runs of spaces collapsed and the ends trimmed.
    NFD of a text is its characters' NFD put in canonical order, and canonical order moves
    only characters with a combining class, all of which the table deletes: so one
    character at a time gives the same.

Text that is not valid UTF-8 (possible in Arrow arrays built from raw buffers, or read
from a Parquet file, which Arrow does not check) is refused with a
:class:`~workbench.errors.SchemaError` naming the text (its ``rows``), as Arrow refuses it.
The README (cross-posting benchmark) has the figures.

Examples
--------
>>> import pyarrow as pa
>>> nfkc(pa.array(["Ｈｉ‼", None, "ﬁne"])).to_pylist()
['Hi!!', None, 'fine']
>>> codes, offsets = fold(pa.array(["  Ὀδυσσεύς, ΣΟΦΌΣ! ", "Straße"]))
>>> [codes[a:b].tobytes().decode("utf-32-le") for a, b in zip(offsets, offsets[1:])]
['οδυσσευσ σοφοσ', 'strasse']
"""

from __future__ import annotations

import functools
import sys
import threading
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..compiled import compiled
from ..errors import SchemaError

__all__ = ["nfkc", "fold", "code_points"]

_MULTI = np.uint32(0xFFFFFFFF)  # the character becomes several: see the pool
_AS_IS = np.uint32(0xFFFFFFFE)  # nfkc: not context-free, the text goes through Arrow
_DELETE, _SPACE = 0, 32


def code_points(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The code points of a string array, one text after the other, and each text's offsets
    in them (its UTF-8 buffer decoded as one string: no Python string per text). Nulls are
    empty texts.

    Examples
    --------
    >>> codes, offsets = code_points(pa.array(["ab", "é"], type=pa.large_string()))
    >>> codes.tolist(), offsets.tolist()
    ([97, 98, 233], [0, 2, 3])
    """
    arr = _large(arr)
    if arr.null_count:  # (a null slot may hold bytes)
        arr = arr.fill_null("")
    data, byte_offsets = _buffers(arr)
    lo, hi = int(byte_offsets[0]), int(byte_offsets[-1])
    codes = (np.frombuffer(data[lo:hi].tobytes().decode("utf-8").encode("utf-32-le"),
                           dtype=np.uint32) if hi > lo else np.zeros(0, np.uint32))
    offsets = np.zeros(len(arr) + 1, dtype=np.int64)
    np.cumsum(pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False), out=offsets[1:])
    return codes, offsets


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A large string array's UTF-8 bytes and its ``len(arr) + 1`` byte offsets into them."""
    _, offsets, data = arr.buffers()
    byte_offsets = np.frombuffer(offsets, dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    return (np.frombuffer(data, dtype=np.uint8) if data is not None
            else np.zeros(0, np.uint8)), byte_offsets


def _large(texts) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    return texts.cast(pa.large_string())


# --- the tables ------------------------------------------------------------------------------

def _every_character() -> pa.Array:
    """Each code point as a one-character string (surrogates, which UTF-8 cannot hold, as
    empty strings)."""
    cps = np.arange(sys.maxunicode + 1, dtype=np.int64)
    surrogate = (cps >= 0xD800) & (cps <= 0xDFFF)
    width = np.select([cps < 0x80, cps < 0x800, cps < 0x10000], [1, 2, 3], 4)
    width[surrogate] = 0
    offsets = np.zeros(len(cps) + 1, dtype=np.int64)
    np.cumsum(width, out=offsets[1:])
    data = (cps[~surrogate].astype("<u4").tobytes().decode("utf-32-le").encode("utf-8"))
    return pa.LargeStringArray.from_buffers(len(cps), pa.py_buffer(offsets), pa.py_buffer(data))


def _table_of(arr: pa.Array, keep=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per character, from its result string in ``arr``: the one code point it becomes
    (``_MULTI`` when several, ``_DELETE`` when none), and its start and length in the pool,
    the results' code points one after the other (``keep`` maps them first: 0 drops)."""
    codes, offsets = code_points(arr)
    if keep is not None:
        codes = keep[codes]
        kept = codes != _DELETE
        owner = np.repeat(np.arange(len(arr)), np.diff(offsets))[kept]
        codes = codes[kept]
        offsets = np.zeros(len(arr) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(arr)), out=offsets[1:])
    lengths = np.diff(offsets)
    single = np.full(len(arr), _MULTI, dtype=np.uint32)
    single[lengths == 0] = _DELETE
    one = lengths == 1
    single[one] = codes[offsets[:-1][one]]
    return single, offsets[:-1].copy(), lengths.astype(np.int32), codes.astype(np.uint32)


_BUILDING = threading.Lock()


def _tables() -> dict[str, tuple[np.ndarray, ...]]:
    """The two tables, built once (about 1.5 s; threads that ask meanwhile wait for it)."""
    with _BUILDING:
        return _build_tables()


@functools.cache
def _build_tables() -> dict[str, tuple[np.ndarray, ...]]:
    from . import _codepoint_table

    chars = _every_character()
    n = len(chars)
    combining, second = np.zeros(n, np.int32), np.zeros(n, bool)
    assigned = np.zeros(n, bool)
    for cp in range(n):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        assigned[cp] = unicodedata.category(ch) != "Cn"
        combining[cp] = unicodedata.combining(ch)
        parts = unicodedata.decomposition(ch).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second[int(parts[1], 16)] = True  # the second half of a canonical composition
    second[0x1161:0x1176] = second[0x11A8:0x11C3] = True  # Hangul vowels and finals
    first_of_nfkd = code_points(pc.utf8_normalize(chars, "NFKD"))
    starts = first_of_nfkd[1][:-1].clip(max=len(first_of_nfkd[0]) - 1)
    lead = first_of_nfkd[0][starts]
    context_free = (assigned & (combining == 0) & ~second
                    & (combining[lead] == 0) & ~second[lead] & (np.diff(first_of_nfkd[1]) > 0))
    n_single, n_start, n_len, n_pool = _table_of(pc.utf8_normalize(chars, "NFKC"))
    n_single[~context_free] = _AS_IS

    lower = pc.replace_substring(pc.utf8_lower(chars), "ß", "ss")
    # NFD as Python's: Arrow's agrees on every character Python knows (decompositions never
    # change once assigned); one Python does not know it leaves as it is.
    lowered, at = code_points(lower)
    unknown = np.zeros(n, dtype=bool)
    unknown[np.repeat(np.arange(n), np.diff(at))[~assigned[lowered]]] = True
    nfd = pc.if_else(pa.array(unknown), lower, pc.utf8_normalize(lower, "NFD"))
    f_single, f_start, f_len, f_pool = _table_of(nfd, keep=_codepoint_table())
    # The output of ``fold`` is sized by the input's bytes: no character may become more
    # code points than its UTF-8 takes bytes.
    if (f_len > np.diff(_buffers(chars)[1])).any():  # (each character's UTF-8 bytes)
        raise RuntimeError("a character folds to more code points than its UTF-8 bytes")
    return {"nfkc": (n_single, n_start, n_len, n_pool),
            "fold": (f_single, f_start, f_len, f_pool)}


# --- the loops -------------------------------------------------------------------------------

@compiled
def _decode(data, i, end):
    """The code point starting at byte ``i`` (a text ending at ``end``) and where the next
    starts; -1 for a sequence that is not valid UTF-8 there (a stray or missing continuation
    byte, a sequence cut by the end of the text, an overlong form, a surrogate, beyond
    U+10FFFF), so no loop reads past its text or its table."""
    b = np.int64(data[i])
    if b < 0x80:
        return b, i + 1
    if b < 0xC2 or b > 0xF4:
        return -1, i
    width = 2 if b < 0xE0 else (3 if b < 0xF0 else 4)
    if i + width > end:
        return -1, i
    cp = b & (0x1F if width == 2 else (0x0F if width == 3 else 0x07))
    for k in range(1, width):
        c = np.int64(data[i + k])
        if c & 0xC0 != 0x80:
            return -1, i
        cp = (cp << 6) | (c & 0x3F)
    if ((width == 3 and (cp < 0x800 or 0xD800 <= cp <= 0xDFFF))
            or (width == 4 and (cp < 0x10000 or cp > 0x10FFFF))):
        return -1, i
    return cp, i + width


@compiled
def _utf8_width(cp):
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


@compiled
def _encode(out, at, cp):
    if cp < 0x80:
        out[at] = cp
        return at + 1
    if cp < 0x800:
        out[at] = 0xC0 | (cp >> 6)
        out[at + 1] = 0x80 | (cp & 0x3F)
        return at + 2
    if cp < 0x10000:
        out[at] = 0xE0 | (cp >> 12)
        out[at + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[at + 2] = 0x80 | (cp & 0x3F)
        return at + 3
    out[at] = 0xF0 | (cp >> 18)
    out[at + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[at + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[at + 3] = 0x80 | (cp & 0x3F)
    return at + 4


@compiled
def _nfkc_sizes(data, offsets, single, start, length, pool, sizes, as_is):
    """Each text's size after NFKC, or ``as_is`` where a character is not context-free;
    returns the first text that is not valid UTF-8, or -1."""
    for t in range(len(offsets) - 1):
        i, end, size = offsets[t], offsets[t + 1], 0
        while i < end:
            if data[i] < 0x80:  # ASCII is its own NFKC, and context-free
                size += 1
                i += 1
                continue
            cp, i = _decode(data, i, end)
            if cp < 0:
                return t
            m = single[cp]
            if m == _AS_IS:
                as_is[t] = True
                size = 0
                break
            if m == _MULTI:
                for j in range(start[cp], start[cp] + length[cp]):
                    size += _utf8_width(np.int64(pool[j]))
            else:
                size += _utf8_width(np.int64(m))
        sizes[t] = size
    return -1


@compiled
def _nfkc_write(data, offsets, single, start, length, pool, as_is, out_offsets, out):
    for t in range(len(offsets) - 1):
        if as_is[t]:
            continue
        i, end, at = offsets[t], offsets[t + 1], out_offsets[t]
        while i < end:
            if data[i] < 0x80:
                out[at] = data[i]
                at += 1
                i += 1
                continue
            cp, i = _decode(data, i, end)  # (valid: _nfkc_sizes read every text first)
            m = single[cp]
            if m == _MULTI:
                for j in range(start[cp], start[cp] + length[cp]):
                    at = _encode(out, at, np.int64(pool[j]))
            else:
                at = _encode(out, at, np.int64(m))


@compiled
def _put(codes, at, space, c):
    """Write code point ``c`` at ``at`` unless it is a space after a space (``space``: the
    last written was a space, or nothing was); the next position and whether it is after a
    space."""
    if c == _SPACE:
        if not space:
            codes[at] = c
            at += 1
        return at, True
    codes[at] = c
    return at + 1, False


@compiled
def _fold_into(data, offsets, single, start, length, pool, codes, out_offsets):
    at = 0
    for t in range(len(offsets) - 1):
        i, end, first = offsets[t], offsets[t + 1], at
        space = True  # no space at the start of a text
        while i < end:
            cp, i = _decode(data, i, end)
            if cp < 0:
                return t
            m = single[cp]
            if m == _DELETE:
                continue
            if m == _MULTI:
                for j in range(start[cp], start[cp] + length[cp]):
                    at, space = _put(codes, at, space, pool[j])
            else:
                at, space = _put(codes, at, space, m)
        if at > first and codes[at - 1] == _SPACE:  # none at the end
            at -= 1
        out_offsets[t + 1] = at
    return -1


# --- the passes ------------------------------------------------------------------------------

def _refuse_invalid(text: int) -> None:
    if text >= 0:
        raise SchemaError(f"text {text} (counting from 0) is not valid UTF-8", rows=[text])


def nfkc(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Unicode NFKC of a string array: the values of ``pyarrow.compute.utf8_normalize(texts,
    "NFKC")``, several times faster (see the module notes), as one ``large_string`` array.
    Nulls stay null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> nfkc(pa.array(["ｆｕｌｌ width", "e\\u0301"])).to_pylist() == ["full width", "é"]
    True
    """
    arr = _large(texts)
    n = len(arr)
    data, offsets = _buffers(arr)
    single, start, length, pool = _tables()["nfkc"]
    sizes, as_is = np.zeros(n, np.int64), np.zeros(n, bool)
    _refuse_invalid(_nfkc_sizes(data, offsets, single, start, length, pool, sizes, as_is))
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=out_offsets[1:])
    out = np.empty(int(out_offsets[-1]), dtype=np.uint8)
    _nfkc_write(data, offsets, single, start, length, pool, as_is, out_offsets, out)
    result = pa.LargeStringArray.from_buffers(n, pa.py_buffer(out_offsets), pa.py_buffer(out))
    if arr.null_count:
        result = pc.if_else(arr.is_valid(), result, pa.scalar(None, pa.large_string()))
    if as_is.any():
        mask = pa.array(as_is)
        result = pc.replace_with_mask(result, mask, pc.utf8_normalize(arr.filter(mask), "NFKC"))
    return result


def fold(texts: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The last steps of the shingles level, on texts in NFKC with links, hashtags and
    mentions removed: lower case, ``ß`` to ``ss``, NFD, the code-point table, runs of spaces
    collapsed, ends trimmed (see the module notes). Nulls become empty texts.

    Returns
    -------
    (codes, offsets)
        As :func:`workbench.text.normalise_texts` returns them.

    Examples
    --------
    >>> import pyarrow as pa
    >>> codes, offsets = fold(pa.array(["Ab, C!", None]))
    >>> codes.tobytes().decode("utf-32-le"), offsets.tolist()
    ('ab c', [0, 4, 4])
    """
    arr = _large(texts)
    if arr.null_count:
        arr = arr.fill_null("")
    data, offsets = _buffers(arr)
    single, start, length, pool = _tables()["fold"]
    codes = np.empty(int(offsets[-1] - offsets[0]), dtype=np.uint32)
    out_offsets = np.zeros(len(arr) + 1, dtype=np.int64)
    _refuse_invalid(_fold_into(data, offsets, single, start, length, pool, codes, out_offsets))
    # The buffer had room for a code point per byte; non-Latin UTF-8 takes two or three
    # bytes a character. Shrink it in place (a realloc, no copy) so no idle room stays alive.
    codes.resize(int(out_offsets[-1]), refcheck=False)
    return codes, out_offsets
