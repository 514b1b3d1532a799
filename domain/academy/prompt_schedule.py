"""When a participant's journal prompts and action plan reminders may come: their own
prompt time, a pause, quiet hours and "remind me in 2 hours".

All times are Europe/London clock times; moments are aware UTC. The rules:

- A journal prompt comes at the participant's own time if they chose one, otherwise at the
  force's default (``JOURNAL_PROMPT_TIME``). Action plan reminders come at their own time
  too, otherwise at 09:00.
- Quiet hours are 22:00 to 07:00: a time nobody chose that falls inside them (a default
  set there) moves to 07:00, the next morning if it was in the evening. A time the
  participant chose inside quiet hours is kept (night shifts).
- While paused (before ``resume_on``), journal prompts are not sent at all and action plan
  reminders wait for the day the pause ends, at the participant's time.
- A snoozed prompt comes two hours after the button is pressed, but never after quiet hours
  start (22:00) unless the participant chose a time inside quiet hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.clock import LONDON, aware, london_day
from domain.ops.timetable import london_times

__all__ = [
    "PromptSettings", "parse_time", "in_quiet_hours", "allowed_moment", "job_due_at", "snooze_until",
    "QUIET_START", "QUIET_END", "SNOOZE", "PLAN_REMINDER_AT", "MAX_PAUSE_DAYS", "JOURNAL_KINDS", "PLAN_KIND",
    "SNOOZE_KIND", "PLAN_STEPS", "clock_time", "Timing", "decide",
]

QUIET_START = time(22, 0)
QUIET_END = time(7, 0)
SNOOZE = timedelta(hours=2)
PLAN_REMINDER_AT = time(9, 0)
MAX_PAUSE_DAYS = 60
SNOOZE_KIND = "journal-snooze"
JOURNAL_KINDS = ("journal-prompt", SNOOZE_KIND)
PLAN_KIND = "plan-reminder"
# Days from the plan's due date of each action plan reminder (as in the timetable).
PLAN_STEPS = {"4-weeks": -28, "1-week": -7, "overdue": 1}

# 7:30, 07:30, 7.30, 0730 (and 730): ASCII digits only.
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})|([0-9]{1,2})([0-9]{2})")


@dataclass(frozen=True)
class PromptSettings:
    """A participant's settings: their own prompt time (None: the force's default), and a
    pause from ``paused_from`` until ``resume_on``, the first day prompts come again (None:
    not paused)."""

    own_time: time | None = None
    resume_on: date | None = None
    paused_from: date | None = None

    def paused_on(self, day: date) -> bool:
        """Whether ``day`` (Europe/London) falls in the pause."""
        if self.resume_on is None:
            return False
        return (self.paused_from is None or self.paused_from <= day) and day < self.resume_on

    def paused_at(self, moment: datetime) -> bool:
        """Whether the pause holds at ``moment``."""
        return self.paused_on(london_day(moment))


def parse_time(text: str) -> time | None:
    """A 24-hour clock time typed as 7:30, 07:30, 0730 or 7.30; None if it is not one."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes = (match[1], match[2]) if match[1] is not None else (match[3], match[4])
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


def clock_time(at: time) -> str:
    """``at`` as officers read it: "07:30"."""
    return f"{at:%H:%M}"


def in_quiet_hours(at: time) -> bool:
    """Whether the London clock time ``at`` is in quiet hours (22:00 to 07:00)."""
    return at >= QUIET_START or at < QUIET_END


def allowed_moment(day: date, at: time, *, chosen: bool) -> datetime:
    """The moment of ``at`` on ``day`` in London; one nobody chose inside quiet hours moves
    to their end (07:00), the next morning if it fell in the evening."""
    if chosen or not in_quiet_hours(at):
        return london_times(day, day, at)[0]
    if at >= QUIET_START:
        day += timedelta(days=1)
    return london_times(day, day, QUIET_END)[0]


def _plan_day(payload: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(payload["due_on"])) + timedelta(days=PLAN_STEPS[str(payload["reminder"])])
    except (KeyError, ValueError):
        return None


def job_due_at(kind: str, payload: dict[str, Any], settings: PromptSettings, default: time) -> datetime | None:
    """When a planned journal prompt or action plan reminder should come under ``settings``;
    None for other jobs (and snoozes, whose moment was fixed when asked for).

    A journal prompt keeps its day (a paused one is not sent: see :func:`decide`); an
    action plan reminder due in a pause moves to the day the pause ends.
    """
    chosen = settings.own_time
    if kind == "journal-prompt":
        try:
            day = date.fromisoformat(str(payload["day"]))
        except (KeyError, ValueError):
            return None
        return allowed_moment(day, chosen or default, chosen=chosen is not None)
    if kind == PLAN_KIND and (day_of := _plan_day(payload)) is not None:
        if settings.paused_on(day_of) and settings.resume_on is not None:
            day_of = settings.resume_on
        return allowed_moment(day_of, chosen or PLAN_REMINDER_AT, chosen=chosen is not None)
    return None


def snooze_until(now: datetime, settings: PromptSettings) -> datetime | None:
    """When a prompt snoozed at ``now`` comes again: two hours on, but not after quiet hours
    start unless the participant chose a time inside them; None when quiet hours have
    already started (nothing more tonight)."""
    later = aware(now) + SNOOZE
    if settings.own_time is not None and in_quiet_hours(settings.own_time):
        return later
    local = aware(now).astimezone(LONDON)
    if in_quiet_hours(local.time()):
        return None
    cutoff = london_times(local.date(), local.date(), QUIET_START)[0]
    return min(later, cutoff)


@dataclass(frozen=True)
class Timing:
    """What to do with a prompt or reminder that has fallen due: send it now, leave it
    (``send`` false, no ``later``: paused), or wait until ``later``."""

    send: bool
    later: datetime | None = None


def decide(kind: str, payload: dict[str, Any], settings: PromptSettings, default: time, now: datetime) -> Timing:
    """Whether a due job goes out at ``now`` under the participant's current settings.

    A journal prompt (or a snoozed one) during a pause is not sent; a job whose time under
    the settings is still to come (the participant chose a later time, or a reminder waits
    for the end of a pause) waits until then.
    """
    if kind in JOURNAL_KINDS and settings.paused_at(now):
        return Timing(False)
    due = job_due_at(kind, payload, settings, default)
    if kind == PLAN_KIND and settings.paused_at(now) and settings.resume_on is not None:  # one left from before
        chosen = settings.own_time
        due = allowed_moment(settings.resume_on, chosen or PLAN_REMINDER_AT, chosen=chosen is not None)
    if due is not None and due > aware(now):
        return Timing(False, due)
    return Timing(True)
