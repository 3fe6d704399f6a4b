"""The training-program catalog: ETPL programs with target occupations, credential levels,
stackable pathways, cost per week and outcomes with their sample sizes.

``build_catalog(etpl_programs, xwalk_cip_soc, onet_occupations, cip_codes, courses=None,
skills_of_program=None, related_occupations=None)`` returns :class:`CatalogResult`:

``programs`` (one row per ETPL program): the ETPL columns that matter downstream
(``program_id, state, provider_id, provider_name, name, description, cip_code,
credential_type, credential_name, format, schedule, schedule_text, location_street,
location_city, location_county, location_state, location_zip, prerequisites, clock_hours,
weeks_min, weeks_max, cost_tuition, cost_fees, cost_books, cost_supplies, cost_other,
cost_total``, and what a case manager hands the client: ``provider_phone,
provider_website, provider_email, contact_name, contact_title, contact_phone``; a bundle
imported before a column existed gets it as null) plus

==========================  =======  ======================================================
cip_title                   String   CIP 2020 title of the program's code
cip_family / cip_series     String   first 2 digits ("51") / first 4 ("51.39")
credential_level            Int64    ordinal, :data:`CREDENTIAL_LEVELS`
credential_level_name       String   none_or_industry | certificate_or_license | associate |
                                     bachelor | graduate
weeks_used                  Float64  ``weeks``, else the midpoint of weeks_min/weeks_max
cost_per_week               Float64  cost_total / weeks_used (null when either is missing)
target_onet_codes           List     O*NET-SOC 2019 codes reached through CIP -> SOC
n_target_occupations        Int64
employment_q2 / _q4         Float64  reported share employed, 2nd / 4th quarter after exit
employment_q2_n / _q4_n     Int64    their sample sizes
median_earnings / _n        Float64  reported median quarterly earnings and its n
outcome_status              String   reported | partial | suppressed | missing (see below)
skills_taught               List     skill ids from ``skills_of_program`` (may be empty)
n_courses                   Int64    courses of the same provider (see below)
==========================  =======  ======================================================

Target occupations: CIP 2020 code -> every SOC 2018 code the NCES CIP-SOC crosswalk lists
for it -> every O*NET-SOC 2019 code whose ``soc2018_code`` equals it (``program_occupations``
has one row per program x O*NET code with the SOC code and titles). Crosswalk "no match"
rows are skipped, and postsecondary teacher codes (SOC 25-1xxx, which the crosswalk attaches
to most CIP codes because someone has to teach the subject) are left out unless
``keep_postsecondary_teachers``: a nurse-aide course does not train college teachers.

Credential level (``CREDENTIAL_LEVELS``): 0 no credential or an industry certification
(``industry_credential``: CompTIA A+, AWS D1.1, forklift...), 1 certificate or state license
(``certificate``, ``license``: CNA, LPN, CDL), 2 associate degree, 3 bachelor's degree,
4 graduate degree. Unknown types are null and counted.

Stackability (``stackability``: ``from_program_id, to_program_id, rule, evidence``), an edge
A -> B meaning "A's credential helps you into / counts toward B":

- ``prerequisite``: B's prerequisite text names A's credential: an acronym A's name or
  credential carries in parentheses ("(CNA)", "(LPN)", "(AWS D1.1)") or the leading
  upper-case words of its credential name ("AWS D1.1 Certified Welder") appears as a word,
  or the first three (at least two) significant words of A's name (before " - " or "(") or
  credential name appear together in B's prerequisites ("CDL Class B", "CompTIA A+",
  "Welding I", "Forklift Operator"). Generic words (certificate, license, current,
  program, ...) do not count. Words are compared on their first six letters, so
  "assisting" matches "assistant".
- ``cip_series_level_up``: same CIP series (first 4 digits, e.g. 51.39 nursing assistant
  and practical nurse) and B has a higher credential level. The 2-digit family (51 = all
  health professions) was too broad: it linked phlebotomy to the RN degree.
- ``related_occupation_level_up``: one of A's target occupations lists one of B's among its
  closest O*NET Related Occupations (tier ``Primary-Short``, when ``related_occupations`` is
  given) and B has a higher credential level.

Outcomes: for each measure (employment q2, q4, median earnings) the value is "reported" when
present, "suppressed" when the sample size is present but the value is not (the ETPL hides
small cells), "missing" when both are absent. ``outcome_status`` is ``reported`` (all three),
``partial`` (some), ``suppressed`` (none reported, at least one suppressed) or ``missing``.

Courses: ``courses`` rows whose ``provider`` equals the program's ``provider_name`` (case
folded) are counted in ``n_courses``; course-to-program matching finer than provider needs the
skills pipeline and is left to it. Skills taught are an input frame ``program_id, skill_id,
score`` from the extraction pipeline; None gives empty lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

CREDENTIAL_LEVELS: dict[str, int] = {
    "none": 0,
    "industry_credential": 0,
    "certificate": 1,
    "license": 1,
    "associate": 2,
    "bachelor": 3,
    "graduate": 4,
    "master": 4,
    "doctorate": 4,
}
LEVEL_NAMES = {
    0: "none_or_industry",
    1: "certificate_or_license",
    2: "associate",
    3: "bachelor",
    4: "graduate",
}
OUTCOME_MEASURES = {
    "employment_q2": ("outcomes_employment_q2_value", "outcomes_employment_q2_n"),
    "employment_q4": ("outcomes_employment_q4_value", "outcomes_employment_q4_n"),
    "median_earnings": ("outcomes_median_earnings_value", "outcomes_median_earnings_n"),
}
GENERIC_WORDS = frozenset(
    """
