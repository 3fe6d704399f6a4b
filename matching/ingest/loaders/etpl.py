"""Eligible Training Provider Lists (ETPL): one adapter per state, one set of tables for all.

Every state publishes its ETPL in its own layout. An ``EtplAdapter`` knows one state's file
names and columns and turns them into two state-independent tables; adding a state is one
more adapter in ``ADAPTERS`` (its ``SOURCES`` follow), never a change to the tables or to
the importer. The outcome join is shared: it only sees the standardized outcome table.
``programs.etpl_sources`` turns ``ADAPTERS`` into the bundle's two sources, giving each file
to the adapter whose name patterns claim it.

``etpl_programs``: exactly ``table_columns(Program)`` (program_id, state, provider_id,
provider_name, provider_phone, provider_website, provider_email, contact_name,
contact_title, contact_phone, schedule_text, name, description, cip_code, cost_tuition,
cost_fees, cost_books, cost_supplies, cost_other, cost_total, clock_hours, weeks,
credential_type, credential_name, format, schedule, location_street, location_city,
location_county, location_state, location_zip, prerequisites, outcomes_employment_q2_value,
outcomes_employment_q2_n, outcomes_employment_q4_value, outcomes_employment_q4_n,
outcomes_median_earnings_value, outcomes_median_earnings_n), then the extras weeks_min and
weeks_max (float: the range behind ``weeks`` when a state gives duration as a bracket), then
``_line``.
Costs are USD floats, ``weeks`` a float, outcome values rates in 0-1 (employment) or USD per
quarter (earnings), outcome n's ints. ``provider_name`` is null when the state's export has
no provider record for the program (11 of the 128 NJ programs); the report says which.
Contact fields are what a case manager hands the client: phones as '(609) 555-0142' with
' ext. 12' when the list gives one, websites with their scheme ('https://' added when the
list has none), emails checked one by one ('; ' between several). A malformed phone,
extension, website or email is blanked and reported (record, field, problem), never kept
as published and never a failed row. ``schedule_text`` is the listing's own sentences on
when classes meet or start (``schedule_sentences``), null when it says nothing about it.

``etpl_outcomes``: state str, provider_id str, cip_code str, cip_catch_all bool,
employed_q2/q4/q8 float (share employed in the 2nd/4th/8th quarter after exit, 0-1),
avg_quarterly_wage_q2/q4/q8 float (USD per quarter), retention_q4/q8 float (0-1),
completed_q2/q4/q8 int (completers in the cohort), wage_n_q2/q4/q8 int (completers with
wage records used), retention_n_q4/q8 int, ``_line``. These are per (provider, CIP) and are
the training labels for the outcome model; suppressed cells are null, never numbers.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import polars as pl

from matching.ingest.loaders.base import (
    LINE,
    NULL_MARKERS,
    Col,
    Loaded,
    LoadReport,
    cip_code,
    load_with_spec,
    strip_extra_quotes,
)
from matching.schemas import Program, table_columns

PROGRAM_COLUMNS: list[str] = table_columns(Program)
PROGRAM_EXTRAS: tuple[str, ...] = ("weeks_min", "weeks_max")

OUTCOME_COLUMNS: list[str] = [
    "state",
    "provider_id",
    "cip_code",
    "cip_catch_all",
    "employed_q2",
    "employed_q4",
    "employed_q8",
    "avg_quarterly_wage_q2",
    "avg_quarterly_wage_q4",
    "avg_quarterly_wage_q8",
    "retention_q4",
    "retention_q8",
    "completed_q2",
    "completed_q4",
    "completed_q8",
    "wage_n_q2",
    "wage_n_q4",
    "wage_n_q8",
    "retention_n_q4",
    "retention_n_q8",
]
RATE_COLUMNS: tuple[str, ...] = (
    "employed_q2",
    "employed_q4",
    "employed_q8",
    "retention_q4",
    "retention_q8",
)

CATCH_ALL_CIP = "99.9999"
"""States report outcomes for programs without a usable CIP under 999999."""

# Program outcome fields <- standardized outcome columns (value, n).
_OUTCOME_JOIN: dict[str, tuple[str, str]] = {
    "outcomes_employment_q2": ("employed_q2", "completed_q2"),
    "outcomes_employment_q4": ("employed_q4", "completed_q4"),
    "outcomes_median_earnings": ("avg_quarterly_wage_q2", "wage_n_q2"),
}


# --------------------------------------------------------------------------- shared helpers


def zip5(value: str) -> str | None:
    """A 5-digit ZIP from '08330', '8330' (Excel dropped the zero) or '08330-1234'."""
    digits = value.strip().split("-")[0]
    if re.fullmatch(r"\d{9}", digits):
        digits = digits[:5]
    if re.fullmatch(r"\d{3,5}", digits):
        return digits.zfill(5)
    return None


def phone_us(value: str) -> str | None:
    """'(609) 555-0142' from '6095550142', '609.555.0142' or '+1 609 555 0142'; None when the
    digits are not a North American number (10 digits, area and exchange not 0/1-led)."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", digits):
        return None
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def phone_extension(value: str) -> str | None:
    """An extension of 1-6 digits ('x2674', 'ext. 2674' and '2674' all give '2674')."""
    digits = re.sub(r"(?i)^\s*(?:ext\.?|x)\s*", "", value.strip())
    return digits if re.fullmatch(r"\d{1,6}", digits) else None


