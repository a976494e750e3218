"""DOJ spec §4.12 dates, §4.5 calendar arithmetic, §4.11 counties."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.doj.counties import COUNTIES, normalise_county
from eligibility.doj.dates import add_months, add_years, parse_date, sentence_end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20150230", None),
        ("20150231", None),
        ("00000000", None),
        ("19850000", None),
        ("3/14/1960", None),
        ("1960-03-14", None),
        ("18991231", None),
        ("", None),
        ("2015010", None),
        ("\uff12\uff10\uff11\uff15\uff10\uff11\uff10\uff11", None),
        ("19000101", dt.date(1900, 1, 1)),
        (" 19600314 ", dt.date(1960, 3, 14)),
        ("20160229", dt.date(2016, 2, 29)),
        ("19790229", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2016, 2, 29), 12, dt.date(2017, 3, 1)),
        (dt.date(2015, 1, 31), 1, dt.date(2015, 3, 1)),
        (dt.date(2015, 1, 15), 1, dt.date(2015, 2, 15)),
        (dt.date(2015, 12, 31), 1, dt.date(2016, 1, 31)),
        (dt.date(2015, 3, 31), -1, dt.date(2015, 3, 1)),
        (dt.date(2015, 11, 30), 3, dt.date(2016, 3, 1)),
        (dt.date(2015, 5, 5), 0, dt.date(2015, 5, 5)),
        (dt.date(2015, 5, 5), -17, dt.date(2013, 12, 5)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_add_years_feb_29() -> None:
    assert add_years(dt.date(2000, 2, 29), 21) == dt.date(2021, 3, 1)
    assert add_years(dt.date(2020, 2, 29), -4) == dt.date(2016, 2, 29)
    assert add_years(dt.date(2020, 7, 1), -7) == dt.date(2013, 7, 1)


def test_sentence_end() -> None:
    assert sentence_end(dt.date(2010, 1, 31), 3, 1, 90) == dt.date(2013, 3, 1) + dt.timedelta(90)
    assert sentence_end(dt.date(2010, 1, 1), 0, 0, 0) == dt.date(2010, 1, 1)
    assert sentence_end(None, 1, 0, 0) is None


def test_there_are_58_distinct_counties() -> None:
    assert len(set(COUNTIES)) == 58


@pytest.mark.parametrize("county", COUNTIES)
def test_every_county_normalises_to_itself(county: str) -> None:
    assert normalise_county(county) == county
    assert normalise_county(f"  {county.lower()} ") == county


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Los Angeles ", "LOS ANGELES"),
        ("LOS  ANGELES", "LOS ANGELES"),
        ("los\tangeles", "LOS ANGELES"),
        ("LOS ANGLES", None),
        ("NARNIA", None),
        ("", None),
    ],
)
def test_normalise_county(name: str, expected: str | None) -> None:
    assert normalise_county(name) == expected


def test_vectorised_month_arithmetic_agrees_with_add_months() -> None:
    import polars as pl

    from eligibility.doj.subjects import _add_months_expr

    starts = [dt.date(2015, 1, 1) + dt.timedelta(days=d) for d in range(0, 800, 3)]
    months = list(range(0, 40))
    frame = pl.DataFrame(
        {
            "d": [s for s in starts for _ in months],
            "m": [m for _ in starts for m in months],
        }
    )
    got = frame.select(_add_months_expr(pl.col("d"), pl.col("m"))).to_series().to_list()
    expected = [add_months(s, m) for s in starts for m in months]
    assert got == expected
