"""Advertised pay normalized to hourly and annual, with plausibility flags."""

from __future__ import annotations

import polars as pl
import pytest

from matching.market.pay import (
    HOURS_PER_PERIOD,
    PAY_COLUMNS,
    normalize_pay,
    pay_flag_counts,
    pay_status_counts,
)


def _one(pay_min=None, pay_max=None, pay_median=None, period=None, currency="USD") -> dict:
    frame = pl.DataFrame(
        {
            "pay_min": [pay_min],
            "pay_max": [pay_max],
            "pay_median": [pay_median],
            "pay_period": [period],
            "currency": [currency],
        },
        schema={
            "pay_min": pl.Float64,
            "pay_max": pl.Float64,
            "pay_median": pl.Float64,
            "pay_period": pl.String,
            "currency": pl.String,
        },
    )
    return normalize_pay(frame).row(0, named=True)


@pytest.mark.parametrize(
    ("period", "amount", "hourly"),
    [
        ("hour", 20.0, 20.0),
        ("day", 160.0, 20.0),
        ("week", 800.0, 20.0),
        ("biweekly", 1600.0, 20.0),
        ("month", 20.0 * 2080 / 12, 20.0),
        ("year", 41600.0, 20.0),
    ],
)
def test_every_period_converts_to_the_same_hourly_rate(period, amount, hourly):
    row = _one(pay_median=amount, period=period)
    assert row["pay_status"] == "ok"
    assert row["pay_hourly"] == pytest.approx(hourly)
    assert row["pay_annual"] == pytest.approx(hourly * 2080)


def test_hours_per_period_table():
    assert HOURS_PER_PERIOD == pytest.approx(
        {"hour": 1, "day": 8, "week": 40, "biweekly": 80, "month": 2080 / 12, "year": 2080}
    )


def test_range_uses_midpoint_and_keeps_bounds():
    row = _one(20.0, 24.0, None, "hour")
    assert row["pay_hourly"] == pytest.approx(22.0)
    assert (row["pay_hourly_min"], row["pay_hourly_max"]) == pytest.approx((20.0, 24.0))
    row = _one(52000.0, 62400.0, None, "year")
    assert row["pay_hourly"] == pytest.approx(27.5)
    assert row["pay_annual"] == pytest.approx(57200.0)


def test_single_bound_is_used_when_the_other_is_missing():
    assert _one(3000.0, None, None, "month")["pay_annual"] == pytest.approx(36000.0)
    assert _one(None, 25.0, None, "hour")["pay_hourly"] == pytest.approx(25.0)


def test_hourly_salary_figure_is_flagged_not_fixed():
    row = _one(45000.0, 55000.0, None, "hour")
    assert row["pay_status"] == "implausible"
    assert row["pay_flag"] == "hourly amount looks like an annual salary"
    assert row["pay_period_suggested"] == "year"
    assert row["pay_hourly"] is None and row["pay_annual"] is None


def test_annual_figure_that_is_an_hourly_rate_is_flagged():
    row = _one(120.0, 150.0, None, "year")
    assert row["pay_status"] == "implausible"
    assert row["pay_flag"] == "annual amount looks like an hourly rate"
    assert row["pay_period_suggested"] == "hour"


def test_placeholder_bound_makes_the_range_implausible():
    row = _one(1.0, 130000.0, None, "year")
    assert row["pay_status"] == "implausible"
    assert row["pay_period_suggested"] is None


def test_inverted_range_is_implausible():
    row = _one(30.0, 20.0, None, "hour")
    assert row["pay_status"] == "implausible"
    assert row["pay_flag"] == "pay_min is greater than pay_max"


@pytest.mark.parametrize(
    ("kwargs", "status", "flag"),
    [
        ({}, "missing", None),
        ({"period": "hour"}, "unparseable", "pay period given but no usable amount"),
        ({"pay_median": 50000.0}, "unparseable", "amount given without a pay period"),
        ({"pay_median": 20.0, "period": "fortnight"}, "unparseable", "unknown pay period"),
        (
            {"pay_median": 20.0, "period": "hour", "currency": "EUR"},
            "other_currency",
            "currency is not USD; not converted",
        ),
    ],
)
def test_missing_and_unparseable(kwargs, status, flag):
    row = _one(**kwargs)
    assert row["pay_status"] == status
    assert row["pay_flag"] == flag
    assert row["pay_hourly"] is None


def test_counts_list_every_status_and_flag():
    frame = pl.DataFrame(
        {
            "pay_min": [20.0, None, 45000.0],
            "pay_max": [24.0, None, None],
            "pay_median": [None, None, None],
            "pay_period": ["hour", "hour", "hour"],
        }
    )
    out = normalize_pay(frame)
    assert set(PAY_COLUMNS) <= set(out.columns)
    assert pay_status_counts(out) == {
        "ok": 1,
        "missing": 0,
        "unparseable": 1,
        "implausible": 1,
        "other_currency": 0,
    }
    assert pay_flag_counts(out) == {
        "hourly amount looks like an annual salary": 1,
        "pay period given but no usable amount": 1,
    }
