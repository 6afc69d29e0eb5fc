"""Channels across the files of one load: who is who when exports name channels differently.

What :meth:`Builder.build <workbench.io.builder.Builder.build>` does between reading and the
corpus, and what the store does the same way over everything it holds:

* chats an export knows only by name (HTML exports: ``telegram:name:<name>``) or username
  (4CAT CSV) take the id another export of the load, or the ``channels=`` table, gives that
  name (:func:`rekey_by_name`, :func:`rekey_by_telegram_handle`); Twitter accounts known by
  screen name only take the id another file gives it (:func:`rekey_by_handle`);
* forwards that name their source without an id are resolved through the names (Twitter:
  screen names) of the channels known by id (:func:`name_index`, :func:`resolve_forwards`); a
  name shared by two ids resolves to neither;
* channels only seen as forward sources get rows (:func:`add_forward_sources`), and null
  channel and source names are filled from what the load knows (:func:`fill_names`).

Examples
--------
>>> import pandas as pd
>>> channels = pd.DataFrame({"channel_id": ["telegram:1", "telegram:2"],
...                          "name": ["News  Agency", "Other"], "resolved": [True, True]})
>>> name_index(channels)
({'news agency': 'telegram:1', 'other': 'telegram:2'}, set())
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import ParameterError
from ..ids import TITLE_ACTIONS, name_key, normalise_name, telegram_key

if TYPE_CHECKING:
    from .builder import Builder, Part

__all__ = ["name_index", "resolve_forwards", "rekey_by_handle", "channel_key", "rekey_by_name",
           "rekey_by_telegram_handle", "rekey", "fill_names", "add_forward_sources",
           "TITLE_ACTIONS", "add_known_names"]


def name_index(channels: pd.DataFrame, by: str = "name"
               ) -> tuple[dict[str, str], set[str]]:
    """Normalised name (or handle, ``by="handle"``) -> channel id for channels known by id;
    names shared by several ids."""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    # every title a channel is known to have had (``names``, see add_known_names) counts
    others = (channels["names"] if by == "name" and "names" in channels.columns
              else [()] * len(channels))
    for cid, name, resolved, titles in zip(channels["channel_id"], channels[by],
                                           channels["resolved"], others):
        if not resolved:
            continue
        titles = list(titles) if isinstance(titles, (list, tuple, np.ndarray)) else []
        for title in dict.fromkeys([name, *titles]):
            if not isinstance(title, str):  # None, NA, or NaN (pandas 3 str)
                continue
            key = normalise_name(title)
            if key in index and index[key] != cid:
                ambiguous.add(key)
            index.setdefault(key, cid)
    for key in ambiguous:
        index.pop(key, None)
    return index, ambiguous


def resolve_forwards(messages: pd.DataFrame, channels: pd.DataFrame,
                     warnings: list[str], *, platform: str | None = None) -> pd.DataFrame:
    """Fill ``fwd_from_channel_id`` from ``fwd_from_name`` through channel names in the load.

    With ``platform``, only that platform's forwards, among that platform's channels; Twitter
    names forward sources by screen name, so its channels are matched by ``handle``."""
    if not len(messages):
        return messages
    names = messages["fwd_from_name"]
    todo = names.notna() & messages["fwd_from_channel_id"].isna()
    by = "name"
    if platform is not None:
        todo &= (messages["platform"] == platform).to_numpy()
        channels = channels[(channels["platform"] == platform).to_numpy()]
        by = "handle" if platform == "twitter" else "name"
    if not todo.any():
        return messages
    index, ambiguous = name_index(channels, by)
    codes, uniques = pd.factorize(names.where(todo))
    resolved = []
    hit_ambiguous = []
    for name in uniques:
        key = normalise_name(name)
        resolved.append(index.get(key))
        if key in ambiguous:
            hit_ambiguous.append(name)
    resolved_arr = np.asarray(resolved + [None], dtype=object)
    found = pd.array(resolved_arr[codes], dtype=schema.STRING)  # code -1 -> None
    fwd = messages["fwd_from_channel_id"].array
    filled = pd.array(np.where(todo.to_numpy(), found, fwd), dtype=schema.STRING)
    if hit_ambiguous:
        warnings.append(
            "forward source name(s) shared by more than one channel in this load, left "
            f"unresolved: {sorted(hit_ambiguous)[:10]}"
        )
    out = messages.copy(deep=False)
    out["fwd_from_channel_id"] = filled
    return out


def rekey_by_handle(parts: list[Part], messages: pd.DataFrame,
                    warnings: list[str]) -> pd.DataFrame:
    """Twitter accounts keyed by screen name (``twitter:name:<name>``, e.g. from the Kaggle
    CSV) re-keyed ``twitter:<id>`` when another file of the load gives that screen name's id."""
    ids: dict[str, str] = {}
    ambiguous: set[str] = set()
    for p in parts:
        if p.platform == "twitter" and p.resolved and p.handle:
            key = name_key(p.handle, "twitter")
            if ids.setdefault(key, p.channel_id) != p.channel_id:
                ambiguous.add(key)
    for key in ambiguous:
        ids.pop(key, None)
    renamed = {p.channel_id: ids[p.channel_id] for p in parts
               if p.platform == "twitter" and not p.resolved and p.channel_id in ids}
    if not renamed:
        return messages
    for p in parts:
        if p.channel_id in renamed:
            p.channel_id, p.resolved = renamed[p.channel_id], True
    warnings.append(f"{len(renamed)} Twitter account(s) known by screen name only keyed by the "
                    "id another file of this load gives them: "
                    + ", ".join(f"{a} -> {b}" for a, b in sorted(renamed.items())[:5])
                    + (" ..." if len(renamed) > 5 else ""))
    if not len(messages):
        return messages
    out = messages.copy(deep=False)
    out["channel_id"] = messages["channel_id"].replace(renamed).astype(schema.STRING)
    return out.sort_values(["date", "channel_id", "message_id"], kind="stable",
                           ignore_index=True)


