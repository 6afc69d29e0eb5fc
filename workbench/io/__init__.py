"""Loading: any supported input into one validated :class:`~workbench.Corpus`.

One read path, shared with ``Store.ingest``: :func:`~.sources.walk` finds the files under a
path (leaving out saved corpora and stores inside it, with a warning), :func:`read_file` reads
each through its format's reader into a :class:`~.builder.Builder`, accounting for every record
(loaded, service or rejected), and the builder merges, resolves and validates the tables.

Modules: :mod:`.detect` (format registry and sniffing), :mod:`.sources` (finding, naming and
decompressing files; the folder walk), :mod:`.files` (reading one file), :mod:`.builder` (rows
to canonical tables, duplicates across exports merged) with :mod:`.resolve` (channels across
files: forward sources and chats known only by name), the reader kit :mod:`.records`
(``BadRecord``, ``Rows``, the locator convention of ``source``) and :mod:`.streams` (streaming
input), :mod:`.entities` (mentions, links, hashtags), :mod:`.labels` (analyst labels),
:mod:`.privacy` (pseudonyms), one module per format (:mod:`.desktop`, :mod:`.desktop_html`,
:mod:`.telethon`, :mod:`.pushshift`, :mod:`.fourcat`, :mod:`.tracker`, :mod:`.tgdataset`,
:mod:`.twitter_v1`,
:mod:`.twitter_v2`, :mod:`.twitter_kaggle`), and :mod:`.parquet` (saved corpora read back).

Examples
--------
>>> import workbench as wb
>>> corpus = wb.load_fixtures()
>>> sorted(corpus.channels["group"].dropna().unique())
['aqap', 'control', 'news_network', 'official', 'supporters']
"""

from __future__ import annotations

import os
import warnings
from datetime import tzinfo
from pathlib import Path

import pandas as pd

from .. import schema
from ..corpus import Corpus, read_corpus
from ..errors import LoadError, ParameterError, WorkbenchError, WorkbenchWarning
from ..folders import is_saved_corpus
from ..memory import keep_memory
from ..progress import progress_bar, progress_enabled
from . import (_pool, builder, desktop, detect, entities, files, graph, labels, parquet,
               sources)
from ._gc import no_gc
from .builder import Builder
from .detect import FORMATS, format_names, register
from .files import FileRead, read_file
from .frame_labels import read_frame_labels, write_frame_labels
from .privacy import pseudonymise_people
from .sources import walk

__all__ = ["load", "load_fixtures", "open_corpus", "fixtures_dir", "fixture_truth", "read_file",
           "FileRead", "walk", "no_gc", "progress_enabled", "progress_bar", "FORMATS",
           "format_names", "register",
           "builder", "desktop", "detect", "entities", "files", "graph", "labels", "parquet",
           "sources", "read_frame_labels", "write_frame_labels"]


