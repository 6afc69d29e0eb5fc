"""The :class:`Store`: a corpus on disk (Parquet), queried through DuckDB."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ParameterError, WorkbenchWarning
from ._layout import (LOCK, MANIFEST, STAGING, STORE_FILE, TABLES, StoreError, new_manifest,
                      read_manifest, write_lock, write_manifest)

__all__ = ["Store", "open_store", "is_store", "on_cluster"]

_CANONICAL = list(schema.MESSAGES)
_BACKENDS = ("auto", "duckdb", "dask")


def is_store(obj: object) -> bool:
    """Whether ``obj`` is a :class:`Store` (the analyses then run out of core).

    Examples
    --------
    >>> import pandas as pd
    >>> is_store(pd.DataFrame())
    False
    """
    return isinstance(obj, Store)


def on_cluster(obj: object) -> bool:
    """Whether ``obj`` is a :class:`Store` whose analyses run on Dask: a cluster is in use
    (:func:`workbench.use_cluster`, or a ``distributed.Client`` in scope) and the store was
    not opened with ``backend="duckdb"``.

    Raises
    ------
    ParameterError
        If the store was opened with ``backend="dask"`` and no cluster is in use.

    Examples
    --------
    >>> import pandas as pd
    >>> on_cluster(pd.DataFrame())
    False
    """
    return isinstance(obj, Store) and obj._use_dask()


def open_store(path: str | os.PathLike, *, create: bool = True, backend: str = "auto",
               memory_limit: str | None = None, threads: int | None = None) -> "Store":
    """Open the corpus store at ``path``, creating an empty one if there is none.

    Parameters
    ----------
    path : str or Path
        A folder: an existing store, an empty or missing folder (a new store is created).
    create : bool, default True
        False: refuse to create (a missing store is an error).
    backend : {"auto", "duckdb", "dask"}, default "auto"
        Where the analyses run: in-process DuckDB, or Dask (the cluster of
        :func:`workbench.use_cluster`, or the ``distributed.Client`` in scope). ``"auto"``
        uses Dask when a client is in scope, else DuckDB.
    memory_limit : str, optional
        DuckDB's memory limit (``"8GB"``); it spills to disk beyond it. Default: DuckDB's
        (80% of RAM).
    threads : int, optional
        DuckDB's worker threads (default: all cores).

    Returns
    -------
    Store

    Raises
    ------
    StoreError
        If ``path`` holds something else (files but no ``store.json``), a store written by
        another schema version (both versions named), or a damaged store file (named).

    Examples
    --------
    >>> import tempfile, workbench as wb
    >>> store = wb.open_store(tempfile.mkdtemp())
    >>> store
    Store(0 messages in 0 channels; 0 inputs in 0 ingests)
    >>> export = wb.io.fixtures_dir() / "telegram" / "voiceofkledral"
    >>> store.ingest(export, progress=False)[["status", "loaded", "added"]]
         status  loaded  added
    0  ingested    1241   1241
    >>> store.ingest(export, progress=False)["status"].tolist()   # the same export again
    ['skipped: already in the store']
    >>> store.corpus(channels=["telegram:1048766675"]).messages["channel"].unique().tolist()
    ['Voice of Kledral']
    """
    root = Path(path)
    if backend not in _BACKENDS:
        raise ParameterError(f"backend={backend!r}; expected one of {_BACKENDS}")
    if not (root / MANIFEST).exists():
        if not create:
            raise StoreError(f"{root}: no corpus store here (no {MANIFEST})")
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root}: is a file, not a store folder")
        if root.is_dir() and any(p.name not in (LOCK, STAGING) for p in root.iterdir()):
            raise StoreError(f"{root}: not empty and not a corpus store (no {MANIFEST}); "
                             "give an empty or new folder")
        root.mkdir(parents=True, exist_ok=True)
        with write_lock(root):
            if not (root / MANIFEST).exists():
                write_manifest(root, new_manifest())
    return Store(root, backend=backend, memory_limit=memory_limit, threads=threads)


class Store:
    """A corpus on disk: Parquet tables under a folder, read through DuckDB.

    Use :func:`open_store` to get one. Everything analyses need is here: ``ingest`` adds
    exports; ``corpus`` gives an in-memory :class:`~workbench.Corpus` of a slice;
    ``messages_query`` runs SQL on the views ``messages``, ``channels``, ``service``,
    ``rejected`` and ``sources``; :func:`workbench.network.forward_edges`,
    :func:`~workbench.network.mention_edges`, :func:`~workbench.timeline.message_volume`,
    :func:`~workbench.timeline.keyword_trend` and
    :func:`~workbench.crosspost.find_crossposts` accept a store in place of messages.
    """

    def __init__(self, root: Path, *, backend: str = "auto", memory_limit: str | None = None,
                 threads: int | None = None):
        self.path = Path(root)
        self.backend = backend
        self._memory_limit = memory_limit
        self._threads = threads
        self._con = None
        self._generation = None
        self._cache: dict[str, object] = {}
        self._stamp = self._manifest_stamp()
        self._meta = read_manifest(self.path)
        self._check_files(self._meta)

    # -- manifest and files ----------------------------------------------------------------
    def _check_files(self, meta: dict) -> None:
        """Every committed file present with its recorded size; foreign files reported."""
        listed = set()
        for table in TABLES:
            for entry in meta["tables"][table]:
                rel = entry["path"]
                listed.add(rel)
                path = self.path / rel
                try:
                    size = path.stat().st_size
                except FileNotFoundError:
                    raise StoreError(f"{self.path}: {rel} is missing; the store is damaged "
                                     "(restore the folder from a backup)") from None
                if size != entry["size"]:
                    raise StoreError(
                        f"{self.path}: {rel} is damaged or was replaced: {size:,} bytes, the "
                        f"store wrote {entry['size']:,}; restore it from a backup or re-ingest "
                        "into a new store")
        foreign = []
        for table in TABLES:
            folder = self.path / table
            if not folder.is_dir():
                continue
            for path in folder.rglob("*"):
                if not path.is_file():
                    continue
                rel = path.relative_to(self.path).as_posix()
                if rel in listed or STORE_FILE.match(path.name):
                    continue  # committed, or left by an interrupted ingest (removed by the next)
                foreign.append(rel)
        if foreign:
            warnings.warn(f"{self.path}: file(s) not written by this store are ignored: "
                          f"{sorted(foreign)[:5]}", WorkbenchWarning, stacklevel=3)

    def _manifest_stamp(self) -> tuple | None:
        """What changes whenever ``store.json`` is replaced (a commit renames a new file over
        it) or rewritten: inode, modification time, size."""
        try:
            st = (self.path / MANIFEST).stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _refresh(self) -> dict:
        """The committed manifest, re-read when ``store.json`` changed since it was last read
        (another process may have committed an ingest)."""
        stamp = self._manifest_stamp()  # before reading: a commit in between re-reads next time
        if stamp is not None and stamp == self._stamp:
            return self._meta
        meta = read_manifest(self.path)
        if meta["generation"] != self._meta["generation"]:
            self._check_files(meta)
            self._cache.clear()
            self._generation = None
        self._meta, self._stamp = meta, stamp
        return meta

    def files(self, table: str = "messages") -> list[Path]:
        """Absolute paths of the committed Parquet files of ``table``."""
        if table not in TABLES:
            raise ParameterError(f"table={table!r}; expected one of {TABLES}")
        meta = self._refresh()
        return [self.path / e["path"] for e in meta["tables"][table]]

    def _entries(self, table: str) -> list[dict]:
        return self._meta["tables"][table]

    def __repr__(self) -> str:
        meta = self._refresh()
        n = sum(e.get("rows", 0) for e in meta["tables"]["messages"])
        inputs = sum(e.get("rows", 0) for e in meta["tables"]["log"])
        channels = len(self._exported_channels()) if n else 0
        return (f"Store({n:,} messages in {channels:,} channels; {inputs:,} inputs in "
                f"{len(meta['ingests']):,} ingests)")

    # -- DuckDB ------------------------------------------------------------------------------
    def _connection(self):
        """The DuckDB connection with the store's views, rebuilt after each commit."""
        self._refresh()
        if self._con is not None and self._generation == self._meta["generation"]:
            return self._con
        import duckdb

        if self._con is None:
            # Nothing may fetch from the internet: no extension is installed on demand.
            config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
            if self._memory_limit:
                config["memory_limit"] = self._memory_limit
            if self._threads:
                config["threads"] = int(self._threads)
            self._con = duckdb.connect(config=config)
            self._con.execute("SET TimeZone = 'UTC'")
        self._make_views(self._con)
        self._generation = self._meta["generation"]
        return self._con

    def _make_views(self, con) -> None:
        from . import _tables as T

        for table, name, schema_ in (("messages", "_raw_messages", T.MESSAGES),
                                     ("service", "_service_raw", T.SERVICE),
                                     ("rejected", "_rejected_raw", T.REJECTED),
                                     ("log", "_log", T.LOG)):
            paths = [str(self.path / e["path"]) for e in self._entries(table)]
            _drop(con, name)
            if paths:
                listing = ", ".join(_quote(p) for p in paths)
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listing}])")
            else:
                con.register("_empty_tmp", schema_.empty_table())
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM _empty_tmp")
                con.unregister("_empty_tmp")
        exported = self._exported_channels()
        if len(exported) and "names" not in exported.columns:  # every title, as a load has
            from ..ids import TITLE_ACTIONS
            from ..io.resolve import add_known_names
            titles = con.execute("SELECT channel_id, action, text, date FROM _service_raw "
                                 "WHERE action IN (SELECT unnest(?))", [list(TITLE_ACTIONS)]).df()
            parts = self._parts()
            parts = parts[parts["_kind"] == "part"]
            exported = add_known_names(exported, titles, parts.groupby("channel_id")["name"]
                                       .agg(list).to_dict())
            self._cache["exported"] = exported
        index = _name_index(exported)
        con.execute("DROP TABLE IF EXISTS _name_index")
        con.register("_name_index_tmp", index)
        con.execute("CREATE TABLE _name_index AS SELECT * FROM _name_index_tmp")
        con.unregister("_name_index_tmp")
        # Forwards named by their source's display name (handle, on Twitter) resolve through
        # every channel of the store, as a load of all its exports would resolve them.
        cols = ", ".join(
            "coalesce(m.fwd_from_channel_id, n.channel_id) AS fwd_from_channel_id"
            if c == "fwd_from_channel_id" else f"m.{_ident(c)}" for c in _CANONICAL)
        con.execute(f"""
            CREATE OR REPLACE VIEW _messages0 AS
            SELECT {cols}, m._hash, m._export, m._ingest, m._input, m._fwd_norm
            FROM _raw_messages m
            LEFT JOIN _name_index n ON m.platform = n.platform AND m._fwd_norm = n.norm""")
        channels = self._derive_channels(con)
        self._cache["channels"] = channels
        con.execute("DROP TABLE IF EXISTS channels")
        con.register("_channels_tmp", _plain(channels))
        con.execute("CREATE TABLE channels AS SELECT * FROM _channels_tmp")
        con.unregister("_channels_tmp")
        unnamed = con.sql("""SELECT count(*) FROM _raw_messages WHERE channel IS NULL
                             OR (fwd_from_name IS NULL AND fwd_from_channel_id IS NOT NULL)
                          """).fetchall()[0][0]
        if unnamed:
            # Formats that name neither the channel nor a forward source known by id take the
            # name the store knows for it (as a load does).
            fill = ", ".join(
                "coalesce(m.channel, c1.name) AS channel" if c == "channel" else
                "coalesce(m.fwd_from_name, c2.name) AS fwd_from_name" if c == "fwd_from_name"
                else
                f"m.{_ident(c)}" for c in _CANONICAL)
            con.execute(f"""
                CREATE OR REPLACE VIEW _messages AS
                SELECT {fill}, m._hash, m._export, m._ingest, m._input, m._fwd_norm
                FROM _messages0 m
                LEFT JOIN channels c1 ON c1.channel_id = m.channel_id
                LEFT JOIN channels c2 ON c2.channel_id = m.fwd_from_channel_id""")
        else:
            con.execute("CREATE OR REPLACE VIEW _messages AS SELECT * FROM _messages0")
        canonical = ", ".join(_ident(c) for c in _CANONICAL)
        con.execute(f"""
            CREATE OR REPLACE VIEW service AS
            SELECT {", ".join(_ident(c) for c in schema.SERVICE)} FROM (
                SELECT * FROM _service_raw
                QUALIFY message_id IS NULL OR rank() OVER (
                    PARTITION BY channel_id, message_id
                    ORDER BY _export DESC NULLS LAST, _ingest DESC, _order DESC) = 1)
            ORDER BY _ingest, _row""")
        con.execute(f"""CREATE OR REPLACE VIEW rejected AS
            SELECT {", ".join(_ident(c) for c in schema.REJECTED)} FROM _rejected_raw
            ORDER BY _ingest, _row""")
        con.execute("""CREATE OR REPLACE VIEW sources AS
            SELECT * EXCLUDE (_ingest, _input) FROM _log ORDER BY _ingest, _input""")
        labels = [c for c in channels.columns if c not in schema.CHANNELS and c != "names"]
        usable = [c for c in labels if c not in schema.MESSAGES]
        self._cache["labels"] = usable
        if usable:
            picks = ", ".join(f"l.{_ident(c)}" for c in usable)
            con.execute(f"""CREATE OR REPLACE VIEW messages AS
                SELECT {", ".join("m." + _ident(c) for c in _CANONICAL)}, {picks}
                FROM _messages m LEFT JOIN channels l ON l.channel_id = m.channel_id""")
        else:
            con.execute(f"CREATE OR REPLACE VIEW messages AS SELECT {canonical} FROM _messages")

    def _sql(self, sql: str, params=None):
        """Run ``sql`` on the store's connection; an Arrow table."""
        import duckdb

        con = self._connection()
        try:
            return con.sql(sql, params=params or None).to_arrow_table()
        except duckdb.Error as exc:
            raise _query_error(self.path, exc) from exc

    # -- derived tables ------------------------------------------------------------------------
    def _parts(self) -> pd.DataFrame:
        if "parts" not in self._cache:
            import pyarrow as pa
            import pyarrow.parquet as pq

            from . import _tables as T

            tables = [pq.read_table(self.path / e["path"], schema=T.PARTS)
                      for e in self._entries("parts")]
            arrow = pa.concat_tables(tables) if tables else T.PARTS.empty_table()
            self._cache["parts"] = arrow.to_pandas()
        return self._cache["parts"]

    def _exported_channels(self) -> pd.DataFrame:
        """Channels as their exports describe them: per channel, the newest export's
        description with gaps filled from older ones (as a load of all exports does)."""
        if "exported" in self._cache:
            return self._cache["exported"]
        parts = self._parts()
        parts = parts[parts["_kind"] == "part"]
        if len(parts):
            export = parts["_export"].astype("float64").fillna(-np.inf)
            order = np.lexsort((parts["_order"].to_numpy(), parts["_ingest"].to_numpy(),
                                export.to_numpy()))
            parts = parts.iloc[order].copy()
            parts["kind"] = parts["kind"].where(parts["kind"] != "unknown")
            parts["resolved"] = parts["resolved"].astype(bool)
            grouped = parts.groupby("channel_id", sort=True)
            out = grouped.agg(platform=("platform", "last"), kind=("kind", "last"),
                              name=("name", "last"), handle=("handle", "last"),
                              resolved=("resolved", "max")).reset_index()
            out["kind"] = out["kind"].fillna("unknown")
        else:
            out = pd.DataFrame(columns=list(schema.CHANNELS))
        out = out[list(schema.CHANNELS)].reset_index(drop=True)
        self._cache["exported"] = out
        return out

    def _forward_ids(self) -> dict[str, str | None]:
        parts = self._parts()
        rows = parts[parts["_kind"] == "forward_id"]
        rows = rows.iloc[np.lexsort((rows["_order"].to_numpy(), rows["_ingest"].to_numpy()))]
        out: dict[str, str | None] = {}
        for cid, name in zip(rows["channel_id"], rows["name"]):
            name = None if name is None or name is pd.NA or name != name else name
            if name or cid not in out:
                out[cid] = name
        return out

    def channels(self) -> pd.DataFrame:
        """The canonical channels table of everything in the store (exported channels,
        forward sources known by id or only by name), with the analyst labels joined.

        Examples
        --------
        >>> import tempfile, workbench as wb
        >>> wb.open_store(tempfile.mkdtemp()).channels().columns.tolist()
        ['channel_id', 'platform', 'kind', 'name', 'handle', 'resolved']
        """
        self._connection()
        return self._cache["channels"].copy()

    def _derive_channels(self, con) -> pd.DataFrame:
        from ..io import labels
        from ..io.resolve import add_forward_sources

        exported = schema.conform(self._exported_channels(), "channels")
        # Sources only known by name: those of forwards no channel of the store resolves.
        names = pd.DataFrame({"platform": [], "fwd_from_name": []})
        if self._entries("messages"):
            arrow = con.sql("""
                SELECT platform, arg_min(fwd_from_name, {'d': date, 'c': channel_id,
                                                         'm': message_id}) AS fwd_from_name
                FROM _messages0
                WHERE fwd_from_channel_id IS NULL AND fwd_from_name IS NOT NULL
                  AND _fwd_norm <> ''
                GROUP BY platform, _fwd_norm""").to_arrow_table()
            names = arrow.to_pandas()
        stub = pd.DataFrame({
            "platform": names["platform"].astype(object),
            "fwd_from_name": names["fwd_from_name"].astype(object),
            "fwd_from_channel_id": pd.Series([None] * len(names), dtype=object)})
        channels = add_forward_sources(exported, stub, self._forward_ids())
        channels = schema.conform(channels, "channels").sort_values(
            "channel_id", kind="stable", ignore_index=True)
        table = self._labels()
        if table is not None:
            notes: list[str] = []
            channels, _ = labels.join_labels(channels, schema.empty("messages"), table, notes)
            for note in notes:
                warnings.warn(note, WorkbenchWarning, stacklevel=4)
        return channels

    def _labels(self) -> pd.DataFrame | None:
        entries = self._entries("labels")
        if not entries:
            return None
        import pyarrow.parquet as pq

        frame = pq.read_table(self.path / entries[-1]["path"]).to_pandas()
        for col in frame.columns:
            if pd.api.types.is_string_dtype(frame[col]) or frame[col].dtype == object:
                frame[col] = frame[col].astype(schema.STRING)
        return frame

    # -- public reads ----------------------------------------------------------------------------
    def sources(self) -> pd.DataFrame:
        """The ingest log: one row per input file committed, oldest first.

        Columns: ``ingest`` (its id), ``ingested_at``, then as :attr:`Corpus.files` (``path``,
        ``format``, ``size``, ``sha256``, ``records``, ``loaded``, ``service``, ``rejected``,
        ``merged``), and what the store did with the input's messages: ``added`` (new),
        ``updated`` (a newer version of a stored message: it replaced it), ``unchanged``
        (already stored as is), ``older`` (an older version than the one stored: ignored).

        Examples
        --------
        >>> import tempfile, workbench as wb
        >>> wb.open_store(tempfile.mkdtemp()).sources().columns.tolist()[:4]
        ['ingest', 'ingested_at', 'path', 'format']
        """
        from . import _tables as T

        arrow = self._sql("SELECT * FROM sources")
        files = T.to_canonical(arrow, "files")
        extra = ["added", "updated", "unchanged", "older"]
        out = pd.DataFrame({
            "ingest": pd.array(arrow.column("ingest"), dtype=schema.STRING),
            "ingested_at": T._times(arrow.column("ingested_at"))})
        out = pd.concat([out, files[list(schema.FILES)]], axis=1)
        for col in extra:
            out[col] = np.asarray(arrow.column(col).to_numpy(), dtype=np.int64)
        return out

    def _where(self, channels, start, end, platforms) -> tuple[str, list]:
        clauses, params = [], []
        if channels is not None:
            ids = [channels] if isinstance(channels, str) else list(channels)
            clauses.append("channel_id IN (SELECT unnest(?::VARCHAR[]))")
            params.append([str(c) for c in ids])
        if platforms is not None:
            plats = [platforms] if isinstance(platforms, str) else list(platforms)
            clauses.append("platform IN (SELECT unnest(?::VARCHAR[]))")
            params.append([str(p) for p in plats])
        for ts, op in ((start, ">="), (end, "<")):
            if ts is not None:
                stamp = pd.Timestamp(ts)
                stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
                clauses.append(f"epoch_ns(date) {op} ?")
                params.append(int(stamp.tz_convert("UTC").value))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def corpus(self, *, channels=None, start=None, end=None, platforms=None):
        """An in-memory :class:`~workbench.Corpus` of a slice of the store.

        Parameters
        ----------
        channels : str or list of str, optional
            Channel ids (``telegram:123``) whose messages to take.
        start, end : timestamp-like, optional
            Messages from ``start`` (inclusive) to ``end`` (exclusive); naive times are UTC.
        platforms : str or list of str, optional
            ``"telegram"``, ``"twitter"``.

        Returns
        -------
        Corpus
            ``messages`` of the slice (sorted by date, channel_id, message_id; forwards
            resolved across the whole store, labels joined); ``channels``: all channels of the
            store when nothing is filtered, else those the slice's messages come from or
            forward from; ``service`` of the slice's channels and period; ``rejected`` and
            ``files`` (the ingest log) of the whole store.
        """
        from ..corpus import Corpus
        from ..io.labels import take_or_na
        from . import _tables as T

        where, params = self._where(channels, start, end, platforms)
        cols = ", ".join(_ident(c) for c in _CANONICAL)
        arrow = self._sql(f"SELECT {cols} FROM _messages{where} "
                          "ORDER BY date, channel_id, message_id", params)
        messages = T.to_canonical(arrow, "messages")
        table = self.channels()
        usable = [c for c in table.columns if c not in schema.CHANNELS
                  and c not in schema.MESSAGES and c != "names"]  # names: not a label
        if usable and len(messages):
            pos = pd.Index(table["channel_id"]).get_indexer(messages["channel_id"])
            for col in usable:
                messages[col] = take_or_na(table[col], pos)
        elif usable:
            for col in usable:
                messages[col] = table[col].iloc[:0].reset_index(drop=True)
        filtered = bool(where)
        if filtered:
            keep = set(messages["channel_id"].dropna()) | set(
                messages["fwd_from_channel_id"].dropna())
            unresolved = messages["fwd_from_channel_id"].isna() & messages["fwd_from_name"].notna()
            if unresolved.any():
                from ..ids import name_key

                keep |= {name_key(n, p) for n, p in zip(
                    messages.loc[unresolved, "fwd_from_name"],
                    messages.loc[unresolved, "platform"].astype(str))}
            table = table[table["channel_id"].isin(keep)].reset_index(drop=True)
        service = T.to_canonical(self._sql(f"SELECT * FROM service{where}", params), "service")
        rejected = T.to_canonical(self._sql("SELECT * FROM rejected"), "rejected")
        files = self.sources()
        files = pd.concat([files[list(schema.FILES)], files.drop(columns=list(schema.FILES))],
                          axis=1)
        return Corpus(messages=messages, channels=table, rejected=rejected, service=service,
                      files=files)

    def messages_query(self, sql: str, params=None) -> pd.DataFrame:
        """Run SQL (DuckDB dialect) on the store; a DataFrame.

        Views: ``messages`` (canonical columns, forwards resolved across the store, label
        columns joined), ``channels``, ``service``, ``rejected``, ``sources``.

        Examples
        --------
        >>> import tempfile, workbench as wb
        >>> store = wb.open_store(tempfile.mkdtemp())
        >>> store.messages_query("SELECT count(*) AS n FROM messages")
           n
        0  0
        """
        return self._sql(sql, params).to_pandas()

    def verify(self) -> pd.DataFrame:
        """Read every committed file in full: one row per file with its rows; raises
        :class:`StoreError` naming the first file that is damaged or not the store's."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from . import _tables as T

        rows = []
        meta = self._refresh()
        for table in TABLES:
            expected = T.SCHEMAS.get(table)
            for entry in meta["tables"][table]:
                path = self.path / entry["path"]
                try:
                    data = pq.read_table(path)
                except (pa.ArrowException, OSError) as exc:
                    raise StoreError(f"{self.path}: {entry['path']} is damaged: {exc}") from exc
                if expected is not None and not data.schema.equals(expected):
                    raise StoreError(f"{self.path}: {entry['path']} is not a store file of "
                                     f"{table} (its columns: {data.column_names[:8]} ...)")
                if "rows" in entry and data.num_rows != entry["rows"]:
                    raise StoreError(f"{self.path}: {entry['path']} holds {data.num_rows:,} "
                                     f"rows, the store wrote {entry['rows']:,}")
                rows.append({"table": table, "path": entry["path"], "rows": data.num_rows})
        return pd.DataFrame(rows, columns=["table", "path", "rows"])

    # -- writes --------------------------------------------------------------------------------
    def ingest(self, paths, *, channels=None, tz="UTC", format: str | None = None,
               channel_id=None, pseudonymise: str | None = None,
               progress: bool | None = None, workers: int | None = None,
               batch_bytes: int | None = None, _on_batch=None) -> pd.DataFrame:
        """Add exports to the store, idempotently and atomically, in bounded memory.

        Parameters
        ----------
        paths : path, Corpus, or a list of them
            Anything :func:`workbench.load` reads (files, folders, saved corpora), or
            in-memory :class:`~workbench.Corpus` objects.
        channels : DataFrame or CSV path, optional
            Analyst labels (as ``wb.load(channels=...)``): they replace earlier ones and
            apply to every channel of the store.
        tz, format, channel_id, pseudonymise
            As in :func:`workbench.load`; with ``pseudonymise`` (a secret salt) authors and
            service actors are replaced before anything is written.
        progress : bool, optional
            A progress bar over the input bytes (off with ``WORKBENCH_PROGRESS=0``).
        workers : int, optional
            Processes reading inputs in parallel (default: one per core, up to 4, for inputs
            over about 100 MB; none for smaller ones).
        batch_bytes : int, optional
            Decompressed input bytes read at a time by each process (default 256 MB); memory
            stays within about three times this per process.

        Returns
        -------
        DataFrame
            One row per input: ``path``, ``status`` (``ingested``; ``skipped: already in the
            store`` when the ingest log holds its SHA-256; ``skipped: same content as ...``;
            ``unreadable``), ``loaded``, ``added``, ``updated`` (newer versions of stored
            messages, which they replace), ``unchanged`` (stored already), ``older`` (older
            versions than the stored ones: ignored), ``service``, ``rejected``.

        Raises
        ------
        StoreLockedError
            Another process is ingesting into this store.
        LoadError
            A path does not exist, or a single file given by path cannot be read; nothing is
            committed then.
        """
        from ._ingest import ingest

        return ingest(self, paths, channels=channels, tz=tz, format=format,
                      channel_id=channel_id, pseudonymise=pseudonymise, progress=progress,
                      workers=workers, batch_bytes=batch_bytes, _on_batch=_on_batch)

    def set_labels(self, labels) -> None:
        """Store analyst labels (a DataFrame or CSV path, as ``wb.load(channels=...)``);
        they replace earlier ones and apply to every channel, also ones ingested later."""
        from ._ingest import set_labels

        set_labels(self, labels)

    # -- analyses --------------------------------------------------------------------------------
    def _use_dask(self) -> bool:
        if self.backend == "duckdb":
            return False
        from ._dask import current_client

        client = current_client()
        if self.backend == "dask" and client is None:
            raise ParameterError("backend='dask' but no Dask cluster: call "
                                 "wb.use_cluster(address) or create a distributed.Client")
        return client is not None

    # The analyses accept a store in place of messages (the DuckDB and Dask backends, see
    # workbench.store); these methods are the same calls, for discovery.
    def forward_edges(self, *, min_weight: int = 1) -> pd.DataFrame:
        """:func:`workbench.network.forward_edges` over the store."""
        from ..network import forward_edges

        return forward_edges(self, min_weight=min_weight)

    def mention_edges(self, *, channels=None, min_weight: int = 1,
                      self_mentions: bool = False) -> pd.DataFrame:
        """:func:`workbench.network.mention_edges` over the store."""
        from ..network import mention_edges

        return mention_edges(self, channels=channels, min_weight=min_weight,
                             self_mentions=self_mentions)

    def message_volume(self, **options) -> pd.DataFrame:
        """:func:`workbench.timeline.message_volume` over the store."""
        from ..timeline import message_volume

        return message_volume(self, **options)

    def keyword_trend(self, terms, **options) -> pd.DataFrame:
        """:func:`workbench.timeline.keyword_trend` over the store."""
        from ..timeline import keyword_trend

        return keyword_trend(self, terms, **options)

    def find_crossposts(self, *, channels: pd.DataFrame | None = None,
                        **options) -> pd.DataFrame:
        """:func:`workbench.crosspost.find_crossposts` over the store (candidate generation
        out of core); ``channels`` defaults to the store's, as for a Corpus."""
        from ..crosspost import find_crossposts

        return find_crossposts(self, channels=channels, **options)


