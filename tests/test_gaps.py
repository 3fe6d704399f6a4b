"""Curriculum gap reports on the demo bundle: the library, the report files and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_homes import HomeTemplate

from matching.curriculum.gaps import (
    GapContext,
    GapError,
    GapResult,
    analyze_gaps,
    courses_from_records,
    read_courses,
)
from matching.nlp.quotes import Quote, sentence_bounds
from matching.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEMO_COURSES = REPO / "demo" / "data" / "courses" / "mercer_catalog_demo"
MACHINING = ["51-4041.00", "51-9161.00", "49-9041.00"]
GDT = "interpret geometric dimensions and tolerances"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("gaps_home"))


@pytest.fixture(scope="module")
def context(home: Path) -> GapContext:
    from serving.engine import Engine
    from serving.gap_report import gap_context

    return gap_context(Engine.load(Settings(home=home)))


@pytest.fixture(scope="module")
def manufacturing(context: GapContext) -> GapResult:
    courses = read_courses(DEMO_COURSES / "advanced_manufacturing.json")
    return analyze_gaps(courses, context, region="nj", occupations=MACHINING)


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_intentional_demo_gap_is_found_with_evidence(manufacturing: GapResult) -> None:
    gaps = {g.label: g for g in manufacturing.gaps}
    assert GDT in gaps, "the demo's machining postings ask for GD&T, no course teaches it"
    gap = gaps[GDT]
    assert any("GD&T" in e.sentence for e in gap.evidence)
    assert gap.host_course is not None and gap.host_course.code.startswith("MFG")
    assert not gap.wage_premium.measurable and "not measurable" in gap.wage_premium.note
    taught = {t.label for t in manufacturing.taught}
    assert "hydraulics" in taught and GDT not in taught
    hydraulics = next(t for t in manufacturing.taught if t.label == "hydraulics")
    assert any("hydraulic" in e.sentence.lower() for e in hydraulics.evidence)
    assert [g.demand_weight for g in manufacturing.gaps] == sorted(
        (g.demand_weight for g in manufacturing.gaps), reverse=True
    )


def test_cover_plan_covers_at_least_the_current_curriculum(manufacturing: GapResult) -> None:
    cover = manufacturing.cover
    assert cover.coverage_after >= cover.coverage_before
    assert cover.progress_after >= cover.progress_before
    assert cover.coverage_before < 1.0 and cover.added, "there is demand left to cover"
    gap_ids = {g.skill_id for g in manufacturing.gaps}
    assert {s.skill_id for s in cover.added} <= gap_ids
    assert all(s.gain > 0 for s in cover.added)


def test_report_writes_real_pngs_embedded_in_html(manufacturing: GapResult, tmp_path: Path) -> None:
    from serving.gap_report import write_report

    paths = write_report(manufacturing, tmp_path / "report")
    assert set(paths.plots) == {"top_gaps", "coverage", "heatmap"}
    page = paths.html.read_text(encoding="utf-8")
    for png in paths.plots.values():
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    assert page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page and GDT in page
    saved = json.loads(paths.json.read_text(encoding="utf-8"))
    assert saved["region"] == "NJ" and saved["gaps"][0]["label"] == manufacturing.gaps[0].label


def test_inferred_targets_are_explained(context: GapContext) -> None:
    courses = read_courses(DEMO_COURSES / "information_technology.json")
    result = analyze_gaps(courses, context, region="NJ")
    assert result.target_method == "inferred"
    assert "cosine" in result.inference
    assert all(t.onet_soc_code.startswith("15-") for t in result.targets)
    assert all(t.similarity is not None and t.similarity > 0 for t in result.targets)


def test_near_match_and_hierarchy_count_as_taught() -> None:
    import polars as pl

    from matching.curriculum.gaps import CoverageIndex
    from matching.nlp.taxonomy import SkillTaxonomy

    labels = {
        "py": "Python (computer programming)",
        "pyprog": "python programming",
        "prog": "computer programming",
        "js": "JavaScript",
        "manage": "manage staff",
        "inv": "manage inventory",
    }
    skills = pl.DataFrame({"skill_uri": list(labels), "preferred_label": list(labels.values())})
    broader = pl.DataFrame({"concept_uri": ["py", "js"], "broader_uri": ["prog", "prog"]})
    index = CoverageIndex(SkillTaxonomy.from_tables(skills), broader)
    assert index.covering("pyprog", ["py"]).kind == "near_match"
    assert index.covering("prog", ["js"]).kind == "narrower"
    assert index.covering("py", ["py"]).kind == "exact"
    assert index.covering("js", ["prog"]) is None, "a general skill does not cover a narrow one"
    assert index.covering("js", ["py"]) is None
    assert index.covering("inv", ["manage"]) is None, "generic verbs alone are no match"


def test_bad_input_raises_gap_errors(context: GapContext, tmp_path: Path) -> None:
    courses = read_courses(DEMO_COURSES / "welding_technology.json")
    with pytest.raises(GapError, match="unknown CIP code"):
        analyze_gaps(courses, context, region="NJ", cip_code="99.9999")
    with pytest.raises(GapError, match="region 'TX' has no postings"):
        analyze_gaps(courses, context, region="TX", occupations=["51-4121.00"])
    with pytest.raises(GapError, match="unknown occupation code"):
        analyze_gaps(courses, context, region="NJ", occupations=["99-9999.00"])
    empty = tmp_path / "empty.csv"
    empty.write_text("code,title,description\n", encoding="utf-8")
    with pytest.raises(GapError, match="empty catalog"):
        read_courses(empty)
    with pytest.raises(GapError, match="empty catalog"):
        courses_from_records([{"code": "X 1", "title": "", "description": "no title"}])


def test_malformed_course_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text(
        '{"code": "CIS 101", "title": "Networks", "description": "Configure routers."}\n'
        '{"code": "CIS 102", "title": "Blank"}\n'
        "{not json\n"
        '{"code": "CIS 103", "title": "Servers", "description": "Install Linux servers."}\n',
        encoding="utf-8",
    )
    courses = read_courses(catalog)
    assert courses.table.get_column("code").to_list() == ["CIS 101", "CIS 103"]
    rejected = [r for r in courses.rejects if r["severity"] == "rejected"]
    assert {r["line"] for r in rejected} == {2, 3}
    assert any(r["field"] == "description" for r in rejected)
    inline = courses_from_records(
        [
            {"code": "A 1", "title": "T", "description": "D"},
            {"code": "A 2", "title": "T"},
            {"code": "A 1", "title": "T", "description": "again"},
        ]
    )
    assert inline.table.height == 1
    assert [(r["line"], r["field"]) for r in inline.rejects] == [(2, "description"), (3, "code")]


def test_quotes_cut_at_sentence_bounds() -> None:
    text = "Intro here. Students weld pipe in 6G. Safety last."
    start = text.index("weld")
    left, right = sentence_bounds(text, start, start + 4)
    assert text[left:right] == "Students weld pipe in 6G."
    quote = Quote(text[left:right], ((start - left, start + 4 - left),))
    assert quote.render() == "Students **weld** pipe in 6G."


def test_cli_writes_report_and_fails_cleanly(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run(
        home,
        "gaps",
        "--courses",
        str(DEMO_COURSES / "advanced_manufacturing.json"),
        *[a for code in MACHINING for a in ("--occupation", code)],
        "--region",
        "NJ",
        "--out",
        str(out),
        "--top-k",
        "5",
    )
    assert result.returncode == 0, result.stderr
    assert "interpret geometric" in result.stdout
    assert f"report: {out / 'gap_report.html'}" in result.stdout.replace("\n", "")
    assert (out / "gap_report.json").is_file()
    bad_cip = run(
        home,
        "gaps",
        "--courses",
        str(DEMO_COURSES),
        "--cip",
        "99.9999",
        "--region",
        "NJ",
        "--out",
        str(tmp_path / "x"),
    )
    assert bad_cip.returncode == 2 and "unknown CIP code" in bad_cip.stderr
    assert "Traceback" not in bad_cip.stderr
    no_region = run(
        home, "gaps", "--courses", str(DEMO_COURSES), "--region", "TX", "--out", str(tmp_path / "z")
    )
    assert no_region.returncode == 2 and "region 'TX' has no postings" in no_region.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("code,title,description\n", encoding="utf-8")
    no_courses = run(
        home, "gaps", "--courses", str(empty), "--region", "NJ", "--out", str(tmp_path / "y")
    )
    assert no_courses.returncode == 2 and "empty catalog" in no_courses.stderr


def test_api_gaps_answers_with_the_same_result_and_meta(api_server: object) -> None:
    import httpx

    doc = json.loads((DEMO_COURSES / "advanced_manufacturing.json").read_text("utf-8"))
    courses = [
        {"code": c["course_code"], "title": c["course_title"], "description": c["description"]}
        for c in doc["courses"]
    ]
    body = {"courses": courses, "occupations": MACHINING, "region": "NJ", "top_k": 5}
    with httpx.Client(
        base_url=api_server.base_url, headers=api_server.headers, timeout=300
    ) as client:
        ok = client.post("/v1/gaps", json=body)
        assert ok.status_code == 200, ok.text
        answer = ok.json()
        assert answer["meta"]["bundle"] and GDT in [g["label"] for g in answer["result"]["gaps"]]
        assert (
            answer["result"]["cover"]["coverage_after"]
            >= answer["result"]["cover"]["coverage_before"]
        )
        bad_cip = client.post("/v1/gaps", json={**body, "occupations": None, "cip_code": "99.9999"})
        assert bad_cip.status_code == 404 and "unknown CIP code" in bad_cip.json()["detail"]
        no_region = client.post("/v1/gaps", json={**body, "region": "TX"})
        assert no_region.status_code == 404 and "no postings" in no_region.json()["detail"]
        empty = client.post("/v1/gaps", json={**body, "courses": []})
        assert empty.status_code == 422


def test_coverage_share_agrees_with_the_gap_list(context: GapContext) -> None:
    courses = read_courses(DEMO_COURSES / "advanced_manufacturing.json")
    result = analyze_gaps(courses, context, region="NJ", occupations=MACHINING, top_k=200)
    coverage = result.coverage
    assert coverage is not None and result.sought and result.gaps
    total = sum(s.demand_weight for s in result.sought)
    gap_weight = sum(g.demand_weight for g in result.gaps)
    # the same covered set, counted from the gap list and from the sought skills
    assert coverage.n_gaps == len(result.gaps) < coverage.n_sought == len(result.sought)
    assert {g.skill_id for g in result.gaps} == {
        s.skill_id for s in result.sought if s.covered is None
    }
    assert coverage.share_covered == pytest.approx(1 - gap_weight / total)
    assert coverage.covered_weight == pytest.approx(
        sum(s.demand_weight for s in result.sought if s.covered is not None)
    )
    for skill in result.sought:
        if skill.covered is not None:
            assert skill.covered.courses, "a covered skill names the courses that teach it"
            assert skill.covered.describe().startswith(
                f"covered by: {skill.covered.taught_label}, in {skill.covered.courses[0]} "
            )