def load(path: str | os.PathLike, *, format: str | None = None, tz: str | tzinfo = "UTC",
         channels: pd.DataFrame | str | os.PathLike | None = None,
         channel_id: str | None = None, progress: bool | None = None,
         pseudonymise: str | bytes | None = None,
         public: list | tuple | set | str | None = None) -> Corpus:
    """Load a file or a folder of exports into a validated :class:`~workbench.Corpus`.

    Parameters
    ----------
    path : str or Path
        A file (plain, ``.gz`` or ``.zst``; detected by content), a folder (searched
        recursively, e.g. many ``ChatExport_*/result.json``; hidden entries and non-data files
        such as photos are skipped, and so, with a warning, are saved corpora and corpus stores
        inside it), or a folder written by :meth:`Corpus.to_parquet`, which is read back
        exactly.
    format : str, optional
        Force a format instead of detecting it: one of :func:`format_names` or
        ``"workbench-corpus"``.
    tz : str or tzinfo, default "UTC"
        Offset of the exporting machine, used only for local times without one (old Desktop
        exports lack ``date_unixtime``); a warning says when it was assumed.
    channels : DataFrame or CSV path, optional
        Analyst labels joined onto ``corpus.channels`` (and onto ``corpus.messages``): see
        :mod:`workbench.io.labels`. Rows that match no channel are named in a warning. A
        row with ``channel_id`` and ``name`` also keys a chat whose export gives no id (HTML).
    channel_id : str, optional
        The id of the one chat whose export gives none (a Telegram Desktop HTML export names
        its chat only): ``"telegram:<id>"``, a bare id or a Bot API id. Without it such a chat
        is ``telegram:name:<name>`` unless ``channels=`` or a JSON export of the same chat in
        this load gives its id.
    progress : bool, optional
        A progress bar (tqdm; Jupyter and terminal). By default it appears only for loads
        that take more than a second; False, or the environment variable
        ``WORKBENCH_PROGRESS=0``, turns it off; True shows it at once.

        Folders of 16 MB or more are read by one process per core (Linux; the environment
        variable ``WORKBENCH_WORKERS`` sets how many, ``1`` none), with the same result.
    pseudonymise : str or bytes, optional
        A secret salt (used whole): a person (any user, any private chat or group, any
        Twitter account unless marked public) never appears in clear in any table, file
        path, locator or reason text; public channels and supergroups keep their names and
        handles. People become ``anon:<16 hex>`` (HMAC-SHA-256 keyed by the salt), phone
        numbers and e-mail addresses in texts ``<phone:…>``/``<email:…>``, folder and file
        names other than ``result.json``/``messages.html`` ``p-<hex>``; raw excerpts of
        rejected records are dropped. See :mod:`workbench.privacy`.
    public : list, optional
        With ``pseudonymise``: channels and accounts to keep in clear, by handle, id (bare or
        ``telegram:…``/``twitter:…``) or name (the analyst's judgement that they are public
        outlets, e.g. the official accounts of an organisation on Twitter).

    Returns
    -------
    Corpus
        ``messages`` sorted by (date, channel_id, message_id); ``channels`` (exported channels
        and forward sources, ``telegram:name:<name>`` with ``resolved=False`` when only a name
        is known); ``service``; ``rejected`` (every record that could not be loaded, with a
        reason); ``files`` (path relative to the given path's parent, size, SHA-256, and
        records = loaded + service + rejected + merged).

    Raises
    ------
    LoadError
        The path does not exist, a single file cannot be read (empty, truncated, not UTF-8,
        invalid JSON: the message names the file and byte position), no file in a folder
        could be read, or the folder is a corpus store (open it with
        :func:`workbench.open_store`).
    FormatError
        A file matches no format (the message lists each format tried and why not).

    Warns
    -----
    WorkbenchWarning
        When a time offset was assumed, duplicates were merged, files in a folder were
        rejected, or label rows matched nothing.

    Examples
    --------
    >>> import json, tempfile, workbench as wb
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp()) / "exports"
    >>> folder.mkdir()
    >>> export = {"name": "Example", "type": "public_channel", "id": 42, "messages": [
    ...     {"id": 1, "type": "service", "date_unixtime": "1475323200",
    ...      "action": "create_channel"},
    ...     {"id": 2, "type": "message", "date_unixtime": "1475323260", "text": "hello",
    ...      "forwarded_from": "Elsewhere"},
    ...     {"id": 3, "type": "unsupported", "date_unixtime": "1475323320"}]}
    >>> _ = (folder / "result.json").write_text(json.dumps(export))
    >>> corpus = wb.load(folder)
    >>> corpus
    Corpus(1 messages in 1 channels, 2016-10-01 to 2016-10-01; 2 channels known, 1 service,
    1 rejected)
    >>> corpus.channels[["channel_id", "resolved"]]
                    channel_id  resolved
    0              telegram:42      True
    1  telegram:name:elsewhere     False
    >>> corpus.rejected["source"].tolist()
    ['exports/result.json#3']
    """
    if pseudonymise is not None and (not isinstance(pseudonymise, (str, bytes))
                                     or not pseudonymise):
        raise ParameterError("pseudonymise= needs a non-empty salt string (keep it secret)")
    if public is not None and pseudonymise is None:
        raise ParameterError("public= marks what pseudonymise= keeps in clear: give a salt too")
    root = Path(path)
    if not root.exists():
        raise LoadError(f"{root.name or path}: no such file or folder")
    if format == parquet.NAME or (format is None and is_saved_corpus(root)):
        corpus = read_corpus(root)
        if channels is not None:
            messages_, channels_ = corpus.messages, corpus.channels
            notes: list[str] = []
            channels_, messages_ = labels.join_labels(channels_, messages_, channels, notes)
            _emit(notes)
            corpus = Corpus(messages_, channels_, corpus.rejected, corpus.service, corpus.files)
        return corpus if pseudonymise is None else pseudonymise_people(corpus, pseudonymise,
                                                                        public=public)
    forced = detect.get_format(format) if format is not None else None
    found = walk(root)
    notes = found.notes
    bar = progress_bar(sum(s.size for s in found.sources), progress, desc="loading")
    try:
        # keep_memory: the build's large arrays reuse freed memory instead of fresh pages,
        # which are slow on some virtual machines (see workbench.memory).
        with no_gc(), keep_memory():
            build = Builder(tz=tz, channel_id=channel_id,
                            progress=bar.update if bar is not None else None)
            workers = _pool.workers_for(found.sources, forced=forced)
            if workers > 1:
                _pool.read_parallel(found.sources, build, forced=forced, workers=workers,
                                    advance=bar.update if bar is not None else None)
            else:
                for source in found.sources:
                    files.read_file(source, build, format=forced, strict=root.is_file())
            if build.bad_files:
                if len(build.bad_files) == len(found.sources):
                    raise LoadError(f"{root.name}: no file could be read: "
                                    + "; ".join(r for _, r in build.bad_files[:5]))
                notes.append(
                    f"{len(build.bad_files)} of {len(found.sources)} file(s) could not be read "
                    "and are listed in corpus.rejected: "
                    + "; ".join(r for _, r in build.bad_files[:5])
                    + (" ..." if len(build.bad_files) > 5 else ""))
            for source, why in found.unreadable:  # the walk's note names them already
                build.discard(source, None, f"{source.label}: {why}", note=False)
            corpus = build.build(labels=channels)
    finally:
        if bar is not None:
            bar.close()
    if pseudonymise is not None:
        notes = build.warnings + notes
        corpus = pseudonymise_people(
            corpus, pseudonymise, public=public,
            hints={p.channel_id: p.public for p in build.parts if p.public is not None},
            persons=build.persons, mention_names=build.mention_names, notes=notes)
        _emit(notes)
        return corpus
    _emit(build.warnings + notes)
    return corpus


