"""Advertised pay, normalized to hourly and annual figures, with plausibility checks.

Postings keep pay as advertised (``pay_min``, ``pay_max``, ``pay_median`` in ``pay_period``
units, see ``matching/ingest/loaders/postings.py``). Demand tables need one comparable number per
posting, so this module converts every amount with a fixed number of paid hours per period:

=========  ==============  ===============================================
period     hours           why
=========  ==============  ===============================================
hour       1
day        8               an 8-hour day
week       40              a 40-hour week
biweekly   80              two 40-hour weeks
month      2080 / 12       173.33 h: a year's hours spread over 12 months
year       2080            52 weeks x 40 h, the BLS OEWS convention
=========  ==============  ===============================================

The point value of a posting is the midpoint of ``pay_min`` and ``pay_max`` when both are
given, else ``pay_median``, else the one bound given. ``pay_hourly`` is that point value in
dollars per hour, ``pay_annual`` = ``pay_hourly`` x 2080.

Plausibility: every advertised amount (min, max, median), converted to hourly, must lie in
[``HOURLY_MIN``, ``HOURLY_MAX``] = [$7, $300] (about $14,560 to $624,000 a year). Below the
federal minimum wage ($7.25) or above $300 an hour the figure is almost always a period error
("hourly" 45000 that is really a salary, "yearly" 22.50 that is really an hourly rate) or a
placeholder (min 1.0). Such pay is **flagged, never silently fixed**: ``pay_status`` is
``implausible``, ``pay_flag`` names the problem, ``pay_period_suggested`` names the period under
which all amounts would be plausible (for a person to review) and the posting's
``pay_hourly``/``pay_annual`` stay null, so medians only use pay that passed the checks.
Guessing the period silently would move medians on the strength of a heuristic.

``pay_status`` values (all counted by :func:`pay_status_counts`):

- ``ok``: converted, plausible;
- ``missing``: no pay advertised (no amount and no period);
- ``unparseable``: a period but no usable amount (the loader nulls amounts such as
  "Competitive" or "$30/hr + OT" and reports them), or an amount with no known period;
- ``implausible``: outside the bounds above, or ``pay_min`` > ``pay_max``;
- ``other_currency``: a currency other than USD (not converted).
"""

from __future__ import annotations

import polars as pl

HOURS_PER_YEAR = 2080.0
HOURS_PER_PERIOD: dict[str, float] = {
    "hour": 1.0,
    "day": 8.0,
    "week": 40.0,
    "biweekly": 80.0,
    "month": HOURS_PER_YEAR / 12.0,
    "year": HOURS_PER_YEAR,
}
HOURLY_MIN = 7.0
HOURLY_MAX = 300.0
PAY_STATUSES = ("ok", "missing", "unparseable", "implausible", "other_currency")

PAY_COLUMNS = (
    "pay_hourly",
    "pay_annual",
    "pay_hourly_min",
    "pay_hourly_max",
    "pay_status",
    "pay_flag",
    "pay_period_suggested",
)


def _hours(period: pl.Expr) -> pl.Expr:
    return period.replace_strict(HOURS_PER_PERIOD, default=None, return_dtype=pl.Float64)


def _in_bounds(amount: pl.Expr, hours: float | pl.Expr) -> pl.Expr:
    """True when ``amount`` per period is plausible (null amounts count as plausible)."""
    hourly = amount / hours
    return amount.is_null() | hourly.is_between(HOURLY_MIN, HOURLY_MAX)


def _all_in_bounds(hours: float | pl.Expr) -> pl.Expr:
    return (
        _in_bounds(pl.col("pay_min"), hours)
        & _in_bounds(pl.col("pay_max"), hours)
        & _in_bounds(pl.col("pay_median"), hours)
    )