_HOST = re.compile(r"(?i)^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


def website_url(value: str) -> str | None:
    """A web address with its scheme: 'www.mercercc.edu' -> 'https://www.mercercc.edu';
    None for text that is not one host name (spaces, an email, 'N/A', a bare word)."""
    text = value.strip().rstrip("/")
    match = re.fullmatch(r"(?i)(https?://)?([^/\s?#]+)([/?#]\S*)?", text)
    if match is None or "@" in text or not _HOST.match(match.group(2)):
        return None
    scheme = (match.group(1) or "https://").lower()
    return f"{scheme}{match.group(2).lower()}{match.group(3) or ''}"


_EMAIL = re.compile(r"(?i)^[a-z0-9._%+'-]+@(?:[a-z0-9-]+\.)+[a-z]{2,}$")


def email_list(value: str) -> str | None:
    """One or more addresses separated by ';', ',' or spaces, joined by '; '; None when any
    part is not an address (a half-valid list is not something to hand a client)."""
    parts = [p for p in re.split(r"[;,\s]+", value.strip()) if p]
    if not parts or not all(_EMAIL.match(p) for p in parts):
        return None
    return "; ".join(p.lower() for p in parts)


_SCHEDULE_SENTENCE = re.compile(
    r"(?i)\b(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|"
    r"weekends?|evenings?|mornings?|afternoons?|nights?|weekdays?|"
    r"\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|"
    r"(?:part|full)[- ]time\s+(?:[\w-]+\s+){0,2}"
    r"(?:programs?|courses?|bootcamps?|classes|schedule|study|options?|tracks?)|self[- ]paced|"
    r"(?:classes|courses?|sessions?|sections?|cohorts?|programs?)\s+(?:\w+\s+){0,3}"
    r"(?:start|starts|begin|begins|beginning)\b|"
    r"(?:start|begin)s?\s+(?:in|on|every|each)\s+(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december|spring|summer|fall|autumn|winter|the)"
    r")\b"
)


def schedule_sentences(*texts: str | None) -> str | None:
    """The sentences of a listing that say when classes meet or start, once each, in order:
    'classes Monday and Wednesday evenings 5:30-9:30 pm', 'LPN classes beginning in
    September and January'. Words like 'start up a business' or 'schedule modeling' do not
    count: a sentence needs a day, a time of day, a pace or classes that start/meet."""
    found: list[str] = []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", (text or "").replace("\n", " ")):
            clean = re.sub(r"\s+", " ", sentence).strip(' "')
            if clean and _SCHEDULE_SENTENCE.search(clean) and clean not in found:
                found.append(clean)
    return " ".join(found) if found else None


def share_or_percent(value: str) -> str | None:
    """A rate as published: 0-1 or 0-100 (the scale is settled per file by ``to_unit_rates``)."""
    number = float(value.replace("%", "").strip())
    return value.replace("%", "").strip() if 0 <= number <= 100 else None


def non_negative(value: str) -> str | None:
    """Counts and wages: a negative number is a marker the file forgot to document."""
    return value if float(value.replace(",", "").replace("$", "")) >= 0 else None


def to_unit_rates(
    table: pl.DataFrame, columns: Sequence[str], report: LoadReport, file: Path
) -> pl.DataFrame:
    """Rates on a 0-100 scale become 0-1. NJ publishes shares (0.8333); other states use %.

    The scale is decided per file (any value above 1 means percent) because a single value
    such as 1 is ambiguous, and the conversion is reported once.
    """
    present = [c for c in columns if table[c].drop_nulls().len()]
    if not present or table.select(present).max().max_horizontal().item() <= 1:
        return table
    report.reject(
        file,
        None,
        ", ".join(present),
        "rates published as percentages; divided by 100",
        severity="repaired",
    )
    return table.with_columns(pl.col(c) / 100 for c in present)


def blank_to_null(table: pl.DataFrame) -> pl.DataFrame:
    """Text that was only quotes ('\"\"') is empty after unquoting: store it as null."""
    return table.with_columns(pl.col(pl.String).replace("", None))


_INVERTED_APOSTROPHE = r"(\w)\x{bf}(\w)"


def repair_apostrophes(
    table: pl.DataFrame, columns: dict[str, str], report: LoadReport, file: Path
) -> pl.DataFrame:
    """'student¿s' -> "student's": an upstream charset conversion turned quotes into '¿'.

    ``columns`` maps each table column to the file's field name used in the report.
    """
    for column, field in columns.items():
        hit = table[column].str.contains(_INVERTED_APOSTROPHE).fill_null(False)
        for line in table.filter(hit)[LINE]:
            report.reject(
                file,
                line,
                field,
                "inverted question mark where an apostrophe belongs; replaced",
                severity="repaired",
            )
        table = table.with_columns(
            pl.col(column).str.replace_all(_INVERTED_APOSTROPHE, "${1}'${2}")
        )
    return table


def attach_outcomes(programs: Loaded, outcomes: pl.DataFrame | None, file: Path) -> Loaded:
    """Join outcome measures onto programs by (provider_id, cip_code).

    Outcomes are published per provider and CIP, not per program, so two programs of one
    provider with the same CIP share a row. When several outcome rows match one program the
    match is ambiguous: the outcomes stay null and the program's line is reported.
    """
    table, report = programs.table, programs.report
    if outcomes is None:
        report.reject(
            file,
            None,
            "outcomes",
            "outcomes file not found; outcomes left null",
            severity="missing",
        )
        return programs
    keys = ["provider_id", "cip_code"]
    matches = outcomes.group_by(keys).len("matches")
    values = outcomes.select(*keys, *_outcome_sources()).unique(keys, keep="first")
    outcome_columns = [c for c in PROGRAM_COLUMNS if c.startswith("outcomes_")]
    joined = (
        table.drop(outcome_columns)
        .join(matches, on=keys, how="left")
        .join(values, on=keys, how="left")
    )
    for line in joined.filter(pl.col("matches") > 1)[LINE]:
        report.reject(
            file,
            line,
            "outcomes",
            "several outcome rows match (provider_id, cip_code); outcomes left null",
            severity="repaired",
        )
    unique = pl.col("matches") == 1
    derived = []
    for field, (value, n) in _OUTCOME_JOIN.items():
        derived += [
            pl.when(unique).then(pl.col(value)).alias(f"{field}_value"),
            pl.when(unique).then(pl.col(n)).alias(f"{field}_n"),
        ]
    table = joined.with_columns(derived).select(*PROGRAM_COLUMNS, *PROGRAM_EXTRAS, LINE)
    return Loaded(table, report)


def _outcome_sources() -> list[str]:
    return [c for pair in _OUTCOME_JOIN.values() for c in pair]


# --------------------------------------------------------------------------- the interface


class EtplAdapter(ABC):
    """One state's ETPL files -> the state-independent ``etpl_programs``/``etpl_outcomes``.

    ``programs_patterns``/``outcomes_patterns`` are file-name globs under the ``programs``
    data folder, newest official name first. Subclasses implement ``read_programs`` (every
    Program column except the outcomes) and ``load_outcomes``; the outcome join is shared.
    """

    state: ClassVar[str]
    programs_patterns: ClassVar[tuple[str, ...]]
    outcomes_patterns: ClassVar[tuple[str, ...]]

    @abstractmethod
    def read_programs(self, path: Path) -> Loaded:
        """Programs with every Program column except ``outcomes_*``, plus extras."""

    @abstractmethod
    def load_outcomes(self, path: Path) -> Loaded:
        """The state's outcome file as ``OUTCOME_COLUMNS`` plus ``_line``."""

    def load_programs(self, path: Path, outcomes_path: Path | None = None) -> Loaded:
        """Programs with outcomes joined from ``outcomes_path`` (null when it is absent)."""
        loaded = self.read_programs(path)
        outcomes = self.load_outcomes(outcomes_path).table if outcomes_path else None
        if outcomes_path:
            loaded.report.files.append(Path(outcomes_path).name)
        return attach_outcomes(loaded, outcomes, Path(path))

    def find_outcomes(self, folder: Path) -> Path | None:
        """The newest outcomes file beside a programs file, if the state publishes one."""
        found = [
            p for pattern in self.outcomes_patterns for p in folder.glob(pattern) if p.is_file()
        ]
        return max(found, key=lambda p: p.name) if found else None

    def load_programs_source(self, paths: Sequence[Path]) -> Loaded:
        """Source entry: the newest snapshot (ISO-dated names sort by date) plus its outcomes.

        Older snapshots are listed in the report rather than loaded, so a folder holding
        several exports never double-counts programs.
        """
        newest = max(paths, key=lambda p: p.name)
        loaded = self.load_programs(newest, self.find_outcomes(newest.parent))
        _report_superseded(paths, newest, loaded.report)
        return loaded

    def load_outcomes_source(self, paths: Sequence[Path]) -> Loaded:
        """Source entry: the newest outcomes file; older ones are reported, not loaded."""
        newest = max(paths, key=lambda p: p.name)
        loaded = self.load_outcomes(newest)
        _report_superseded(paths, newest, loaded.report)
        return loaded

    def owns(self, path: Path, patterns: Sequence[str]) -> bool:
        return any(Path(path).match(pattern) for pattern in patterns)


def _report_superseded(paths: Sequence[Path], newest: Path, report: LoadReport) -> None:
    for older in paths:
        if older != newest:
            report.reject(
                older,
                None,
                None,
                f"older snapshot; {newest.name} loaded instead",
                severity="missing",
            )


# --------------------------------------------------------------------------- New Jersey


def nj_text(value: str) -> str | None:
    """Unwrap NJ's second layer of quotes; inside it, quotes were doubled a second time."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = strip_extra_quotes(value).replace('""', '"')
    return value.strip()


def _one_or_two(value: str) -> str | None:
    """NJ provider flags: '1' = yes, '2' = no (the Training Explorer's mapStrNumToBool)."""
    return {"1": "true", "2": "false"}.get(value.strip())


def _calendar_code(value: str) -> str | None:
    return value if value.strip() in NJ_CALENDAR_LENGTH else None


_WEEK = 1.0
_DAY = 1 / 7
_MONTH = 52 / 12
_YEAR = 52.0

NJ_CALENDAR_LENGTH: dict[str, tuple[str, float, float | None]] = {
    "1": ("less than one day", 0.0, _DAY),
    "2": ("1-2 days", _DAY, 2 * _DAY),
    "3": ("3-7 days", 3 * _DAY, _WEEK),
    "4": ("2-3 weeks", 2 * _WEEK, 3 * _WEEK),
    "5": ("4-11 weeks", 4 * _WEEK, 11 * _WEEK),
    "6": ("3-5 months", 3 * _MONTH, 5 * _MONTH),
    "7": ("6-12 months", 6 * _MONTH, 12 * _MONTH),
    "8": ("13 months - 2 years", 13 * _MONTH, 2 * _YEAR),
    "9": ("3-4 years", 3 * _YEAR, 4 * _YEAR),
    "10": ("more than 4 years", 4 * _YEAR, None),
}
"""NJ ``calendarlengthid`` -> (label, min weeks, max weeks).

The codes are the ``CalendarLength`` enum of NJ's Training Explorer (newjersey/dol-mcnj-main:
1 LESS_THAN_ONE_DAY, 2 ONE_TO_TWO_DAYS, 3 THREE_TO_SEVEN_DAYS, 4 TWO_TO_THREE_WEEKS,
5 FOUR_TO_ELEVEN_WEEKS, 6 THREE_TO_FIVE_MONTHS, 7 SIX_TO_TWELVE_MONTHS,
8 THIRTEEN_MONTHS_TO_TWO_YEARS, 9 THREE_TO_FOUR_YEARS, 10 MORE_THAN_FOUR_YEARS; 0 = unknown).
The data agree: the median total clock hours per code rise with it (code 2: 9 h, 3: 20 h,
5: 140 h, 6: 260 h, 7: 900 h, 8: 1,198 h). ``weeks`` is the bracket's midpoint (a month is
52/12 weeks); for code 10, which has no upper bound, it is the lower bound.
"""

_NJ_NULLS = NULL_MARKERS | {'""', '""""'}


def _nj(name: str, source: str, *, required: bool = False) -> Col:
    """A text column from the NJ export, unquoted; 'None' stays (it means 'no prerequisites')."""
    return Col(name, (source,), required=required, normalize=nj_text, markers=_NJ_NULLS)


def _contact(source: str, check: Callable[[str], str | None], problem: str) -> Col:
    """A contact column: unquoted, then checked; a bad value is blanked and reported."""

    def normalize(value: str) -> str | None:
        text = nj_text(value)
        return check(text) if text else None

    return Col(
        source,
        (source,),
        normalize=normalize,
        problem=problem,
        markers=_NJ_NULLS,
        optional_column=True,
    )


NJ_PROGRAM_SPEC: list[Col] = [
    # Program columns first; columns still named after their NJ field (calendarlengthid,
    # credentialtype, street1...) only feed derived columns and are dropped afterwards.
    Col("program_id", ("programid",), required=True),
    Col("provider_id", ("providerid",), required=True),
    _nj("provider_name", "name"),
    _nj("name", "officialname", required=True),
    _nj("description", "description"),
    Col("cip_code", ("cipcode",), normalize=cip_code, problem="not a CIP code"),
    Col("cost_tuition", ("tuition",), kind="float", normalize=non_negative),
    Col("cost_fees", ("fees",), kind="float", normalize=non_negative),
    Col("cost_books", ("booksmaterialscost",), kind="float", normalize=non_negative),
    Col("cost_supplies", ("suppliestoolscost",), kind="float", normalize=non_negative),
    Col("cost_other", ("othercosts",), kind="float", normalize=non_negative),
    Col("cost_total", ("totalcost",), kind="float", normalize=non_negative),
    Col("clock_hours", ("totalclockhours",), kind="float", normalize=non_negative),
    Col(
        "calendarlengthid",
        ("calendarlengthid",),
        normalize=_calendar_code,
        problem="unknown calendar length code",
    ),
    Col("credentialtype", ("credentialtype",), markers=_NJ_NULLS),
    Col("leadtodegree", ("leadtodegree",), kind="bool"),
    _nj("degreeawardedname", "degreeawardedname"),
    Col("leadtolicense", ("leadtolicense",), kind="bool"),
    _nj("licenseawardedname", "licenseawardedname"),
    Col("leadtoindustrycredential", ("leadtoindustrycredential",), kind="bool"),
    _nj("industrycredentialname", "industrycredentialname"),
    _nj("featuresdescription", "featuresdescription"),
    Col("mention_hybrid", ("mention_hybrid",), kind="bool", optional_column=True),
    Col("mention_remote", ("mention_remote",), kind="bool", optional_column=True),
    Col("mention_inperson", ("mention_inperson",), kind="bool", optional_column=True),
    Col(
        "distancelearning",
        ("distancelearning",),
        kind="bool",
        normalize=_one_or_two,
        problem="not 1 (yes) or 2 (no)",
    ),
    Col(
        "eveningcourses",
        ("eveningcourses",),
        kind="bool",
        normalize=_one_or_two,
        problem="not 1 (yes) or 2 (no)",
    ),
    _nj("street1", "street1"),
    _nj("street2", "street2"),
    _nj("location_city", "city"),
    _nj("location_county", "county"),
    Col(
        "location_state",
        ("state",),
        normalize=lambda v: v.strip().upper() if re.fullmatch(r"[A-Za-z]{2}", v.strip()) else None,
        problem="not a state code",
    ),
    Col("location_zip", ("zip",), normalize=zip5, problem="not a ZIP code"),
    _nj("prerequisites", "prerequisites"),
    # contacts: the program's contact person, then the provider's main line and addresses
    _nj("contactname", "contactname"),
    _contact("contactphone", phone_us, "not a 10-digit phone number"),
    _contact("contactphoneextension", phone_extension, "not a phone extension"),
    _nj("contactfirstname", "contactfirstname"),
    _nj("contactlastname", "contactlastname"),
    _nj("contacttitle", "contacttitle"),
    _contact("phone", phone_us, "not a 10-digit phone number"),
    _contact("phoneextension", phone_extension, "not a phone extension"),
    _contact("website", website_url, "not a web address"),
    _contact("email", email_list, "not an email address (or a list of them)"),
]

NJ_OUTCOME_SPEC: list[Col] = [
    Col("provider_id", ("providerid",), required=True),
    Col("cip_code", ("cipcode",), required=True, normalize=cip_code, problem="not a CIP code"),
    *(
        Col(
            f"employed_q{q}",
            (f"PerEmployed{q}",),
            kind="float",
            normalize=share_or_percent,
            problem="rate outside 0-100",
        )
        for q in (2, 4, 8)
    ),
    *(
        Col(
            f"avg_quarterly_wage_q{q}",
            (f"AvgQuarterlyWage{q}",),
            kind="float",
            normalize=non_negative,
            problem="negative wage",
        )
        for q in (2, 4, 8)
    ),
    *(
        Col(
            f"retention_q{q}",
            (f"PerRetention{q}",),
            kind="float",
            normalize=share_or_percent,
            problem="rate outside 0-100",
        )
        for q in (4, 8)
    ),
    *(
        Col(
            f"completed_q{q}",
            (f"NumCompleted{q}",),
            kind="int",
            normalize=non_negative,
            problem="negative count",
        )
        for q in (2, 4, 8)
    ),
    *(
        Col(
            f"wage_n_q{q}",
            (f"NumUsedWageCalc{q}",),
            kind="int",
            normalize=non_negative,
            problem="negative count",
        )
        for q in (2, 4, 8)
    ),
    *(
        Col(
            f"retention_n_q{q}",
            (f"NumUsedRetentionCalc{q}",),
            kind="int",
            normalize=non_negative,
            problem="negative count",
        )
        for q in (4, 8)
    ),
]


_NJ_FREE_TEXT = {
    "name": "officialname",
    "description": "description",
    "featuresdescription": "featuresdescription",
}


class NewJerseyEtpl(EtplAdapter):
    """New Jersey's ETPL as exported for the Training Explorer (D4AD ``standardized_etpl``).

    Quirks handled: text fields carry a second layer of literal quotes, with inner quotes
    doubled again; ``cipcode`` is 6 digits without the dot and loses leading zeros; '-99999'
    marks suppressed outcomes; provider flags use 1 = yes, 2 = no; duration is a bracket code
    (``NJ_CALENDAR_LENGTH``); some free text has '¿' where a character was lost upstream:
    between two letters it was an apostrophe and is restored, elsewhere (a lost dash, bullet
    or registered sign) it is left as published.

    Derived fields: ``weeks`` from ``calendarlengthid``; ``credential_type`` and
    ``credential_name`` from credentialtype and the lead-to flags (``_nj_credential_type``);
    ``format`` 'hybrid' when D4AD's mention_hybrid flag or the text says hybrid, 'online' on
    mention_remote, else 'in_person' when mention_inperson is set or the provider offers no
    distance learning (null when it does and the text is silent); ``schedule`` 'evening' /
    'day' from the provider's eveningcourses flag (a provider-level yes/no, so 'evening'
    means evening classes are offered); location from the provider's street/city/county/
    state/zip. Programs without a provider record keep null provider and location fields.

    Outcomes (outcomes_schcip.csv): PerEmployedN and PerRetentionN are shares in 0-1 already
    (maximum 1.0 in the file), so ``to_unit_rates`` leaves them alone. AvgQuarterlyWageN is
    an AVERAGE quarterly wage in USD by its name, not a median; every published value is a
    whole or half dollar, which hints at a median-of-two step upstream, so treat it as a
    central quarterly wage of uncertain kind. It fills Program's
    ``outcomes.median_earnings`` with n = NumUsedWageCalc2. Suffixes 2/4/8 are quarters
    after exit; employment n = NumCompleted2/4.
    """

    state = "NJ"
    programs_patterns = ("NJ_standardized_etpl_*.csv", "standardized_etpl*.csv")
    outcomes_patterns = ("NJ_outcomes_schcip*.csv", "outcomes_schcip*.csv")

    def read_programs(self, path: Path) -> Loaded:
        loaded = load_with_spec(
            "etpl_programs", path, NJ_PROGRAM_SPEC, record_key="program_id", id_key="program_id"
        )
        table = blank_to_null(loaded.table)
        table = repair_apostrophes(table, _NJ_FREE_TEXT, loaded.report, Path(path))
        table = table.with_columns(pl.lit(self.state).alias("state"), *_nj_derived())
        table = table.with_columns(_nj_credential_name().alias("credential_name"))
        table = table.with_columns(*_nj_contacts(), _nj_schedule_text(table))
        for line in table.filter(pl.col("provider_name").is_null())[LINE]:
            loaded.report.reject(
                path,
                line,
                "provider_name",
                "no provider record in the export; provider and location fields null",
                severity="missing",
            )
        outcome_nulls = [
            pl.lit(None, pl.Float64 if c.endswith("value") else pl.Int64).alias(c)
            for c in PROGRAM_COLUMNS
            if c.startswith("outcomes_")
        ]
        table = table.with_columns(outcome_nulls).select(*PROGRAM_COLUMNS, *PROGRAM_EXTRAS, LINE)
        return Loaded(table, loaded.report)

    def load_outcomes(self, path: Path) -> Loaded:
        loaded = load_with_spec("etpl_outcomes", path, NJ_OUTCOME_SPEC, record_key="provider_id")
        table = to_unit_rates(loaded.table, RATE_COLUMNS, loaded.report, Path(path))
        table = table.with_columns(
            pl.lit(self.state).alias("state"),
            (pl.col("cip_code") == CATCH_ALL_CIP).alias("cip_catch_all"),
        )
        return Loaded(table.select(*OUTCOME_COLUMNS, LINE), loaded.report)


def _nj_derived() -> list[pl.Expr]:
    """weeks, credential type, format, schedule and street from NJ's raw fields."""
    bracket = {code: (lo, hi) for code, (_, lo, hi) in NJ_CALENDAR_LENGTH.items()}
    low = pl.col("calendarlengthid").replace_strict(
        {c: lo for c, (lo, _) in bracket.items()}, default=None, return_dtype=pl.Float64
    )
    high = pl.col("calendarlengthid").replace_strict(
        {c: hi for c, (_, hi) in bracket.items()}, default=None, return_dtype=pl.Float64
    )
    text = pl.concat_str(
        "name", "description", "featuresdescription", separator=" ", ignore_nulls=True
    )
    hybrid = pl.col("mention_hybrid").fill_null(False) | text.str.contains(r"(?i)\bhybrid\b")
    return [
        pl.coalesce((low + high) / 2, low).alias("weeks"),
        low.alias("weeks_min"),
        high.alias("weeks_max"),
        _nj_credential_type().alias("credential_type"),
        pl.when(hybrid)
        .then(pl.lit("hybrid"))
        .when(pl.col("mention_remote").fill_null(False))
        .then(pl.lit("online"))
        .when(pl.col("mention_inperson").fill_null(False) | ~pl.col("distancelearning"))
        .then(pl.lit("in_person"))
        .alias("format"),
        pl.when(pl.col("eveningcourses"))
        .then(pl.lit("evening"))
        .when(~pl.col("eveningcourses"))
        .then(pl.lit("day"))
        .alias("schedule"),
        pl.concat_str("street1", "street2", separator=", ", ignore_nulls=True)
        .replace("", None)
        .alias("location_street"),
    ]


def _with_extension(phone: str, extension: str) -> pl.Expr:
    return (
        pl.when(pl.col(extension).is_not_null())
        .then(pl.concat_str(phone, pl.lit(" ext. "), extension))
        .otherwise(pl.col(phone))
    )


def _nj_contacts() -> list[pl.Expr]:
    """Provider phone/website/email and the program's contact person.

    ``contactname``/``contactphone`` are the program's own contact; the provider's
    ``contactfirstname``/``contactlastname``/``contacttitle`` are the fallback, and the
    title is kept only when it belongs to the person named (NJ lists one provider contact
    title but a different program contact on many rows).
    """
    provider_person = pl.concat_str(
        "contactfirstname", "contactlastname", separator=" ", ignore_nulls=True
    ).replace("", None)
    name = pl.coalesce(pl.col("contactname"), provider_person)
    same = name.str.to_lowercase() == provider_person.str.to_lowercase()
    return [
        _with_extension("phone", "phoneextension").alias("provider_phone"),
        pl.col("website").alias("provider_website"),
        pl.col("email").alias("provider_email"),
        name.alias("contact_name"),
        pl.when(same.fill_null(False)).then(pl.col("contacttitle")).alias("contact_title"),
        pl.coalesce(
            _with_extension("contactphone", "contactphoneextension"),
            _with_extension("phone", "phoneextension"),
        ).alias("contact_phone"),
    ]


def _nj_schedule_text(table: pl.DataFrame) -> pl.Series:
    rows = table.select("description", "featuresdescription").iter_rows()
    return pl.Series("schedule_text", [schedule_sentences(d, f) for d, f in rows], dtype=pl.String)


def _nj_credential_type() -> pl.Expr:
    """The strongest credential the program leads to, as a ``CredentialType`` value.

    NJ's ``credentialtype`` (Certification | CertificateOfCompletion | License |
    GeneralEducationDevelopment) is refined by the lead-to flags: a program that leads to a
    state license is 'license' whatever else it awards; 'Certification' or a lead-to-industry-
    credential flag is 'industry_credential'; a certificate of completion is 'certificate'
    (so is the GED preparation program, which awards one). Degree flags map to associate or
    bachelor by the degree's name.
    """
    kind = pl.col("credentialtype").str.to_lowercase().fill_null("")
    degree = pl.col("degreeawardedname").str.to_lowercase().fill_null("")
    lead_degree = pl.col("leadtodegree").fill_null(False)
    return (
        pl.when(pl.col("leadtolicense").fill_null(False) | kind.str.contains("license"))
        .then(pl.lit("license"))
        .when(kind.str.contains("bachelor") | (lead_degree & degree.str.contains("bachelor")))
        .then(pl.lit("bachelor"))
        .when(kind.str.contains("associate") | (lead_degree & degree.str.contains("associate")))
        .then(pl.lit("associate"))
        .when(pl.col("leadtoindustrycredential").fill_null(False) | (kind == "certification"))
        .then(pl.lit("industry_credential"))
        .when(
            kind.str.contains("certificate")
            | degree.str.contains("certificate")
            | (kind == "generaleducationdevelopment")
        )
        .then(pl.lit("certificate"))
    )


def _nj_credential_name() -> pl.Expr:
    by_type = (
        pl.when(pl.col("credential_type") == "license")
        .then(pl.col("licenseawardedname"))
        .when(pl.col("credential_type") == "industry_credential")
        .then(pl.col("industrycredentialname"))
        .otherwise(pl.col("degreeawardedname"))
    )
    return pl.coalesce(by_type, "industrycredentialname", "licenseawardedname", "degreeawardedname")


ADAPTERS: list[EtplAdapter] = [NewJerseyEtpl()]
"""Every state with an ETPL adapter; a new state is one more entry here. The bundle sources
(one ``etpl_programs`` and one ``etpl_outcomes`` over all adapters) are built from this list
by ``matching.ingest.loaders.programs.etpl_sources``."""
