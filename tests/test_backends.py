"""The dispatch of analyses to backends (workbench.backends): who gets the call, with which
arguments, in which order; the store's registrations; and the import rule that analyses never
import the store."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import workbench as wb
from workbench import backends
from workbench.errors import ParameterError
from workbench.network import cocitation_edges, forward_edges, mention_edges
from workbench.store import _dask, open_store
from workbench.timeline import keyword_trend, message_volume

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]

#: The analyses the corpus store implements, in DuckDB and on Dask.
STORE_ANALYSES = ["network.forward_edges", "network.mention_edges", "timeline.message_volume",
                  "timeline.keyword_trend", "crosspost.find_crossposts"]


class Wrapped:
    """Messages held by some other engine (here: a DataFrame in a box)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame


class Special(Wrapped):
    """Wrapped messages a second, more specific backend also claims."""


@pytest.fixture
def toy():
    """A backend that claims Wrapped data; its forward_edges records each call and answers
    with the pandas result of the wrapped frame."""
    calls = []

    def toy_forward_edges(data, *args, **kwargs):
        calls.append((data, args, kwargs))
        return forward_edges(data.frame, *args, **kwargs)

    backends.register_backend("toy", claims=lambda d: isinstance(d, Wrapped), priority=5,
                              label="Toy", hint="unwrap it first")
    backends.implements("network.forward_edges", "toy", toy_forward_edges)
    try:
        yield calls
    finally:
        backends.unregister_backend("toy")
        backends.unregister_backend("special")


def test_a_claimed_object_goes_to_its_backend_with_the_same_arguments(toy, corpus):
    box = Wrapped(corpus.messages)
    got = forward_edges(box, min_weight=3)
    pd.testing.assert_frame_equal(got, forward_edges(corpus.messages, min_weight=3))
    data, args, kwargs = toy[0]
    assert data is box and args == () and kwargs == {"min_weight": 3}
    # Defaults are filled in from the analysis' signature, positional data stays positional.
    forward_edges(box)
    assert toy[1][1:] == ((), {"min_weight": 1})
    # Data passed by keyword is dispatched too.
    forward_edges(messages=box)
    assert toy[2][0] is box
    assert backends.backend_for("network.forward_edges", box) == "toy"


def test_unclaimed_data_runs_the_pandas_body(toy, corpus):
    got = forward_edges(corpus.messages)
    pd.testing.assert_frame_equal(got, forward_edges.__wrapped__(corpus.messages))
    assert toy == []
    assert backends.backend_for("network.forward_edges", corpus.messages) is None


def _toys(names) -> list[str]:
    return [n for n in names if n in ("toy", "special")]


def test_priority_order_and_falling_through(toy, corpus):
    asked = []

    def special_forward_edges(data, *, min_weight):
        return "special"

    def special_volume(data, **options):
        return "special volume"

    def claims(data):
        asked.append(data)
        return isinstance(data, Special)

    backends.register_backend("special", claims=claims, priority=9)
    backends.implements("network.forward_edges", "special", special_forward_edges)
    backends.implements("timeline.message_volume", "special", special_volume)
    assert _toys(b.name for b in backends.backends()) == ["special", "toy"]
    assert _toys(backends.implementations("network.forward_edges")) == ["special", "toy"]

    special = Special(corpus.messages)
    assert forward_edges(special) == "special"  # both claim it: the higher priority runs
    assert toy == []
    assert message_volume(special) == "special volume"
    # Plain Wrapped data: the special backend is asked first, declines, the toy one runs.
    asked.clear()
    box = Wrapped(corpus.messages)
    forward_edges(box)
    assert asked[0] is box and toy[0][0] is box
    # A higher-priority backend that claims the data but lacks the analysis falls through.
    backends.unregister_backend("special")
    backends.register_backend("special", claims=claims, priority=20)
    backends.implements("timeline.message_volume", "special", special_volume)
    forward_edges(special)
    assert toy[-1][0] is special
    assert message_volume(special) == "special volume"

    # Lower priority than the toy backend: the toy backend now wins.
    backends.register_backend("special", claims=claims, priority=1)
    backends.implements("network.forward_edges", "special", special_forward_edges)
    assert _toys(b.name for b in backends.backends()) == ["toy", "special"]
    pd.testing.assert_frame_equal(forward_edges(special), forward_edges(corpus.messages))


def test_claimed_data_without_an_implementation_is_refused(toy, corpus):
    box = Wrapped(corpus.messages)
    with pytest.raises(ParameterError, match=r"network\.mention_edges has no Toy "
                                             r"implementation for a Wrapped; unwrap it first"):
        mention_edges(box)
    with pytest.raises(ParameterError, match="network.cocitation_edges has no Toy"):
        cocitation_edges(box)
    with pytest.raises(ParameterError, match="timeline.keyword_trend has no Toy"):
        keyword_trend(box, "eid")


