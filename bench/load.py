"""The in-memory corpus: load time, memory, reopening a saved corpus.

A corpus of N Telegram Desktop messages in two export batches (full-account exports of 50
channels each, written by the generator; ``\\xHH`` escapes repaired so that a strict JSON parser
reads the same bytes) is

* parsed by ``orjson.loads`` in one process, the floor for any JSON loader (best of 3);
* loaded by ``wb.load`` (best of 3; ``load/orjson`` is the issue's ratio, target at most 1.5);
* measured: the tables' deep size (``DataFrame.memory_usage(deep=True)`` of every table)
  against the UTF-8 bytes of the message texts (target: at most 1.6), the loading
  process's peak resident memory above what it held before, and the largest peak of the
  processes that read files for it (``reader_peak_MB``, 0 when it read them itself);
* saved with ``corpus.to_parquet`` and reopened with ``wb.load`` (best of 3; target: 10^6
  messages in under 2 s), and the first reopen in a new process (``reopen_first_s``: what
  a notebook session pays, memory not yet reused from an earlier load).

Generated texts are short (about 170 bytes), real ones several times longer, and the fixed
cost per message weighs accordingly. So when the genuine Telethon sample
(``../shared/samples/telethon-real``, 17,259 records of 20 public channels) is there, each
size runs twice: ``generated N`` (the generator's own texts) and ``real-length N``, the same
export with every message's text length drawn from the real texts' UTF-8 lengths (messages
without text count as 0) and filled with the generator's words
(``write_desktop_export(text_lengths=...)``; no real text is written). A last row does the
memory measurement on the real texts themselves.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import orjson
import pandas as pd

from ._measure import measure, measure_tree

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (2_000,)
TABLES = ("messages", "channels", "rejected", "service", "files")
#: Timed runs per measurement (the best counts).
REPEAT = 3
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "telethon-real"


def _write_corpus(folder: Path, n: int, lengths: list[int] | None = None) -> list[Path]:
    from workbench.synth import write_desktop_export

    paths = []
    for batch in range(2):
        path = folder / f"batch{batch}" / "result.json"
        write_desktop_export(path, n // 2, seed=batch, n_channels=50, text_lengths=lengths)
        # Real exports carry \xHH escapes that strict JSON parsers reject; the workbench
        # repairs them, orjson cannot, so both read a repaired copy.
        path.write_bytes(re.sub(rb"(?<!\\)\\x([0-9a-fA-F]{2})", rb"\\u00\1",
                                path.read_bytes()))
        paths.append(path)
    return paths


def _best(fn, *args) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def _parse(paths: list[str]) -> int:
    n = 0
    for path in paths:
        doc = orjson.loads(Path(path).read_bytes())
        n += sum(len(chat["messages"]) for chat in doc["chats"]["list"])
    return n


def _orjson_best(paths: list[str]) -> float:
    return _best(_parse, paths)


def _load(path: str):
    import warnings

    import workbench as wb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.load(path, progress=False)


def _workbench(path: str) -> int:
    """Messages ``wb.load`` reads from ``path`` (what ``bench formats`` times per format)."""
    return len(_load(path).messages)


def _load_best(path: str) -> float:
    _load(path)  # imports and caches warm, as in a notebook's second load
    return _best(_load, path)


def _sizes(path: str) -> dict:
    """Load once; the tables' deep size and the texts' UTF-8 bytes (and save the corpus)."""
    corpus = _load(path)
    deep = int(sum(getattr(corpus, t).memory_usage(deep=True).sum() for t in TABLES))
    texts = corpus.messages["text"].dropna()
    text_bytes = int(sum(len(t.encode("utf-8")) for t in texts))
    return {"messages": len(corpus.messages), "deep": deep, "text_bytes": text_bytes}


def _real_lengths(path: str) -> list[int]:
    """UTF-8 bytes of every message text of the corpus at ``path`` (0: no text)."""
    texts = _load(path).messages["text"]
    return [len(t.encode("utf-8")) if isinstance(t, str) else 0
            for t in texts.astype(object).where(texts.notna(), None)]


def _save(path: str, out: str) -> int:
    corpus = _load(path)
    corpus.to_parquet(out)
    return len(corpus.messages)


def _reopen_best(folder: str) -> float:
    return _best(_load, folder)


def _reopen_first(folder: str) -> float:
    """One reopen in a process that has loaded nothing yet (imports done beforehand)."""
    import importlib

    importlib.import_module("workbench")
    start = time.perf_counter()
    _load(folder)
    return time.perf_counter() - start


def measure_folder(corpus: str, folder: Path, paths: list[str], saved: Path) -> dict:
    """One row of the table for the export written at ``folder`` (its files ``paths``);
    the corpus is saved to ``saved`` and reopened from there."""
    size = sum(Path(p).stat().st_size for p in paths)
    _, _, parse_s = measure(_orjson_best, paths)
    _, _, load_s = measure(_load_best, str(folder))
    _, peak, workers, sizes = measure_tree(_sizes, str(folder))
    sizes["workers"] = workers
    measure(_save, str(folder), str(saved))
    _, _, first_s = measure(_reopen_first, str(saved))
    _, _, reopen_s = measure(_reopen_best, str(saved))
    return _row(corpus, sizes, size, parse_s, load_s, peak, reopen_s, first_s)


def run(*, quick: bool = False) -> pd.DataFrame:
    rows = []
    lengths = None
    if SAMPLES.is_dir():
        _, _, lengths = measure(_real_lengths, str(SAMPLES))
    with tempfile.TemporaryDirectory() as tmp:
        for n in QUICK_SIZES if quick else SIZES:
            for kind, drawn in (("generated", None), ("real-length", lengths)):
                if kind == "real-length" and drawn is None:
                    continue
                folder = Path(tmp) / f"{kind}-{n}"
                paths = [str(p) for p in _write_corpus(folder, n, drawn)]
                rows.append(measure_folder(f"{kind} {n:,}", folder, paths,
                                           Path(tmp) / f"saved-{kind}-{n}"))
                for p in paths:
                    Path(p).unlink()
        if SAMPLES.is_dir() and not quick:
            _, peak, workers, sizes = measure_tree(_sizes, str(SAMPLES))
            sizes["workers"] = workers
            _, _, load_s = measure(_load_best, str(SAMPLES))
            rows.append(_row("real texts (telethon-real)", sizes,
                             sum(p.stat().st_size for p in SAMPLES.glob("*")), None, load_s,
                             peak, None, None))
    return pd.DataFrame(rows).round(3)


def _row(corpus: str, sizes: dict, size: int, parse_s, load_s: float, peak: int,
         reopen_s, first_s) -> dict:
    n = sizes["messages"]
    return {
        "corpus": corpus, "messages": n, "input_MB": size / 1e6,
        "orjson_s": parse_s if parse_s is not None else float("nan"),
        "load_s": load_s,
        "load/orjson": load_s / parse_s if parse_s else float("nan"),
        "tables_MB": sizes["deep"] / 1e6,
        "text_MB": sizes["text_bytes"] / 1e6,
        "tables/text": sizes["deep"] / max(sizes["text_bytes"], 1),
        "bytes/message": sizes["deep"] / max(n, 1),
        "peak_RSS_MB": peak / 1e6,
        # reading processes (none for small folders: then 0)
        "reader_peak_MB": sizes["workers"] / 1e6,
        "reopen_s": reopen_s if reopen_s is not None else float("nan"),
        "reopen_first_s": first_s if first_s is not None else float("nan"),
    }