def _name_index(channels: pd.DataFrame) -> pd.DataFrame:
    """(platform, normalised name, channel_id) of channels known by id: Telegram channels by
    display name, Twitter accounts by handle (screen name); names shared by several ids are
    left out, as a load leaves them unresolved."""
    from ..io.resolve import name_index as index_of

    channels = schema.conform(channels, "channels")
    rows = []
    for platform in schema.PLATFORMS:
        own = channels[(channels["platform"] == platform).to_numpy()]
        by = "handle" if platform == "twitter" else "name"
        index, _ambiguous = index_of(own, by)
        rows += [(platform, norm, cid) for norm, cid in index.items()]
    return pd.DataFrame({"platform": pd.array([r[0] for r in rows], dtype=schema.STRING),
                         "norm": pd.array([r[1] for r in rows], dtype=schema.STRING),
                         "channel_id": pd.array([r[2] for r in rows], dtype=schema.STRING)})


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as strings, for registering in DuckDB."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None).astype(
                schema.STRING)
    return out


def _drop(con, name: str) -> None:
    """Drop a view or table ``name``, whichever it is."""
    kinds = con.sql("SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? UNION ALL "
                    "SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ?",
                    params=[name, name]).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {name}")


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _query_error(root: Path, exc: Exception) -> StoreError:
    text = str(exc)
    if "parquet" in text.lower() or "No such file" in text:
        return StoreError(f"{root}: a store file cannot be read ({text.splitlines()[0]}); "
                          "run store.verify() to find damaged files")
    return StoreError(f"{root}: query failed: {text}")
