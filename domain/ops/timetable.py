"""When the Academy's prompts and reminders fall due, as jobs for the scheduler.

Days are Europe/London days and times are London clock times, stored as UTC moments: a
prompt at 18:00 is due at 17:00 UTC in summer and 18:00 UTC in winter. Every job's
``dedupe_key`` names it for good, so planning the same prompts again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import LONDON

__all__ = ["NewJob", "london_times", "journal_prompt_jobs", "plan_reminder_jobs", "assessment_jobs"]


@dataclass(frozen=True)
class NewJob:
    """A job to schedule: what, for whom, when (aware), and the key that names it."""

    kind: str
    aad_object_id: str
    due_at: datetime
    dedupe_key: str
    payload: dict[str, Any] = field(default_factory=dict)



def london_times(start: date, end: date, at: time, tz: ZoneInfo = LONDON) -> list[datetime]:
    """UTC moments of local time ``at`` on each day from ``start`` to ``end`` inclusive.

    Follows the clock changes: 18:00 in London is 17:00 UTC in summer, 18:00 UTC in
    winter. A time the clocks skip (01:30 on the March change) falls an hour later; a time
    they repeat (01:30 on the October change) is the first of the two.
    """
    days = (end - start).days + 1
    return [
        datetime.combine(start + timedelta(days=n), at, tzinfo=tz).astimezone(timezone.utc)
        for n in range(max(days, 0))
    ]


def journal_prompt_jobs(
    aad: str,
    cohort_id: int | str,
    starts_on: date,
    ends_on: date,
    days_after: int,
    at: time,
    weekdays_only: bool = True,
) -> list[NewJob]:
    """A journal prompt at ``at`` London time on each course day and ``days_after`` days after.

    ``days_after`` counts calendar days after ``ends_on``; with ``weekdays_only`` no prompt
    falls on a Saturday or Sunday, during the course or after it.
    """
    key = aad.lower()
    jobs: list[NewJob] = []
    for moment in london_times(starts_on, ends_on + timedelta(days=days_after), at):
        day = moment.astimezone(LONDON).date()
        if weekdays_only and day.weekday() >= 5:
            continue
        jobs.append(
            NewJob(
                "journal-prompt", key, moment, f"journal:{cohort_id}:{key}:{day.isoformat()}",
                {"cohort_id": cohort_id, "day": day.isoformat(), "after_course": day > ends_on},
            )
        )
    return jobs


def plan_reminder_jobs(aad: str, cohort_id: int | str, due_on: date, at: time) -> list[NewJob]:
    """Action plan reminders four weeks and one week before ``due_on``, and the day after it.

    Keys start ``plan:<cohort>:<aad>:``, the prefix to cancel when the plan is completed;
    they include the due date, so a plan given a new date gets new reminders.
    """
    key = aad.lower()
    steps = {"4-weeks": -28, "1-week": -7, "overdue": 1}
    return [
        NewJob(
            "plan-reminder", key, london_times(day, day, at)[0],
            f"plan:{cohort_id}:{key}:{due_on.isoformat()}:{which}",
            {"cohort_id": cohort_id, "due_on": due_on.isoformat(), "reminder": which},
        )
        for which, offset in steps.items()
        for day in [due_on + timedelta(days=offset)]
    ]


def assessment_jobs(aad: str, cohort_id: int | str, starts_on: date, ends_on: date, at: time) -> list[NewJob]:
    """The self-assessment offers: "before" on the first course day, "after" on the last."""
    key = aad.lower()
    return [
        NewJob(
            f"assessment-{which}", key, london_times(day, day, at)[0], f"assessment:{cohort_id}:{key}:{which}",
            {"cohort_id": cohort_id, "which": which},
        )
        for which, day in (("before", starts_on), ("after", ends_on))
    ]
