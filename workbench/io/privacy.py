"""Pseudonymising a corpus at load time (``wb.load(..., pseudonymise=salt, public=[...])``).

The work is done by :mod:`workbench.privacy`, the one pseudonymiser of the package (loading,
the store and briefings use it); this module keeps the loader's names. The rule: a person
(any user, any private chat or group, any Twitter account unless the analyst marks it public)
never appears in clear in any table, file path, locator, reason text or briefing; public
channels (and public supergroups) keep their names and handles. Pseudonyms are HMAC-SHA-256
keyed by the full salt: ``anon:<16 hex>`` for people (the values changed from the earlier
BLAKE2b ones, which used only the first 64 bytes of the salt).

Examples
--------
>>> pseudonym("telegram:42", "s3cret") == pseudonym("telegram:42", "s3cret")
True
>>> pseudonym("telegram:42", "s3cret") != pseudonym("telegram:42", "other")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ..corpus import Corpus
from ..privacy import Pseudonymiser, pseudonymise_people_columns, pseudonymise_tables

__all__ = ["pseudonym", "pseudonymise_columns", "pseudonymise_people"]


def pseudonym(identifier: str, salt: str | bytes) -> str:
    """``anon:`` plus 16 hex digits of HMAC-SHA-256(identifier, key=salt)."""
    return Pseudonymiser(salt).person(str(identifier))


def pseudonymise_columns(ids: pd.Series, names: pd.Series, salt: str | bytes
                         ) -> tuple[pd.Series, pd.Series]:
    """An id column and its name column (``author_id``/``author``, ``actor_id``/``actor``)
    with every person replaced by one pseudonym: that of the id when known, else of the name,
    so that both columns of a row agree; nulls stay null.

    Examples
    --------
    >>> ids = pd.Series(["telegram:1", None, None], dtype="string")
    >>> names = pd.Series(["Ann", "Bob", None], dtype="string")
    >>> new_ids, new_names = pseudonymise_columns(ids, names, "s3cret")
    >>> new_ids[0] == new_names[0] == pseudonym("telegram:1", "s3cret"), new_ids[1] is pd.NA
    (True, True)
    """
    return pseudonymise_people_columns(Pseudonymiser(salt), ids, names)


def pseudonymise_people(corpus: Corpus, salt: str | bytes, *,
                        public: Iterable[object] | None = None,
                        hints: Mapping[str, bool] | None = None,
                        persons: Iterable[str] = (),
                        mention_names: Mapping[str, str | None] | None = None,
                        notes: list[str] | None = None) -> Corpus:
    """A copy of ``corpus`` in which no person appears in clear: see
    :func:`workbench.privacy.pseudonymise_tables` (``public``: channels or accounts the
    analyst marks public, by key, id, handle or name).

    notes : list, optional
        Loader warnings, scrubbed in place as reasons are (names, ids, paths).

    Raises
    ------
    ParameterError
        If ``salt`` is empty.
    """
    tables = pseudonymise_tables(
        {name: getattr(corpus, name) for name in ("messages", "channels", "service",
                                                  "rejected", "files")},
        Pseudonymiser(salt), public=public, hints=hints, persons=persons,
        mention_names=mention_names, notes=notes)
    if notes is not None:
        notes[:] = tables.pop("notes")
    # The order of a load (and of a store), by the new keys.
    tables["messages"] = tables["messages"].sort_values(
        ["date", "channel_id", "message_id"], kind="stable", ignore_index=True)
    tables["channels"] = tables["channels"].sort_values("channel_id", kind="stable",
                                                        ignore_index=True)
    return Corpus(**tables)
