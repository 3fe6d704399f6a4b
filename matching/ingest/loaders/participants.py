"""Participants: WIOA PIRL public-use records and the pathmatch intake format.

Personal data. Reject reasons name the field and the problem, never the value.

**PIRL public-use file** (table ``pirl_records``). USDOL ETA publishes one CSV per program
year, ``WIOAPerformanceRecords_PY2022Q4_Public.csv`` (also ``..._PUBLIC.csv``), one row per
period of participation, columns named by element: ``PIRL100`` ... ``PIRL1706``, calculated
fields ``CALC4000`` ... ``CALC4041``. PY2021 named the calculated fields ``PIRL40xx``, PY2019-20
``PIRL30xx`` (race ``PIRL3023``, age ``PIRL3042``) and PY2017 put a space in every name
(``PIRL 201``); all of these spellings are accepted (header names as read by public code
for these files, e.g. jcanedy/retrainability-index ``src/pipeline/transform/
performance_records.py``). The loader holds a file in memory: a national PUF (over 20M rows)
must be cut down, e.g. to one state, before loading. Element numbers and code values follow
the PY2022 Q4 record layout (``participants/dictionary``)::

    participant_id            PIRL100  (encrypted in the PUF; one person can have several rows)
    state                     CALC4000 | PIRL4000 | PIRL3000, else PIRL101 (blank in the PUF)
    zip                       PIRL103  (blank in the PUF)
    education_level           PIRL408  0..8 -> EducationLevel (3, an IEP certificate of
                                       attendance, is not a diploma: "none")
    wioa_adult                PIRL903, else CALC4001  (1,2,3 yes; 0 no; 4 reportable
                                       individual only: no)
    wioa_dislocated_worker    PIRL904, else CALC4002  (same codes)
    wioa_youth                PIRL905, else CALC4003  (same codes)
    wioa_veteran              PIRL300  (1 yes, 0 no, 9 not known -> null; PIRL302 is
                                       "campaign veteran", a subset)
    wioa_low_income           PIRL802
    wioa_disability           PIRL202  (9 did not self-identify -> null)
    wioa_sex                  PIRL201  1 male, 2 female, 9 not_self_identified
    wioa_race_ethnicity       CALC4020 1..7, else derived from PIRL210-215 the same way
                              (Hispanic first, then one race, several -> multiple)
    wioa_age_band             CALC4039 age at participation -> under_16, 16-18, 19-24, 25-44,
                              45-54, 55-59, 60+ (the WIOA statewide report bands)
    wioa_barriers             yes flags among PIRL800 homeless, 801 ex_offender, 802
                              low_income, 803 english_language_learner, 804
                              basic_skills_deficient, 805 cultural_barriers, 806
                              single_parent, 807 displaced_homemaker, 808
                              migrant_seasonal_farmworker (codes 1-5), and PIRL402
                              long_term_unemployed, 601 exhausting_tanf, 704 foster_care_youth
    past_job_titles, intake_text, last_hourly_wage, constraints_*: not in the PIRL (empty)

then the outcome columns a referral ranker trains on::

    received_training  Boolean  PIRL1300
    training_type_1    String   PIRL1303 (01 on_the_job ... 12 job_readiness, 00 none)
    training_onet_code String   PIRL1306, O*NET-SOC '29-1141.00' (8 or 6 digits accepted)
    employed_q2        Boolean  PIRL1602 (9 not yet available -> null)
    employed_q4        Boolean  PIRL1606 (PIRL1604 is the 3rd quarter)
    wages_q2           Float64  PIRL1704 (rounded and noised in the PUF)
    wages_q4           Float64  PIRL1706
    credential_type    String   PIRL1800 (1 secondary_diploma ... 7 other, 0 none)
    entry_date         String   PIRL900 YYYYMMDD -> ISO date
    exit_date          String   PIRL901

An unknown code value becomes null and is reported as repaired under its column's name
(helper element columns such as ``PIRL800`` are reported under the element). A 9 is null
only on the yes/no elements whose layout defines it (``NINE_MEANS_UNKNOWN``).

**Intake format** (table ``participants``; our own, for caseloads and ``pathmatch score``).
CSV or JSON Lines, one participant per row/line:

    participant_id (required), past_job_titles (';'-separated in CSV, a list in JSONL),
    past_occupations (O*NET-SOC codes such as 31-1131.00, ';'-separated in CSV, a list in
    JSONL: a case manager's override of the title reading; a bare SOC 31-1131 gains .00; a
    malformed code rejects the participant, naming the item's position, never the value),
    intake_text, education_level (EducationLevel value or PIRL408 code), state, zip,
    last_hourly_wage, max_cost, max_weeks, schedule (matching.schedules vocabulary),
    radius_miles; optionally sex, race_ethnicity, age or age_band, barriers (';' or list),
    adult, dislocated_worker, youth, veteran, low_income, disability (yes/no), and any PIRL
    element column above (PIRL201, CALC4020, PIRL800, ...), read with the same code maps.
    JSONL may nest ``constraints`` and ``wioa`` objects (their keys with or without prefix).

Both tables: columns exactly ``table_columns(Participant)`` (``pirl_records`` then the outcome
columns), then ``_line`` and ``source_file``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from matching.ingest.loaders.base import (
    NULL_MARKERS,
    Col,
    ColumnTypes,
    Loaded,
    LoaderError,
    LoadReport,
    RawRecords,
    build_table,
    onet_soc_code,
    read_csv_records,
)
from matching.ingest.loaders.records import (
    LIST_SEP,
    canonical_records,
    conform,
    flatten_json,
    jsonl_objects,
    list_text,
    load_files,
    load_keyed,
    raw_from_dicts,
    state_code,
    to_list_column,
    zip5,
)
from matching.ingest.loaders.source import Source
from matching.schedules import ScheduleError, canonical_schedule
from matching.schemas import EducationLevel, Participant, table_columns

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

PARTICIPANT_COLUMNS = table_columns(Participant)
_BOOL = {
    "wioa_adult",
    "wioa_dislocated_worker",
    "wioa_youth",
    "wioa_veteran",
    "wioa_low_income",
    "wioa_disability",
}
_FLOAT = {
    "last_hourly_wage",
    "constraints_max_cost",
    "constraints_max_weeks",
    "constraints_radius_miles",
}
PARTICIPANT_SCHEMA: ColumnTypes = {
    name: pl.Boolean
    if name in _BOOL
    else pl.Float64
    if name in _FLOAT
    else pl.List(pl.String)
    if name in ("past_job_titles", "past_occupations", "wioa_barriers")
    else pl.String
    for name in PARTICIPANT_COLUMNS
}
OUTCOME_SCHEMA: ColumnTypes = {
    "received_training": pl.Boolean,
    "training_type_1": pl.String,
    "training_onet_code": pl.String,
    "employed_q2": pl.Boolean,
    "employed_q4": pl.Boolean,
    "wages_q2": pl.Float64,
    "wages_q4": pl.Float64,
    "credential_type": pl.String,
    "entry_date": pl.String,
    "exit_date": pl.String,
}
PIRL_SCHEMA = {**PARTICIPANT_SCHEMA, **OUTCOME_SCHEMA}


def element(number: str, *older: str) -> tuple[str, ...]:
    """Header spellings of a layout element: 'PIRL201', 'PIRL 201' (PY2017), older numbers."""
    spellings = []
    for name in (number, *older):
        spellings += [name, re.sub(r"^([A-Z]+)(\d)", r"\1 \2", name)]
    return tuple(dict.fromkeys(spellings))


# --------------------------------------------------------------------------- code maps


def _code(value: str) -> str:
    """'01', '1', '1.0' -> '1': PUF codes lose or keep leading zeros depending on the tool."""
    value = value.strip()
    if re.fullmatch(r"\d+(\.0*)?", value):
        return str(int(float(value)))
    return value.lower()


def code_map(
    mapping: dict[str, str], words: dict[str, str] | None = None
) -> Callable[[str], str | None]:
    """A normalizer from layout codes (and optional intake words) to canonical values."""
    table = {_code(k): v for k, v in mapping.items()}
    table.update({k.lower(): v for k, v in (words or {}).items()})

    def normalize(value: str) -> str | None:
        key = _code(value)
        return table.get(key, table.get(re.sub(r"[\s-]+", "_", key)))

    return normalize


YES_NO = {"1": "true", "0": "false"}
YES_NO_WORDS = {
    "yes": "true",
    "no": "false",
    "true": "true",
    "false": "false",
    "y": "true",
    "n": "false",
}
FUNDING_STREAM = {"1": "true", "2": "true", "3": "true", "4": "false", "0": "false"}
FARMWORKER = {"1": "true", "2": "true", "3": "true", "4": "true", "5": "true", "0": "false"}
SEX = {"1": "male", "2": "female", "9": "not_self_identified"}
RACE = {
    "1": "hispanic",
    "2": "asian",
    "3": "black",
    "4": "native_hawaiian_pacific_islander",
    "5": "american_indian_alaska_native",
    "6": "white",
    "7": "multiple",
}
EDUCATION = {
    code: level.value
    for code, level in {
        "0": EducationLevel.NONE,
        "1": EducationLevel.HIGH_SCHOOL,
        "2": EducationLevel.HSE,
        "3": EducationLevel.NONE,
        "4": EducationLevel.SOME_POSTSECONDARY,
        "5": EducationLevel.CERTIFICATE,
        "6": EducationLevel.ASSOCIATE,
        "7": EducationLevel.BACHELOR,
        "8": EducationLevel.GRADUATE,
    }.items()
}
EDUCATION_WORDS = {
    **{e.value: e.value for e in EducationLevel},
    "hs": "high_school",
    "ged": "high_school_equivalency",
    "hse": "high_school_equivalency",
    "some_college": "some_postsecondary",
    "associates": "associate",
    "bachelors": "bachelor",
    "masters": "graduate",
}
TRAINING_TYPE = {
    "01": "on_the_job",
    "02": "skill_upgrading",
    "03": "entrepreneurial",
    "04": "abe_esl_with_training",
    "05": "customized",
    "06": "occupational_skills",
    "07": "abe_esl_taa_only",
    "08": "prerequisite",
    "09": "registered_apprenticeship",
    "10": "youth_occupational_skills",
    "11": "other_non_occupational",
    "12": "job_readiness_with_training",
    "00": "none",
}
CREDENTIAL = {
    "1": "secondary_diploma",
    "2": "associate",
    "3": "bachelor",
    "4": "occupational_licensure",
    "5": "occupational_certificate",
    "6": "occupational_certification",
    "7": "other",
    "0": "none",
}

BARRIER_ELEMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "PIRL800": ("homeless", YES_NO),
    "PIRL801": ("ex_offender", YES_NO),
    "PIRL802": ("low_income", YES_NO),
    "PIRL803": ("english_language_learner", YES_NO),
    "PIRL804": ("basic_skills_deficient", YES_NO),
    "PIRL805": ("cultural_barriers", YES_NO),
    "PIRL806": ("single_parent", YES_NO),
    "PIRL807": ("displaced_homemaker", YES_NO),
    "PIRL808": ("migrant_seasonal_farmworker", FARMWORKER),
    "PIRL402": ("long_term_unemployed", YES_NO),
    "PIRL601": ("exhausting_tanf", YES_NO),
    "PIRL704": ("foster_care_youth", YES_NO),
}
"""Barrier elements (layout section A.04-A.07) and the name each yes becomes."""
BARRIER_NAMES = frozenset(name for name, _ in BARRIER_ELEMENTS.values())

RACE_ELEMENTS = {
    "PIRL211": "american_indian_alaska_native",
    "PIRL212": "asian",
    "PIRL213": "black",
    "PIRL214": "native_hawaiian_pacific_islander",
    "PIRL215": "white",
}

AGE_BANDS: tuple[tuple[int, str], ...] = (
    (16, "under_16"),
    (19, "16-18"),
    (25, "19-24"),
    (45, "25-44"),
    (55, "45-54"),
    (60, "55-59"),
    (200, "60+"),
)
AGE_BAND_NAMES = frozenset(band for _, band in AGE_BANDS)

NINE_MEANS_UNKNOWN = frozenset(
    {
        "PIRL202",
        "PIRL210",
        "PIRL211",
        "PIRL212",
        "PIRL213",
        "PIRL214",
        "PIRL215",
        "PIRL300",
        "PIRL601",
        "PIRL801",
        "PIRL805",
        "PIRL806",
        "PIRL1602",
        "PIRL1606",
    }
)
"""Yes/no elements whose layout defines 9 ('did not self-identify', 'status not known',
'not yet available'): 9 becomes null. Elsewhere 9 is an unknown code and is reported."""
NOT_KNOWN = NULL_MARKERS | {"9"}
NOT_IN_US = NULL_MARKERS | {"77", "88", "99"}
ZIP_NOT_IN_US = NULL_MARKERS | {"77777", "88888", "99999"}
NO_CODE = NULL_MARKERS | {"0", "000000", "00000000"}


# --------------------------------------------------------------------------- value formats


def yyyymmdd(value: str) -> str | None:
    """PIRL dates 'YYYYMMDD' (or ISO) as ISO 'YYYY-MM-DD'; impossible dates invalid."""
    value = value.strip()
    if re.fullmatch(r"\d{8}(\.0*)?", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else None
    except ValueError:
        return None


def onet_code(value: str) -> str | None:
    """PIRL1306: '29114100' or '291141' as '29-1141.00'; formatted codes as is."""
    digits = re.sub(r"\.0*$", "", value.strip())
    if re.fullmatch(r"\d{8}", digits):
        return f"{digits[:2]}-{digits[2:6]}.{digits[6:]}"
    if re.fullmatch(r"\d{6}", digits):
        return f"{digits[:2]}-{digits[2:]}.00"
    return onet_soc_code(value)


def occupation_codes(value: str) -> str:
    """A past_occupations cell as ``LIST_SEP``-joined O*NET-SOC codes.

    Raises ValueError naming the first malformed item's position (1-based), not its value.
    """
    items = [item for item in list_text(value).split(LIST_SEP) if item]
    codes = [onet_soc_code(item) for item in items]
    for position, code in enumerate(codes, start=1):
        if code is None:
            raise ValueError(
                f"item {position} is not an O*NET-SOC code (NN-NNNN.NN, e.g. 31-1131.00)"
            )
    return LIST_SEP.join(c for c in codes if c)


def non_negative(value: str) -> str | None:
    cleaned = value.replace(",", "").replace("$", "").strip()
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return repr(number) if 0 <= number < float("inf") else None


def age(value: str) -> str | None:
    digits = re.sub(r"\.0*$", "", value.strip())
    return digits if digits.isdigit() and int(digits) <= 120 else None


def age_band(value: str) -> str | None:
    value = value.strip().lower().replace(" ", "")
    return value if value in AGE_BAND_NAMES else None


def schedule(value: str) -> str | None:
    """The canonical spelling (``matching.schedules``: "evenings" -> evening); a value the
    vocabulary cannot read is kept as written, so ``Participant`` refuses it the way the API
    does (the row is not scored, by line and field) instead of scoring it with no schedule."""
    try:
        return canonical_schedule(value)
    except ScheduleError:
        return value


def barrier_names(value: str) -> str | None:
    """A ';'-separated (or JSON list) barrier cell; every name must be a known barrier."""
    names = [re.sub(r"[\s-]+", "_", item.lower()) for item in list_text(value).split(LIST_SEP)]
    names = [n for n in names if n]
    return LIST_SEP.join(names) if all(n in BARRIER_NAMES for n in names) else None


# --------------------------------------------------------------------------- column specs


def _codes_problem(element_no: str, mapping: dict[str, str]) -> str:
    return f"unknown code value for {element_no} (layout codes: {', '.join(mapping)})"


def _coded(
    name: str,
    number: str,
    mapping: dict[str, str],
    *,
    kind: str = "str",
    older: Sequence[str] = (),
    words: dict[str, str] | None = None,
    aliases: Sequence[str] = (),
    markers: frozenset[str] = NULL_MARKERS,
    optional: bool = False,
    problem: str | None = None,
) -> Col:
    return Col(
        name,
        element(number, *older) + tuple(aliases),
        kind=kind,  # type: ignore[arg-type]
        normalize=code_map(mapping, words),
        problem=problem or _codes_problem(number, mapping),
        markers=markers,
        optional_column=optional,
    )


def _yes_no(
    name: str,
    number: str,
    *,
    older: Sequence[str] = (),
    aliases: Sequence[str] = (),
    mapping: dict[str, str] = YES_NO,
    optional: bool = False,
) -> Col:
    markers = NOT_KNOWN if number in NINE_MEANS_UNKNOWN else NULL_MARKERS
    return _coded(
        name,
        number,
        mapping,
        kind="bool",
        older=older,
        words=YES_NO_WORDS,
        aliases=aliases,
        markers=markers,
        optional=optional,
    )


def _plain(name: str) -> tuple[str, ...]:
    """Intake names of a WIOA field: flat ('sex') or from a nested JSON 'wioa' object."""
    return (name, f"wioa_{name}")


def wioa_cols(optional: bool) -> tuple[Col, ...]:
    """Columns read from PIRL elements (PUF) or their plain intake names.

    ``optional`` (intake) means an absent column is simply not reported; in a PUF every
    element should be there, so a missing one is reported.
    """
    helpers = tuple(
        _yes_no(number, number, mapping=mapping, optional=optional)
        for number, (_, mapping) in BARRIER_ELEMENTS.items()
        if number != "PIRL802"
    ) + tuple(_yes_no(number, number, optional=optional) for number in ["PIRL210", *RACE_ELEMENTS])
    return (
        Col(
            "state",
            element("CALC4000", "PIRL4000", "PIRL3000", "PIRL101") + ("state",),
            normalize=state_code,
            problem="not a US state or territory code",
            markers=NOT_IN_US,
            optional_column=optional,
        ),
        Col(
            "zip",
            element("PIRL103") + ("zip", "zip_code"),
            normalize=zip5,
            problem="not a ZIP code",
            markers=ZIP_NOT_IN_US,
            optional_column=optional,
        ),
        _coded(
            "education_level",
            "PIRL408",
            EDUCATION,
            words=EDUCATION_WORDS,
            aliases=("education_level", "education"),
            optional=optional,
            problem="unknown education level (an EducationLevel value or PIRL408 code 0-8)",
        ),
        _yes_no(
            "wioa_adult",
            "PIRL903",
            older=("CALC4001", "PIRL4001", "PIRL3001"),
            aliases=_plain("adult"),
            mapping=FUNDING_STREAM,
            optional=optional,
        ),
        _yes_no(
            "wioa_dislocated_worker",
            "PIRL904",
            older=("CALC4002", "PIRL4002", "PIRL3002"),
            aliases=_plain("dislocated_worker"),
            mapping=FUNDING_STREAM,
            optional=optional,
        ),
        _yes_no(
            "wioa_youth",
            "PIRL905",
            older=("CALC4003", "PIRL4003", "PIRL3003"),
            aliases=_plain("youth"),
            mapping=FUNDING_STREAM,
            optional=optional,
        ),
        _yes_no("wioa_veteran", "PIRL300", aliases=_plain("veteran"), optional=optional),
        _yes_no("wioa_low_income", "PIRL802", aliases=_plain("low_income"), optional=optional),
        _yes_no("wioa_disability", "PIRL202", aliases=_plain("disability"), optional=optional),
        _coded(
            "wioa_sex",
            "PIRL201",
            SEX,
            words={
                "male": "male",
                "female": "female",
                "m": "male",
                "f": "female",
                "not_self_identified": "not_self_identified",
            },
            aliases=_plain("sex"),
            optional=optional,
        ),
        _coded(
            "wioa_race_ethnicity",
            "CALC4020",
            RACE,
            older=("PIRL4020", "PIRL3023"),
            words={v: v for v in RACE.values()},
            aliases=_plain("race_ethnicity"),
            optional=optional,
        ),
        Col(
            "age",
            element("CALC4039", "PIRL4039", "PIRL3042") + ("age",),
            kind="int",
            normalize=age,
            problem="age not a whole number 0-120",
            optional_column=optional,
        ),
        Col(
            "wioa_age_band",
            _plain("age_band"),
            normalize=age_band,
            problem=f"unknown age band (bands: {', '.join(sorted(AGE_BAND_NAMES))})",
            optional_column=True,
        ),
        Col(
            "wioa_barriers",
            _plain("barriers"),
            normalize=barrier_names,
            problem="unknown barrier name",
            optional_column=True,
        ),
        *helpers,
    )


OUTCOME_COLS: tuple[Col, ...] = (
    _yes_no("received_training", "PIRL1300"),
    _coded("training_type_1", "PIRL1303", TRAINING_TYPE),
    Col(
        "training_onet_code",
        element("PIRL1306"),
        normalize=onet_code,
        problem="not an O*NET-SOC code",
        markers=NO_CODE,
    ),
    _yes_no("employed_q2", "PIRL1602"),
    _yes_no("employed_q4", "PIRL1606"),
    Col(
        "wages_q2",
        element("PIRL1704"),
        kind="float",
        normalize=non_negative,
        problem="wages not a non-negative number",
    ),
    Col(
        "wages_q4",
        element("PIRL1706"),
        kind="float",
        normalize=non_negative,
        problem="wages not a non-negative number",
    ),
    _coded("credential_type", "PIRL1800", CREDENTIAL),
    Col("entry_date", element("PIRL900"), normalize=yyyymmdd, problem="not a YYYYMMDD date"),
    Col("exit_date", element("PIRL901"), normalize=yyyymmdd, problem="not a YYYYMMDD date"),
)

PIRL_SPEC: tuple[Col, ...] = (
    Col("participant_id", element("PIRL100"), required=True),
    *wioa_cols(optional=False),
    *OUTCOME_COLS,
)

INTAKE_SPEC: tuple[Col, ...] = (
    Col("participant_id", ("participant_id", *element("PIRL100")), required=True),
    Col(
        "past_job_titles",
        ("past_job_titles", "job_titles"),
        normalize=list_text,
        optional_column=True,
    ),
    Col(
        "past_occupations",
        ("past_occupations", "onet_soc_codes"),
        normalize=occupation_codes,
        optional_column=True,
    ),
    Col("intake_text", ("intake_text", "notes"), optional_column=True),
    Col(
        "last_hourly_wage",
        ("last_hourly_wage", "hourly_wage"),
        kind="float",
        normalize=non_negative,
        problem="wage not a non-negative number",
        optional_column=True,
    ),
    *(
        Col(
            f"constraints_{name}",
            (name, f"constraints_{name}"),
            kind="float",
            normalize=non_negative,
            problem=f"{name} not a non-negative number",
            optional_column=True,
        )
        for name in ("max_cost", "max_weeks", "radius_miles")
    ),
    Col(
        "constraints_schedule",
        ("schedule", "constraints_schedule"),
        normalize=schedule,
        problem="schedule not understood",
        optional_column=True,
    ),
    *wioa_cols(optional=True),
)


# --------------------------------------------------------------------------- derived fields


def _race_from_flags() -> pl.Expr:
    """CALC4020's rule applied to PIRL210-215: Hispanic, else the one race, else multiple."""
    count = pl.sum_horizontal(pl.col(c).fill_null(False).cast(pl.Int8) for c in RACE_ELEMENTS)
    expr = (
        pl.when(pl.col("PIRL210")).then(pl.lit("hispanic")).when(count > 1).then(pl.lit("multiple"))
    )
    for column, race in RACE_ELEMENTS.items():
        expr = expr.when(pl.col(column)).then(pl.lit(race))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _age_band_expr() -> pl.Expr:
    expr: Then | ChainedThen = pl.when(pl.col("age").is_null()).then(pl.lit(None, dtype=pl.String))
    for upper, band in AGE_BANDS:
        expr = expr.when(pl.col("age") < upper).then(pl.lit(band))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _barriers_expr() -> pl.Expr:
    flags = [
        pl.when(pl.col(number if number != "PIRL802" else "wioa_low_income"))
        .then(pl.lit(name))
        .otherwise(pl.lit(None, dtype=pl.String))
        for number, (name, _) in BARRIER_ELEMENTS.items()
    ]
    given = pl.col("wioa_barriers").fill_null("").str.split("\x1f")
    return (
        pl.concat_list([pl.concat_list(flags), given])
        .list.drop_nulls()
        .list.filter(pl.element() != "")
        .list.unique(maintain_order=True)
    )


