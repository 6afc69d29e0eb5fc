"""Checking a briefing's parameters before any work is done."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..corpus import Corpus
from ..errors import EventError, LoadError, ParameterError
from ..events import resolve_event
from ..io.labels import read_labels

__all__ = ["BriefingParameters", "check_parameters", "parameter_error", "write_output",
           "REDACT_LEVELS"]

#: ``none``: names and identifiers as collected; ``pseudonymise``: salted hashes instead.
REDACT_LEVELS = ("none", "pseudonymise")
_REDACT_ALIASES = {"pseudonymize": "pseudonymise", "pseudonymised": "pseudonymise",
                   "pseudonymized": "pseudonymise", "": "none", "off": "none"}


def parameter_error(parameter: str, message: str) -> ParameterError:
    """A :class:`ParameterError` whose message starts with the parameter's name and which
    carries it as ``.parameter`` (the command line maps it to its option)."""
    error = ParameterError(f"{parameter}: {message}")
    error.parameter = parameter
    return error


def write_output(path: Path, text: str, *, parameter: str = "out") -> None:
    """Write ``text`` (UTF-8) to ``path``, the file a parameter names.

    Raises
    ------
    ParameterError
        Naming the parameter and the file when it cannot be written (a full disk, no
        permission, a read-only file system); nothing half-written is left behind.

    Examples
    --------
    >>> write_output(Path("/dev/full"), "x")
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: out: cannot write /dev/full: No space left on device
    """
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        if path.is_file():
            try:
                path.unlink()
            except OSError:
                pass
        raise parameter_error(parameter, f"cannot write {path}: "
                                         f"{exc.strerror or exc}") from None


@dataclass(frozen=True)
class BriefingParameters:
    """What a briefing was asked for, checked and normalised by :func:`check_parameters`.

    ``corpus`` is a path or an in-memory :class:`~workbench.Corpus`; ``event`` a catalogue
    row (or None: the largest rise in volume is found); ``groups`` and ``terms`` tuples.
    """

    corpus: Path | Corpus
    labels: Path | None = None
    event: pd.Series | None = None
    before: pd.Timedelta = pd.Timedelta("28D")
    after: pd.Timedelta = pd.Timedelta("14D")
    groups: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    title: str | None = None
    analyst: str | None = None
    redact: str = "none"
    tz: str = "UTC"
    seed: int = 0
    top: int = 15
    label_groups: tuple[str, ...] = field(default=(), repr=False)

    @property
    def corpus_name(self) -> str:
        """The corpus as the briefing names it: the folder or file name, never a full path
        (paths give away where the analyst keeps things)."""
        if isinstance(self.corpus, Corpus):
            return "(a corpus in memory)"
        return self.corpus.name or str(self.corpus)


def _days(parameter: str, value) -> pd.Timedelta:
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise parameter_error(parameter, f"{value!r} is not a duration such as '28D'") from exc
    if delta <= pd.Timedelta(0) or delta % pd.Timedelta("1D"):
        raise parameter_error(parameter, f"{value!r} must be a positive number of whole days "
                                         "(e.g. '28D')")
    return delta


def _strings(parameter: str, value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    try:
        items = tuple(str(v).strip() for v in value)
    except TypeError as exc:
        raise parameter_error(parameter, f"expected a list of strings, got {value!r}") from exc
    if any(not v for v in items):
        raise parameter_error(parameter, f"empty value in {list(items)!r}")
    return tuple(dict.fromkeys(items))


def check_parameters(corpus, *, labels=None, event=None, before="28D", after="14D",
                     groups=None, terms=None, title=None, analyst=None, redact="none",
                     tz="UTC", seed: int = 0, top: int = 15) -> BriefingParameters:
    """Check every parameter that can be checked without loading the corpus.

    Parameters
    ----------
    corpus : str, Path or Corpus
        A file or folder ``wb.load`` reads, or a loaded corpus.
    labels : str or Path, optional
        A channel labels CSV (``channel_id``, ``handle`` or ``name``, and ``group``).
    event : str or timestamp, optional
        A catalogue key, a name word, or a date; None finds the largest rise in volume.
    before, after : str, default "28D" and "14D"
        Window lengths in whole days.
    groups : list of str, optional
        Groups to brief on (labels of ``labels``, or ``community N`` without labels).
    terms : list of str, optional
        Keywords to trace; without them the terms that rose before the event are shown.
    title, analyst : str, optional
    redact : {"none", "pseudonymise"}, default "none"
    tz : str, default "UTC"
        The time zone of day boundaries.
    seed : int, default 0
        Seeds layouts, community detection and cross-post hashing.
    top : int, default 15
        Rows of the top-channels table.

    Returns
    -------
    BriefingParameters

    Raises
    ------
    ParameterError
        Naming the parameter: a corpus path that does not exist or an empty folder, a labels
        file that cannot be read or has no ``group`` column, an unknown event, a window that
        is not whole days, a group the labels do not have, an unknown redaction level or
        time zone.

    Examples
    --------
    >>> check_parameters("no/such/folder")
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: corpus: no such file or folder: no/such/folder
    >>> import workbench as wb
    >>> p = check_parameters(wb.io.fixtures_dir() / "telegram", event="Berlin")
    >>> p.event["key"], p.before
    ('berlin-2016', Timedelta('28 days 00:00:00'))
    """
    if not isinstance(corpus, Corpus):
        if corpus is None or str(corpus).strip() == "":
            raise parameter_error("corpus", "no corpus given")
        path = Path(os.path.expanduser(str(corpus)))
        if not path.exists():
            raise parameter_error("corpus", f"no such file or folder: {corpus}")
        if path.is_dir() and not any(p.is_file() and not p.name.startswith(".")
                                     for p in path.rglob("*")):
            raise parameter_error("corpus", f"the folder {corpus} is empty")
        if path.is_file() and path.stat().st_size == 0:
            raise parameter_error("corpus", f"the file {corpus} is empty")
        corpus = path.resolve()

    label_groups: tuple[str, ...] = ()
    if isinstance(labels, pd.DataFrame):
        raise parameter_error("labels", "pass the labels as a CSV file (the briefing records "
                                        "its SHA-256 as provenance), not a DataFrame")
    if labels is not None and str(labels).strip() != "":
        label_path = Path(os.path.expanduser(str(labels)))
        if not label_path.is_file():
            raise parameter_error("labels", f"no such file: {labels}")
        try:
            table = read_labels(label_path)
        except (LoadError, ParameterError) as exc:
            raise parameter_error("labels", str(exc)) from exc
        if "group" not in table.columns:
            raise parameter_error("labels", f"{label_path.name} has no `group` column "
                                            f"(columns: {', '.join(map(str, table.columns))})")
        label_groups = tuple(sorted(table["group"].dropna().astype(str).unique()))
        labels = label_path.resolve()
    else:
        labels = None

    row = None
    if event is not None and str(event).strip() != "":
        try:
            row = resolve_event(event)
        except EventError as exc:
            raise parameter_error("event", str(exc)) from exc

    redact_value = _REDACT_ALIASES.get(str(redact).strip().lower(), str(redact).strip().lower())
    if redact_value not in REDACT_LEVELS:
        raise parameter_error("redact", f"{redact!r}; expected one of {REDACT_LEVELS}")

    groups_t = _strings("groups", groups)
    if groups_t and label_groups:
        unknown = [g for g in groups_t if g not in label_groups]
        if unknown:
            raise parameter_error("groups", f"{unknown} not in the labels file; its groups are "
                                            f"{list(label_groups)}")
    try:
        pd.Timestamp("2016-01-01", tz=tz)
    except (ValueError, TypeError, KeyError) as exc:
        raise parameter_error("tz", f"{tz!r} is not a time zone") from exc
    try:
        top = int(top)
        seed = int(seed)
    except (TypeError, ValueError) as exc:
        raise parameter_error("top", f"{top!r} / seed {seed!r}: expected integers") from exc
    if top < 1:
        raise parameter_error("top", f"{top}: expected at least 1")

    return BriefingParameters(
        corpus=corpus, labels=labels, event=row, before=_days("before", before),
        after=_days("after", after), groups=groups_t, terms=_strings("terms", terms),
        title=None if title is None or not str(title).strip() else str(title).strip(),
        analyst=None if analyst is None or not str(analyst).strip() else str(analyst).strip(),
        redact=redact_value, tz=str(tz), seed=seed, top=top, label_groups=label_groups)
