"""Writing a world as the project's fixtures: Desktop exports, Twitter CSV, labels, truth."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ._desktop import _desktop_json, _gzip
from ._truth import _dump_truth
from ._twitter import TWITTER_COLUMNS, TWITTER_FILE
from ._world import World

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "data" / "fixtures"


def _csv(rows: list[dict], columns) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_fixtures(world: World, out_dir: str | Path = FIXTURES_DIR) -> Path:
    """Write ``world`` to ``out_dir``: ``telegram/<handle>/result.json.gz``, ``twitter/``,
    ``channels.csv`` and ``truth.json``.

    Exports of channels that are not in ``world`` (left by an earlier run) are removed, so the
    directory always holds exactly one world.

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> from workbench.synth import generate_world
    >>> out = write_fixtures(generate_world(1, n_channels=15, messages_scale=0.05),
    ...                      tempfile.mkdtemp())
    >>> sorted(p.name for p in out.iterdir())
    ['channels.csv', 'editions', 'editions.csv', 'telegram', 'truth.json', 'twitter']
    """
    out = Path(out_dir)
    telegram = out / "telegram"
    telegram.mkdir(parents=True, exist_ok=True)
    for stale in sorted(telegram.glob("*/result.json.gz")):
        if stale.parent.name not in world.exports:
            stale.unlink()
            if not any(stale.parent.iterdir()):
                stale.parent.rmdir()
    for handle, export in world.exports.items():
        (telegram / handle).mkdir(exist_ok=True)
        data = _desktop_json(export).encode("utf-8")
        (telegram / handle / "result.json.gz").write_bytes(_gzip(data))
    (out / "twitter").mkdir(exist_ok=True)
    (out / "twitter" / TWITTER_FILE).write_bytes(_csv(world.tweets, TWITTER_COLUMNS))
    (out / "channels.csv").write_bytes(
        _csv(world.channels, ("channel_id", "handle", "name", "group", "lang")))
    if world.editions is not None:
        _write_editions(world.editions, out / "editions")
        (out / "editions.csv").write_bytes(
            _csv(world.editions.labels, ("channel_id", "handle", "name", "group")))
    (out / "truth.json").write_text(_dump_truth(world.truth), encoding="utf-8")
    return out


def _write_editions(editions, out: Path) -> None:
    """The language editions: ``<handle>/result.json.gz`` (their labels are ``editions.csv``
    beside the folder, so loading the folder reads exports only)."""
    out.mkdir(parents=True, exist_ok=True)
    for handle, export in editions.exports.items():
        (out / handle).mkdir(exist_ok=True)
        (out / handle / "result.json.gz").write_bytes(
            _gzip(_desktop_json(export).encode("utf-8")))
