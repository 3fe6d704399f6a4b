"""CTDL JSON-LD in (``matching.ingest.loaders.ctdl``) and out (``matching.market.ctdl_export``).

The hand-written fixtures in tests/fixtures/ctdl carry the quirks of the real Registry records
(language maps and plain strings, single objects and arrays, references resolved through an
organization node, ISO durations) and the bad input (a truncated file, a record without a
name, one without a provider, a bad duration and code); the real samples in
../shared/data/ctdl are read by the ``shared_data`` tests. The round trip runs on the demo
bundle's NJ programs.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import pathmatch_cli

from matching.ingest.bundle import Bundle
from matching.ingest.importer import UnusableImportError, import_bundle
from matching.ingest.loaders import programs as program_sources
from matching.ingest.loaders.ctdl import (
    CtdlError,
    credential_type,
    format_hours,
    format_weeks,
    parse_duration,
    read_ctdl,
)
from matching.market.ctdl_export import export_programs, write_ctdl
from matching.market.programs import catalog_from_bundle

FIXTURES = Path(__file__).parent / "fixtures" / "ctdl"
ROUND_TRIP = [
    "state",
    "provider_id",
    "provider_name",
    "provider_website",
    "provider_phone",
    "provider_email",
    "contact_name",
    "contact_title",
    "contact_phone",
    "name",
    "description",
    "cip_code",
    "cost_tuition",
    "cost_fees",
    "cost_books",
    "cost_supplies",
    "cost_other",
    "cost_total",
    "clock_hours",
    "weeks",
    "weeks_min",
    "weeks_max",
    "credential_type",
    "credential_name",
    "format",
    "location_street",
    "location_city",
    "location_state",
    "location_zip",
    "prerequisites",
]


def by_name(table: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in table.to_dicts()}


@pytest.fixture(scope="module")
def fixtures_read():  # -> CtdlRead
    return read_ctdl(sorted(FIXTURES.glob("*.json")))


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "weeks", "hours"),
    [
        ("P16W", 16.0, None),
        ("PT120H", None, 120.0),
        ("P6M", 26.0, None),
        ("P2Y", 104.0, None),
        ("P5D", 5 / 7, None),
        ("P1DT84H", 0.5 + 1 / 7, None),
        ("PT90M", None, 1.5),
        ("p7.5w", 7.5, None),
    ],
)
def test_iso_durations_read(text: str, weeks: float | None, hours: float | None) -> None:
    got_weeks, got_hours = parse_duration(text)
    assert got_weeks == pytest.approx(weeks) if weeks is not None else got_weeks is None
    assert got_hours == pytest.approx(hours) if hours is not None else got_hours is None


@pytest.mark.parametrize("text", ["16 weeks", "P", "PT", "P16X", "16W", "P1H", ""])
def test_bad_durations_refused(text: str) -> None:
    with pytest.raises(CtdlError, match="ISO 8601"):
        parse_duration(text)


def test_durations_written_and_read_back() -> None:
    assert format_weeks(16.0) == "P16W"
    assert format_weeks(1 / 7) == "P1D"
    assert format_weeks(7.5) == "P7.5W"
    assert format_hours(120.0) == "PT120H"
    for weeks in (16.0, 1 / 7, 7.5, 17 + 1 / 3, 0.0):
        assert parse_duration(format_weeks(weeks))[0] == pytest.approx(weeks, rel=1e-6)


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ceterms:LearningOpportunityProfile", (True, "none")),
        ("ceterms:LearningProgram", (True, "none")),
        ("ceterms:TrainingProgram", (True, "none")),
        ("ceterms:Course", (True, "none")),
        ("ceterms:Certificate", (True, "certificate")),
        ("ceterms:MasterCertificate", (True, "certificate")),
        ("ceterms:Certification", (True, "industry_credential")),
        ("ceterms:OpenBadge", (True, "industry_credential")),
        ("ceterms:License", (True, "license")),
        ("ceterms:BachelorOfScienceDegree", (True, "bachelor")),
        ("ceterms:AssociateOfAppliedScienceDegree", (True, "associate")),
        ("ceterms:MasterDegree", (True, None)),
        ("ceterms:CredentialOrganization", (False, None)),
        ("ceterms:QACredentialOrganization", (False, None)),
        ("ceterms:AssessmentProfile", (False, None)),
    ],
)
def test_ctdl_classes_to_credential_types(kind: str, expected: tuple[bool, str | None]) -> None:
    assert credential_type(kind) == expected


def test_current_shape_fields(fixtures_read) -> None:
    rows = by_name(fixtures_read.programs.table)
    aide = rows["Nurse Aide Training"]
    assert aide["program_id"] == "ce-0c1d5a51-7f0e-4c55-9a51-000000000010"
    assert aide["provider_name"] == "Brandywine Valley Health Careers Institute"
    assert aide["provider_website"] == "https://bvhci.example.org"
    assert (aide["state"], aide["cip_code"], aide["credential_type"]) == (
        "DE",
        "51.3902",
        "certificate",
    )
    assert (aide["cost_tuition"], aide["cost_books"], aide["cost_total"]) == (1450, 120.5, 1570.5)
    assert (aide["weeks"], aide["clock_hours"], aide["format"]) == (6.0, 120.0, "in_person")
    assert (aide["location_city"], aide["location_zip"]) == ("Wilmington", "19801")
    assert aide["prerequisites"] == "Age 16 or older; background check."
    nursing = rows["Practical Nursing"]  # English picked from a two-language map
    assert nursing["program_id"] == "DE-PN-7"  # the ETPL id, not the ctid
    assert nursing["state"] == "DE"  # from the DE_ file-name prefix
    assert nursing["cip_code"] == "51.3901"  # undotted 513901
    assert nursing["weeks_min"] == pytest.approx(10 * 52 / 12)
    assert nursing["weeks"] == pytest.approx((10 * 52 / 12 + 52) / 2)
    assert nursing["format"] == "hybrid"  # in person and online
    assert nursing["cost_total"] is None  # priced in EUR: blanked, reported
    assert nursing["prerequisites"] is None  # a pathway link only, no description
    socs = set(fixtures_read.occupations.iter_rows())
    assert socs == {(aide["program_id"], "31-1131"), ("DE-PN-7", "29-2061")}
    assert fixtures_read.links.rows() == [(aide["program_id"], "DE-PN-7", "requires")]


def test_2017_shape_plain_strings_and_single_objects(fixtures_read) -> None:
    seminar = by_name(fixtures_read.programs.table)["Structural Welding Seminar"]
    assert seminar["provider_name"] == "Delmarva Welding School"  # {"@id"} resolved
    assert seminar["credential_type"] == "none"  # a learning opportunity
    assert seminar["cost_total"] == 980.0  # 'US Dollar', no cost type
    assert seminar["weeks"] == pytest.approx(5 / 7)  # P5D
    assert seminar["format"] == "hybrid"
    assert seminar["prerequisites"] == "Basic shop safety course.\nOwn steel-toe boots"


def test_bad_input_named_and_the_rest_kept(fixtures_read) -> None:
    report = fixtures_read.programs.report
    found = {(r.file, r.line, r.field, r.severity): r for r in report.rejects}
    malformed = found[("malformed.json", None, None, "rejected")]
    assert "malformed CTDL document: not JSON" in malformed.reason
    no_name = found[("DE_flawed.json", 1, "ceterms:name", "rejected")]
    assert no_name.record == "ce-badbad00-0000-4000-8000-000000000001"
    duration = found[
        ("DE_flawed.json", 2, "ceterms:estimatedDuration ceterms:exactDuration", "repaired")
    ]
    assert "not an ISO 8601 duration" in duration.reason
    assert duration.record == "ce-badbad00-0000-4000-8000-000000000002"
    assert ("DE_flawed.json", 2, "ceterms:instructionalProgramType", "repaired") in found
    assert ("DE_flawed.json", 3, "ceterms:offeredBy", "rejected") in found
    assert ("DE_current_shape.json", 3, "ceterms:estimatedCost", "repaired") in found
    forklift = by_name(fixtures_read.programs.table)["Forklift Operator"]
    assert forklift["weeks"] is None and forklift["cip_code"] is None  # kept, blanked
    assert sorted(by_name(fixtures_read.programs.table)) == [
        "Forklift Operator",
        "Nurse Aide Training",
        "Practical Nursing",
        "Structural Welding Seminar",
    ]
    assert (report.rows_read, report.rows_kept) == (6, 4)  # the assessment is not a program


def test_no_state_is_a_named_reject(tmp_path: Path) -> None:
    path = tmp_path / "programs.json"
    shutil.copy(FIXTURES / "DE_2017_shape.json", path)
    read = read_ctdl([path])
    assert read.programs.table.is_empty()
    [reject] = [r for r in read.programs.report.rejects if r.severity == "rejected"]
    assert (reject.line, reject.field) == (2, "ceterms:jurisdiction")
    assert reject.record == "ce-5e0d0e2a-0000-4000-8000-00000000a002"
    assert read_ctdl([path], default_state="DE").programs.table.height == 1


# --------------------------------------------------------------------------- the importer


def test_registered_as_an_etpl_adapter() -> None:
    source = next(s for s in program_sources.SOURCES if s.table == "etpl_programs")
    assert "ctdl/*/*.json" in source.patterns and "NJ_standardized_etpl_*.csv" in source.patterns


def _data_with_fixtures(root: Path, names: list[str]) -> Path:
    folder = root / "data" / "programs" / "ctdl"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return root / "data"


def test_import_reads_ctdl_and_lists_its_rejects(tmp_path: Path) -> None:
    data = _data_with_fixtures(tmp_path, ["DE_current_shape.json", "DE_flawed.json"])
    import_bundle(data, tmp_path / "bundle")
    bundle = Bundle(tmp_path / "bundle")
    table = bundle.table("etpl_programs")
    names = ["Forklift Operator", "Nurse Aide Training", "Practical Nursing"]
    assert sorted(table["name"]) == names
    assert set(table["state"]) == {"DE"}
    rejects = pl.read_csv(tmp_path / "bundle" / "rejects.csv", infer_schema=False)
    no_name = rejects.filter(pl.col("field") == "ceterms:name").to_dicts()
    assert no_name == [
        {
            "table": "etpl_programs",
            "file": "DE_flawed.json",
            "line": "1",
            "field": "ceterms:name",
            "severity": "rejected",
            "reason": "no name; record skipped",
            "record": "ce-badbad00-0000-4000-8000-000000000001",
        }
    ]


def test_import_with_a_malformed_file_fails_unless_partial(tmp_path: Path) -> None:
    data = _data_with_fixtures(tmp_path, ["DE_current_shape.json", "malformed.json"])
    with pytest.raises(UnusableImportError, match="malformed.json"):
        import_bundle(data, tmp_path / "bundle")
    import_bundle(data, tmp_path / "bundle", allow_partial=True)
    assert Bundle(tmp_path / "bundle").table("etpl_programs").height == 2


# --------------------------------------------------------------------------- the round trip


@pytest.fixture(scope="module")
def demo_export(demo_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo bundle's NJ programs exported by the CLI, and what it started from."""
    bundle = Bundle(demo_bundle)
    catalog = catalog_from_bundle(bundle)
    home = tmp_path_factory.mktemp("ctdl_home")
    out = home / "NJ_programs.json"
    result = pathmatch_cli(
        home, "export", "ctdl", "--region", "NJ", "--bundle", str(demo_bundle), "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    programs = bundle.table("etpl_programs").filter(pl.col("state") == "NJ")
    return programs, catalog, out, result.stderr


def test_round_trip_keeps_every_field_ctdl_has(demo_export) -> None:
    programs, catalog, out, message = demo_export
    assert f"wrote {programs.height} NJ programs as CTDL" in message
    read = read_ctdl([out])
    assert not [r for r in read.programs.report.rejects if r.severity == "rejected"]
    after = {r["program_id"]: r for r in read.programs.table.to_dicts()}
    assert set(after) == set(programs["program_id"])
    for before in programs.to_dicts():
        back = after[before["program_id"]]
        for field in ROUND_TRIP:
            a, b = before.get(field), back[field]
            if isinstance(a, float) and b is not None:
                assert b == pytest.approx(a, rel=1e-6), (before["program_id"], field)
            else:
                assert b == a, (before["program_id"], field)
    ids = set(programs["program_id"])
    socs = catalog.program_occupations.filter(pl.col("program_id").is_in(ids))
    assert set(read.occupations.iter_rows()) == set(
        socs.select("program_id", "soc2018_code").unique().iter_rows()
    )
    edges = catalog.stackability.filter(
        pl.col("from_program_id").is_in(ids) & pl.col("to_program_id").is_in(ids)
    )
    assert edges.height > 0
    assert set(read.links.select("from_program_id", "to_program_id").iter_rows()) == set(
        edges.select("from_program_id", "to_program_id").iter_rows()
    )


def test_pathways_written_as_preparation_and_requirement(demo_export) -> None:
    programs, catalog, out, _ = demo_export
    nodes = {
        n["ceterms:identifier"][0]["ceterms:identifierValueCode"]: n
        for n in json.loads(out.read_text())["@graph"]
    }
    prerequisite = catalog.stackability.filter(pl.col("rule") == "prerequisite").row(0, named=True)
    a, b = nodes[prerequisite["from_program_id"]], nodes[prerequisite["to_program_id"]]
    assert b["@id"] in targets(a["ceterms:isPreparationFor"])
    assert a["@id"] in targets(b["ceterms:requires"])


def targets(profiles: list[dict[str, Any]]) -> list[str]:
    kinds = ("ceterms:targetCredential", "ceterms:targetLearningOpportunity")
    return [t for p in profiles for kind in kinds for t in p.get(kind, [])]


def test_folder_export_reads_the_same(demo_export, tmp_path: Path) -> None:
    programs, catalog, out, _ = demo_export
    nodes = export_programs(programs, catalog.program_occupations, catalog.stackability)
    files = write_ctdl(nodes, tmp_path / "ctdl")
    assert len(files) == programs.height
    contexts = {json.loads(f.read_text())["@context"] for f in files}
    assert contexts == {"https://credreg.net/ctdl/schema/context/json"}
    one = read_ctdl(files).programs.table.drop("_line").sort("program_id")
    graph = read_ctdl([out]).programs.table.drop("_line").sort("program_id")
    assert one.equals(graph)


def test_export_unknown_region_is_one_line(demo_bundle: Path, tmp_path: Path) -> None:
    result = pathmatch_cli(
        tmp_path,
        "export",
        "ctdl",
        "--region",
        "ZZ",
        "--bundle",
        str(demo_bundle),
        "--out",
        str(tmp_path / "x.json"),
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no programs for region 'ZZ'; states in the bundle: ['NJ']"
    ]
    assert "Traceback" not in result.stderr and not (tmp_path / "x.json").exists()


# --------------------------------------------------------------------------- real samples


def _walk(node: object, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, visit)
    elif isinstance(node, dict):
        visit(node)
        for key, value in node.items():
            if not key.startswith("@") or key == "@graph":
                _walk(value, visit)


@pytest.mark.shared
def test_export_uses_only_terms_the_samples_or_ctdl_allow(shared_data: Path, demo_export) -> None:
    """Every (class, property) written is used that way in a real sample, or the CTDL term
    list puts the class in the property's domain; every class is a CTDL class."""
    ctdl = shared_data / "ctdl"
    terms = json.loads((ctdl / "desmSchemas_CTDL.json").read_text())["@graph"]
    domain = {t["@id"]: set(t.get("schema:domainIncludes", [])) for t in terms}
    classes = {t["@id"] for t in terms if t["@type"] == "rdfs:Class"}
    used: dict[str, set[str]] = defaultdict(set)

    def record(node: dict[str, Any]) -> None:
        if isinstance(node.get("@type"), str):
            used[node["@type"]].update(k for k in node if not k.startswith("@"))

    for sample in ctdl.glob("*/*.json"):
        _walk(json.loads(sample.read_text()), record)
    problems: set[tuple[str, str]] = set()

    def check(node: dict[str, Any]) -> None:
        kind = node.get("@type")
        if not isinstance(kind, str):
            return
        if kind not in classes:
            problems.add((kind, "@type"))
        problems.update(
            (kind, k)
            for k in node
            if not k.startswith("@") and k not in used[kind] and kind not in domain.get(k, set())
        )

    _, _, out, _ = demo_export
    document = json.loads(out.read_text())
    _walk(document, check)
    assert problems == set()
    wgu = json.loads((ctdl / "ctdl-xtra-wgu" / "mba.registry.json").read_text())
    assert document["@context"] == wgu["@context"]


@pytest.mark.shared
def test_real_samples_yield_programs(shared_data: Path) -> None:
    files = sorted((shared_data / "ctdl").glob("*/*.json"))
    assert len(files) == 8
    read = read_ctdl(files, default_state="UT")
    rows = by_name(read.programs.table)
    accounting = rows["Bachelor of Science, Accounting (BSACC_202503)"]
    assert (accounting["credential_type"], accounting["cip_code"], accounting["weeks"]) == (
        "bachelor",
        "52.0301",
        208.0,
    )
    assert accounting["provider_id"] == "ce-036d082d-d80e-41a7-99a0-2d63a4ad3a4a"
    assert rows["WGU Certificate: AWS Cloud DevOps v1.1"]["credential_type"] == (
        "industry_credential"
    )
    assert rows["Master of Business Administration (MBA_201404)"]["credential_type"] is None
    assert rows["Certified Safety Professional (CSP)"]["cost_total"] == 150.0  # 2017 shape
    assert rows["CEM Training Seminar"]["weeks"] == pytest.approx(5 / 7)
    socs = dict(read.occupations.iter_rows())
    assert socs[rows["Master of Business Administration (MBA_201404)"]["program_id"]] == "11-1011"
    assert read.programs.table.height == 15
    rejected = [r for r in read.programs.report.rejects if r.severity == "rejected"]
    assert {(r.file, r.field) for r in rejected} == {
        ("learning_opportunity_profile_2_import.json", "ceterms:offeredBy"),
        ("learning_opportunity_profile_3_import.json", "ceterms:offeredBy"),
    }


def test_prices_as_strings_kept_non_finite_refused(tmp_path: Path) -> None:
    path = tmp_path / "DE_prices.json"
    agent = '{"@type": "ceterms:CredentialOrganization", "ceterms:name": "Kent Adult Ed"}'
    cost = '{{"@type": "ceterms:CostProfile", "ceterms:price": {}, "ceterms:currency": "USD"}}'
    records = [
        f'{{"@type": "ceterms:Certificate", "ceterms:ctid": "ce-{i}", "ceterms:name": "P{i}", '
        f'"ceterms:ownedBy": {agent}, "ceterms:estimatedCost": {cost.format(price)}}}'
        for i, price in enumerate(['"1450.00"', "NaN", "-5", '"free"'])
    ]
    path.write_text("[" + ",".join(records) + "]")
    read = read_ctdl([path])
    assert read.programs.table.sort("name")["cost_total"].to_list() == [1450.0, None, None, None]
    bad = [r.line for r in read.programs.report.rejects if r.field == "ceterms:estimatedCost"]
    assert bad == [2, 3, 4]


def _nested(model: Any, row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A flat table row as the nested dict ``model`` validates (``cost_total`` -> cost.total)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        sub = info.annotation
        if isinstance(sub, type) and hasattr(sub, "model_fields"):
            out[name] = _nested(sub, row, f"{prefix}{name}_")
        elif row.get(f"{prefix}{name}") is not None:
            out[name] = row[f"{prefix}{name}"]
    return out


def test_rows_read_are_valid_programs(fixtures_read) -> None:
    from matching.schemas import Program

    for row in fixtures_read.programs.table.to_dicts():
        Program.model_validate(_nested(Program, row))
