"""``pathmatch ingest-postings`` with one worker (in this process, no Ray; the same stages
run on a real two-node Ray cluster in ``test_ray_cluster``, which checks the two agree): a small
mixed feed (Parquet, schema.org JSON Lines with malformed records, a near-duplicate of a
posting in another file, an id repeated across files) -> the dataset; a rerun skips the
finished partitions; ``demand`` from the dataset equals demand from the same postings
loaded the usual way; the bucket-partitioned dedup equals ``find_duplicates``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import DEMO_DATA, pathmatch_cli

from matching.ingest import posting_dataset as pd_
from matching.ingest.loaders.postings import load_postings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _posting(ident: str, title: str, description: str, city: str = "Newark") -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": ident,
        "title": title,
        "description": description,
        "datePosted": "2024-04-02",
        "hiringOrganization": {"name": "Acme"},
        "jobLocation": {"address": {"addressLocality": city, "addressRegion": "NJ"}},
    }


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("feed")
    demo = load_postings(sorted((DEMO_DATA / "postings").glob("*.csv"))).table.tail(24)
    demo.drop("_line", "source_file").write_parquet(folder / "a.parquet")
    original = demo.row(3, named=True)
    lines = [
        json.dumps(_posting("B-1", "Warehouse Associate", "Pick and pack orders; forklift.")),
        # the same ad as a.parquet's 4th posting under another id and town: a near-duplicate
        json.dumps(_posting("B-2", original["title"], original["description"], city="Camden")),
        json.dumps({"@type": "JobPosting", "identifier": "B-3", "title": "No text"}),
        '{"@type": "JobPosting", "identifier": "B-4", "title": ',  # cut mid-record
        json.dumps(_posting("B-1", "Repeat", "An id seen at line 1.")),  # repeated id
    ]
    (folder / "b.jsonl").write_text("\n".join(lines) + "\n")
    return {"folder": folder, "original": Path(original["posting_id"])}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("ingest_home"))


@pytest.fixture(scope="module")
def in_home(home: Path):
    """The ingest reads ``PATHMATCH_HOME``; one worker and no ``RAY_ADDRESS``: it runs in
    this process (the Ray path is run on a real cluster by ``test_ray_cluster``)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHMATCH_HOME", str(home))
        for name in ("PATHMATCH_BUNDLE", "MLFLOW_TRACKING_URI", "RAY_ADDRESS"):
            mp.delenv(name, raising=False)
        mp.delenv("PATHMATCH_INGEST_IN_PROCESS", raising=False)
        yield


@pytest.fixture(scope="module")
def first_run(feed: dict[str, Path], home: Path, in_home, tmp_path_factory) -> dict:
    from serving.ingest_postings import IngestOptions, run_ingest

    out = tmp_path_factory.mktemp("ds") / "dataset"
    options = IngestOptions(input=str(feed["folder"]), out=out, partition_size=10, workers=1)
    summary = run_ingest(options)
    return {"out": out, "summary": summary, "options": options}


def test_dataset_parts_rejects_and_duplicates(first_run: dict, feed: dict[str, Path]) -> None:
    out, summary = first_run["out"], first_run["summary"]
    assert summary.partitions_done == 4  # a.parquet: 24 postings in 3; b.jsonl: 2 in 1
    assert {w.node for w in summary.workers.values()} == {"driver"}  # no Ray for one worker
    assert any("(this process)" in line for line in summary.lines())
    assert len(list((out / pd_.POSTINGS).glob("*.parquet"))) == 4
    postings = pd_.scan_postings(out).collect()
    assert postings.height == 24 + 2  # B-1, B-2; B-3, B-4 and the repeated B-1 rejected
    assert postings.get_column("posting_id").is_unique().all()
    assert {"title_match", "onet_soc_code", "sections"} <= set(postings.columns)
    rejects = pd_.scan_rejects(out).collect()
    by_line = {
        (r["file"], r["line"]): r for r in rejects.filter(pl.col("file") == "b.jsonl").to_dicts()
    }
    assert by_line[("b.jsonl", 3)]["field"] == "description"
    assert "required" in by_line[("b.jsonl", 3)]["reason"]
    assert by_line[("b.jsonl", 4)]["severity"] == "rejected"  # malformed JSON, its line
    repeat = by_line[("b.jsonl", 5)]
    assert repeat["field"] == "posting_id" and "first seen at line 1" in repeat["reason"]
    clusters = pl.read_parquet(out / pd_.CLUSTERS / "*.parquet")
    pair = clusters.filter(pl.col("posting_id") == "jsonld:B-2")
    assert pair.height == 1
    original = str(feed["original"])
    assert (
        original
        in clusters.filter(pl.col("cluster_id") == pair.item(0, "cluster_id"))
        .get_column("posting_id")
        .to_list()
    )
    skills = pd_.scan_skills(out).collect()
    assert skills.height > 0 and set(skills.get_column("posting_id")) <= set(
        postings.get_column("posting_id")
    )


