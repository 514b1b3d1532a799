"""The Academy's dates: reading the dates Hub staff type, the limits on a course's dates,
the action plan's due date, and days as participants see them ("2 March 2026", in the
force's own time)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from domain.clock import london_day

__all__ = ["parse_date", "course_dates_problem", "plan_due_date", "long_day", "local_long_day",
           "MAX_COURSE_DAYS", "START_WITHIN_YEARS"]

# Digits 0 to 9 only: other scripts' digits are not read as a date.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

MAX_COURSE_DAYS = 366  # a course lasts at most a year, its first and last days included
START_WITHIN_YEARS = 2  # a course starts at most this many years before or after today


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD or DD/MM/YYYY, or None."""
    text = text.strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _UK_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass  # a day or month out of range: not a date
    return None


def _years_on(day: date, years: int) -> date:
    """The same day ``years`` later (earlier when negative); 29 February gives 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _example(today: date) -> str:
    """Course dates that are allowed: next Monday to the Friday of the week after."""
    monday = today + timedelta(days=7 - today.weekday())
    return f"For example: {monday.isoformat()} to {(monday + timedelta(days=11)).isoformat()}."


def course_dates_problem(starts_on: date, ends_on: date, today: date) -> str | None:
    """Why a course can't run from ``starts_on`` to ``ends_on`` (inclusive), or None if it can.

    A course starts within two years of ``today``, before or after, and lasts at most a
    year (366 days); the message names the limit and gives dates that are allowed. (That
    it ends on or after the day it starts is checked by the caller.)
    """
    earliest, latest = _years_on(today, -START_WITHIN_YEARS), _years_on(today, START_WITHIN_YEARS)
    if not earliest <= starts_on <= latest:
        return (f"A course must start within two years of today, between {long_day(earliest)} and "
                f"{long_day(latest)}; {long_day(starts_on)} is outside that. {_example(today)}")
    days = (ends_on - starts_on).days + 1
    if days > MAX_COURSE_DAYS:
        return (f"A course can last at most a year ({MAX_COURSE_DAYS} days); {long_day(starts_on)} to "
                f"{long_day(ends_on)} is {days:,} days. {_example(today)}")
    return None


def plan_due_date(ends_on: date) -> date:
    """Three calendar months after ``ends_on``, on the month's last day if it is shorter.

    31 August gives 30 November; 30 November gives 28 (or 29) February.
    """
    month = ends_on.month + 2  # zero-based month, three on
    year, month = ends_on.year + month // 12, month % 12 + 1
    return date(year, month, min(ends_on.day, calendar.monthrange(year, month)[1]))


def long_day(day: date) -> str:
    """``day`` as "2 March 2026"."""
    return f"{day.day} {day:%B %Y}"


def local_long_day(moment: datetime) -> str:
    """The Europe/London day of ``moment`` as "2 March 2026" (naive is read as UTC)."""
    return long_day(london_day(moment))
