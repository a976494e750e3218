"""Dates of the DOJ research file (DOJ spec §4.12) and calendar arithmetic (§4.5).

Engine dates are `YYYYMMDD`: after trimming, exactly 8 ASCII digits forming a real calendar
date with year >= 1900. Anything else is *unknown* (None), never a stand-in such as year 1.

Calendar months keep the day of month; a day that does not exist in the target month becomes the
1st of the following month (2016-02-29 + 12 months = 2017-03-01). `add_years` is the same rule,
as required by rules spec §2.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final

MIN_YEAR: Final[int] = 1900


def parse_date(text: str) -> dt.date | None:
    """A `YYYYMMDD` value (surrounding whitespace ignored), or None when invalid or blank."""
    s = text.strip()
    if len(s) != 8 or not s.isascii() or not s.isdigit():
        return None
    year, month, day = int(s[:4]), int(s[4:6]), int(s[6:])
    if year < MIN_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def add_months(d: dt.date, months: int) -> dt.date:
    """`d` plus `months` calendar months (may be negative); a missing day rolls to the 1st."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if d.day <= calendar.monthrange(year, month)[1]:
        return dt.date(year, month, d.day)
    year, month = divmod(index + 1, 12)
    return dt.date(year, month + 1, 1)


def add_years(d: dt.date, years: int) -> dt.date:
    """Same month and day `years` later (may be negative); Feb 29 becomes Mar 1 (rules §2)."""
    return add_months(d, 12 * years)


def sentence_end(
    conviction_date: dt.date | None, years: int, months: int, days: int
) -> dt.date | None:
    """Conviction date + (12·Y + M) calendar months, then + D days (§4.5); None when unknown."""
    if conviction_date is None:
        return None
    return add_months(conviction_date, 12 * years + months) + dt.timedelta(days=days)