def test_rerun_skips_finished_partitions(first_run: dict, feed: dict[str, Path]) -> None:
    from serving.ingest_postings import run_ingest

    out = first_run["out"]
    before = {p.name: p.stat().st_mtime_ns for p in (out / pd_.POSTINGS).glob("*.parquet")}
    again = run_ingest(first_run["options"])
    assert again.partitions_done == 0 and again.partitions_skipped == 4 and again.dedup_skipped
    (feed["folder"] / "c.jsonl").write_text(
        json.dumps(_posting("C-1", "Line Cook", "Prep and cook meals to order."))
        + "\n"
        # an id b.jsonl published first: kept from b.jsonl, this one rejected
        + json.dumps(_posting("B-1", "Other text", "Another ad under B-1."))
        + "\n"
    )
    third = run_ingest(first_run["options"])
    assert third.partitions_done == 1 and third.partitions_skipped == 4
    assert third.files_skipped == 2 and third.clusters is not None
    assert third.duplicate_ids == 1
    repeat = (
        pd_.scan_rejects(out)
        .filter((pl.col("file") == "c.jsonl") & (pl.col("field") == "posting_id"))
        .collect()
    )
    assert repeat.select("line", "field").rows() == [(2, "posting_id")]
    assert "first seen at line 1 of b.jsonl" in repeat.item(0, "reason")
    assert (
        pd_.scan_postings(out)
        .filter(pl.col("posting_id") == "jsonld:B-1")
        .collect()
        .item(0, "title")
        == "Warehouse Associate"
    )
    after = {p.name: p.stat().st_mtime_ns for p in (out / pd_.POSTINGS).glob("*.parquet")}
    assert {k: after[k] for k in before} == before  # finished partitions untouched
    assert len(after) == 5


def test_demand_from_dataset_equals_usual_load(
    first_run: dict, feed: dict[str, Path], home: Path
) -> None:
    from matching.market.demand import build_demand, demand_from_dataset, occupations_from_titles
    from matching.settings import Settings
    from serving.engine import Engine, contexts_by_id

    test_rerun_ran = (feed["folder"] / "c.jsonl").exists()
    files = pd_.input_files(feed["folder"])
    assert len(files) == (3 if test_rerun_ran else 2)
    engine = Engine.load(Settings(home=home))
    postings = load_postings(files).table  # the usual way: the loaders over the same files
    occupations = occupations_from_titles(postings, engine.titles)
    ids = postings["posting_id"].to_list()
    skills = engine.skills_of(
        "posting",
        ids,
        postings["description"].fill_null("").to_list(),
        "posting_id",
        contexts=contexts_by_id(ids, occupations, "posting_id"),
    )
    bundle = engine.bundle
    usual = build_demand(
        postings,
        occupations,
        skills,
        bundle.table("oews"),
        bundle.table("ep_projections"),
        onet_occupations=bundle.table("onet_occupations"),
    )
    lazy = demand_from_dataset(first_run["out"], bundle)
    assert lazy.table.equals(usual.table)
    assert lazy.skills_table.equals(usual.skills_table)
    assert lazy.report.summary() == usual.report.summary()


def test_bucket_partitioned_dedup_equals_find_duplicates() -> None:
    from matching.market.dedup import find_duplicates

    table = load_postings(sorted((DEMO_DATA / "postings").glob("*"))).table
    parts = pd_.read_file(DEMO_DATA / "postings" / "linkedin_postings_demo.csv", 0, 25).parts
    frame = pl.concat(parts)
    sig = pl.concat([pd_.signature_frame(p) for p in parts])
    rows = pd_.band_rows(
        sig["row_id"].to_numpy(),
        sig["has_text"].to_numpy(),
        pd_.signatures_of(sig["signature"].to_list()),
        parts=5,
    )
    links = [
        pd_.link_part(*(rows[k][rows["part"] == i] for k in ("band", "key", "row_id", "signature")))
        for i in range(5)
    ]
    left = np.concatenate([a for a, _ in links])
    right = np.concatenate([b for _, b in links])
    ours = pd_.cluster_frame(left, right, frame).select("posting_id", "cluster_id")
    csv_ids = frame.select("posting_id")
    ref = (
        find_duplicates(table.join(csv_ids, on="posting_id", how="semi"))
        .clusters.filter(pl.col("cluster_size") > 1)
        .select("posting_id", "cluster_id")
    )
    assert ours.height > 0
    assert ours.sort("posting_id").equals(ref.sort("posting_id"))


def test_cli_bad_input_is_one_line(home: Path, tmp_path: Path) -> None:
    result = pathmatch_cli(
        home,
        "ingest-postings",
        "--input",
        str(tmp_path / "none-*.csv"),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.returncode == 2
    assert "no posting files" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(pd_.DatasetError, match="not a posting dataset"):  # demand --postings
        pd_.check_dataset(tmp_path)  # (the CLI prints DatasetError as one line, exit 2)
