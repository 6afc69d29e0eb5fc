"""The ``workbench`` command line.

- ``workbench info PATH``: what a file or folder of exports holds (formats, channels,
  messages, dates, rejected records);
- ``workbench ingest STORE PATH... [--labels CSV] [--workers N]``: add exports to a store;
- ``workbench store STORE [--verify]``: a store's sources and counts;
- ``workbench export PATH --graph forward|mention|reply --out FILE`` (GEXF, GraphML, CSV) or
  ``--table messages|channels|edges|clusters --out FILE`` (Parquet, CSV);
- ``workbench brief --corpus PATH [--event NAME] [--out FILE] [--pdf] [...]`` renders a
  briefing: the notebook template executed on the corpus and exported to one self-contained
  HTML file (and printed to PDF).

Results go to stdout, progress and errors to stderr. Exit status: 0 done, 1 refused (a file
that cannot be read or written, a damaged store), 2 a bad parameter.

Examples
--------
>>> parser = build_parser()
>>> args = parser.parse_args(["brief", "--corpus", "exports/", "--groups", "official,aqap",
...                           "supporters"])
>>> args.corpus, _split(args.groups)
('exports/', ['official', 'aqap', 'supporters'])
"""

from __future__ import annotations

import argparse
import sys
import warnings

from ..errors import ParameterError, WorkbenchError
from . import _commands
from ._commands import ALL_GRAPH_KINDS, GRAPH_FORMATS, TABLE_FORMATS, TABLES

__all__ = ["main", "build_parser"]

# Parameters whose errors start "<name>: ", reworded to name their option, "--<name>: ".
_OPTIONS = frozenset({"corpus", "labels", "event", "before", "after", "groups", "terms",
                      "redact", "tz", "out", "top", "title", "analyst", "pdf", "workers",
                      "format", "graph", "table"})



