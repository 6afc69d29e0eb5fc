"""Benchmark: message_volume + change_points + bursts for 10^4 channels x 5 years of days.

The daily counts are drawn with numpy: 10^4 channels (50 with ``quick``) over 1,826 days
(2015-2019), each with a log-normal base rate (median one message a day, a heavy tail of busy
channels), a weekly rhythm, gamma noise (overdispersion), and planted structure with known
answers: half of the channels shift level (x3 or /3) on one random day, and a quarter have
one five-day burst at four times their rate. The messages are then built from those counts
(one row per message, a random second of its day, canonical ``channel_id`` and ``date``
dtypes), so ``message_volume`` must give the count matrix back exactly.

Stages, each in a forked child (time and peak memory above the parent's):

- ``message_volume``: messages -> the day x channel count matrix (checked against the counts);
- ``change_points``: every column of the matrix, in one process and split over two forked
  worker processes (how a 2-core machine runs it; the library itself never starts processes);
- ``bursts``: Kleinberg bursts (Poisson automaton) of every column, batched; one and two
  processes.

``total`` adds the fastest run of each stage.

Surges and rising terms (issue 13), after the total:

- ``surges``: a year of 5-minute bins (105,120 points; ``quick``: 30 days) with a daily and
  weekly rhythm and planted surges (``workbench.synth.hourly_volume``), one series;
- ``surges validation: <method>``: ``surges`` against the obvious baselines (``bursts``,
  ``change_points``, a fixed z-score > 3 on the raw counts) on hourly series from the same
  generator (90 days x 6 series x 5 seeds, levels from 5 to 5,000 messages a day, surges of
  1.8 to 5 times the usual volume for 3 hours to 10 days): recall (a planted surge is found
  when a reported one overlaps it), recall of the surges adding 40 or more messages, false
  surges (overlapping no planted one) with surges planted and on the same series without
  any, and the share of onsets within two bins;
- ``rising_terms``: the fixture corpus, the fortnight before Berlin against 84 days before.

Quality: change points are right within 3 days of a planted shift or of either edge of a
planted burst (precision), and the planted shifts found (recall; most channels post about once
a day, where a tripling is hard to date); the share of planted bursts overlapped by a found
burst.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from bench._measure import measure

DAYS = 1826
FULL_CHANNELS = 10_000
QUICK_CHANNELS = 50
WEEK = np.array([1.0, 1.0, 1.05, 1.1, 1.3, 0.85, 0.7])


def make_counts(n_channels: int, *, seed: int = 0):
    """Daily counts (days x channels) with planted shifts and bursts.

    Returns ``(counts, shift_day or -1 per channel, burst start or -1 per channel)``.
    """
    rng = np.random.default_rng(seed)
    base = rng.lognormal(0.0, 1.0, n_channels)
    rate = np.tile(base, (DAYS, 1)) * np.tile(WEEK, DAYS // 7 + 1)[:DAYS, None]
    shift = np.where(rng.random(n_channels) < 0.5, rng.integers(60, DAYS - 60, n_channels), -1)
    factor = np.where(rng.random(n_channels) < 0.5, 3.0, 1 / 3)
    days = np.arange(DAYS)[:, None]
    rate = np.where((shift >= 0) & (days >= shift), rate * factor, rate)
    burst = np.where(rng.random(n_channels) < 0.25, rng.integers(30, DAYS - 30, n_channels), -1)
    rate = np.where((burst >= 0) & (days >= burst) & (days < burst + 5), rate * 4, rate)
    counts = rng.poisson(rng.gamma(5.0, rate / 5.0)).astype(np.int64)
    return counts, shift, burst


def make_messages(counts: np.ndarray, *, seed: int = 0) -> pd.DataFrame:
    """One row per message: ``channel_id`` (canonical string dtype) and ``date`` (UTC)."""
    import pyarrow as pa

    from workbench.schema import STRING, UTC_TIME

    rng = np.random.default_rng(seed)
    n_days, n_channels = counts.shape
    flat = counts.ravel()                                   # day-major: day, then channel
    cells = np.repeat(np.arange(flat.size), flat)
    day, channel = np.divmod(cells, n_channels)
    start = np.datetime64("2015-01-01T00:00:00", "s").astype(np.int64)
    seconds = start + day * 86_400 + rng.integers(0, 86_400, cells.size)
    names = pa.array([f"telegram:{1_000_000 + i}" for i in range(n_channels)], pa.string())
    ids = pa.DictionaryArray.from_arrays(pa.array(channel.astype(np.int32)), names)
    return pd.DataFrame({
        "channel_id": pd.array(ids.dictionary_decode(), dtype=STRING),
        "date": pd.to_datetime(seconds, unit="s", utc=True).astype(UTC_TIME),
    })


def _frame(counts: np.ndarray) -> pd.DataFrame:
    index = pd.date_range("2015-01-01", periods=counts.shape[0], freq="D", tz="UTC", name="date")
    return pd.DataFrame(counts, index=index,
                        columns=[f"telegram:{1_000_000 + i}" for i in range(counts.shape[1])])


def volume_stage(messages, counts):
    from workbench.timeline import message_volume

    vol = message_volume(messages, by="channel_id")
    return vol.shape, bool(np.array_equal(vol.to_numpy(), counts))


_SHARED: dict = {}


def _cp_positions(columns: np.ndarray) -> list[list[int]]:
    from workbench.timeline import change_points

    frame = _SHARED["frame"].iloc[:, columns]
    found = change_points(frame)
    return [frame.index.get_indexer(found[c]).tolist() for c in frame.columns]


def _burst_table(columns: np.ndarray) -> pd.DataFrame:
    from workbench.timeline import bursts

    return bursts(_SHARED["frame"].iloc[:, columns])


def _split(fn, n_columns: int, workers: int) -> list:
    """Run ``fn`` over column ranges in ``workers`` forked processes, which inherit the
    frame instead of receiving a pickled copy."""
    parts = np.array_split(np.arange(n_columns), workers)
    if workers == 1:
        return [fn(parts[0])]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(fn, parts))


def change_point_stage(counts, shift, burst, workers=1):
    _SHARED["frame"] = _frame(counts)
    found = [p for chunk in _split(_cp_positions, counts.shape[1], workers) for p in chunk]
    # A detection is right when it is within 3 days of the planted shift, or of either edge
    # of the planted five-day burst (a burst is two short-lived regime changes).
    correct = 0
    for f, s, b in zip(found, shift, burst):
        truth = [t for t in (s, b, b + 5) if t >= 0 and (t != b + 5 or b >= 0)]
        correct += sum(any(abs(p - t) <= 3 for t in truth) for p in f)
    hits = sum(any(abs(p - s) <= 3 for p in f) for f, s in zip(found, shift) if s >= 0)
    predicted = sum(len(f) for f in found)
    return (round(correct / max(predicted, 1), 3), round(hits / max((shift >= 0).sum(), 1), 3),
            predicted)


def burst_stage(counts, burst, workers=1):
    frame = _SHARED["frame"] = _frame(counts)
    table = pd.concat(_split(_burst_table, counts.shape[1], workers), ignore_index=True)
    pos = {c: i for i, c in enumerate(frame.columns)}
    starts = frame.index.get_indexer(table["start"])
    ends = frame.index.get_indexer(table["end"])
    channel = table["series"].map(pos).to_numpy()
    planted = np.flatnonzero(burst >= 0)
    found = 0
    for ch in planted:
        mine = channel == ch
        found += bool(np.any((starts[mine] <= burst[ch] + 4) & (ends[mine] >= burst[ch])))
    return len(table), round(found / max(len(planted), 1), 3)


def run(*, quick: bool = False) -> pd.DataFrame:
    """One row per stage at ``10^4`` channels (``quick``: 50) x 1,826 days."""
    n_channels = QUICK_CHANNELS if quick else FULL_CHANNELS
    counts, shift, burst = make_counts(n_channels, seed=2016)
    messages = make_messages(counts, seed=2016)
    base = {"channels": n_channels, "days": DAYS, "messages": len(messages)}
    rows = []
    seconds, peak, (shape, exact) = measure(volume_stage, messages, counts)
    rows.append({**base, "stage": "message_volume", "workers": 1, "seconds": seconds,
                 "peak_MB": peak / 2**20, "quality": f"matrix {shape[0]}x{shape[1]}, "
                                                    f"{'exact' if exact else 'WRONG'}"})
    del messages
    gc.collect()
    for workers in (1, 2):
        seconds, peak, (precision, recall, n_found) = measure(
            change_point_stage, counts, shift, burst, workers)
        rows.append({**base, "stage": "change_points", "workers": workers, "seconds": seconds,
                     "peak_MB": peak / 2**20,
                     "quality": f"{n_found} found; precision {precision}, "
                                f"recall of shifts {recall}"})
    for workers in (1, 2):
        seconds, peak, (n_bursts, share) = measure(burst_stage, counts, burst, workers)
        rows.append({**base, "stage": "bursts", "workers": workers, "seconds": seconds,
                     "peak_MB": peak / 2**20,
                     "quality": f"{n_bursts} bursts; planted found {share}"})
    table = pd.DataFrame(rows)
    one = table.loc[table["workers"] == 1, "seconds"].sum()
    two = table.groupby("stage")["seconds"].min().sum()
    total = {**base, "stage": "total", "workers": 2, "seconds": two,
             "peak_MB": table["peak_MB"].max(),
             "quality": f"{one:.1f} s with one process throughout"}
    table = pd.concat([table, pd.DataFrame([total]), surge_rows(quick)], ignore_index=True)
    table["seconds"] = table["seconds"].round(2)
    table["peak_MB"] = table["peak_MB"].round()
    return table


# -- surges and rising terms (issue 13) -------------------------------------------------------

def _surges_year(days: int):
    from workbench.synth import hourly_volume
    from workbench.timeline import surges

    volume, truth = hourly_volume(2016, days=days, freq="5min", n_series=1,
                                  surges_per_series=max(2, days // 30), levels=(2000, 2000))
    import time
    start = time.perf_counter()
    found = surges(volume["s0"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "points": len(volume), "found": len(found),
            "planted": len(truth)}


def _fixed_z(volume: pd.DataFrame, z: float = 3.0) -> pd.DataFrame:
    rows = []
    for col in volume.columns:
        x = volume[col].to_numpy(float)
        hot = (x - x.mean()) / max(x.std(), 1e-9) > z
        edges = np.diff(np.concatenate([[0], hot.astype(int), [0]]))
        rows += [(col, volume.index[a], volume.index[b - 1])
                 for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]
    return pd.DataFrame(rows, columns=["series", "start", "end"])


def _change_point_spans(volume: pd.DataFrame) -> pd.DataFrame:
    from workbench.timeline import change_points

    found = change_points(volume)
    return pd.DataFrame([(c, t, t) for c, idx in found.items() for t in idx],
                        columns=["series", "start", "end"])


def _method(name: str):
    from workbench.timeline import bursts, surges

    return {"surges": surges, "bursts": bursts, "change_points": _change_point_spans,
            "fixed z-score > 3": _fixed_z}[name]


def _validate(name: str, seeds: int, days: int) -> dict:
    """Recall, false surges and onset error of one method on planted hourly surges."""
    import time

    from workbench.synth import hourly_volume

    method = _method(name)
    planted = hits = big = big_hits = false = false_null = 0
    onset, seconds = [], 0.0
    for seed in range(seeds):
        volume, truth = hourly_volume(seed, days=days)
        start = time.perf_counter()
        found = method(volume)
        seconds += time.perf_counter() - start
        for _, t in truth.iterrows():
            mine = found[(found["series"] == t["series"]) & (found["start"] <= t["end"])
                         & (found["end"] >= t["start"])]
            planted += 1
            extra = t["bins"] * volume[t["series"]].mean() * (t["factor"] - 1)
            big += extra >= 40
            if len(mine):
                hits += 1
                big_hits += extra >= 40
                onset.append(abs((mine["start"].min() - t["start"]) / pd.Timedelta("1h")))
        for _, f in found.iterrows():
            false += not len(truth[(truth["series"] == f["series"]) & (truth["start"] <= f["end"])
                                   & (truth["end"] >= f["start"])])
        null, _ = hourly_volume(seed, days=days, surges_per_series=0, silent=True)
        false_null += len(method(null))
    onset = np.array(onset)
    return {"seconds": seconds, "series": seeds * 6, "planted": planted,
            "recall": hits / max(planted, 1), "recall_big": big_hits / max(big, 1),
            "false": false, "false_null": false_null,
            "onset2": float(np.mean(onset <= 2)) if len(onset) else float("nan"),
            "onset_median": float(np.median(onset)) if len(onset) else float("nan")}


def _rising_terms(messages):
    import time

    from workbench.timeline import rising_terms

    start = time.perf_counter()
    found = rising_terms(messages, event="berlin-2016")
    return {"seconds": time.perf_counter() - start,
            "top": found["term"].iloc[0] if len(found) else None}


def surge_rows(quick: bool = False) -> pd.DataFrame:
    """Speed of ``surges`` and ``rising_terms``, and the validation table of ``surges``."""
    import workbench as wb

    rows = []
    days = 30 if quick else 365
    seconds, peak, r = measure(_surges_year, days)
    rows.append({"channels": 1, "days": days, "messages": r["points"], "stage": "surges",
                 "workers": 1, "seconds": r["seconds"], "peak_MB": peak / 2**20,
                 "quality": f"{r['points']:,} 5-minute bins; {r['found']} found, "
                            f"{r['planted']} planted"})
    seeds, vdays = (1, 42) if quick else (5, 90)
    for name in ("surges", "bursts", "change_points", "fixed z-score > 3"):
        _, peak, v = measure(_validate, name, seeds, vdays)
        rows.append({"channels": v["series"], "days": vdays, "messages": v["planted"],
                     "stage": f"surges validation: {name}", "workers": 1,
                     "seconds": v["seconds"], "peak_MB": peak / 2**20,
                     "quality": f"recall {v['recall']:.2f} (surges of 40+ messages "
                                f"{v['recall_big']:.2f}); false {v['false']} "
                                f"(+{v['false_null']} on ordinary series); onset within 2 "
                                f"bins {v['onset2']:.2f}, median {v['onset_median']:.0f} h"})
    messages = wb.load_fixtures().messages
    if quick:  # every fifth message: the same planted rise, a fifth of the text to read
        messages = messages.iloc[::5].reset_index(drop=True)
    seconds, peak, r = measure(_rising_terms, messages)
    rows.append({"channels": messages["channel_id"].nunique(), "days": 153,
                 "messages": len(messages), "stage": "rising_terms", "workers": 1,
                 "seconds": r["seconds"], "peak_MB": peak / 2**20,
                 "quality": f"top term {r['top']!r} (planted: the keyword)"})
    return pd.DataFrame(rows)
