"""Load throughput of Telegram Desktop JSON exports.

For exports of 10^4, 10^5 and 10^6 messages written by the generator, compares ``wb.load``
with (a) ``json.load`` + ``pandas.json_normalize``, as an analyst would write it, and (b) a
raw ``orjson.loads`` of the same bytes, the ceiling for any loader that parses JSON.
Targets: at least 3x the baseline, peak memory at most 3x the file size, and a reported
fraction of the ceiling (aim: 40%).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import orjson
import pandas as pd

from ._measure import measure

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000,)


def _workbench(path: str) -> int:
    import workbench as wb

    return len(wb.load(path, progress=False).messages)


def _baseline(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return len(pd.json_normalize(data["messages"]))


def _ceiling(path: str) -> int:
    return len(orjson.loads(Path(path).read_bytes())["messages"])


def run(*, quick: bool = False) -> pd.DataFrame:
    from workbench.synth import write_desktop_export

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in QUICK_SIZES if quick else SIZES:
            path = Path(tmp) / f"export-{n}.json"
            write_desktop_export(path, n, seed=0)
            # Real exports carry \xHH escapes that strict JSON parsers reject; the workbench
            # repairs them, the baselines cannot, so all three read a repaired copy.
            path.write_bytes(re.sub(rb"(?<!\\)\\x([0-9a-fA-F]{2})", rb"\\u00\1", path.read_bytes()))
            size = path.stat().st_size
            for method, fn in (("workbench", _workbench), ("json+json_normalize", _baseline),
                               ("orjson (ceiling)", _ceiling)):
                seconds, peak, count = measure(fn, str(path))
                rows.append({"messages": n, "method": method, "file_MB": size / 1e6,
                             "seconds": seconds, "MB/s": size / 1e6 / seconds,
                             "messages/s": count / seconds, "peak_MB": peak / 1e6,
                             "peak/file": peak / size})
            path.unlink()
    table = pd.DataFrame(rows)
    base = table[table["method"] == "json+json_normalize"].set_index("messages")["seconds"]
    ceil = table[table["method"] == "orjson (ceiling)"].set_index("messages")["seconds"]
    table["speedup_vs_baseline"] = base.reindex(table["messages"]).to_numpy() / table["seconds"]
    table["fraction_of_ceiling"] = ceil.reindex(table["messages"]).to_numpy() / table["seconds"]
    return table.round(3)
