"""``python -m workbench.synth``: regenerate the fixtures, or write a large benchmark export."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._desktop import write_desktop_export
from ._fixtures import FIXTURES_DIR, write_fixtures
from ._world import generate_world


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.synth``: regenerate the fixtures (or a large benchmark export).

    Examples
    --------
    >>> import tempfile
    >>> main(["--seed", "5", "--n-channels", "15", "--messages-scale", "0.05",
    ...       "--out", tempfile.mkdtemp(), "--quiet"])
    0
    """
    from . import __doc__ as package_doc  # --help opens with the package's summary line

    parser = argparse.ArgumentParser(prog="python -m workbench.synth",
                                     description=package_doc.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--out", type=Path, default=FIXTURES_DIR,
                        help="output directory (default: the project's data/fixtures)")
    parser.add_argument("--n-channels", type=int, default=50)
    parser.add_argument("--in-group-share", type=float, default=0.85)
    parser.add_argument("--edit-strength", type=float, default=0.5)
    parser.add_argument("--surge-event", default="berlin-2016")
    parser.add_argument("--messages-scale", type=float, default=1.0)
    parser.add_argument("--desktop-export", type=Path, metavar="FILE",
                        help="instead, write one large Desktop export of --messages records")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.desktop_export:
        write_desktop_export(args.desktop_export, args.messages, seed=args.seed)
        summary = f"wrote {args.messages:,} records to {args.desktop_export}"
    else:
        surge = None if args.surge_event.lower() == "none" else args.surge_event
        world = generate_world(args.seed, n_channels=args.n_channels,
                               in_group_share=args.in_group_share,
                               edit_strength=args.edit_strength, surge_event=surge,
                               messages_scale=args.messages_scale)
        out = write_fixtures(world, args.out)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        summary = (f"wrote {world.n_messages:,} records in {len(world.exports)} channels and "
                   f"{len(world.tweets):,} tweets to {out} ({size / 1e6:.2f} MB)")
    if not args.quiet:
        print(f"{summary} in {time.perf_counter() - started:.1f} s")
    return 0
