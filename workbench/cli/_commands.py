"""The sub-commands ``info``, ``ingest``, ``store`` and ``export``: each takes the parsed
arguments, writes its result to stdout (progress and notes to stderr) and returns the exit
status. Errors are raised as :class:`~workbench.errors.WorkbenchError` and worded by ``main``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pandas as pd

from ..errors import ParameterError, WorkbenchError

__all__ = ["info", "ingest", "store", "export", "GRAPH_KINDS", "TABLES", "GRAPH_FORMATS",
           "TABLE_FORMATS", "holes_line"]

GRAPH_FORMATS = ("gexf", "graphml", "csv")
TABLE_FORMATS = ("parquet", "csv")
TABLES = ("messages", "channels", "edges", "clusters")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _forward(messages, channels):
    from ..network import forward_edges
    return forward_edges(messages)


def _mention(messages, channels):
    from ..network import mention_edges
    return mention_edges(messages, channels=channels)


def _reply(messages, channels):
    from ..network import reply_edges
    return reply_edges(messages)


#: Edge tables ``export --graph`` offers, each a function of (messages, channels).
GRAPH_KINDS = {
    "forward": _forward,
    "mention": _mention,
    "reply": _reply,
}
ALL_GRAPH_KINDS = ("forward", "mention", "reply")


def say(message: str) -> None:
    """Progress and notes go to stderr, so stdout stays the command's result."""
    print(message, file=sys.stderr, flush=True)


def clean(value) -> str:
    """A value for the terminal: control and bidirectional characters from the data shown
    as ``\\xHH`` / ``\\uHHHH`` escapes, so a name cannot rewrite the screen."""
    def escape(match: re.Match) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _CONTROL.sub(escape, str(value))


def _table(frame: pd.DataFrame) -> str:
    """A DataFrame as plain text, every cell cleaned for the terminal."""
    if frame.empty:
        return "(none)"
    shown = frame.astype(object).where(frame.notna(), "").map(clean)
    return shown.to_string(index=False)


def _is_store(path: Path) -> bool:
    return path.is_dir() and (path / "store.json").is_file()


def _load(path: str, labels: str | None):
    """A corpus from anything ``wb.load`` reads, or from a corpus store's folder."""
    from ..io import load

    source = Path(path).expanduser()
    if not source.exists():
        raise ParameterError(f"PATH: {source} does not exist")
    if _is_store(source):
        from ..store import open_store
        say(f"reading the store {source}")
        st = open_store(source, create=False)
        if labels:
            raise ParameterError("labels: a store keeps its labels; give them when ingesting "
                                 "(`workbench ingest STORE PATH... --labels FILE`)")
        return st.corpus()
    say(f"loading {source}")
    return load(source, channels=labels)


# -- info ------------------------------------------------------------------------------------

def holes(corpus) -> pd.DataFrame:
    """Suspected holes in the collection (:func:`workbench.timeline.collection_gaps`)."""
    from ..timeline import collection_gaps
    return collection_gaps(corpus.messages, service=corpus.service, channels=corpus.channels)


def holes_line(gaps: pd.DataFrame) -> str | None:
    """The ``holes:`` line of ``workbench info``: long runs of missing message ids (None when
    there is none)."""
    if not len(gaps):
        return None
    top = gaps.sort_values("missing", ascending=False, kind="stable").iloc[0]
    return (f"holes: {len(gaps):,} suspected, about {int(gaps['missing'].sum()):,} messages "
            f"missing in {gaps['channel_id'].nunique():,} channels; largest: "
            f"{clean(top['channel_id'])} ids {int(top['first_missing_id']):,}-"
            f"{int(top['last_missing_id']):,} between {pd.Timestamp(top['start']):%Y-%m-%d} and "
            f"{pd.Timestamp(top['end']):%Y-%m-%d}")