def _split(values: list[str] | None) -> list[str] | None:
    """Values given as repeated words and/or comma-separated lists."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``workbench`` (sub-commands info, ingest, store, export,
    brief)."""
    parser = argparse.ArgumentParser(
        prog="workbench", description="Channel Workbench: study propaganda networks on "
                                      "Telegram. Results go to stdout, progress to stderr; "
                                      "exit status 0 done, 1 refused, 2 bad parameter.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_info(sub)
    _add_ingest(sub)
    _add_store(sub)
    _add_export(sub)
    brief = sub.add_parser(
        "brief", help="render an HTML briefing of a corpus",
        description="Render a self-contained, offline HTML briefing: key findings, the "
                    "channel network, volume around an event, a keyword trend, cross-posting, "
                    "top channels, method and provenance. Message texts, names and links are "
                    "escaped and defanged.")
    brief.add_argument("--corpus", required=True, metavar="PATH",
                       help="a file or folder of exports (anything wb.load reads)")
    brief.add_argument("--event", metavar="NAME",
                       help="an event key (berlin-2016), a name word (Berlin) or a date; "
                            "default: the largest rise in volume")
    brief.add_argument("--labels", metavar="FILE",
                       help="channel labels CSV with a `group` column; without it, groups are "
                            "the communities detected in the forward network")
    brief.add_argument("--out", default="briefing.html", metavar="FILE",
                       help="the HTML file to write (default: briefing.html)")
    brief.add_argument("--title", help="the briefing's title (default: made from the event)")
    brief.add_argument("--analyst", help="the analyst's name, shown under the title")
    brief.add_argument("--groups", nargs="+", metavar="GROUP",
                       help="brief only on these groups (words or comma-separated)")
    brief.add_argument("--before", default="28D", help="days before the event (default 28D)")
    brief.add_argument("--after", default="14D", help="days after the event (default 14D)")
    brief.add_argument("--terms", nargs="+", metavar="TERM",
                       help="keywords to trace (default: the words whose share rose most "
                            "before the event)")
    brief.add_argument("--redact", default="none", choices=["none", "pseudonymise"],
                       help="pseudonymise: replace channel and user names, handles and ids "
                            "by salted hashes (default: none)")
    brief.add_argument("--salt", help="secret for --redact pseudonymise (default: random per "
                                      "run); never written to the briefing")
    brief.add_argument("--tz", default="UTC", help="time zone of day boundaries (default UTC)")
    brief.add_argument("--top", type=int, default=15, help="rows of the top-channels table")
    brief.add_argument("--seed", type=int, default=0, help="seed of layouts and communities")
    brief.add_argument("--notebook", metavar="FILE",
                       help="also keep the executed notebook here")
    brief.add_argument("--pdf", nargs="?", const=True, metavar="FILE",
                       help="also print the briefing to PDF with the system's headless "
                            "Chromium: beside the HTML (same name, .pdf), or to FILE")
    return parser


def _add_info(sub) -> None:
    info = sub.add_parser(
        "info", help="what a file or folder of exports holds",
        description="Load PATH as wb.load does and report the formats detected, channels, "
                    "messages, date range, service records and rejected records (with "
                    "their reasons), without a notebook.")
    info.add_argument("path", metavar="PATH", help="a file or folder of exports, a saved "
                                                   "corpus, or a corpus store")
    info.add_argument("--labels", metavar="FILE", help="channel labels CSV (adds groups)")
    info.add_argument("--json", action="store_true", help="print the facts as JSON")


def _add_ingest(sub) -> None:
    ingest = sub.add_parser(
        "ingest", help="add exports to a corpus store (created if missing)",
        description="Add exports to the corpus store STORE, idempotently (inputs already "
                    "ingested are skipped) and atomically; prints one row per input.")
    ingest.add_argument("store", metavar="STORE", help="the store's folder")
    ingest.add_argument("paths", nargs="+", metavar="PATH",
                        help="files or folders of exports (anything wb.load reads)")
    ingest.add_argument("--labels", metavar="CSV",
                        help="channel labels (a `group` column and any others); they apply "
                             "to every channel of the store")
    ingest.add_argument("--workers", type=int, metavar="N",
                        help="reading processes for large inputs (default: chosen by size)")
    ingest.add_argument("--tz", default="UTC",
                        help="time zone of exports that carry local times (default UTC)")


def _add_store(sub) -> None:
    store = sub.add_parser(
        "store", help="a corpus store's sources and counts",
        description="List the inputs ingested into STORE (with what each added), and count "
                    "its messages and channels; --verify reads every file in full.")
    store.add_argument("store", metavar="STORE", help="the store's folder")
    store.add_argument("--verify", action="store_true",
                       help="read every file of the store; exit 1 naming a damaged one")


def _add_export(sub) -> None:
    export = sub.add_parser(
        "export", help="write a channel network or a table to a file",
        description="Write a channel network (--graph: GEXF for Gephi, GraphML, or CSV node "
                    "and edge tables) or a table (--table: Parquet or CSV) of PATH. The "
                    "format follows --out's suffix unless --format names it. CSV cells "
                    "that a spreadsheet would run as formulas are neutralised.")
    export.add_argument("path", metavar="PATH", help="a file or folder of exports, a saved "
                                                     "corpus, or a corpus store")
    what = export.add_argument_group("what to write (one of)")
    what.add_argument("--graph", choices=ALL_GRAPH_KINDS,
                      help="the network: who forwards, mentions or replies to whom "
                           "(with --table edges: which edges)")
    what.add_argument("--table", choices=TABLES, help="a table: messages, channels, the "
                      "edges of --graph (default forward), or cross-posting clusters")
    export.add_argument("--format", choices=sorted({*GRAPH_FORMATS, *TABLE_FORMATS}),
                        help="gexf|graphml|csv for --graph, parquet|csv for --table "
                             "(default: from --out)")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--labels", metavar="FILE", help="channel labels CSV")


def _brief(args: argparse.Namespace) -> int:
    from ..briefing import render_briefing

    result = render_briefing(
        args.corpus, out=args.out, labels=args.labels, event=args.event, before=args.before,
        after=args.after, groups=_split(args.groups), terms=_split(args.terms),
        title=args.title, analyst=args.analyst, redact=args.redact, salt=args.salt,
        tz=args.tz, seed=args.seed, top=args.top, notebook=args.notebook, pdf=args.pdf)
    print(f"wrote {result.path} ({result.size / 2**20:.1f} MB, {result.figures} figures, "
          f"{result.seconds:.0f} s)")
    if result.pdf is not None:
        print(f"wrote {result.pdf}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "brief":
        return _brief(args)
    if args.command == "export" and not (args.graph or args.table):
        raise ParameterError("graph: name what to write: --graph KIND or --table NAME")
    return getattr(_commands, args.command)(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a bad parameter, 1 for any
    other refusal), printing errors without a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)

    def warn(message, category, filename, lineno, file=None, line=None):
        print(f"workbench {args.command}: warning: {_commands.clean(message)}",
              file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = warn
            return _run(args)
    except ParameterError as exc:
        message = str(exc)
        name = getattr(exc, "parameter", "") or message.split(":", 1)[0]
        if name in _OPTIONS and message.startswith(f"{name}: "):
            message = f"--{message}"
        parser.exit(2, f"workbench {args.command}: error: {message}\n")
    except WorkbenchError as exc:
        parser.exit(1, f"workbench {args.command}: error: {exc}\n")
    except OSError as exc:  # a file the run writes or reads outside the checked paths
        where = f" {exc.filename}" if exc.filename else ""
        parser.exit(1, f"workbench {args.command}: error: cannot use{where}: "
                       f"{exc.strerror or exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"workbench {args.command}: interrupted\n")
