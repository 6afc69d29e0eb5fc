"""The store's analyses on a Dask cluster (LocalCluster, two worker processes) give exactly
the in-memory results: edges, volumes, keyword trends and cross-posting clusters."""

from __future__ import annotations


import pandas as pd
import pytest

import workbench as wb
from workbench.crosspost import find_crossposts
from workbench.network import forward_edges, mention_edges
from workbench.store import _dask, open_store
from workbench.timeline import keyword_trend, message_volume

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def store(tmp_path_factory, fixtures_dir):
    store = open_store(tmp_path_factory.mktemp("dask") / "store")
    store.ingest(fixtures_dir / "telegram", channels=fixtures_dir / "channels.csv",
                 progress=False, batch_bytes=2_000_000)
    return store


@pytest.fixture
def on_cluster(cluster, monkeypatch):
    """Analyses on the cluster, the store's files spread over several partitions."""
    monkeypatch.setattr(_dask, "PARTITION_BYTES", 200_000)
    client = wb.use_cluster(cluster.scheduler_address)
    try:
        yield client
    finally:
        wb.use_cluster(None)
        client.close()


def test_use_cluster(cluster, store):
    assert _dask.current_client() is None
    assert store._use_dask() is False
    with distributed.Client(cluster) as client:  # a Client in scope is used
        assert _dask.current_client() is client
        assert store._use_dask() is True
        assert open_store(store.path, backend="duckdb")._use_dask() is False
    assert _dask.current_client() is None
    with pytest.raises(wb.errors.ParameterError, match="no Dask cluster"):
        open_store(store.path, backend="dask")._use_dask()
    with pytest.raises(wb.errors.ParameterError, match="expected a scheduler address"):
        wb.use_cluster(42)


def test_edges_on_dask(on_cluster, store, corpus):
    assert len(_dask._messages(store, ["date"]).divisions) > 3  # several partitions
    pd.testing.assert_frame_equal(forward_edges(store), forward_edges(corpus.messages))
    pd.testing.assert_frame_equal(
        mention_edges(store, channels=corpus.channels, min_weight=2),
        mention_edges(corpus.messages, channels=corpus.channels, min_weight=2))


def test_volumes_on_dask(on_cluster, store, corpus, truth):
    for options in ({"by": "channel_id"}, {"by": "group", "tz": "Europe/Berlin", "freq": "W"},
                    {"freq": "h", "tz": "Asia/Kolkata"}):
        pd.testing.assert_frame_equal(message_volume(store, **options),
                                      message_volume(corpus.messages, **options))
    terms = [truth["keyword"], "the"]
    pd.testing.assert_frame_equal(keyword_trend(store, terms, by="group"),
                                  keyword_trend(corpus.messages, terms, by="group"))


def test_crosspost_clusters_on_dask(on_cluster, store, corpus):
    want = find_crossposts(corpus)
    got = find_crossposts(store)
    pd.testing.assert_frame_equal(got, want)
    assert not (store.path / "scratch").exists()  # the workers' scratch files are gone
