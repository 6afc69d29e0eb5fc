"""One exception family for everything the workbench refuses."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

__all__ = [
    "WorkbenchError",
    "SchemaError",
    "LoadError",
    "FormatError",
    "EventError",
    "ParameterError",
    "WorkbenchWarning",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class SchemaError(WorkbenchError):
    """A table does not match the canonical schema (names the column and shows rows).

    ``table`` names the table when known, ``rows`` the index labels of the first offending
    rows (empty when the problem is a column's name or dtype), so a reader that knows where
    the table came from can name the file and record.

    Examples
    --------
    >>> err = SchemaError("messages.date: 1 null value(s)", table="messages", rows=[4])
    >>> err.table, err.rows, str(err)
    ('messages', [4], 'messages.date: 1 null value(s)')
    """

    def __init__(self, *args: object, table: str | None = None,
                 rows: Iterable[Hashable] = ()) -> None:
        super().__init__(*args)
        self.table = table
        self.rows = list(rows)


class LoadError(WorkbenchError):
    """An input file could not be read (names the file and, where known, the position)."""


class FormatError(LoadError):
    """No known format matched a file, or a forced format does not fit it."""


class EventError(WorkbenchError):
    """An event name matched no catalogue entry, or more than one."""


class ParameterError(WorkbenchError, ValueError):
    """A parameter is outside what an analysis accepts (names the parameter)."""


class WorkbenchWarning(UserWarning):
    """Something was assumed or merged on the analyst's behalf (an offset, duplicates)."""
