"""A SYNTHETIC PIRL-layout fixture for the referral ranker: generated, not real-world data.

No real PIRL records are public (../shared/data/participants holds only the record layout),
so tests and ``experiments/bench_referral_ranker.py`` train on records written here from the
fictional demo caseload (demo/data/participants) and the demo region's programs. Every
outcome is drawn from the documented rule below; a figure computed on this fixture shows
that the ranker recovers a known signal, nothing about real participants.

Generation, per record (seeded):

1. a demo participant is drawn at random; their last hourly wage is multiplied by
   lognormal noise (sigma 0.15) and written as PIRL1702 (wages in the quarter before
   participation) = wage x 520; titles and intake text go to the intake file;
2. the occupation trained for (PIRL1306) is, with probability 0.4, one the participant
   plausibly fits (role fit > 0 or skill fit >= 0.2), else any occupation the region's
   programs lead to;
3. with the parts ``training.referral_ranker.feature_frame`` computes for that pair,
   P(employed Q2) = sigmoid(RULE), where RULE =
   -0.4 + 2.5 skill_fit + 1.5 role_fit + 3.0 (demand - 0.5) - 2.5 (wage_gain - 0.5)
   + 1.0 (outcome - 0.5) + 0.25 (education_rank - 1)  (unknown education counts 0):
   demand and existing skills help, and a large pay jump is harder to land, which the
   fixed ``ScoreWeights`` (wage gain +0.20) get backwards;
4. employed records earn Q2 wages (PIRL1704) of the occupation's regional median hourly
   wage (else the prior wage x 1.1) x 520 x lognormal(0, 0.2); others 0.

About 5% of records did not train (PIRL1300 = 0) and 5% have Q2 status 9 (not yet
available): the trainer must count and skip them. ``bad_rows`` appends malformed rows.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.ingest.loaders.participants import EDUCATION, load_intake
from matching.referral.referrals import ParticipantReader, RegionContext, ScoreWeights
from training.referral_ranker import (
    HOURS_PER_QUARTER,
    CachedReader,
    feature_frame,
    occupation_programs,
    participant_of,
    record_parts,
)

REPO = Path(__file__).resolve().parents[1]
DEMO_CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
PIRL_HEADER = (
    "PIRL100,PIRL101,PIRL102,PIRL103,PIRL200,PIRL201,PIRL202,PIRL210,PIRL211,PIRL212,PIRL213,"
    "PIRL214,PIRL215,PIRL300,PIRL400,PIRL402,PIRL408,PIRL601,PIRL704,PIRL800,PIRL801,PIRL802,"
    "PIRL803,PIRL804,PIRL805,PIRL806,PIRL807,PIRL808,PIRL900,PIRL901,PIRL903,PIRL904,PIRL905,"
    "PIRL1300,PIRL1302,PIRL1303,PIRL1306,PIRL1602,PIRL1606,PIRL1702,PIRL1704,PIRL1706,"
    "PIRL1800,CALC4000,CALC4001,CALC4002,CALC4003,CALC4020,CALC4039,CALC4040,REPORT_QUARTER"
).split(",")
EDUCATION_CODE = {word: code for code, word in sorted(EDUCATION.items(), reverse=True)}
RULE = {
    "intercept": -0.4,
    "skill_fit": 2.5,
    "role_fit": 1.5,
    "demand": 3.0,
    "wage_gain": -2.5,
    "outcome": 1.0,
    "education_rank": 0.25,
}
"""The generative rule's coefficients (centred as in the module docstring)."""


@dataclass(frozen=True)
class FixtureFiles:
    pirl: Path
    intake: Path
    records: int


def employment_logit(parts: dict[str, float]) -> float:
    """RULE of the module docstring for one record's features."""
    edu = parts.get("education_rank", math.nan)
    return (
        RULE["intercept"]
        + RULE["skill_fit"] * parts["skill_fit"]
        + RULE["role_fit"] * parts["role_fit"]
        + RULE["demand"] * (parts["demand"] - 0.5)
        + RULE["wage_gain"] * (parts["wage_gain"] - 0.5)
        + RULE["outcome"] * (parts["outcome"] - 0.5)
        + (0.0 if math.isnan(edu) else RULE["education_rank"] * (edu - 1))
    )


def _caseload(path: Path) -> list[dict[str, str]]:
    """The caseload rows the intake loader accepts, with its cleaned wage and education
    (the demo caseload holds deliberately malformed rows too)."""
    clean = {r["participant_id"]: r for r in load_intake([path]).table.to_dicts()}
    with open(path, newline="", encoding="utf-8") as handle:
        raw = [r for r in csv.DictReader(handle) if r["participant_id"] in clean]
    out = []
    for row in raw:
        good = clean[row["participant_id"]]
        wage = good["last_hourly_wage"]
        out.append(
            {
                **row,
                "education_level": good["education_level"] or "",
                "last_hourly_wage": "" if wage is None else str(wage),
            }
        )
    return out


def _plausible(
    people: list[dict[str, str]],
    occupations: list[str],
    ctx: RegionContext,
    reader: ParticipantReader,
) -> list[list[str]]:
    """Per demo participant, the occupations they plausibly fit (role or skill)."""
    programs = occupation_programs(ctx)
    out = []
    for person in people:
        participant = participant_of(_record(person, None), ctx.region)
        fits = [
            code
            for code in occupations
            if (
                p := record_parts(
                    participant, code, ctx, reader, programs.get(code, []), ScoreWeights()
                )
            )["role_fit"]
            > 0
            or p["skill_fit"] >= 0.2
        ]
        out.append(fits)
    return out


