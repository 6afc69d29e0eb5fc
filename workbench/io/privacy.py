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

__all__ = ["pseudonym", "pseudonymise_people"]


def pseudonym(identifier: str, salt: str) -> str:
    """``anon:`` plus the first 16 hex digits of BLAKE2b(identifier, key=salt)."""
    digest = hashlib.blake2b(str(identifier).encode("utf-8"), digest_size=8,
                             key=salt.encode("utf-8")[:64])
    return f"anon:{digest.hexdigest()}"


def _replace(ids: pd.Series, names: pd.Series, salt: str) -> tuple[pd.Series, pd.Series]:
    # One pseudonym per person: the id when known, else the name, so author and author_id agree.
    key = ids.fillna(names)
    unique = {k: pseudonym(k, salt) for k in key.dropna().unique()}
    token = key.map(unique).astype(STRING)
    return token.where(ids.notna()), token.where(names.notna())


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
    messages["author_id"], messages["author"] = _replace(messages["author_id"],
                                                         messages["author"], salt)
    service = corpus.service.copy()
    service["actor_id"], service["actor"] = _replace(service["actor_id"], service["actor"], salt)
    rejected = corpus.rejected.copy()
    rejected["raw"] = pd.Series(pd.NA, index=rejected.index, dtype=STRING)
    return Corpus(messages, corpus.channels, rejected, service, corpus.files)