def channel_key(value: str | int | None) -> str | None:
    """``telegram:<bare id>`` for ``load(channel_id=...)`` (a key with a platform is kept)."""
    if value is None:
        return None
    text = str(value).strip()
    if ":" in text and not isinstance(value, int):
        if text.split(":", 1)[0] in schema.PLATFORMS and text.split(":", 1)[1]:
            return text
    else:
        try:
            return telegram_key(value if isinstance(value, int) else text)
        except (ValueError, TypeError):
            pass
    raise ParameterError(f"channel_id={value!r} is not a channel id: use 'telegram:<id>', a "
                         "bare id (123) or a Bot API id (-100123)")


_WHENCE = {"export": "an export with ids", "channels=": "the channels= table"}


def rekey_by_name(builder: "Builder", labels) -> None:
    """Telegram chats keyed by display name for want of an id (``telegram:name:<name>``: HTML
    exports) take the id that another export of the load (a JSON export of the same chat) or
    the ``channels=`` table (a row with ``channel_id`` and ``name``) gives that name. Done
    before duplicates are merged, so both exports' messages merge on (channel_id,
    message_id). A name given two ids is left alone, with a warning."""
    named = [p for p in builder.parts if p.platform == "telegram" and not p.resolved
             and p.name and p.channel_id == name_key(p.name)]
    if not named:
        return
    ids: dict[str, dict[str, str]] = {}  # normalised name -> id -> where it came from
    for p in builder.parts:
        if p.platform == "telegram" and p.resolved and p.name:
            ids.setdefault(normalise_name(p.name), {}).setdefault(p.channel_id, "export")
    if labels is not None:
        from .labels import read_labels

        frame = read_labels(labels)
        if "channel_id" in frame.columns and "name" in frame.columns:
            for cid, name in zip(frame["channel_id"], frame["name"]):
                if cid is pd.NA or name is pd.NA or cid is None or name is None:
                    continue
                try:
                    key = channel_key(str(cid))
                except ParameterError:
                    continue
                if key.startswith("telegram:") and not key.startswith("telegram:name:"):
                    ids.setdefault(normalise_name(str(name)), {}).setdefault(key, "channels=")
    renamed: dict[str, tuple[str, str]] = {}
    ambiguous: list[str] = []
    for p in named:
        found = ids.get(normalise_name(p.name), {})
        if len(found) == 1:
            renamed[p.channel_id] = next(iter(found.items()))
        elif len(found) > 1:
            ambiguous.append(f"{p.name!r} ({', '.join(sorted(found))})")
    unmapped = sorted({p.name for p in named if p.keyed_by_name
                       and p.channel_id not in renamed})
    if ambiguous:
        builder.warnings.append("chat name(s) given more than one id in this load, left keyed "
                                f"by name: {sorted(set(ambiguous))[:5]}")
    if unmapped:
        builder.warnings.append(
            f"{len(unmapped)} chat(s) known only by name (HTML exports give no ids) keyed "
            f"telegram:name:<name>: {unmapped[:5]}; map them with channel_id= or a channels= "
            "table with channel_id and name")
    if not renamed:
        return
    rekey(builder, {old: new for old, (new, _) in renamed.items()})
    builder.warnings.append(
        f"{len(renamed)} chat(s) known only by name keyed by the id given to the same name "
        "elsewhere in this load: " + ", ".join(
            f"{old} -> {new} (from {_WHENCE[whence]})"
            for old, (new, whence) in sorted(renamed.items())[:5])
        + (" ..." if len(renamed) > 5 else ""))