def _info_facts(corpus, path: Path) -> dict:
    m, files, rejected = corpus.messages, corpus.files, corpus.rejected
    formats = files["format"].astype(str).value_counts() if len(files) else pd.Series(dtype=int)
    in_messages = set(m["channel_id"].dropna().astype(str))
    facts = {
        "path": str(path),
        "files": int(len(files)),
        "formats": {clean(k): int(v) for k, v in formats.items()},
        "platforms": {clean(k): int(v) for k, v in
                      m["platform"].astype(str).value_counts().items()} if len(m) else {},
        "messages": int(len(m)),
        "channels": len(in_messages),
        "channels_known": int(len(corpus.channels)),
        "first": m["date"].min().isoformat() if len(m) else None,
        "last": m["date"].max().isoformat() if len(m) else None,
        "service": int(len(corpus.service)),
        "rejected": int(len(rejected)),
        "rejected_reasons": {clean(k): int(v) for k, v in
                             rejected["reason"].astype(str).str.split(":").str[0]
                             .value_counts().head(10).items()} if len(rejected) else {},
    }
    if "group" in corpus.channels.columns:
        groups = corpus.channels["group"].dropna().astype(str)
        facts["groups"] = sorted(clean(g) for g in groups.unique())
    gaps = holes(corpus)
    facts["holes"] = [{"channel_id": clean(r.channel_id),
                       "first_missing_id": int(r.first_missing_id),
                       "last_missing_id": int(r.last_missing_id), "missing": int(r.missing),
                       "start": pd.Timestamp(r.start).isoformat(),
                       "end": pd.Timestamp(r.end).isoformat(), "reason": clean(r.reason)}
                      for r in gaps.itertuples(index=False)]
    facts["_holes_line"] = holes_line(gaps)
    return facts


def info(args: argparse.Namespace) -> int:
    """``workbench info PATH``: what a file or folder holds."""
    path = Path(args.path).expanduser()
    corpus = _load(args.path, args.labels)
    facts = _info_facts(corpus, path)
    line = facts.pop("_holes_line")
    if args.json:
        print(json.dumps(facts, indent=2, ensure_ascii=False))
        return 0
    kinds = ", ".join(f"{k}: {v:,}" for k, v in facts["formats"].items()) or "none"
    lines = [f"path: {clean(path)}",
             f"files: {facts['files']:,} ({kinds})",
             f"messages: {facts['messages']:,} in {facts['channels']:,} channels "
             f"({facts['channels_known']:,} channels known, forward sources included)"]
    if facts["platforms"]:
        lines.append("platforms: " + ", ".join(f"{k} {v:,}" for k, v in
                                               facts["platforms"].items()))
    if facts["first"]:
        lines.append(f"dates: {facts['first'][:10]} to {facts['last'][:10]} (UTC)")
    if "groups" in facts:
        lines.append(f"groups: {', '.join(facts['groups']) or 'none'}")
    lines.append(f"service records: {facts['service']:,}")
    reasons = "; ".join(f"{k}: {v:,}" for k, v in facts["rejected_reasons"].items())
    lines.append(f"rejected: {facts['rejected']:,}" + (f" ({reasons})" if reasons else ""))
    if line:
        lines.append(line)
    print("\n".join(lines))
    return 0


# -- ingest and store ------------------------------------------------------------------------

def ingest(args: argparse.Namespace) -> int:
    """``workbench ingest STORE PATH...``: add exports to a corpus store."""
    from ..store import open_store

    for path in args.paths:
        if not Path(path).expanduser().exists():
            raise ParameterError(f"PATH: {path} does not exist")
    if args.workers is not None and args.workers < 1:
        raise ParameterError(f"workers: {args.workers}; expected 1 or more")
    st = open_store(args.store)
    say(f"ingesting {len(args.paths)} input(s) into {args.store}")
    report = st.ingest([Path(p).expanduser() for p in args.paths], channels=args.labels,
                       tz=args.tz, workers=args.workers)
    columns = [c for c in ("path", "status", "loaded", "added", "updated", "unchanged",
                           "older", "service", "rejected") if c in report.columns]
    print(_table(report[columns]))
    bad = report[report["status"].astype(str).str.startswith("unreadable")]
    for row in bad.itertuples():
        say(f"workbench ingest: error: cannot read {clean(row.path)}")
    return 1 if len(bad) else 0


def store(args: argparse.Namespace) -> int:
    """``workbench store STORE``: what a corpus store holds; ``--verify`` reads every file."""
    from ..store import open_store

    path = Path(args.store).expanduser()
    if not _is_store(path):
        raise ParameterError(f"STORE: {path} is not a corpus store (no store.json); create "
                             "one with `workbench ingest STORE PATH...`")
    st = open_store(path, create=False)
    sources = st.sources()
    columns = [c for c in ("ingested_at", "path", "format", "loaded", "added", "updated",
                           "rejected") if c in sources.columns]
    counts = st.messages_query("SELECT count(*) AS messages, count(DISTINCT channel_id) AS "
                               "channels, min(date) AS first, max(date) AS last FROM messages")
    row = counts.iloc[0]
    print(f"store: {clean(path)}")
    print(f"sources: {len(sources):,}")
    print(_table(sources[columns]))
    print(f"messages: {int(row['messages']):,} in {int(row['channels']):,} channels")
    if pd.notna(row["first"]):
        print(f"dates: {pd.Timestamp(row['first']):%Y-%m-%d} to "
              f"{pd.Timestamp(row['last']):%Y-%m-%d} (UTC)")
    print(f"channels known: {len(st.channels()):,}")
    if args.verify:
        say("verifying every file of the store")
        checked = st.verify()
        print(f"verified: {len(checked):,} files, {int(checked['rows'].sum()):,} rows, "
              "all intact")
    return 0