def _emit(messages: list[str]) -> None:
    for message in messages:
        # stacklevel 3: the analyst's call of load(), not this module
        warnings.warn(message, WorkbenchWarning, stacklevel=3)


def fixtures_dir() -> Path:
    """The bundled fixture folder: ``$WORKBENCH_FIXTURES`` or ``<project>/data/fixtures``.

    Raises
    ------
    WorkbenchError
        If it does not exist (regenerate it with ``python -m workbench.synth``).
    """
    env = os.environ.get("WORKBENCH_FIXTURES")
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "fixtures"
    if not (folder / "telegram").is_dir():
        raise WorkbenchError(
            f"fixtures not found at {folder} (expected a telegram/ folder there): set "
            "WORKBENCH_FIXTURES, or regenerate them with `python -m workbench.synth`")
    return folder


def fixture_truth(corpus: Corpus) -> dict:
    """The bundled fixtures' planted truth (``truth.json``) when ``corpus`` holds the world it
    describes, else ``{}``: checks against planted truth (in the notebooks) then show nothing
    instead of failing on an analyst's own data. The corpus holds the world when it has every
    message of the planted cross-posting clusters.

    Examples
    --------
    >>> import workbench as wb
    >>> "crosspost_clusters" in fixture_truth(wb.load_fixtures())
    True
    >>> fixture_truth(wb.Corpus.empty())
    {}
    """
    import json

    try:
        truth = json.loads((fixtures_dir() / "truth.json").read_text(encoding="utf-8"))
    except (WorkbenchError, OSError):
        return {}
    planted = {(str(c), int(m)) for cluster in truth.get("crosspost_clusters", [])
               for c, m in cluster["members"]}
    # Only the planted channels' messages are looked at (an analyst's corpus may be large).
    messages = corpus.messages
    messages = messages[messages["channel_id"].astype(str).isin({c for c, _ in planted})]
    held = set(zip(messages["channel_id"].astype(str), messages["message_id"].astype(int)))
    return truth if planted and planted <= held else {}