def _record(person: dict[str, str], wage: float | None, code: str | None = None) -> dict[str, Any]:
    return {
        "participant_id": person["participant_id"],
        "past_job_titles": [t for t in person["past_job_titles"].split(";") if t],
        "intake_text": person["intake_text"] or None,
        "education_level": person["education_level"] or None,
        "last_hourly_wage": wage,
        "training_onet_code": code,
    }


def _draw(
    people: list[dict[str, str]],
    plausible: list[list[str]],
    occupations: list[str],
    n: int,
    rng: np.random.Generator,
) -> list[tuple[int, float, str]]:
    draws = []
    for _ in range(n):
        who = int(rng.integers(len(people)))
        base = float(people[who]["last_hourly_wage"] or 0.0) or float(rng.uniform(13, 25))
        wage = round(base * float(rng.lognormal(0.0, 0.15)), 2)
        pool = plausible[who] if plausible[who] and rng.random() < 0.4 else occupations
        draws.append((who, wage, pool[int(rng.integers(len(pool)))]))
    return draws


def write_pirl_fixture(
    out_dir: Path,
    ctx: RegionContext,
    reader: ParticipantReader,
    *,
    n: int = 600,
    seed: int = 0,
    bad_rows: bool = False,
    caseload: Path = DEMO_CASELOAD,
) -> FixtureFiles:
    """Write ``pirl_fixture.csv`` (PIRL layout) and ``pirl_fixture_intake.csv``."""
    rng = np.random.default_rng(seed)
    reader = CachedReader(reader)
    people = _caseload(caseload)
    occupations = sorted({c for codes in ctx.leads_to.values() for c in codes})
    draws = _draw(people, _plausible(people, occupations, ctx, reader), occupations, n, rng)
    records = pl.DataFrame(
        [_record(people[who], wage, code) for who, wage, code in draws],
        schema={
            "participant_id": pl.String,
            "past_job_titles": pl.List(pl.String),
            "intake_text": pl.String,
            "education_level": pl.String,
            "last_hourly_wage": pl.Float64,
            "training_onet_code": pl.String,
        },
    )
    features = feature_frame(records, ctx, reader).to_dicts()
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, intake = [], []
    for i, ((who, wage, code), parts) in enumerate(zip(draws, features, strict=True)):
        pid = f"FIX{i:06d}"
        employed = rng.random() < 1.0 / (1.0 + math.exp(-employment_logit(parts)))
        rows.append(_pirl_row(pid, people[who], wage, code, employed, ctx, rng))
        intake.append(
            {
                "participant_id": pid,
                "past_job_titles": people[who]["past_job_titles"],
                "intake_text": people[who]["intake_text"],
            }
        )
    pirl = out_dir / "pirl_fixture.csv"
    with open(pirl, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, PIRL_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        if bad_rows:
            _write_bad_rows(handle, writer, rows[0])
    intake_path = out_dir / "pirl_fixture_intake.csv"
    with open(intake_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, ["participant_id", "past_job_titles", "intake_text"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(intake)
    return FixtureFiles(pirl, intake_path, len(rows))


def _pirl_row(
    pid: str,
    person: dict[str, str],
    wage: float,
    code: str,
    employed: bool,
    ctx: RegionContext,
    rng: np.random.Generator,
) -> dict[str, str]:
    trained = rng.random() >= 0.05
    status_known = rng.random() >= 0.05
    target_wage = ctx.wages.get(code) or wage * 1.1
    q2 = round(target_wage * HOURS_PER_QUARTER * float(rng.lognormal(0.0, 0.2))) if employed else 0
    row = {h: "0" for h in PIRL_HEADER}
    row.update({h: "" for h in ("PIRL101", "PIRL102", "PIRL103", "PIRL200", "PIRL1302")})
    row.update({k: person.get(k) or "0" for k in PIRL_HEADER if k in person})
    row.update(
        {
            "PIRL100": pid,
            "PIRL408": EDUCATION_CODE.get(person["education_level"], ""),
            "PIRL900": "20220801",
            "PIRL901": "20230315",
            "PIRL1300": "1" if trained else "0",
            "PIRL1303": "06" if trained else "00",
            "PIRL1306": code.replace("-", "").replace(".", "") if trained else "",
            "PIRL1602": ("1" if employed else "0") if status_known else "9",
            "PIRL1606": "1" if employed else "0",
            "PIRL1702": str(round(wage * HOURS_PER_QUARTER)),
            "PIRL1704": str(q2),
            "PIRL1706": str(q2),
            "PIRL1800": "5" if employed else "0",
            "CALC4000": ctx.region,
            "CALC4020": "",
            "CALC4039": person.get("CALC4039") or "",
            "CALC4040": "2022",
            "REPORT_QUARTER": "20230630",
        }
    )
    return row


BAD_ROWS = {
    # (line offset after the good rows, field the trainer must name)
    "training_onet_code": {"PIRL1306": "ABC123"},
    "employed_q2": {"PIRL1602": "7"},
    "prior_quarter_wages": {"PIRL1702": "-5"},
}


def _write_bad_rows(handle: Any, writer: csv.DictWriter, template: dict[str, str]) -> None:
    """Three rows with one bad value each (see BAD_ROWS) and one truncated row."""
    for number, change in enumerate(BAD_ROWS.values()):
        writer.writerow({**template, "PIRL100": f"BAD{number:03d}", **change})
    handle.write("BAD999,,,\n")
