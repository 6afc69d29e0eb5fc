"""Load throughput per input format on the same synthetic world.

The generator writes one world (about 10^5 messages at full size) in every Telegram format
registered in :data:`workbench.synth._formats.WRITERS`; each is then loaded with ``wb.load``
in a fresh process. Throughput is messages per second and input MB per second; peak memory is
the loading process's high-water mark above its starting size.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from ._measure import measure
from .load import _workbench

FULL_SCALE = 4.0    # about 10^5 messages
QUICK_SCALE = 0.05


def run(*, quick: bool = False) -> pd.DataFrame:
    from workbench.synth import generate_world
    from workbench.synth._formats import WRITERS

    world = generate_world(2016, messages_scale=QUICK_SCALE if quick else FULL_SCALE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in WRITERS.items():
            out = Path(tmp) / name
            write(world, out)
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            seconds, peak, count = measure(_workbench, str(out))
            rows.append({"format": name, "messages": count, "input_MB": size / 1e6,
                         "seconds": seconds, "messages/s": count / seconds,
                         "MB/s": size / 1e6 / seconds, "peak_MB": peak / 1e6})
    return pd.DataFrame(rows).round(2)
