"""Time for the whole assistant: aware UTC moments, and the force's own time zone.

Every moment is kept as aware UTC. SQLite hands back naive datetimes (its columns keep no
zone), which :func:`aware` reads as UTC. Days that people see (journal days, course dates,
report months, "today") are Europe/London days.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import overload
from zoneinfo import ZoneInfo

__all__ = ["LONDON", "utcnow", "aware", "london_today", "london_day"]

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """``moment`` as aware UTC; a naive moment (as SQLite returns them) is read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def london_day(moment: datetime) -> date:
    """The Europe/London calendar day of ``moment`` (naive is read as UTC)."""
    return aware(moment).astimezone(LONDON).date()


def london_today(now: datetime | None = None) -> date:
    """Today in Europe/London."""
    return london_day(now or utcnow())