def derive_wioa(table: pl.DataFrame) -> pl.DataFrame:
    """The single-valued WIOA fields from their elements (race, age band, barriers)."""
    return table.with_columns(
        pl.coalesce(pl.col("wioa_race_ethnicity"), _race_from_flags()),
        pl.coalesce(pl.col("wioa_age_band"), _age_band_expr()).alias("wioa_age_band"),
        _barriers_expr().alias("wioa_barriers"),
    )


# --------------------------------------------------------------------------- loaders


def load_pirl_file(path: Path, report: LoadReport) -> pl.DataFrame:
    """One PIRL public-use CSV: the participant fields and the training outcomes."""
    raw = read_csv_records(path, report)
    table = derive_wioa(build_table(raw, PIRL_SPEC, report, record_key=None))
    empty: dict[str, object] = {
        "past_job_titles": [],
        "past_occupations": [],
        "constraints_schedule": None,
    }
    return conform(table, PIRL_SCHEMA, path, empty)


def _read_intake_raw(path: Path, report: LoadReport) -> RawRecords:
    if path.suffix.lower() == ".jsonl":
        records = [(line, flatten_json(obj)) for line, obj in jsonl_objects(path, report)]
        return raw_from_dicts(path, canonical_records(records, INTAKE_SPEC))
    return read_csv_records(path, report)