def test_a_store_refuses_analyses_it_has_no_implementation_of(tmp_path, monkeypatch):
    store = open_store(tmp_path / "store")
    with pytest.raises(ParameterError, match=r"network\.cocitation_edges has no DuckDB "
                                             r"implementation for a Store; take a slice "
                                             r"into memory with store\.corpus"):
        cocitation_edges(store)
    with pytest.raises(ParameterError, match="timeline.event_window has no DuckDB"):
        wb.timeline.event_window(store, "berlin-2016")
    # While a cluster is in use, both store backends claim it (Dask is asked first).
    monkeypatch.setattr(_dask, "current_client", lambda: object())
    with pytest.raises(ParameterError, match="has no Dask or DuckDB implementation"):
        wb.network.network_growth(store)


def test_store_backends_claim_as_the_store_chooses(tmp_path, monkeypatch, corpus):
    store = open_store(tmp_path / "store")
    for analysis in STORE_ANALYSES:
        assert backends.backend_for(analysis, store) == "duckdb"
        assert backends.backend_for(analysis, corpus.messages) is None
    monkeypatch.setattr(_dask, "current_client", lambda: object())  # a cluster in use
    assert backends.backend_for("network.forward_edges", store) == "dask"
    duck = open_store(store.path, backend="duckdb")
    assert backends.backend_for("network.forward_edges", duck) == "duckdb"
    monkeypatch.setattr(_dask, "current_client", lambda: None)
    with pytest.raises(ParameterError, match="no Dask cluster"):
        forward_edges(open_store(store.path, backend="dask"))


def test_every_store_analysis_is_registered_for_duckdb_and_dask():
    for name in STORE_ANALYSES:
        package, function = name.split(".")
        analysis = getattr(getattr(wb, package), function)
        assert analysis.analysis == name and name in backends.analyses()
        assert list(backends.implementations(name)) == ["dask", "duckdb"]
        for backend in ("dask", "duckdb"):
            impl = backends.implementation(name, backend)
            assert callable(impl)
            # The dispatcher passes the data first, then every option of the analysis.
            assert list(inspect.signature(impl).parameters)[1:] == \
                list(inspect.signature(analysis).parameters)[1:], (name, backend)


def test_dispatchable_keeps_name_docstring_and_signature():
    assert forward_edges.__name__ == "forward_edges"
    assert forward_edges.__doc__.startswith("Who forwards whom")
    assert list(inspect.signature(message_volume).parameters)[:3] == ["messages", "freq", "by"]
    assert forward_edges.__module__ == "workbench.network._edges"


def test_registration_is_lazy(tmp_path, monkeypatch, toy, corpus):
    (tmp_path / "wb_toy_engine.py").write_text(textwrap.dedent("""
        def message_volume(data, *, freq, by, tz, weight, start, end, date_col):
            return ("lazy", freq)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    backends.implements("timeline.message_volume", "toy", "wb_toy_engine:message_volume")
    assert backends.implementations("timeline.message_volume")["toy"] == \
        "wb_toy_engine:message_volume"
    assert "wb_toy_engine" not in sys.modules
    assert message_volume(Wrapped(corpus.messages), freq="W") == ("lazy", "W")
    assert "wb_toy_engine" in sys.modules
    sys.modules.pop("wb_toy_engine")


def test_bad_registrations_are_refused():
    with pytest.raises(ParameterError, match="expected 'package.module:function'"):
        backends.implements("network.forward_edges", "toy", "no_colon")
    with pytest.raises(ParameterError, match="expected a callable"):
        backends.register_backend("toy", claims="workbench.store:is_store")
    with pytest.raises(ParameterError, match="network.forward_edges"):
        backends.dispatchable("forward_edges")


def test_import_workbench_imports_no_backend_module():
    code = ("import sys, workbench, workbench.backends as b; "
            "b.implementations('network.forward_edges');"
            "print(sorted(m for m in sys.modules if m in ('duckdb', 'dask', 'distributed', "
            "'workbench.network', 'workbench.timeline', 'workbench.crosspost') "
            "or m.startswith(('workbench.store._duckdb', 'workbench.store._crosspost'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_store_methods_are_the_analyses(tmp_path):
    pytest.importorskip("duckdb")
    store = open_store(tmp_path / "store")
    empty = wb.Corpus.empty().messages
    pd.testing.assert_frame_equal(store.forward_edges(), forward_edges(empty))
    pd.testing.assert_frame_equal(store.message_volume(freq="W"), message_volume(empty, freq="W"))


# -- the import rule ----------------------------------------------------------------------------
def _structure():
    spec = importlib.util.spec_from_file_location("wb_structure", ROOT / "tools" / "structure.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ANALYSES = ("workbench.network", "workbench.timeline", "workbench.crosspost")


def test_analyses_never_import_the_store():
    structure = _structure()
    imports, _ = structure.collect()
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in imports
           if structure.package_of(i.module) in ANALYSES
           and i.target.startswith("workbench.store")]
    assert bad == []
    # The ground floor: the dispatch module imports nothing of the workbench but its errors.
    assert {i.target for i in imports if i.module == "workbench.backends"} == \
        {"workbench.errors"}


def test_backends_use_public_kernels_only():
    structure = _structure()
    names, _ = structure.reach_ins(structure.collect()[0])
    bad = [f"{i.module}:{i.line} <- {i.target}.{i.name}" for i in names
           if structure.package_of(i.target) in ANALYSES]
    assert bad == []