# -- export ----------------------------------------------------------------------------------

def _format(args: argparse.Namespace, allowed: tuple[str, ...]) -> str:
    out = Path(args.out)
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in allowed:
        what = "--graph" if args.graph else "--table"
        raise ParameterError(f"format: {fmt or out.name!r} cannot be written with {what}; "
                             f"use --format {'|'.join(allowed)}")
    return fmt


def _edges(kind: str, corpus) -> pd.DataFrame:
    try:
        make = GRAPH_KINDS[kind]
    except KeyError:
        raise ParameterError(
            f"graph: {kind!r} is not available in this version of the workbench (offered: "
            f"{', '.join(GRAPH_KINDS)})") from None
    return make(corpus.messages, corpus.channels)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """List cells (mentions, links, hashtags) as one space-separated string for CSV."""
    from ..schema import LIST_DTYPE

    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == LIST_DTYPE:  # Arrow lists (the canonical list columns)
            frame[column] = pd.Series([" ".join(v) if v else "" for v in
                                       frame[column].tolist()], index=frame.index,
                                      dtype="string")
        elif frame[column].dtype == object and frame[column].map(
                lambda v: isinstance(v, (list, tuple)) or hasattr(v, "tolist")).any():
            frame[column] = frame[column].map(
                lambda v: " ".join(map(str, list(v))) if v is not None and not (
                    isinstance(v, float) and pd.isna(v)) else pd.NA)
    return frame


def export(args: argparse.Namespace) -> int:
    """``workbench export PATH --graph KIND|--table NAME --out FILE``."""
    from ..network import edges_to_graph, write_graph
    from ..text import neutralise_formulas

    if args.graph and args.table and args.table != "edges":
        raise ParameterError("graph: --graph and --table go together only as "
                             "--table edges --graph KIND (which edges)")
    out = Path(args.out).expanduser()
    if out.is_dir():
        raise ParameterError(f"out: {out} is a folder; name the file to write")
    if args.table is None:
        fmt = _format(args, GRAPH_FORMATS)
        if args.graph not in GRAPH_KINDS:
            _edges(args.graph, None)  # raises, naming what is offered
        corpus = _load(args.path, args.labels)
        say(f"building the {args.graph} network")
        edges = _edges(args.graph, corpus)
        graph = edges_to_graph(edges, corpus.channels)
        written = write_graph(graph, out, format=fmt)
        print(f"wrote {', '.join(map(str, written))} ({graph.number_of_nodes():,} channels, "
              f"{graph.number_of_edges():,} edges)")
        return 0
    fmt = _format(args, TABLE_FORMATS)
    kind = args.graph or "forward"
    if args.table == "edges" and kind not in GRAPH_KINDS:
        _edges(kind, None)
    corpus = _load(args.path, args.labels)
    if args.table == "messages":
        table = corpus.messages
    elif args.table == "channels":
        table = corpus.channels
    elif args.table == "edges":
        say(f"building the {kind} edges")
        table = _edges(kind, corpus)
    else:
        from ..crosspost import find_crossposts
        say("finding cross-posted messages")
        table = find_crossposts(corpus.messages, channels=corpus.channels)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        neutralise_formulas(_flat(table)).to_csv(out, index=False)
    else:
        from ..schema import LIST_DTYPE

        # Arrow list columns as plain lists: pandas cannot rebuild an ArrowDtype list from
        # the Parquet file's metadata, so other tools' pd.read_parquet would fail.
        lists = [c for c in table.columns if table[c].dtype == LIST_DTYPE]
        table = table.assign(**{c: pd.Series(table[c].tolist(), index=table.index,
                                             dtype=object) for c in lists})
        table.to_parquet(out, index=False)
    print(f"wrote {out} ({len(table):,} rows of {args.table})")
    return 0