def normalize_pay(postings: pl.DataFrame) -> pl.DataFrame:
    """Add the :data:`PAY_COLUMNS` to ``postings`` (which needs the ``pay_*`` columns).

    Columns added: ``pay_hourly`` / ``pay_annual`` (Float64, point value; null unless
    ``pay_status == "ok"``), ``pay_hourly_min`` / ``pay_hourly_max`` (the range in $/h, same
    rule), ``pay_status`` (String, one of :data:`PAY_STATUSES`), ``pay_flag`` (String, why a
    posting is not ``ok``; null when ok or missing) and ``pay_period_suggested`` (String, for
    implausible pay only: the first period, smallest first, under which every amount would be
    plausible; null when none is).
    """
    frame = postings
    for name, dtype in (
        ("pay_min", pl.Float64),
        ("pay_max", pl.Float64),
        ("pay_median", pl.Float64),
        ("pay_period", pl.String),
        ("currency", pl.String),
    ):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    amounts = [pl.col("pay_min"), pl.col("pay_max"), pl.col("pay_median")]
    any_amount = pl.any_horizontal([a.is_not_null() for a in amounts])
    hours = _hours(pl.col("pay_period"))
    point = (
        pl.when(pl.col("pay_min").is_not_null() & pl.col("pay_max").is_not_null())
        .then((pl.col("pay_min") + pl.col("pay_max")) / 2)
        .otherwise(pl.coalesce("pay_median", "pay_min", "pay_max"))
    )
    inverted = pl.col("pay_min") > pl.col("pay_max")
    other_currency = pl.col("currency").is_not_null() & (pl.col("currency") != "USD")
    status = (
        pl.when(~any_amount & pl.col("pay_period").is_null())
        .then(pl.lit("missing"))
        .when(other_currency)
        .then(pl.lit("other_currency"))
        .when(~any_amount)
        .then(pl.lit("unparseable"))
        .when(hours.is_null())
        .then(pl.lit("unparseable"))
        .when(inverted)
        .then(pl.lit("implausible"))
        .when(~_all_in_bounds(hours))
        .then(pl.lit("implausible"))
        .otherwise(pl.lit("ok"))
    )
    flag = (
        pl.when(~any_amount & pl.col("pay_period").is_null())
        .then(pl.lit(None, pl.String))
        .when(other_currency)
        .then(pl.lit("currency is not USD; not converted"))
        .when(~any_amount)
        .then(pl.lit("pay period given but no usable amount"))
        .when(pl.col("pay_period").is_null())
        .then(pl.lit("amount given without a pay period"))
        .when(hours.is_null())
        .then(pl.lit("unknown pay period"))
        .when(inverted)
        .then(pl.lit("pay_min is greater than pay_max"))
        .when(
            (pl.col("pay_period") == "hour")
            & (point / HOURS_PER_YEAR).is_between(HOURLY_MIN, HOURLY_MAX)
        )
        .then(pl.lit("hourly amount looks like an annual salary"))
        .when((pl.col("pay_period") == "year") & point.is_between(HOURLY_MIN, HOURLY_MAX))
        .then(pl.lit("annual amount looks like an hourly rate"))
        .when((point / hours) < HOURLY_MIN)
        .then(pl.lit("below $7 an hour"))
        .when((point / hours) > HOURLY_MAX)
        .then(pl.lit("above $300 an hour"))
        .when(~_all_in_bounds(hours))
        .then(pl.lit("a range bound is outside $7-$300 an hour"))
        .otherwise(pl.lit(None, pl.String))
    )
    suggested = pl.lit(None, pl.String)
    for period in reversed(HOURS_PER_PERIOD):  # so the smallest period wins
        suggested = (
            pl.when(_all_in_bounds(HOURS_PER_PERIOD[period]))
            .then(pl.lit(period))
            .otherwise(suggested)
        )
    ok = pl.col("pay_status") == "ok"
    return (
        frame.with_columns(
            status.alias("pay_status"),
            flag.alias("pay_flag"),
            (point / hours).alias("_hourly"),
            (pl.coalesce("pay_min", "pay_median", "pay_max") / hours).alias("_hmin"),
            (pl.coalesce("pay_max", "pay_median", "pay_min") / hours).alias("_hmax"),
            pl.when(inverted)
            .then(pl.lit(None, pl.String))
            .otherwise(suggested)
            .alias("_suggested"),
        )
        .with_columns(
            pl.when(ok).then(pl.col("_hourly")).alias("pay_hourly"),
            pl.when(ok).then(pl.col("_hourly") * HOURS_PER_YEAR).alias("pay_annual"),
            pl.when(ok).then(pl.col("_hmin")).alias("pay_hourly_min"),
            pl.when(ok).then(pl.col("_hmax")).alias("pay_hourly_max"),
            pl.when(pl.col("pay_status") == "implausible")
            .then(pl.col("_suggested"))
            .alias("pay_period_suggested"),
        )
        .drop("_hourly", "_hmin", "_hmax", "_suggested")
        .select(*[c for c in frame.columns if c not in PAY_COLUMNS], *PAY_COLUMNS)
    )


def pay_status_counts(normalized: pl.DataFrame) -> dict[str, int]:
    """How many postings have each ``pay_status`` (every status listed, zeros included)."""
    counts = dict.fromkeys(PAY_STATUSES, 0)
    for status, n in normalized.group_by("pay_status").len().iter_rows():
        counts[status] = int(n)
    return counts


def pay_flag_counts(normalized: pl.DataFrame) -> dict[str, int]:
    """How many postings carry each ``pay_flag`` (sorted by count, then flag)."""
    rows = (
        normalized.filter(pl.col("pay_flag").is_not_null())
        .group_by("pay_flag")
        .len()
        .sort(["len", "pay_flag"], descending=[True, False])
        .iter_rows()
    )
    return {flag: int(n) for flag, n in rows}
