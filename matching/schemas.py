"""The domain model: what an occupation, skill, posting, course, program and participant are.

These pydantic models are the one definition of each record. Loaders produce polars tables
whose columns are exactly these field names (nested models flattened with ``_``: a program's
``cost.tuition`` is the column ``cost_tuition``), the API uses the models as its contract,
and ``table_columns`` lets tests check that a loader's table matches its model.

Codes are kept in their canonical spellings: O*NET-SOC 2019 ``29-1141.00``, SOC 2018
``29-1141``, CIP 2020 ``51.3901``, ESCO URIs ``http://data.europa.eu/esco/skill/<uuid>``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching.schedules import canonical_schedule

OnetSocCode = Annotated[str, Field(pattern=r"^\d{2}-\d{4}\.\d{2}$", examples=["29-1141.00"])]
SocCode = Annotated[str, Field(pattern=r"^\d{2}-\d{4}$", examples=["29-1141"])]
CipCode = Annotated[str, Field(pattern=r"^\d{2}(\.\d{2}(\d{2})?)?$", examples=["51.3901"])]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["NJ"])]
ZipCode = Annotated[str, Field(pattern=r"^\d{5}$", examples=["08608"])]
# Bounds on participant numbers: every value above is a typo (an annual salary as an hourly
# wage) or an attack, and a finite bound keeps every derived figure finite. NaN and infinity
# are refused outright (allow_inf_nan=False): "Pay: $inf/h (+nan%)" helps nobody. Numbers
# and flags are strict: ``true`` is not a wage and ``"yes"`` not a flag (an API body is JSON
# and a loader's table is typed, so neither needs coercion).
MAX_HOURLY_WAGE = 1_000.0
MAX_COST = 1_000_000.0
MAX_WEEKS = 520.0
MAX_RADIUS_MILES = 5_000.0
Flag = Annotated[bool | None, Field(strict=True)]
MAX_PAST_OCCUPATIONS = 20  # an occupation override lists a person's jobs, not a taxonomy


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- taxonomy


class SkillKind(StrEnum):
    SKILL = "skill"
    KNOWLEDGE = "knowledge"
    TECHNOLOGY = "technology"
    TOOL = "tool"


class Occupation(Record):
    """An O*NET-SOC 2019 occupation, the unit every demand and transition figure is kept in."""

    onet_soc_code: OnetSocCode
    soc_code: SocCode | None = Field(None, description="SOC 2018 detailed code it rolls up to")
    title: str
    description: str | None = None
    job_zone: int | None = Field(None, ge=1, le=5)
    alternate_titles: list[str] = Field(default_factory=list)


class Skill(Record):
    """A skill, knowledge area, technology or tool, with a stable id from its taxonomy.

    ``id`` is the ESCO URI for ESCO concepts; for O*NET technology and tools it is
    ``onet:tech:<UNSPSC commodity code>:<example>`` or ``onet:tool:...`` so it stays stable
    across releases that keep the example text.
    """

    id: str
    preferred_label: str
    alt_labels: list[str] = Field(default_factory=list)
    kind: SkillKind
    taxonomy: str = Field(examples=["ESCO", "O*NET"])
    version: str = Field(examples=["1.1.1", "27.0"])


class Region(Record):
    """A labor-market area: a state, or a metro/county area inside one."""

    code: str = Field(description="state postal code, or 'ST:area code' for sub-state areas")
    name: str
    state: StateCode
    kind: str = Field("state", examples=["state", "metro", "county", "nonmetro"])


# --------------------------------------------------------------------------- demand side


class Posting(Record):
    """A job posting as published, before skill extraction or title normalization."""

    posting_id: str
    source: str = Field(examples=["linkedin", "jsonld"])
    title: str
    description: str
    company: str | None = None
    city: str | None = None
    state: StateCode | None = None
    zip: ZipCode | None = None
    county_fips: str | None = None
    remote: bool | None = None
    pay_min: float | None = None
    pay_max: float | None = None
    pay_median: float | None = None
    pay_period: str | None = Field(None, examples=["hour", "week", "month", "year"])
    currency: str | None = None
    employment_type: str | None = None
    experience_level: str | None = None
    date_posted: str | None = Field(None, description="ISO date, YYYY-MM-DD")
    url: str | None = None


# --------------------------------------------------------------------------- supply side


class Course(Record):
    """One course from a college catalog or an online course list."""

    course_id: str
    source: str = Field(examples=["smc_2025", "coursera", "edx", "catalog"])
    provider: str | None = None
    program: str | None = None
    code: str | None = None
    title: str
    description: str
    units: float | None = None
    prerequisites: str | None = None
    tagged_skills: list[str] = Field(
        default_factory=list, description="the publisher's own skill tags, if any"
    )
    language: str | None = None
    url: str | None = None


class CredentialType(StrEnum):
    INDUSTRY_CREDENTIAL = "industry_credential"
    LICENSE = "license"
    CERTIFICATE = "certificate"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    NONE = "none"


class ProgramCost(Record):
    tuition: float | None = None
    fees: float | None = None
    books: float | None = None
    supplies: float | None = None
    other: float | None = None
    total: float | None = None


class Location(Record):
    street: str | None = None
    city: str | None = None
    county: str | None = None
    state: StateCode | None = None
    zip: ZipCode | None = None


class OutcomeMeasure(Record):
    """A reported outcome and how many exiters it rests on; null when suppressed."""

    value: float | None = None
    n: int | None = None


class ProgramOutcomes(Record):
    employment_q2: OutcomeMeasure = OutcomeMeasure()
    employment_q4: OutcomeMeasure = OutcomeMeasure()
    median_earnings: OutcomeMeasure = Field(
        OutcomeMeasure(), description="median (or average) quarterly earnings after exit, USD"
    )


class ProgramContact(Record):
    """The person to call about a program, as the list names them (null when it does not)."""

    name: str | None = None
    title: str | None = None
    phone: str | None = Field(None, examples=["(609) 555-0142 ext. 12"])


class Program(Record):
    """A training program on a state's Eligible Training Provider List."""

    program_id: str
    state: StateCode
    provider_id: str
    provider_name: str | None = Field(None, description="null when the list has no provider record")
    provider_phone: str | None = Field(None, examples=["(609) 555-0142"])
    provider_website: str | None = Field(None, examples=["https://www.mercercc.edu"])
    provider_email: str | None = Field(None, description="one or more, separated by '; '")
    contact: ProgramContact = ProgramContact()
    schedule_text: str | None = Field(
        None, description="the listing's own sentences on when classes meet or start"
    )
    name: str
    description: str | None = None
    cip_code: CipCode | None = None
    cost: ProgramCost = ProgramCost()
    clock_hours: float | None = None
    weeks: float | None = None
    credential_type: CredentialType | None = None
    credential_name: str | None = None
    format: str | None = Field(None, examples=["in_person", "online", "hybrid"])
    schedule: str | None = Field(None, examples=["day", "evening", "weekend", "flexible"])
    location: Location = Location()
    prerequisites: str | None = None
    outcomes: ProgramOutcomes = ProgramOutcomes()