def open_corpus(corpus: str | os.PathLike | None = "", labels: str | os.PathLike | None = None,
                *, twitter: bool = False, editions: bool = False, tz: str | tzinfo = "UTC",
                seed: int = 0, progress: bool | None = None) -> Corpus:
    """The notebooks' load cell: the analyst's corpus, or the bundled fixtures, always with a
    ``group`` column, so every ``by="group"`` analysis runs.

    Parameters
    ----------
    corpus : str or Path, default ""
        What :func:`load` reads (a file, a folder of exports, a saved corpus). Empty or None:
        the bundled fixtures (:func:`load_fixtures`).
    labels : str or Path, optional
        A labels CSV (``channel_id`` or ``handle``/``name``, and ``group``) joined to the
        channels. Without one, and without labels saved in the corpus, the groups are the
        communities detected in the forward network, each named after its hub ("community
        around X"; at most 8, the smallest folded into "other groups (n)"), or each channel
        when nothing is forwarded; a :class:`~workbench.errors.WorkbenchWarning` says so.
    twitter, editions : bool, default False
        With the fixtures only: add their Twitter side or their language editions (as
        :func:`load_fixtures`).
    tz, progress
        As in :func:`load`.
    seed : int, default 0
        Seed of the community detection.

    Examples
    --------
    >>> import workbench as wb
    >>> wb.open_corpus("").channels["group"].notna().any()
    np.True_
    """
    from ..groups import assign_groups  # here: groups need the network package

    if corpus is None or str(corpus).strip() == "":
        loaded = load_fixtures(twitter=twitter, editions=editions, progress=progress)
        if labels is None:
            return loaded
        corpus = fixtures_dir() / "telegram"
    labels = labels if labels is None or str(labels).strip() else None
    loaded = load(corpus, tz=tz, channels=labels, progress=progress)
    grouped, source, _, folded = assign_groups(loaded, labels_given=labels is not None,
                                               seed=seed)
    if "lang" not in grouped.channels.columns:  # the other label column analyses expect
        grouped.channels["lang"] = pd.Series(pd.NA, index=grouped.channels.index,
                                             dtype="string")
    if source in ("communities", "channels"):
        n = grouped.messages["group"].nunique()
        what = ("communities detected in the forward network, each named after its hub"
                if source == "communities" else "the channels themselves (nothing is "
                "forwarded, so no communities can be detected)")
        warnings.warn(f"no group labels: the {n} group{'s are' if n != 1 else ' is'} {what}"
                      + (f"; the smallest {folded} are folded into one" if folded else "")
                      + ". Pass labels= (a CSV with a group column) for analyst groups.",
                      WorkbenchWarning, stacklevel=2)
    return grouped


def load_fixtures(*, twitter: bool = False, editions: bool = False,
                  progress: bool | None = None) -> Corpus:
    """The bundled synthetic corpus: ``data/fixtures/telegram`` (one Telegram Desktop export
    per channel) with the analyst labels of ``data/fixtures/channels.csv`` (``group``,
    ``lang``) joined.

    Parameters
    ----------
    twitter : bool, default False
        Also load the Twitter side of the fixtures (``data/fixtures/twitter/*.csv``, Kaggle
        "How ISIS Uses Twitter" layout, Jan 2015 to Dec 2016) into the same corpus, with
        ``platform`` "twitter" (no analyst labels: ``group`` and ``lang`` are null there).
    editions : bool, default False
        Also load the language editions of ``data/fixtures/editions`` (labels
        ``editions.csv``: a news brand in twelve
        languages, real function words; ``group`` "news_editions", no ``lang`` label: find
        it with :meth:`~workbench.Corpus.with_languages`).
    progress : bool, optional
        As in :func:`load`.

    Examples
    --------
    >>> import workbench as wb
    >>> corpus = wb.load_fixtures()
    >>> corpus.messages["channel_id"].str.startswith("telegram:").all()
    np.True_
    >>> wb.load_fixtures(twitter=True).messages["platform"].value_counts().index.tolist()
    ['telegram', 'twitter']
    """
    folder = fixtures_dir()
    labels_csv = folder / "channels.csv"
    corpus = load(folder / "telegram", channels=labels_csv if labels_csv.is_file() else None,
                  progress=progress)
    if twitter:
        corpus = _concat(corpus, load(folder / "twitter", progress=progress))
    if editions:
        corpus = _concat(corpus, load(folder / "editions", channels=folder / "editions.csv",
                                      progress=progress))
    return corpus


def _concat(corpus: Corpus, other: Corpus) -> Corpus:
    """Both corpora's tables in one (the fixtures' sides); messages by date."""
    tables = {}
    for name in ("messages", "channels", "rejected", "service", "files"):
        first, second = getattr(corpus, name), getattr(other, name)
        both = schema.conform(pd.concat([first, second], ignore_index=True), name)
        for col in first.columns.difference(schema.TABLES[name], sort=False):
            both[col] = both[col].astype(first[col].dtype)  # labels the other side lacks
        tables[name] = both
    tables["messages"] = tables["messages"].sort_values(
        ["date", "channel_id", "message_id"], kind="stable", ignore_index=True)
    return Corpus(**tables)
