"""Pseudonymising the people in a corpus at load time (``wb.load(..., pseudonymise=salt)``).

Senders inside groups, post signatures and the actors of service records are personal data.
For corpora that must not hold them, each is replaced by ``anon:<16 hex>``: a keyed BLAKE2b
hash of the identifier with the analyst's salt, so the same person keeps one pseudonym within
a corpus (and across corpora loaded with the same salt) while nobody without the salt can
reverse or recompute it. Channels are organisations' outlets and keep their ids; the raw
excerpts of rejected records are dropped, since they may hold the same personal data.

Examples
--------
>>> pseudonym("telegram:42", "s3cret") == pseudonym("telegram:42", "s3cret")
True
>>> pseudonym("telegram:42", "s3cret") != pseudonym("telegram:42", "other")
True
"""

from __future__ import annotations

import hashlib

import pandas as pd

from ..corpus import Corpus
from ..errors import ParameterError
from ..schema import STRING

__all__ = ["pseudonym", "pseudonymise_columns", "pseudonymise_people"]


def pseudonym(identifier: str, salt: str) -> str:
    """``anon:`` plus the first 16 hex digits of BLAKE2b(identifier, key=salt)."""
    digest = hashlib.blake2b(str(identifier).encode("utf-8"), digest_size=8,
                             key=salt.encode("utf-8")[:64])
    return f"anon:{digest.hexdigest()}"


def pseudonymise_columns(ids: pd.Series, names: pd.Series, salt: str
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
    key = ids.fillna(names)
    unique = {k: pseudonym(k, salt) for k in key.dropna().unique()}
    token = key.map(unique).astype(STRING)
    return token.where(ids.notna()), token.where(names.notna())


_replace = pseudonymise_columns  # its former name


def pseudonymise_people(corpus: Corpus, salt: str) -> Corpus:
    """A copy of ``corpus`` with authors, service actors and rejected raw records replaced.

    Raises
    ------
    ParameterError
        If ``salt`` is empty.
    """
    if not isinstance(salt, str) or not salt:
        raise ParameterError("pseudonymise= needs a non-empty salt string (keep it secret)")
    messages = corpus.messages.copy()
    messages["author_id"], messages["author"] = pseudonymise_columns(
        messages["author_id"], messages["author"], salt)
    service = corpus.service.copy()
    service["actor_id"], service["actor"] = pseudonymise_columns(service["actor_id"],
                                                                 service["actor"], salt)
    rejected = corpus.rejected.copy()
    rejected["raw"] = pd.Series(pd.NA, index=rejected.index, dtype=STRING)
    return Corpus(messages, corpus.channels, rejected, service, corpus.files)