def load_intake_file(path: Path, report: LoadReport) -> pl.DataFrame:
    """One intake CSV or JSONL file as the participants table."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise LoaderError(f"{path.name}: not an intake file (expected .csv or .jsonl)")
    raw = _read_intake_raw(path, report)
    if not raw.rows and not raw.header:
        raise LoaderError(f"{path.name}: no participants")
    table = derive_wioa(build_table(raw, INTAKE_SPEC, report, record_key=None))
    table = reject_bad_overrides(table, path, report)
    for column in ("past_job_titles", "past_occupations"):
        table = to_list_column(table, column)
    return conform(table, PARTICIPANT_SCHEMA, path)


def reject_bad_overrides(table: pl.DataFrame, path: Path, report: LoadReport) -> pl.DataFrame:
    """Drop participants whose past_occupations has a malformed code, as rejected.

    ``build_table`` nulls a bad optional value and keeps the row (repaired); for an override
    that would silently fall back to the typed titles, the very reading a case manager set
    out to correct, so the participant is rejected instead.
    """
    bad: set[int] = set()
    for i, r in enumerate(report.rejects):
        if r.file == path.name and r.field == "past_occupations" and r.severity == "repaired":
            reason = r.reason.removesuffix("; set to null") + "; participant not loaded"
            report.rejects[i] = replace(r, reason=reason, severity="rejected")
            if r.line is not None:
                bad.add(r.line)
    if not bad:
        return table
    report.rows_kept -= len(bad)
    return table.filter(~pl.col("_line").is_in(sorted(bad)))


def load_pirl(paths: Sequence[Path]) -> Loaded:
    """``pirl_records`` from one or more public-use files (program years stack)."""
    report = LoadReport("pirl_records")
    return Loaded(load_files(paths, report, PIRL_SCHEMA, load_pirl_file), report)


def load_intake(paths: Sequence[Path]) -> Loaded:
    """``participants`` from intake files; a participant_id seen twice is rejected."""
    return load_keyed("participants", paths, PARTICIPANT_SCHEMA, load_intake_file, "participant_id")


SOURCES: list[Source] = [
    Source(
        table="pirl_records",
        folder="participants",
        patterns=(
            "WIOAPerformanceRecords_*_Public*.csv",
            "WIOAPerformanceRecords_*_PUBLIC*.csv",
            "pirl*.csv",
        ),
        load=load_pirl,
        many=True,
        description="WIOA PIRL public-use records (participant fields and outcomes)",
    ),
    Source(
        table="participants",
        folder="participants",
        patterns=("*intake*.csv", "*intake*.jsonl", "*caseload*.csv", "*caseload*.jsonl"),
        load=load_intake,
        many=True,
        description="Participants in the pathmatch intake format",
    ),
]