def rekey_by_telegram_handle(builder: "Builder") -> None:
    """Telegram chats keyed by username for want of an id (``telegram:name:<username>``: a
    4CAT CSV names its chats so) take the id another file of the load gives that username.
    Done before duplicates are merged; a username given two ids is left alone."""
    named = [p for p in builder.parts if p.platform == "telegram" and not p.resolved
             and p.handle and p.channel_id == name_key(p.handle)]
    if not named:
        return
    ids: dict[str, set[str]] = {}
    for p in builder.parts:
        if p.platform == "telegram" and p.resolved and p.handle:
            ids.setdefault(normalise_name(p.handle), set()).add(p.channel_id)
    mapping = {}
    for p in named:
        found = ids.get(normalise_name(p.handle), set())
        if len(found) == 1:
            mapping[p.channel_id] = next(iter(found))
    if not mapping:
        return
    rekey(builder, mapping)
    builder.warnings.append(
        f"{len(mapping)} chat(s) known only by username keyed by the id another file of this "
        "load gives that username: " + ", ".join(
            f"{old} -> {new}" for old, new in sorted(mapping.items())[:5])
        + (" ..." if len(mapping) > 5 else ""))


def rekey(builder: "Builder", mapping: dict[str, str]) -> None:
    """Re-key chats known by name or username with the ids ``mapping`` gives them (old key ->
    id): in the parts, in the message rows already built and in the service records."""
    for p in builder.parts:
        if p.channel_id in mapping:
            p.channel_id, p.resolved = mapping[p.channel_id], True
    old_ids = pa.array(sorted(mapping), type=pa.large_string())
    for chunk in builder.chunks:
        col = chunk["channel_id"]
        if pc.any(pc.is_in(col, value_set=old_ids)).as_py():
            chunk["channel_id"] = pa.array([mapping.get(v, v) for v in col.to_pylist()],
                                           type=pa.large_string())
    builder.service = [(r[0], mapping.get(r[1], r[1]), *r[2:]) for r in builder.service]


