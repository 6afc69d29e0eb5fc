"""A cross-posting corpus with the length and repetition of real Telegram text, and planted
copies of four kinds.

Source: the genuine Telethon exports of 20 public channels in
``../shared/samples/telethon-real/`` (neutral content: airdrops, pump signals, themes; see
that folder's README). Their texts are long (mean about 470 characters, tail to 4,000), full of
emoji and links, and repetitive (templated spam posted again and again).

How a corpus of ``n`` messages is made (:func:`make_real_corpus`), all from one seed:

* ``n // 500`` (at least 20) synthetic channels, each drawing on one real source channel
  (round robin), posting uniformly over a year.
* Background messages (about 88%): the *shape* of a real text of the source channel (its
  lines and their word counts, so its length) filled with runs of 3-8 consecutive words from
  random texts of the same source. Words, emoji, links and numbers are real and in real
  proportions; two background texts share runs of a few words (as real texts do) but are
  not copies of each other.
* Verbatim repeats (about 42%): in the real channels 47% of the texts are exact repeats of
  1,003 texts (spam, signals, adverts; 632 of them posted by several channels). A repeat
  draws a real record that has a duplicate, and a synthetic channel of that record's source
  posts its text verbatim: repeats within and across channels, as in the real data. These
  are real cross-posts of the background, not planted truth.
* Templated spam (about 5%): each channel reposts two real texts of its source (texts the
  real channel repeated, where it has any) verbatim except for one number (a reward, a
  price), as real airdrop and signal channels do; a third of the channels sign every post
  with a footer (``🔗 Join us: https://t.me/<handle>``).
  Repeats within a channel are not cross-posts and are not planted truth.
* Planted clusters (about 4% of messages are origins or copies): an origin shaped like a
  real text of its channel's source and filled with runs of that source's *new content*
  (words of texts posted once in all the channels that share no run of four words, digits
  folded, with another text of any source, links excepted: a planted statement made of a
  spam template's phrases or carrying a real link would really be a copy of that template
  or a co-link, see ``_new_content``). Sources left with fewer than ``OWN_WORDS`` such
  words (8 of the 20 sample channels: mirrored signal channels, small theme and book
  channels) borrow those of the news and commentary channels (``truth["own"]`` is False
  for their clusters). An origin is copied by 1-5 other channels within minutes to four
  days, each copy of one kind (``truth["kind"]``):

  ``light``
      a prefix or emoji, a hashtag, the copier's own footer, a cut of up to 20% of the words.
  ``short``
      the origin is 8-14 words long; light edits.
  ``reworded``
      about a quarter of the words replaced by words of the copier's source (not links) or
      dropped.
  ``quoted``
      two to four paragraphs of comment (about twice the origin's length, written like a
      planted statement of the copier's source), then the origin in full.

The truth is a frame aligned with the messages: ``cluster`` (planted cluster, -1 for
background), ``kind`` (the copy's kind; ``origin`` for the origin, ``""`` otherwise) and
``own`` (the planted statement is in its channel's own words, not borrowed: see
``_sources``).
Background texts of one source are not planted truth either way, so precision is measured on
the found pairs that touch a planted message (:func:`planted_scores`).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.links import URL_PATTERN

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "telethon-real"
KINDS = ("light", "short", "reworded", "quoted")
SPAN_DAYS = 365
_URL = re.compile(URL_PATTERN, re.IGNORECASE)
_PREFIXES = ["🔥 ", "🚀 NEW: ", "📢 ", "✅ ", "⚡️ Breaking: ", "👉 "]


#: Words shared with another distinct text in a run of this many (or more) are phrases of a
#: template family (spam variants differ by a number or a day, so no two are equal).
SHARED_RUN = 4
#: A source with fewer words of new content than OWN_WORDS borrows those of the sources with
#: at least LENDER_WORDS, nine in ten of their texts distinct (see _sources).
OWN_WORDS = 5_000
LENDER_WORDS = 50_000


def _is_link(word: str) -> bool:
    """A word that is or holds a link, as the library finds links (scheme-less domains with a
    path, ``T.me/...``, ``www.`` hosts): a real link left in a planted text would join it to
    every real message carrying that link, by the link path."""
    lower = word.lower()
    return ("http" in lower or "t.me/" in lower or "www." in lower
            or bool(_URL.search(word)))


_DIGITS = str.maketrans("123456789", "000000000")
_NON_WORD = re.compile(r"\W+")


def _folded(text: str) -> list[str]:
    """Words (split at whitespace) case-folded, every digit a 0, punctuation and emoji
    dropped (an emoji-only word is ""): a template's variants (another price, another day,
    other emoji, a full stop) are the same run."""
    return [_NON_WORD.sub("", w) for w in text.lower().translate(_DIGITS).split()]


def _shared_runs(texts: list[str]) -> set[tuple]:
    """Runs of ``SHARED_RUN`` words (see :func:`_folded`) found in two or more distinct
    texts, over every source (spam phrases travel between channels)."""
    seen: set[tuple] = set()
    shared: set[tuple] = set()
    for text in set(texts):
        words = _folded(text)
        for g in {tuple(words[i:i + SHARED_RUN]) for i in range(len(words) - SHARED_RUN + 1)}:
            (shared if g in seen else seen).add(g)
    return shared


def _new_content(texts: list[str], shared_runs: set[tuple], repeated: set[str]) -> list[str]:
    """The words of texts posted once in all the sources (not in ``repeated``) that no other
    distinct text shares in a run of ``SHARED_RUN`` words (``shared_runs``, see
    :func:`_shared_runs`), in order, without links: what a planted statement is made of.

    Texts posted once are not enough: a spam template's variants (another number, another
    day) are each posted once, and a planted text made of their phrases is a quote of the
    template, not new content."""
    out = []
    for text in dict.fromkeys(texts):
        if text in repeated:
            continue
        words = text.split()
        lowered = _folded(text)
        shared = np.zeros(len(words), dtype=bool)
        for i in range(len(words) - SHARED_RUN + 1):
            if tuple(lowered[i:i + SHARED_RUN]) in shared_runs:
                shared[i:i + SHARED_RUN] = True
        out.extend(w for w, s in zip(words, shared) if not s and not _is_link(w))
    return out


@lru_cache(maxsize=2)
def real_texts(folder: str | None = None) -> pd.DataFrame:
    """Texts of the real sample channels: ``source`` (file stem), ``text`` (non-empty)."""
    folder = Path(folder) if folder else SAMPLES
    files = sorted(folder.glob("*.jsonl.gz"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl.gz in {folder}: the real-text corpus needs the "
                                "genuine Telethon samples (../shared/samples/telethon-real)")
    rows = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                text = rec.get("message")
                if rec.get("_") == "Message" and isinstance(text, str) and text.strip():
                    rows.append((path.name.split(".")[0], text))
    return pd.DataFrame(rows, columns=["source", "text"])


class _Source:
    """One real channel: its texts' shapes and its word stream."""

    def __init__(self, texts: list[str], shared_runs: set[tuple], repeated: set[str]):
        self.texts = texts
        self.shapes = [[len(line.split()) for line in t.split("\n")] for t in texts]
        words = [w for t in texts for w in t.split()]
        self.words = np.asarray(words, dtype=object)
        # Links in recombined text are made unique per message (see _unique_links): a real
        # link copied into two unrelated messages would join them by the link path.
        self.is_link = np.array([_is_link(w) for w in words], dtype=bool)
        # Planted statements are new content (see _new_content); replacement words of a
        # reworded copy and a copier's hashtag are words of the source without links.
        self.unlinked = np.asarray(words, dtype=object)[~self.is_link]
        # Templates of the templated spam: texts that were repeated (spam is what gets
        # reposted), long and with a number to change where there are such. (A source that
        # repeats nothing lends ten texts, so most of it stays new content.)
        distinct = list(dict.fromkeys(texts))
        pool = [t for t in distinct if t in repeated] or distinct[:10]
        self.templates = [t for t in pool if len(t) >= 150 and any(c.isdigit() for c in t)] \
            or [t for t in pool if len(t) >= 80] or pool
        # A template is reposted in full, so its words are not new content either.
        reposted = set(self.templates)
        once = _new_content([t for t in texts if t not in reposted], shared_runs, repeated)
        self.plain = np.asarray(once, dtype=object)  # (see _sources when it is short)
        self.borrowed = False  # set by _sources

    def fill(self, rng: np.random.Generator, shape: list[int]) -> str:
        """Lines of the given word counts, filled with runs of 3-8 consecutive words without
        links (planted texts: their recall is the text path's)."""
        total = sum(shape)
        if total == 0:
            return ""
        runs = []
        got = 0
        while got < total:
            k = int(rng.integers(3, 9))
            start = int(rng.integers(0, max(1, len(self.plain) - k)))
            runs.append(self.plain[start:start + k])
            got += k
        flat = np.concatenate(runs)[:total]
        lines, lo = [], 0
        for k in shape:
            lines.append(" ".join(flat[lo:lo + k]))
            lo += k
        return "\n".join(lines)

    def words_like(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """``k`` random words of the source, links excepted."""
        return self.unlinked[rng.integers(0, len(self.unlinked), k)]


@lru_cache(maxsize=2)
def _sources(folder: str | None) -> list[_Source]:
    """Every source channel of the sample, once per folder (each corpus size and test world
    reads them; nothing downstream changes them)."""
    real = real_texts(folder)
    shared_runs = _shared_runs(real["text"].tolist())
    # Texts posted more than once, in one channel or across channels (repeats draw them).
    repeated = set(real["text"][real["text"].duplicated(keep=False)])
    sources = [_Source(g["text"].tolist(), shared_runs, repeated)
               for _, g in real.groupby("source", sort=True)]
    # Each source writes its planted statements and quote comments with its own new
    # content (spam and airdrop vocabulary included: the hard case), except the few whose
    # texts are nearly all repeats or template variants (mirrored signal channels keep a
    # handful of words): a stream that short would make their planted texts copies of each
    # other. They borrow the new content of the news and commentary channels.
    lenders = [s.plain for s in sources if len(s.plain) >= LENDER_WORDS
               and len(set(s.texts)) >= 0.9 * len(s.texts)]
    pooled = np.concatenate(lenders or [s.plain for s in sources])
    for s in sources:
        s.borrowed = len(s.plain) < OWN_WORDS
        if s.borrowed:
            s.plain = pooled
    return sources


def _template_text(rng: np.random.Generator, template: str) -> str:
    """The template with its first number changed (the reward, the price of the day)."""
    digits = [i for i, c in enumerate(template) if c.isdigit()]
    if not digits:
        return template
    i = digits[0]
    j = i
    while j < len(template) and template[j].isdigit():
        j += 1
    return template[:i] + str(int(rng.integers(1, 100_000))) + template[j:]


def _copy(rng, kind: str, origin: str, src: _Source, footer: str) -> str:
    words = origin.split()
    if kind in ("light", "short"):
        if kind == "light" and len(words) > 12 and rng.random() < 0.4:
            words = words[: max(10, int(len(words) * rng.uniform(0.8, 1.0)))]
        text = " ".join(words)
        if rng.random() < 0.6:
            text = _PREFIXES[rng.integers(len(_PREFIXES))] + text
        if rng.random() < 0.3:
            text += " #" + str(src.words_like(rng, 1)[0]).strip("#")
    elif kind == "reworded":
        out = []
        for w in words:
            u = rng.random()
            if u < 0.15:
                out.append(str(src.words_like(rng, 1)[0]))
            elif u < 0.25:
                continue
            else:
                out.append(w)
        text = " ".join(out)
    else:  # quoted
        paragraphs = int(rng.integers(2, 5))
        budget = max(20, int(len(words) * rng.uniform(1.5, 2.5)))
        shape = [max(3, budget // paragraphs)] * paragraphs
        comment = src.fill(rng, shape).replace("\n", "\n\n")
        text = comment + "\n\n" + origin
    return text + footer


def _fill_many(rng: np.random.Generator, sources: list[_Source], src: np.ndarray) -> list[str]:
    """Texts for many messages at once: message ``i`` takes the shape (lines, words per line)
    of a random real text of source ``src[i]``, filled with runs of 3-8 consecutive words of
    that source."""
    m = len(src)
    if m == 0:
        return []
    stream_lo = np.cumsum([0] + [len(s.words) for s in sources])
    words = np.concatenate([s.words for s in sources]).tolist()
    # Shapes: flat line word counts of every real text, per source.
    shapes = [s.shapes for s in sources]
    pick = (rng.random(m) * np.array([len(x) for x in shapes])[src]).astype(np.int64)
    lines = [shapes[s][p] for s, p in zip(src, pick)]
    n_lines = np.fromiter((len(x) for x in lines), dtype=np.int64, count=m)
    per_line = np.fromiter((k for x in lines for k in x), dtype=np.int64, count=int(n_lines.sum()))
    line_msg = np.repeat(np.arange(m), n_lines)
    total = np.bincount(line_msg, weights=per_line, minlength=m).astype(np.int64)
    msg_lo = np.r_[0, np.cumsum(total)]
    W = int(msg_lo[-1])
    # Runs: each message's words are runs of 3-8 consecutive words from its source's stream.
    word_msg = np.repeat(np.arange(m), total)
    pos = np.arange(W) - msg_lo[word_msg]
    # One random run length (3-8) per message keeps this vectorised.
    run_len = rng.integers(3, 9, m)[word_msg]
    run_id = pos // run_len
    key = word_msg * (W + 1) + run_id
    first = np.r_[True, key[1:] != key[:-1]]
    size = (stream_lo[1:] - stream_lo[:-1])[src]
    run_start = (rng.random(int(first.sum())) * np.maximum(size[word_msg[first]] - 8, 1)
                 ).astype(np.int64) + stream_lo[src[word_msg[first]]]
    start_of = np.repeat(run_start, np.diff(np.r_[np.flatnonzero(first), W]))
    offset = pos - run_id * run_len
    index = np.minimum(start_of + offset, stream_lo[src[word_msg]] + size[word_msg] - 1)
    # Separators: a space, or as many line breaks as lines end after the word.
    breaks = np.zeros(W + 1, dtype=np.int64)
    within = np.cumsum(per_line) - np.repeat(np.r_[0, np.cumsum(total)][:-1], n_lines)
    inner = (within > 0) & (within < total[line_msg])
    np.add.at(breaks, (msg_lo[line_msg] + within - 1)[inner], 1)
    seps = np.array([" ", "\n", "\n\n", "\n\n\n"], dtype=object)[np.minimum(breaks[:W], 3)]
    tokens = [None] * (2 * W)
    tokens[0::2] = [words[i] for i in index.tolist()]
    # Links unique to their message (a real link pasted into unrelated texts would join them).
    is_link = np.concatenate([s.is_link for s in sources])[index]
    for j in np.flatnonzero(is_link).tolist():
        tokens[2 * j] = f"{tokens[2 * j].rstrip('/')}/{j}"
    tokens[1::2] = seps.tolist()
    out = []
    for lo, hi in zip(msg_lo[:-1].tolist(), msg_lo[1:].tolist()):
        out.append("".join(tokens[2 * lo:2 * hi - 1]) if hi > lo else "")
    return out


def make_real_corpus(n: int, *, seed: int = 0, folder: str | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A canonical messages frame of about ``n`` messages of real-shaped text, and the planted
    truth (``cluster``, ``kind``) aligned with it (see the module docstring).

    Examples
    --------
    >>> messages, truth = make_real_corpus(3_000, seed=1)   # doctest: +SKIP
    >>> sorted(set(truth["kind"]) - {""})                   # doctest: +SKIP
    ['light', 'origin', 'quoted', 'reworded', 'short']
    """
    from workbench import schema

    rng = np.random.default_rng([seed, 16])
    sources = _sources(folder)
    n_channels = max(20, n // 500)
    handles = [f"realchan{i:05d}" for i in range(n_channels)]
    source_of = np.arange(n_channels) % len(sources)
    footers = [f"\n\n🔗 Join us: https://t.me/{h}" if rng.random() < 1 / 3 else ""
               for h in handles]
    templates = [[sources[s].templates[j] for j in
                  rng.integers(0, len(sources[s].templates), 2)] for s in source_of]
    start = pd.Timestamp("2023-01-01", tz="UTC").value
    texts, chans, times, cluster, kind, own = [], [], [], [], [], []

    def post(text, ch, t, cl=-1, kd="", ow=False):
        texts.append(text)
        chans.append(ch)
        times.append(t)
        cluster.append(cl)
        kind.append(kd)
        own.append(ow)

    n_clusters = max(len(KINDS), int(n * 0.013))
    cid = 0
    while cid < n_clusters:
        ch = int(rng.integers(n_channels))
        src = sources[source_of[ch]]
        k = KINDS[cid % len(KINDS)]
        if k == "short":
            shape = [int(rng.integers(8, 15))]
        else:
            shape = src.shapes[int(rng.integers(len(src.shapes)))]
            if sum(shape) < 15:  # a copy of a handful of words is the short kind's business
                shape = [int(rng.integers(15, 60))]
        origin = src.fill(rng, shape)
        t0 = start + int(rng.integers(0, SPAN_DAYS * 86_400)) * 1_000_000_000
        post(origin + footers[ch], ch, t0, cid, "origin", not src.borrowed)
        copiers = rng.choice(n_channels, int(rng.integers(1, 6)) + 1, replace=False)
        for target in copiers[copiers != ch][:5]:
            lag = int(min(4 * 86_400, max(30, rng.lognormal(np.log(3_600), 1.5))))
            post(_copy(rng, k, origin, sources[source_of[target]], footers[target]),
                 int(target), t0 + lag * 1_000_000_000, cid, k, not src.borrowed)
        cid += 1
    real = real_texts(folder)
    names = sorted(real["source"].unique())
    real_source = real["source"].map({s: i for i, s in enumerate(names)}).to_numpy()
    per_source = np.bincount(source_of, minlength=len(sources))

    def channel_of(src_codes):
        # Channels of source s are s, s + S, s + 2S, ... (round robin).
        k = (rng.random(len(src_codes)) * per_source[src_codes]).astype(np.int64)
        return src_codes + len(sources) * k

    def when(m):
        return start + rng.integers(0, SPAN_DAYS * 86_400, m) * 1_000_000_000

    # Verbatim repeats of the real duplicated texts, at their real frequencies.
    dup = np.flatnonzero(real["text"].duplicated(keep=False).to_numpy())
    rec = dup[rng.integers(0, len(dup), int(n * 0.42))]
    ch = channel_of(real_source[rec])
    real_text = real["text"].to_numpy(dtype=object)
    for r, c, t in zip(rec, ch, when(len(rec))):
        post(real_text[r] + footers[c], int(c), int(t))
    # Templated spam.
    n_spam = int(n * 0.05)
    ch = rng.integers(0, n_channels, n_spam)
    pick = rng.integers(0, 2, n_spam)
    for c, j, t in zip(ch, pick, when(n_spam)):
        post(_template_text(rng, templates[c][j]) + footers[c], int(c), int(t))
    # Background: real shapes filled with runs of real words (vectorised).
    m = max(0, n - len(texts))
    ch = rng.integers(0, n_channels, m)
    bg = _fill_many(rng, [sources[s] for s in range(len(sources))], source_of[ch])
    for text, c, t in zip(bg, ch, when(m)):
        post(text + footers[c], int(c), int(t))

    channel = np.asarray(chans)
    order = np.lexsort((np.arange(len(texts)), np.asarray(times), channel))
    channel = channel[order]
    first = np.r_[True, channel[1:] != channel[:-1]]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    frame = pd.DataFrame({
        "platform": "telegram",
        "channel_id": pd.Series([f"telegram:{5000 + c}" for c in channel]),
        "channel": pd.Series(np.asarray(handles, dtype=object)[channel]),
        "message_id": np.arange(len(order)) - run_start + 1,
        "date": pd.to_datetime(np.asarray(times)[order], utc=True),
        "text": np.asarray(texts, dtype=object)[order],
    })
    truth = pd.DataFrame({"cluster": np.asarray(cluster)[order],
                          "kind": np.asarray(kind, dtype=object)[order],
                          "own": np.asarray(own, dtype=bool)[order]})
    return schema.conform(frame, "messages"), truth


def planted_scores(truth: pd.DataFrame, found: np.ndarray) -> pd.DataFrame:
    """Recall per kind and precision on planted messages.

    ``found`` holds a found cluster label per message (-1: in none). A planted copy is
    recalled when it shares a found cluster with its origin. Precision: among found pairs
    (two messages of one found cluster) with at least one planted message, the share in one
    planted cluster; background messages have no truth, so pairs of two background messages
    are not scored.

    Returns
    -------
    DataFrame
        ``kind``, ``copies``, ``recall``, ``recall_own`` (copies of statements written in
        their channel's own words, see ``truth["own"]``), then a row ``all`` with
        ``precision`` too.
    """
    cluster = truth["cluster"].to_numpy()
    kind = truth["kind"].to_numpy(dtype=object)
    origin_found = pd.Series(found[kind == "origin"], index=cluster[kind == "origin"])
    rows = []
    copies = np.flatnonzero((cluster >= 0) & (kind != "origin"))
    hit = (found[copies] >= 0) & (found[copies] == origin_found.reindex(cluster[copies])
                                  .to_numpy())
    own = (truth["own"].to_numpy(dtype=bool)[copies] if "own" in truth.columns
           else np.ones(len(copies), dtype=bool))
    for k in KINDS:
        sel = kind[copies] == k
        mine = sel & own
        rows.append({"kind": k, "copies": int(sel.sum()),
                     "recall": float(hit[sel].mean()) if sel.any() else np.nan,
                     "recall_own": float(hit[mine].mean()) if mine.any() else np.nan,
                     "precision": np.nan})
    # Precision on pairs touching a planted message.
    in_found = found >= 0
    frame = pd.DataFrame({"f": found[in_found], "c": cluster[in_found]})
    planted = frame["c"].to_numpy() >= 0
    # Pairs with >= 1 planted message = all pairs of the found cluster minus background pairs.
    per = frame.assign(p=planted, bg=~planted).groupby("f").agg(n=("c", "size"),
                                                                 bg=("bg", "sum"))
    touching = int((per["n"] * (per["n"] - 1) // 2 - per["bg"] * (per["bg"] - 1) // 2).sum())
    same = frame[planted].groupby(["f", "c"]).size()
    true_pairs = int((same * (same - 1) // 2).sum())
    rows.append({"kind": "all", "copies": len(copies), "recall": float(hit.mean()),
                 "recall_own": float(hit[own].mean()) if own.any() else np.nan,
                 "precision": true_pairs / touching if touching else 1.0})
    return pd.DataFrame(rows)
