"""Checking the batches of an ingest against what the store (and earlier batches) hold, by
``(channel_id, message_id)``: each message is added, unchanged, updated (its export is newer:
the later last-message date, then the later ingest) or older; files holding replaced rows are
rewritten at the end (copy on write), into the staging folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._batch import NAT, ROW_GROUP
from ._layout import STAGING

__all__ = ["IngestState"]

_KEY = ["channel_id", "message_id"]


class IngestState:
    """What an ingest holds between batches (in this process, under the store's lock)."""

    def __init__(self, root: Path, meta: dict, seq: int, ingest_id: str, on_batch):
        self.root = root
        self.meta = meta
        self.seq = seq
        self.ingest_id = ingest_id
        self.staging = root / STAGING / ingest_id
        self.on_batch = on_batch or (lambda stage, n: None)
        self.live = {e["path"]: dict(e, staged=False) for e in meta["tables"]["messages"]}
        self.channel_files: dict[str, set[str]] = {}
        for entry in meta["tables"]["index"]:
            table = pq.read_table(root / entry["path"], columns=["file", "channel_id"])
            for f, c in zip(table.column("file").to_pylist(),
                            table.column("channel_id").to_pylist()):
                if f in self.live:
                    self.channel_files.setdefault(c, set()).add(f)
        self.drops: dict[str, set[tuple[str, int]]] = {}
        self.counts: dict[int, dict[str, int]] = {}
        self.parts, self.service, self.rejected, self.info, self.warnings = [], [], [], [], []
        self.rewrites = 0

    # -- one batch ---------------------------------------------------------------------------
    def _path(self, rel: str) -> Path:
        entry = self.live.get(rel)
        return (self.staging / rel) if (entry is None or entry["staged"]) else (self.root / rel)

    def accept(self, result: dict) -> None:
        self.parts.append(result["parts"])
        self.service.append(result["service"])
        self.rejected.append(result["rejected"])
        self.info.extend(result["info"])
        self.warnings.extend(result["warnings"])
        files = result["files"]
        batch_channels = set().union(*(f["channels"] for f in files)) if files else set()
        candidates = set()
        for c in batch_channels:
            candidates |= self.channel_files.get(c, set())
        if not candidates:
            for f in files:
                for i, n in f["inputs"].items():
                    self._count(i, "added", n)
                self._add_file(f)
            return
        self._dedupe(files, batch_channels, candidates)

    def _count(self, input_index: int, what: str, n: int) -> None:
        row = self.counts.setdefault(int(input_index), {"added": 0, "updated": 0,
                                                        "unchanged": 0, "older": 0})
        row[what] += int(n)

    def _add_file(self, f: dict) -> None:
        self.live[f["path"]] = {"path": f["path"], "rows": f["rows"], "platform": f["platform"],
                                "month": f["month"], "staged": True,
                                "channels": f["channels"]}
        for c in f["channels"]:
            self.channel_files.setdefault(c, set()).add(f["path"])

    def _keys(self, rels, channels, columns) -> pd.DataFrame:
        frames = []
        wanted = pa.array(sorted(channels), type=pa.string())
        for rel in sorted(rels):
            table = pq.read_table(self._path(rel), columns=columns)
            mask = pc.is_in(table.column("channel_id"), value_set=wanted)
            table = table.filter(mask)
            frame = table.to_pandas()
            frame["channel_id"] = frame["channel_id"].astype(object)
            frame["file"] = rel
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def _dedupe(self, files: list[dict], channels: set[str], candidates: set[str]) -> None:
        staged = {f["path"]: f for f in files}
        for f in files:  # read batch files from staging before they are "live"
            self.live[f["path"]] = {"path": f["path"], "staged": True}
        new = self._keys(staged, channels, ["channel_id", "message_id", "_hash", "_export",
                                            "_input"])
        old = self._keys(candidates, channels, ["channel_id", "message_id", "_hash", "_export",
                                                "_ingest"])
        if self.drops and len(old):
            dropped = pd.DataFrame([(f, c, m) for f, keys in self.drops.items()
                                    for c, m in keys], columns=["file", *_KEY])
            old = old.merge(dropped.assign(_gone=True), on=["file", *_KEY], how="left")
            old = old[old["_gone"].isna()].drop(columns="_gone")
        old = old.rename(columns={"_hash": "h0", "_export": "x0", "_ingest": "i0",
                                  "file": "f0"})
        # Nullable integers: a left join must not turn 64-bit hashes into floats.
        old = old.astype({"h0": "Int64", "x0": "Int64", "i0": "Int64"})
        new = new.astype({"_hash": "Int64", "_export": "Int64"})
        merged = new.merge(old, on=_KEY, how="left")
        is_new = merged["h0"].isna().to_numpy()
        same = ~is_new & (merged["h0"].fillna(0).astype(np.int64).to_numpy()
                          == merged["_hash"].to_numpy())
        x_new = merged["_export"].fillna(NAT).astype(np.int64).to_numpy()
        x_old = merged["x0"].fillna(NAT).astype(np.int64).to_numpy()
        i_old = merged["i0"].fillna(0).astype(np.int64).to_numpy()
        newer = (x_new > x_old) | ((x_new == x_old) & (self.seq > i_old))
        update = ~is_new & ~same & newer
        older = ~is_new & ~same & ~newer
        for what, mask in (("added", is_new), ("updated", update), ("unchanged", same),
                           ("older", older)):
            if mask.any():
                for i, n in merged.loc[mask, "_input"].value_counts(sort=False).items():
                    self._count(i, what, n)
        for f0, c, m in merged.loc[update, ["f0", *_KEY]].itertuples(index=False):
            self.drops.setdefault(f0, set()).add((c, int(m)))
        keep = merged.loc[is_new | update, ["file", *_KEY]]
        for rel, f in staged.items():
            kept = keep[keep["file"] == rel]
            if len(kept) == f["rows"]:
                self._add_file(f)
                continue
            self.live.pop(rel, None)
            path = self.staging / rel
            if not len(kept):
                path.unlink()
                continue
            entry = self._rewrite(path, path, keep=kept[_KEY])
            self._add_file(dict(f, **entry, path=rel))

    def _rewrite(self, src: Path, dst: Path, *, keep=None, drop=None) -> dict:
        """Write ``src`` to ``dst`` keeping the rows of ``keep`` (or all but ``drop``)."""
        table = pq.read_table(src)
        key = pd.DataFrame({"channel_id": table.column("channel_id").to_pandas().astype(object),
                            "message_id": table.column("message_id").to_numpy()})
        index = pd.MultiIndex.from_frame(key)
        if keep is not None:
            mask = index.isin(pd.MultiIndex.from_frame(keep.astype({"channel_id": object})))
        else:
            mask = ~index.isin(pd.MultiIndex.from_tuples(sorted(drop), names=_KEY))
        table = table.filter(pa.array(mask))
        tmp = dst.with_name(dst.name + ".tmp")
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP)
        os.replace(tmp, dst)
        channels = key.loc[mask, "channel_id"].value_counts(sort=False)
        inputs = table.column("_input").to_pandas().value_counts(sort=False)
        return {"rows": int(table.num_rows),
                "channels": {str(c): int(n) for c, n in channels.items()},
                "inputs": {int(i): int(n) for i, n in inputs.items()}}

    # -- after the last batch --------------------------------------------------------------------
    def apply_drops(self) -> list[str]:
        """Rewrite files holding replaced rows; the committed files that were replaced."""
        replaced = []
        for rel, keys in sorted(self.drops.items()):
            entry = self.live.get(rel)
            if entry is None:
                continue
            if entry["staged"]:
                path = self.staging / rel
                out = self._rewrite(path, path, drop=keys)
                if out["rows"] == 0:
                    path.unlink()
                    self.live.pop(rel)
                else:
                    entry.update(rows=out["rows"], channels=out["channels"])
                continue
            replaced.append(rel)
            self.live.pop(rel)
            self.rewrites += 1
            new_rel = str(Path(rel).parent / f"{self.ingest_id}-r{self.rewrites}.parquet")
            dst = self.staging / new_rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            out = self._rewrite(self.root / rel, dst, drop=keys)
            if out["rows"]:
                self.live[new_rel] = {"path": new_rel, "rows": out["rows"],
                                      "platform": entry.get("platform"),
                                      "month": entry.get("month"), "staged": True,
                                      "channels": out["channels"]}
            else:
                dst.unlink()
        return replaced
