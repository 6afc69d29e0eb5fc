"""Times of the world as the exports write them: UTC days, Desktop's local dates, file stamps."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ._constants import DAY, EXPORT_OFFSET


def _day(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def _local(ts: int) -> str:
    """Desktop's ``date``: the exporting machine's wall clock, without an offset."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts + EXPORT_OFFSET))


def _file_stamp(ts: int) -> str:
    return time.strftime("%d-%m-%Y_%H-%M-%S", time.gmtime(ts + EXPORT_OFFSET))


def _weekday(ts: int) -> int:
    return (ts // DAY + 3) % 7  # 1 Jan 1970 was a Thursday


def _parse_utc(text: str) -> int:
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(stamp.timestamp())
