"""The ``workbench`` command line: every sub-command run on the fixtures, in-process through
``main(argv)`` and once as a real process; expected numbers come from ``truth.json``, from
how the test built its input, or from the library functions the command wraps.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.cli._commands import ALL_GRAPH_KINDS, GRAPH_KINDS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
TELEGRAM = FIXTURES / "telegram"
LABELS = FIXTURES / "channels.csv"
COMMANDS = ("info", "ingest", "store", "export", "brief")


def run(capsys, *argv) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``workbench argv``."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """Three channels of the fixture world, copied, so each command runs in a moment."""
    folder = tmp_path_factory.mktemp("small") / "exports"
    for name in sorted(p.name for p in TELEGRAM.iterdir())[:3]:
        shutil.copytree(TELEGRAM / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def small_corpus(small):
    return wb.load(small)


# -- help and bad usage ----------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.startswith(f"usage: workbench {command}")


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "COMMAND" in err


# -- info ------------------------------------------------------------------------------------

def test_info_reports_the_fixture_world(capsys, truth):
    code, out, err = run(capsys, "info", TELEGRAM, "--labels", LABELS)
    assert code == 0 and "loading" in err  # progress on stderr, the facts on stdout
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    posting = sum(1 for c in truth["channels"] if c["messages"])
    assert lines["messages"].startswith(f"{truth['totals']['messages']:,} in {posting:,} "
                                        "channels")
    assert lines["dates"] == f"{truth['start']} to {truth['end']} (UTC)"
    assert lines["service records"] == f"{truth['totals']['service']:,}"
    assert lines["rejected"] == "0"
    assert lines["files"].endswith("(telegram-desktop: 50)")
    assert set(lines["groups"].split(", ")) == set(truth["totals"]["by_group"])


def test_info_counts_rejected_records_with_reasons(tmp_path, capsys, small):
    folder = tmp_path / "mixed"
    shutil.copytree(small, folder)
    good = next(folder.rglob("result.json.gz"))
    (folder / "empty.json").write_bytes(b"")
    (folder / "truncated.json").write_bytes(gzip.decompress(good.read_bytes())[:300])
    code, out, _ = run(capsys, "info", folder, "--json")
    facts = json.loads(out)
    assert code == 0 and facts["rejected"] == 2
    assert sum(facts["rejected_reasons"].values()) == 2
    assert facts["messages"] == len(wb.load(small).messages)


def test_info_on_a_missing_path_names_it(tmp_path, capsys):
    code, _, err = run(capsys, "info", tmp_path / "nowhere")
    assert code == 2 and "nowhere" in err and "does not exist" in err


def test_info_reports_the_planted_hole(tmp_path, capsys):
    """The fixture world cuts a run of message ids out of one channel (truth: lifecycles)."""
    import gzip
    import re

    hole = json.loads((TELEGRAM.parent / "truth.json").read_text())["lifecycles"]["holes"][0]
    number = int(hole["channel_id"].split(":")[1])
    def export_id(folder: Path) -> int:  # the export's own id, written before its messages
        head = gzip.decompress((folder / "result.json.gz").read_bytes())[:4096]
        return int(re.search(rb'"id": *(-?\d+)', head).group(1))

    folder = next(p for p in sorted(TELEGRAM.iterdir()) if export_id(p) == number)
    shutil.copytree(folder, tmp_path / folder.name)
    code, out, _ = run(capsys, "info", tmp_path, "--json")
    found = json.loads(out)["holes"]
    assert code == 0 and len(found) == 1
    assert (found[0]["first_missing_id"], found[0]["last_missing_id"]) == \
        (hole["first_missing_id"], hole["last_missing_id"])
    code, out, _ = run(capsys, "info", tmp_path)
    assert f"ids {hole['first_missing_id']:,}-{hole['last_missing_id']:,}" in out


# -- ingest and store ------------------------------------------------------------------------

def test_ingest_then_store_then_verify(tmp_path, capsys, small, small_corpus):
    store = tmp_path / "store"
    code, out, err = run(capsys, "ingest", store, small, "--labels", LABELS, "--workers", "1")
    assert code == 0 and "ingesting" in err
    assert out.count(" ingested ") == 3
    code, out, _ = run(capsys, "ingest", store, small)  # nothing new
    assert code == 0 and out.count("skipped") == 3

    code, out, _ = run(capsys, "store", store, "--verify")
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    m = small_corpus.messages
    assert code == 0 and lines["sources"] == "3"
    assert lines["messages"] == f"{len(m):,} in {m['channel_id'].nunique():,} channels"
    assert lines["dates"] == f"{m['date'].min():%Y-%m-%d} to {m['date'].max():%Y-%m-%d} (UTC)"
    assert lines["verified"].endswith("all intact")
    code, out, _ = run(capsys, "info", store, "--json")  # info reads a store too
    assert code == 0 and json.loads(out)["messages"] == len(m)

    damaged = next(store.rglob("*.parquet"))
    damaged.write_bytes(damaged.read_bytes()[:100])
    code, _, err = run(capsys, "store", store, "--verify")
    assert code == 1 and damaged.name in err


def test_store_refuses_a_folder_that_is_not_a_store(tmp_path, capsys):
    code, _, err = run(capsys, "store", tmp_path)
    assert code == 2 and str(tmp_path) in err and "not a corpus store" in err


def test_ingest_of_a_missing_input_names_it(tmp_path, capsys):
    code, _, err = run(capsys, "ingest", tmp_path / "store", tmp_path / "missing.json")
    assert code == 2 and "missing.json" in err
    assert not (tmp_path / "store").exists()


# -- export ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,fmt", [("forward", "gexf"), ("mention", "graphml")])
def test_export_graph_reads_back(kind, fmt, tmp_path, capsys, small, small_corpus):
    out = tmp_path / f"net.{fmt}"
    code, stdout, _ = run(capsys, "export", small, "--graph", kind, "--out", out)
    assert code == 0 and str(out) in stdout
    G = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
    edges = GRAPH_KINDS[kind](small_corpus.messages, small_corpus.channels)
    assert G.number_of_edges() == len(edges)
    assert sum(d["weight"] for *_, d in G.edges(data=True)) == edges["weight"].sum()


def test_export_graph_as_csv_writes_node_and_edge_tables(tmp_path, capsys, small):
    code, _, _ = run(capsys, "export", small, "--graph", "forward", "--format", "csv",
                     "--out", tmp_path / "net.csv")
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"net.nodes.csv", "net.edges.csv"}


def test_export_tables(tmp_path, capsys, small, small_corpus):
    code, _, _ = run(capsys, "export", small, "--table", "messages", "--out",
                     tmp_path / "m.parquet")
    assert code == 0
    assert len(pd.read_parquet(tmp_path / "m.parquet")) == len(small_corpus.messages)
    code, _, _ = run(capsys, "export", small, "--table", "channels", "--format", "csv",
                     "--out", tmp_path / "c.txt")
    assert code == 0
    assert len(pd.read_csv(tmp_path / "c.txt")) == len(small_corpus.channels)
    code, _, _ = run(capsys, "export", small, "--table", "clusters", "--out",
                     tmp_path / "k.csv")
    clusters = wb.crosspost.find_crossposts(small_corpus.messages,
                                            channels=small_corpus.channels)
    assert code == 0 and len(pd.read_csv(tmp_path / "k.csv")) == len(clusters)


def test_export_edges_from_a_store_match_those_from_the_files(tmp_path, capsys, small,
                                                               small_corpus):
    run(capsys, "ingest", tmp_path / "store", small)
    code, _, err = run(capsys, "export", tmp_path / "store", "--table", "edges", "--out",
                       tmp_path / "e.csv")
    assert code == 0 and "reading the store" in err
    edges = pd.read_csv(tmp_path / "e.csv")
    expected = wb.network.forward_edges(small_corpus.messages)
    assert len(edges) == len(expected) and edges["weight"].sum() == expected["weight"].sum()


def test_export_csv_cells_cannot_run_as_formulas(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps({
        "name": "=HYPERLINK(\"http://x\")", "type": "public_channel", "id": 42,
        "messages": [{"id": 1, "type": "message", "date": "2016-12-01T10:00:00",
                      "date_unixtime": "1480586400", "text": "=1+2"}]}))
    code, _, _ = run(capsys, "export", folder, "--table", "messages", "--out",
                     tmp_path / "m.csv")
    table = pd.read_csv(tmp_path / "m.csv")
    assert code == 0 and table.loc[0, "text"] == "'=1+2"
    assert table.loc[0, "channel"].startswith("'=")


def test_export_refuses_unavailable_kinds_and_wrong_formats(tmp_path, capsys, small):
    missing = [k for k in ALL_GRAPH_KINDS if k not in GRAPH_KINDS]
    for kind in missing:  # listed by --help, not built in this version
        code, _, err = run(capsys, "export", small, "--graph", kind, "--out",
                           tmp_path / "n.gexf")
        assert code == 2 and f"'{kind}' is not available" in err
    code, _, err = run(capsys, "export", small, "--graph", "forward", "--out",
                       tmp_path / "n.parquet")
    assert code == 2 and "--format" in err and "gexf" in err
    code, _, err = run(capsys, "export", small, "--out", tmp_path / "n.gexf")
    assert code == 2 and "--graph KIND or --table NAME" in err
    code, _, err = run(capsys, "export", small, "--graph", "nonsense", "--out", "n.gexf")
    assert code == 2 and "invalid choice" in err
    assert not any(tmp_path.glob("n.*"))


# -- brief --pdf -----------------------------------------------------------------------------

def test_brief_pdf_reaches_render_briefing(monkeypatch, capsys, tmp_path):
    """The option's wiring only; tests/test_pdf.py prints a real briefing."""
    import workbench.briefing as briefing
    from workbench.briefing import RenderResult

    calls = []

    def render(corpus, **kw):
        calls.append(kw["pdf"])
        out = Path(kw["out"])
        pdf = None if kw["pdf"] is None else (out.with_suffix(".pdf") if kw["pdf"] is True
                                               else Path(kw["pdf"]))
        return RenderResult(path=out, size=1, figures=0, seconds=0, pdf=pdf)

    monkeypatch.setattr(briefing, "render_briefing", render)
    out = tmp_path / "b.html"
    code, stdout, _ = run(capsys, "brief", "--corpus", TELEGRAM, "--out", out, "--pdf")
    assert code == 0 and calls == [True] and f"wrote {out.with_suffix('.pdf')}" in stdout
    code, stdout, _ = run(capsys, "brief", "--corpus", TELEGRAM, "--out", out, "--pdf",
                          tmp_path / "x.pdf")
    assert code == 0 and calls[-1] == str(tmp_path / "x.pdf")
    code, stdout, _ = run(capsys, "brief", "--corpus", TELEGRAM, "--out", out)
    assert calls[-1] is None and ".pdf" not in stdout


# -- as a real process -----------------------------------------------------------------------

def test_the_console_entry_point_separates_results_from_progress(small, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "info", str(small)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("path: ")
    assert "loading" in done.stderr and "loading" not in done.stdout
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "store",
                           str(tmp_path / "none")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 2 and "none" in done.stderr and not done.stdout


def test_export_reply_graph_of_a_genuine_group_chat(samples, tmp_path, capsys):
    """The genuine group-chat pages: the exported reply network carries exactly the replies
    whose target is in the export (tests/test_replies.py checks those against the pages)."""
    group = samples / "telegram-desktop-html" / "tgnize-group-2017"
    code, _, err = run(capsys, "export", group, "--graph", "reply", "--format", "csv",
                       "--out", tmp_path / "replies.csv")
    assert code == 0, err
    exported = pd.read_csv(tmp_path / "replies.edges.csv")
    messages = wb.load(group).messages
    targets = set(zip(messages["channel_id"], messages["message_id"]))
    present = sum((c, r) in targets for c, r in zip(messages["channel_id"], messages["reply_to"])
                  if pd.notna(r))
    assert present > 0 and exported["Weight"].sum() == present