# --------------------------------------------------------------------------- participants


class EducationLevel(StrEnum):
    """Highest school grade or credential, as the PIRL codes it (element 408)."""

    NONE = "none"
    HIGH_SCHOOL = "high_school"
    HSE = "high_school_equivalency"
    SOME_POSTSECONDARY = "some_postsecondary"
    CERTIFICATE = "certificate"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    GRADUATE = "graduate"


class Constraints(Record):
    max_cost: float | None = Field(None, ge=0, le=MAX_COST, allow_inf_nan=False, strict=True)
    max_weeks: float | None = Field(None, ge=0, le=MAX_WEEKS, allow_inf_nan=False, strict=True)
    schedule: str | None = Field(
        None,
        examples=["evening", "evenings or weekends", "any"],
        description="when the participant can attend, read by matching.schedules (day, "
        "evening, weekend, overnight, online or self-paced, any, and combinations); stored "
        "in its canonical spelling ('evening+weekend')",
    )
    radius_miles: float | None = Field(
        None, ge=0, le=MAX_RADIUS_MILES, allow_inf_nan=False, strict=True
    )

    @field_validator("schedule")
    @classmethod
    def _read_schedule(cls, value: str | None) -> str | None:
        """One reading for the API, the CLI and batch (``matching.schedules``)."""
        return canonical_schedule(value)


class WioaFlags(Record):
    """Program and equity fields from the PIRL layout; used for eligibility and disparity."""

    adult: Flag = None
    dislocated_worker: Flag = None
    youth: Flag = None
    veteran: Flag = None
    low_income: Flag = None
    disability: Flag = None
    sex: str | None = None
    race_ethnicity: str | None = None
    age_band: str | None = None
    barriers: list[str] = Field(default_factory=list)


class Participant(Record):
    """A job seeker at intake. Personal data: never logged, never put in artifacts."""

    participant_id: str
    past_job_titles: list[str] = Field(default_factory=list)
    past_occupations: list[OnetSocCode] = Field(
        default_factory=list,
        max_length=MAX_PAST_OCCUPATIONS,
        description="O*NET-SOC codes of past jobs, set by a case manager to correct the "
        "reading: when given they are the participant's occupations and the typed "
        "past_job_titles are not normalized",
    )
    intake_text: str | None = None
    education_level: EducationLevel | None = None
    state: StateCode | None = None
    zip: ZipCode | None = None
    last_hourly_wage: float | None = Field(
        None, ge=0, le=MAX_HOURLY_WAGE, allow_inf_nan=False, strict=True
    )
    constraints: Constraints = Constraints()
    wioa: WioaFlags = WioaFlags()


# --------------------------------------------------------------------------- table view


def table_columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The flat column names a loader's table has for ``model`` (nested joined by '_')."""
    columns: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        nested = _nested_model(annotation)
        if nested is not None:
            columns.extend(table_columns(nested, f"{prefix}{name}_"))
        else:
            columns.append(f"{prefix}{name}")
    return columns


def _nested_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None
