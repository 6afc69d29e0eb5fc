"""The ``workbench`` command line.

``workbench brief --corpus PATH [--event NAME] [--out FILE] [...]`` renders a briefing: the
notebook template executed on the corpus and exported to one self-contained HTML file.

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

from .errors import ParameterError, WorkbenchError

__all__ = ["main", "build_parser"]

# Parameters whose errors start "<name>: ", reworded to name their option, "--<name>: ".
_OPTIONS = frozenset({"corpus", "labels", "event", "before", "after", "groups", "terms",
                      "redact", "tz", "out", "top", "title", "analyst"})


def _split(values: list[str] | None) -> list[str] | None:
    """Values given as repeated words and/or comma-separated lists."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``workbench`` (sub-command ``brief``)."""
    parser = argparse.ArgumentParser(
        prog="workbench", description="Channel Workbench: study propaganda networks on "
                                      "Telegram. Sub-commands: brief.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
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
    return parser


def _brief(args: argparse.Namespace) -> int:
    from .briefing import render_briefing

    result = render_briefing(
        args.corpus, out=args.out, labels=args.labels, event=args.event, before=args.before,
        after=args.after, groups=_split(args.groups), terms=_split(args.terms),
        title=args.title, analyst=args.analyst, redact=args.redact, salt=args.salt,
        tz=args.tz, seed=args.seed, top=args.top, notebook=args.notebook)
    print(f"wrote {result.path} ({result.size / 2**20:.1f} MB, {result.figures} figures, "
          f"{result.seconds:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a bad parameter, 1 for any
    other refusal), printing errors without a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "brief":
            return _brief(args)
    except ParameterError as exc:
        name = getattr(exc, "parameter", "")
        message = str(exc)
        if name in _OPTIONS and message.startswith(f"{name}: "):
            message = f"--{message}"
        parser.exit(2, f"workbench {args.command}: error: {message}\n")
    except WorkbenchError as exc:
        parser.exit(1, f"workbench {args.command}: error: {exc}\n")
    except OSError as exc:  # a file the run writes or reads outside the checked paths
        where = f" {exc.filename}" if exc.filename else ""
        parser.exit(1, f"workbench {args.command}: error: cannot use{where}: "
                       f"{exc.strerror or exc}\n")
    return 1  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