a an and or of the in for to with our your from by on at as is be any
current currently valid active completion complete completed program programs course courses
training certificate certification certifications certified license licensed licensure
credential level basic advanced new jersey nj state one two year years experience equivalent
technician specialist professional day evening weekend part full time online hybrid
""".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")


@dataclass
class CatalogReport:
    programs: int = 0
    no_cip: int = 0
    cip_not_in_catalog: int = 0
    no_target_occupations: int = 0
    teacher_codes_dropped: int = 0
    unknown_credential_type: int = 0
    no_weeks: int = 0
    no_cost: int = 0
    outcome_status: dict[str, int] = field(default_factory=dict)
    outcome_measures: dict[str, dict[str, int]] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    skill_rows_unknown_program: int = 0
    programs_with_courses: int = 0

    def summary(self) -> dict[str, object]:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        return [
            f"programs: {self.programs}; no CIP {self.no_cip}, CIP not in CIP 2020 list "
            f"{self.cip_not_in_catalog}, no target occupation {self.no_target_occupations}",
            f"credential type unknown: {self.unknown_credential_type}; no weeks "
            f"{self.no_weeks}; no cost {self.no_cost}",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in self.outcome_status.items()),
            *(
                f"  {m}: " + ", ".join(f"{k} {v}" for k, v in c.items())
                for m, c in self.outcome_measures.items()
            ),
            "stackability edges: " + ", ".join(f"{k} {v}" for k, v in self.edges.items()),
        ]


@dataclass
class CatalogResult:
    programs: pl.DataFrame
    program_occupations: pl.DataFrame
    stackability: pl.DataFrame
    report: CatalogReport


# ----------------------------------------------------------------------------- occupations


def target_occupations(
    cip_codes: pl.Series | Iterable[str],
    xwalk_cip_soc: pl.DataFrame,
    onet_occupations: pl.DataFrame,
    *,
    keep_postsecondary_teachers: bool = False,
) -> pl.DataFrame:
    """``cip_code, soc2018_code, soc2018_title, onet_soc_code, onet_title`` for each CIP code
    (CIP 2020 -> SOC 2018 crosswalk -> O*NET-SOC 2019 codes with that SOC code)."""
    cips = pl.DataFrame({"cip_code": pl.Series(list(cip_codes), dtype=pl.String)}).unique()
    x = _ensure(
        xwalk_cip_soc,
        {
            "soc2018_title": pl.String,
            "cip_code_no_match": pl.Boolean,
            "soc2018_code_no_match": pl.Boolean,
        },
    )
    x = x.filter(
        ~pl.col("soc2018_code_no_match").fill_null(False)
        & ~pl.col("cip_code_no_match").fill_null(False)
        & pl.col("soc2018_code").is_not_null()
    )
    if not keep_postsecondary_teachers:
        x = x.filter(~pl.col("soc2018_code").str.starts_with("25-1"))
    onet = onet_occupations.select(
        "onet_soc_code", pl.col("title").alias("onet_title"), "soc2018_code"
    )
    return (
        cips.join(x.select("cip_code", "soc2018_code", "soc2018_title"), on="cip_code")
        .join(onet, on="soc2018_code")
        .unique(["cip_code", "onet_soc_code"])
        .sort(["cip_code", "onet_soc_code"])
    )


def _ensure(
    frame: pl.DataFrame, columns: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    missing = {c: t for c, t in columns.items() if c not in frame.columns}
    return frame.with_columns(pl.lit(None, t).alias(c) for c, t in missing.items())


# ----------------------------------------------------------------------------- stackability


def _words(text: str | None) -> list[str]:
    """Significant words, each cut to its first six characters."""
    words = _WORD.findall((text or "").lower())
    return [w[:6] for w in words if w not in GENERIC_WORDS]


def _acronyms(name: str | None, credential_name: str | None) -> set[str]:
    """Short forms that name a credential on their own, lower-cased: parenthesised ones
    ("(CNA)", "(AWS D1.1)") in the name or credential, and the leading upper-case words of the
    credential name ("AWS D1.1 Certified Welder" -> "aws d1.1", "NURSE AIDE")."""
    out: set[str] = set()
    for text in (name, credential_name):
        for inner in re.findall(r"\(([^)]{2,20})\)", text or ""):
            phrase = inner.strip().lower()
            if re.search(r"[a-z]", phrase) and phrase not in GENERIC_WORDS:
                out.add(phrase)
    lead: list[str] = []
    for token in (credential_name or "").split():
        if not (token.isupper() and len(token) >= 2):
            break
        lead.append(token.lower())
    phrase = " ".join(lead)
    if lead and phrase not in GENERIC_WORDS:
        out.add(phrase)
    return out


def _head(name: str | None) -> str:
    """A program name without its variant tail: "Welding I - Structural Plate (AWS D1.1)"
    -> "Welding I"."""
    text = re.split(r"\s+-\s+|\(", name or "", maxsplit=1)[0]
    return text.strip()


def _contains_prefix(haystack: list[str], needle: list[str], length: int = 3) -> bool:
    """True when the first ``min(len(needle), length)`` needle words, at least two, occur
    consecutively in ``haystack``: "CDL Class B Straight Truck" is named by "CDL Class B
    license", "CDL Class A Tractor-Trailer" is not."""
    k = min(len(needle), length)
    if k < 2:
        return False
    prefix = tuple(needle[:k])
    return any(tuple(haystack[i : i + k]) == prefix for i in range(len(haystack) - k + 1))


