"""Run the benchmarks and print their tables (see ``bench/__init__.py``)."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys

from . import BENCHES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {BENCHES})")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--real", action="store_true",
                        help="real-length text where a benchmark has it (crosspost)")
    parser.add_argument("--sizes", type=lambda v: tuple(int(x) for x in v.split(",")),
                        help="corpus sizes for --real, comma-separated (e.g. 100000,1000000)")
    args = parser.parse_args(argv)
    os.environ.setdefault("WORKBENCH_PROGRESS", "0")
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {BENCHES}")
    names = args.names or BENCHES
    print(f"# Channel Workbench benchmarks ({'quick' if args.quick else 'full'}) on "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores")
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if args.real and hasattr(module, "run_real"):
            table = module.run_real(quick=args.quick, sizes=args.sizes)
        else:
            table = module.run(quick=args.quick)
        print(f"\n## {name}\n")
        print(table.to_string(index=False))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
