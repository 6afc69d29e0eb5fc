"""CSV tables of the Telethon-based tools (4CAT, telegram-tracker): one message per row.

:func:`csv_header` reads a header for sniffing, :func:`csv_int` and :func:`csv_entities` the
cells every such table has, and :func:`add_csv_rows` turns the rows after the header into
messages (``source`` is ``file#<line the row starts on>``; the header is line 1), rejecting a
row with the wrong number of fields or one the format's reader cannot make a message of. The
records themselves come from :func:`~workbench.io.streams.iter_csv`.

Examples
--------
>>> csv_header(b'id,"body",chat\\n1,hi,x')
['id', 'body', 'chat']
"""

from __future__ import annotations

import csv
import io

from .entities import add_from_text, dedupe
from .records import BadRecord, Rows
from .streams import first_line

__all__ = ["csv_header", "csv_int", "csv_entities", "add_csv_rows"]


def csv_header(head: bytes) -> list[str]:
    """The column names on the first line of ``head`` (``[]`` if it is not a CSV line).

    Examples
    --------
    >>> csv_header(b'id,"body",chat\\n1,hi,x')
    ['id', 'body', 'chat']
    """
    line = first_line(head).decode("utf-8", errors="replace")
    try:
        return next(csv.reader(io.StringIO(line)))
    except (csv.Error, StopIteration):
        return []


def csv_int(value: str, field: str) -> int | None:
    """An integer cell: ``""`` is null, and pandas may have written ``12`` as ``12.0``.

    Raises
    ------
    BadRecord
        Naming ``field``, when the cell is not an integer.

    Examples
    --------
    >>> csv_int("12.0", "views"), csv_int("", "views")
    (12, None)
    """
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            raise BadRecord(f"{field} {value!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")) or \
                number != int(number):
            raise BadRecord(f"{field} {value!r} is not an integer")
        return int(number)


def csv_entities(text: str, link: str) -> tuple[list[str], list[str], list[str]]:
    """Mentions, links and hashtags of a row: found in its ``text``, plus ``link`` (the row's
    URL column) when not empty; each list without repeats.

    Examples
    --------
    >>> csv_entities("@some_handle: t.me/x/1 #news", "https://example.org")
    (['some_handle'], ['t.me/x/1', 'https://example.org'], ['news'])
    """
    mentions: list = []
    links: list = []
    hashtags: list = []
    add_from_text(text, mentions, links, hashtags)
    if link:
        links.append(link)
    return dedupe(mentions), dedupe(links), dedupe(hashtags)


def add_csv_rows(header: list[str], rows, store: Rows, message) -> None:
    """Read the rows after ``header`` into ``store``, one message each, and close it.

    Parameters
    ----------
    header : list of str
    rows : iterator
        ``(line, fields)`` of the records after the header (:func:`iter_csv`).
    store : Rows
    message : callable
        ``message(line, fields)`` returns ``(part, values)``: the part the row belongs to and
        its values in :data:`COLUMNS` order; it raises :class:`BadRecord` (the reason), or
        ValueError, TypeError or OverflowError, for a row that cannot be a message.

    Blank lines are skipped; a row with more or fewer fields than the header, or that
    ``message`` cannot read, is rejected with the reason.
    """
    out = store.out
    width = len(header)
    for line, row in rows:
        if not row or (len(row) == 1 and not row[0]):
            continue
        if len(row) != width:
            out.reject(line, f"{len(row)} fields where the header has {width}", ",".join(row))
            continue
        try:
            part, values = message(line, row)
        except BadRecord as exc:
            out.reject(line, str(exc), dict(zip(header, row)))
            continue
        except (ValueError, TypeError, OverflowError) as exc:
            out.reject(line, f"unreadable row ({type(exc).__name__}: {exc})",
                       dict(zip(header, row)))
            continue
        part.seen.add(values[3])  # the message id
        store.add(part.channel_id, values)
    store.close()
