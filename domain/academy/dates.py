"""The Academy's dates: reading the dates Hub staff type, the action plan's due date, and
days as participants see them ("2 March 2026", in the force's own time)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from domain.clock import london_day

__all__ = ["parse_date", "plan_due_date", "long_day", "local_long_day"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


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