def fill_names(messages: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """Null ``channel`` and ``fwd_from_name`` (of forwards whose source is known by id) filled
    with the channel's name as the load knows it: formats such as Telethon dumps name neither
    the channel nor a forward source, a channels file or another export in the same load may."""
    if not len(messages) or not len(channels):
        return messages
    named = channels["name"].notna()
    if not named.any():
        return messages
    names = pd.Series(channels.loc[named, "name"].to_numpy(),
                      index=channels.loc[named, "channel_id"].to_numpy())
    out = None
    for col, key in (("channel", "channel_id"), ("fwd_from_name", "fwd_from_channel_id")):
        todo = messages[col].isna() & messages[key].notna()
        if not todo.any():
            continue
        found = messages.loc[todo, key].map(names)
        if not found.notna().any():
            continue
        out = messages.copy(deep=False) if out is None else out
        filled = messages[col].copy()
        filled.loc[todo] = found.astype(schema.STRING)
        out[col] = filled.astype(schema.STRING)
    return messages if out is None else out


def add_forward_sources(channels: pd.DataFrame, messages: pd.DataFrame,
                        forward_ids: dict[str, str | None]) -> pd.DataFrame:
    """Channels only seen as forward sources: by id (resolved) or by name (unresolved)."""
    known = set(channels["channel_id"])
    rows = []
    for cid, name in sorted(forward_ids.items()):
        if cid not in known:
            known.add(cid)
            rows.append({"channel_id": cid, "platform": cid.split(":", 1)[0], "kind": "unknown",
                         "name": name, "handle": None, "resolved": True})
    if len(messages):
        unresolved = messages["fwd_from_channel_id"].isna() & messages["fwd_from_name"].notna()
        pairs = messages.loc[unresolved, ["platform", "fwd_from_name"]].drop_duplicates()
        first_names: dict[str, tuple[str, str]] = {}
        for platform, name in zip(pairs["platform"], pairs["fwd_from_name"]):
            key = name_key(name, platform)
            if key not in first_names and normalise_name(name):
                first_names[key] = (platform, name)
        for key in sorted(first_names):
            if key not in known:
                known.add(key)
                platform, name = first_names[key]
                rows.append({"channel_id": key, "platform": platform, "kind": "unknown",
                             "name": name, "handle": None, "resolved": False})
    if not rows:
        return channels
    extra = pd.DataFrame(rows, columns=list(schema.CHANNELS))
    if "names" in channels.columns:  # see add_known_names
        extra["names"] = [[n] if isinstance(n, str) else [] for n in extra["name"]]
    both = pd.concat([schema.conform(channels, "channels"), schema.conform(extra, "channels")],
                     ignore_index=True)
    return both.sort_values("channel_id", kind="stable", ignore_index=True)


def add_known_names(channels: pd.DataFrame, service: pd.DataFrame | None = None,
                    export_names: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """A copy of ``channels`` with a ``names`` column: every title each channel is known to
    have had.

    Titles come from its title service records (``create_channel``, ``edit_channel_title``,
    ... in ``service``, in date order), then the names its exports give it (``export_names``:
    channel id -> names, e.g. a June and a September export of the same channel; sorted),
    then its current ``name``; each title once. :func:`name_index` resolves a forward named by any
    of them, so a forward written under a channel's old title finds it; a title two channels
    had is ambiguous and resolves to neither (dates are not compared).

    Examples
    --------
    >>> import pandas as pd
    >>> channels = pd.DataFrame({"channel_id": ["telegram:1"], "name": ["New title"],
    ...                          "resolved": [True]})
    >>> service = pd.DataFrame({"channel_id": ["telegram:1"], "action": ["edit_channel_title"],
    ...                         "text": ["New title"],
    ...                         "date": pd.to_datetime(["2016-11-02"], utc=True)})
    >>> named = add_known_names(channels, service, {"telegram:1": ["Old title"]})
    >>> named["names"].tolist()
    [['New title', 'Old title']]
    >>> name_index(named)[0]
    {'new title': 'telegram:1', 'old title': 'telegram:1'}
    """
    if not len(channels):
        return channels
    known: dict[str, list[str]] = {}
    if service is not None and len(service):
        titled = service[service["action"].isin(TITLE_ACTIONS).fillna(False).to_numpy()
                         & service["text"].notna().to_numpy()]
        titled = titled.sort_values("date", kind="stable")
        for cid, title in zip(titled["channel_id"], titled["text"]):
            if isinstance(title, str) and title.strip():
                known.setdefault(str(cid), []).append(title)
    for cid, names in (export_names or {}).items():  # sorted: loads and stores agree
        known.setdefault(str(cid), []).extend(
            sorted({n for n in names if isinstance(n, str) and n.strip()}))
    out = channels.copy()
    out["names"] = [list(dict.fromkeys(
        [*known.get(str(cid), []), *([name] if isinstance(name, str) else [])]))
        for cid, name in zip(out["channel_id"], out["name"])]
    return out