def _names_credential(prereq: str, program: dict[str, str | None]) -> str | None:
    """Why ``prereq`` names ``program``'s credential (the matched phrase), or None."""
    lowered = f" {prereq.lower()} "
    for acronym in _acronyms(program["name"], program["credential_name"]):
        if re.search(rf"(?<![a-z0-9]){re.escape(acronym)}(?![a-z0-9+])", lowered):
            return acronym
    words = _words(prereq)
    for phrase in (_head(program["name"]), program["credential_name"]):
        if _contains_prefix(words, _words(phrase)):
            return phrase
    return None


def stackability_edges(
    programs: pl.DataFrame,
    program_occupations: pl.DataFrame | None = None,
    related_occupations: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``from_program_id, to_program_id, rule, evidence`` (rules: module docstring).

    ``programs`` needs ``program_id, name, credential_name, prerequisites, cip_code,
    credential_level``; an edge with several rules appears once per rule.
    """
    rows: list[tuple[str, str, str, str]] = []
    records = programs.select(
        "program_id", "name", "credential_name", "prerequisites", "cip_code", "credential_level"
    ).to_dicts()
    for b in records:
        prereq = b["prerequisites"] or ""
        if not prereq.strip():
            continue
        for a in records:
            if a["program_id"] == b["program_id"]:
                continue
            why = _names_credential(prereq, a)
            if why:
                rows.append(
                    (
                        a["program_id"],
                        b["program_id"],
                        "prerequisite",
                        f"prerequisites name {why!r}",
                    )
                )
    for a in records:
        for b in records:
            if (
                a["program_id"] != b["program_id"]
                and a["cip_code"]
                and b["cip_code"]
                and a["cip_code"][:5] == b["cip_code"][:5]
                and _higher(b["credential_level"], a["credential_level"])
            ):
                rows.append(
                    (
                        a["program_id"],
                        b["program_id"],
                        "cip_series_level_up",
                        f"CIP series {a['cip_code'][:5]}, level "
                        f"{a['credential_level']} -> {b['credential_level']}",
                    )
                )
    rows.extend(_related_edges(records, program_occupations, related_occupations))
    return (
        pl.DataFrame(
            rows,
            schema={
                "from_program_id": pl.String,
                "to_program_id": pl.String,
                "rule": pl.String,
                "evidence": pl.String,
            },
            orient="row",
        )
        .unique(["from_program_id", "to_program_id", "rule"], keep="first")
        .sort(["from_program_id", "to_program_id", "rule"])
    )


def _higher(b: int | None, a: int | None) -> bool:
    return a is not None and b is not None and b > a


def _related_edges(
    records: list[dict], program_occupations: pl.DataFrame | None, related: pl.DataFrame | None
) -> list[tuple[str, str, str, str]]:
    if related is None or program_occupations is None or program_occupations.height == 0:
        return []
    level = {r["program_id"]: r["credential_level"] for r in records}
    po = program_occupations.select("program_id", "onet_soc_code").unique()
    if "relatedness_tier" in related.columns:
        related = related.filter(pl.col("relatedness_tier") == "Primary-Short")
    pairs = (
        po.join(related.select("onet_soc_code", "related_onet_soc_code"), on="onet_soc_code")
        .join(
            po.rename({"program_id": "to_program_id", "onet_soc_code": "related_onet_soc_code"}),
            on="related_onet_soc_code",
        )
        .filter(pl.col("program_id") != pl.col("to_program_id"))
        .sort(["program_id", "to_program_id", "onet_soc_code", "related_onet_soc_code"])
        .unique(["program_id", "to_program_id"], keep="first")
    )
    out = []
    for a, b, occ_a, occ_b in pairs.select(
        "program_id", "to_program_id", "onet_soc_code", "related_onet_soc_code"
    ).iter_rows():
        if _higher(level.get(b), level.get(a)):
            out.append(
                (
                    a,
                    b,
                    "related_occupation_level_up",
                    f"O*NET related occupations {occ_a} -> {occ_b}",
                )
            )
    return out


def pathway(stackability: pl.DataFrame, start: str, *, max_steps: int = 6) -> list[list[str]]:
    """Every chain of program ids reachable from ``start`` (depth-first, no cycles), for
    reading pathways such as CNA -> LPN -> RN off the edge list."""
    nxt: dict[str, list[str]] = {}
    for a, b in (
        stackability.select("from_program_id", "to_program_id")
        .unique()
        .sort(["from_program_id", "to_program_id"])
        .iter_rows()
    ):
        nxt.setdefault(a, []).append(b)
    chains: list[list[str]] = []

    def walk(path: list[str]) -> None:
        options = [b for b in nxt.get(path[-1], []) if b not in path]
        if not options or len(path) > max_steps:
            chains.append(path)
            return
        for b in options:
            walk([*path, b])

    walk([start])
    return chains


# ----------------------------------------------------------------------------- build


def _outcomes(frame: pl.DataFrame, report: CatalogReport) -> pl.DataFrame:
    exprs = []
    status_cols = []
    for measure, (value, n) in OUTCOME_MEASURES.items():
        v, c = pl.col(value), pl.col(n)
        exprs += [
            v.cast(pl.Float64).alias(measure),
            c.cast(pl.Int64).alias(f"{measure}_n"),
            pl.when(v.is_not_null())
            .then(pl.lit("reported"))
            .when(c.is_not_null())
            .then(pl.lit("suppressed"))
            .otherwise(pl.lit("missing"))
            .alias(f"_{measure}_status"),
        ]
        status_cols.append(f"_{measure}_status")
    frame = _ensure(
        frame, {c: pl.Float64 for pair in OUTCOME_MEASURES.values() for c in pair}
    ).with_columns(exprs)
    reported = pl.sum_horizontal([pl.col(c) == "reported" for c in status_cols])
    suppressed = pl.sum_horizontal([pl.col(c) == "suppressed" for c in status_cols])
    frame = frame.with_columns(
        pl.when(reported == len(status_cols))
        .then(pl.lit("reported"))
        .when(reported > 0)
        .then(pl.lit("partial"))
        .when(suppressed > 0)
        .then(pl.lit("suppressed"))
        .otherwise(pl.lit("missing"))
        .alias("outcome_status")
    )
    report.outcome_measures = {
        m: {
            s: int(frame.select((pl.col(f"_{m}_status") == s).sum()).item())
            for s in ("reported", "suppressed", "missing")
        }
        for m in OUTCOME_MEASURES
    }
    report.outcome_status = {
        s: int(frame.select((pl.col("outcome_status") == s).sum()).item())
        for s in ("reported", "partial", "suppressed", "missing")
    }
    return frame.drop(status_cols)


COST_PARTS = ("cost_tuition", "cost_fees", "cost_books", "cost_supplies", "cost_other")
CONTACT_COLUMNS = (
    "provider_phone",
    "provider_website",
    "provider_email",
    "contact_name",
    "contact_title",
    "contact_phone",
)
PROGRAM_COLUMNS = (
    "program_id",
    "state",
    "provider_id",
    "provider_name",
    *CONTACT_COLUMNS,
    "name",
    "description",
    "cip_code",
    "cip_title",
    "cip_family",
    "cip_series",
    "credential_type",
    "credential_name",
    "credential_level",
    "credential_level_name",
    "format",
    "schedule",
    "schedule_text",
    "location_street",
    "location_city",
    "location_county",
    "location_state",
    "location_zip",
    "prerequisites",
    "clock_hours",
    "weeks_used",
    "weeks_min",
    "weeks_max",
    *COST_PARTS,
    "cost_total",
    "cost_per_week",
    "target_onet_codes",
    "n_target_occupations",
    "employment_q2",
    "employment_q2_n",
    "employment_q4",
    "employment_q4_n",
    "median_earnings",
    "median_earnings_n",
    "outcome_status",
    "skills_taught",
    "n_courses",
)


def build_catalog(
    etpl_programs: pl.DataFrame,
    xwalk_cip_soc: pl.DataFrame,
    onet_occupations: pl.DataFrame,
    cip_codes: pl.DataFrame | None,
    courses: pl.DataFrame | None = None,
    skills_of_program: pl.DataFrame | None = None,
    *,
    related_occupations: pl.DataFrame | None = None,
    keep_postsecondary_teachers: bool = False,
) -> CatalogResult:
    """Build the program catalog (columns, rules and counts: module docstring)."""
    report = CatalogReport(programs=etpl_programs.height)
    p = _ensure(
        etpl_programs,
        {
            c: pl.String
            for c in (
                "state",
                "provider_id",
                "provider_name",
                *CONTACT_COLUMNS,
                "name",
                "description",
                "cip_code",
                "credential_type",
                "credential_name",
                "format",
                "schedule",
                "schedule_text",
                "location_street",
                "location_city",
                "location_county",
                "location_state",
                "location_zip",
                "prerequisites",
            )
        }
        | {
            c: pl.Float64
            for c in ("clock_hours", "weeks", "weeks_min", "weeks_max", *COST_PARTS, "cost_total")
        },
    )
    level = (
        pl.col("credential_type")
        .str.to_lowercase()
        .replace_strict(CREDENTIAL_LEVELS, default=None, return_dtype=pl.Int64)
    )
    weeks = pl.coalesce(pl.col("weeks"), (pl.col("weeks_min") + pl.col("weeks_max")) / 2)
    p = p.with_columns(
        pl.col("cip_code").str.slice(0, 2).alias("cip_family"),
        pl.col("cip_code").str.slice(0, 5).alias("cip_series"),
        level.alias("credential_level"),
        level.replace_strict(LEVEL_NAMES, default=None, return_dtype=pl.String).alias(
            "credential_level_name"
        ),
        pl.when(weeks > 0).then(weeks).alias("weeks_used"),
    )
    p = p.with_columns(
        pl.when(pl.col("weeks_used") > 0)
        .then(pl.col("cost_total") / pl.col("weeks_used"))
        .alias("cost_per_week")
    )
    if cip_codes is not None:
        titles = cip_codes.select("cip_code", pl.col("title").alias("cip_title")).unique("cip_code")
        p = p.join(titles, on="cip_code", how="left")
        report.cip_not_in_catalog = int(
            p.select(
                (pl.col("cip_code").is_not_null() & pl.col("cip_title").is_null()).sum()
            ).item()
        )
    else:
        p = p.with_columns(pl.lit(None, pl.String).alias("cip_title"))
    occ = target_occupations(
        p.get_column("cip_code").drop_nulls(),
        xwalk_cip_soc,
        onet_occupations,
        keep_postsecondary_teachers=keep_postsecondary_teachers,
    )
    if not keep_postsecondary_teachers:
        report.teacher_codes_dropped = int(
            xwalk_cip_soc.filter(
                pl.col("cip_code").is_in(p.get_column("cip_code").implode())
                & pl.col("soc2018_code").str.starts_with("25-1")
            ).height
        )
    program_occupations = (
        p.select("program_id", "cip_code")
        .join(occ, on="cip_code")
        .sort(["program_id", "onet_soc_code"])
    )
    targets = program_occupations.group_by("program_id").agg(
        pl.col("onet_soc_code").sort().alias("target_onet_codes")
    )
    p = (
        p.join(targets, on="program_id", how="left")
        .with_columns(pl.col("target_onet_codes").fill_null([]))
        .with_columns(
            pl.col("target_onet_codes").list.len().cast(pl.Int64).alias("n_target_occupations")
        )
    )
    p = _outcomes(p, report)
    p = _attach_skills(p, skills_of_program, report)
    p = _attach_courses(p, courses, report)
    report.no_cip = int(p.select(pl.col("cip_code").is_null().sum()).item())
    report.no_target_occupations = int(p.select((pl.col("n_target_occupations") == 0).sum()).item())
    report.unknown_credential_type = int(
        p.select(pl.col("credential_level").is_null().sum()).item()
    )
    report.no_weeks = int(p.select(pl.col("weeks_used").is_null().sum()).item())
    report.no_cost = int(p.select(pl.col("cost_total").is_null().sum()).item())
    programs = p.select(PROGRAM_COLUMNS).sort("program_id")
    edges = stackability_edges(programs, program_occupations, related_occupations)
    report.edges = {r: int(n) for r, n in edges.group_by("rule").len().sort("rule").iter_rows()}
    return CatalogResult(
        programs=programs,
        program_occupations=program_occupations,
        stackability=edges,
        report=report,
    )


def _attach_skills(
    p: pl.DataFrame, skills: pl.DataFrame | None, report: CatalogReport
) -> pl.DataFrame:
    if skills is None or skills.height == 0:
        return p.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("skills_taught"))
    known = p.get_column("program_id").implode()
    report.skill_rows_unknown_program = int(
        skills.select((~pl.col("program_id").is_in(known)).sum()).item()
    )
    taught = (
        skills.filter(pl.col("program_id").is_in(known))
        .group_by("program_id")
        .agg(pl.col("skill_id").unique().sort().alias("skills_taught"))
    )
    return p.join(taught, on="program_id", how="left").with_columns(
        pl.col("skills_taught").fill_null([])
    )


def _attach_courses(
    p: pl.DataFrame, courses: pl.DataFrame | None, report: CatalogReport
) -> pl.DataFrame:
    if courses is None or courses.height == 0 or "provider" not in courses.columns:
        return p.with_columns(pl.lit(0, pl.Int64).alias("n_courses"))
    per_provider = (
        courses.filter(pl.col("provider").is_not_null())
        .group_by(pl.col("provider").str.to_lowercase().str.strip_chars().alias("_prov"))
        .len()
        .rename({"len": "n_courses"})
    )
    p = (
        p.with_columns(pl.col("provider_name").str.to_lowercase().str.strip_chars().alias("_prov"))
        .join(per_provider, on="_prov", how="left")
        .with_columns(pl.col("n_courses").fill_null(0).cast(pl.Int64))
        .drop("_prov")
    )
    report.programs_with_courses = int(p.select((pl.col("n_courses") > 0).sum()).item())
    return p


def catalog_from_bundle(
    bundle: Any, skills_of_program: pl.DataFrame | None = None
) -> CatalogResult:
    """:func:`build_catalog` over a ``matching.ingest.bundle.Bundle`` (for the CLI)."""

    def get(name: str) -> pl.DataFrame | None:
        return bundle.table(name) if bundle.has(name) else None

    return build_catalog(
        bundle.table("etpl_programs"),
        bundle.table("xwalk_cip_soc"),
        bundle.table("onet_occupations"),
        get("cip_codes"),
        get("courses"),
        skills_of_program,
        related_occupations=get("onet_related_occupations"),
    )
