"""Shift-friendly Academy prompts in Teams: ``journal time``, ``journal pause``, ``journal
resume`` and the prompt card's "Remind me in 2 hours" button.

Only participants of an Academy cohort (read from the database) change anything. Times are
shown as UK (Europe/London) clock times and days as "Friday 11 December 2026". Nothing the
officer typed is logged.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time
from typing import Any, Callable

from botbuilder.core import TurnContext

from bot.commands import Recognised, normalise
from bot.text import plain
from domain.academy import Academy, AcademyError, PromptSettings
from domain.academy.prompt_schedule import (
    MAX_PAUSE_DAYS,
    QUIET_END,
    QUIET_START,
    SNOOZE_KIND,
    clock_time,
    in_quiet_hours,
    parse_time,
    snooze_until,
)
from domain.clock import LONDON, london_day
from domain.numbers import ascii_int
from domain.ops.scheduler import Jobs, NewJob
from domain.users import UserInfo

__all__ = ["PromptSettingsCommands", "full_day", "MAX_SNOOZES"]

MAX_SNOOZES = 24  # snoozes of one day's prompt a card may ask for
_QUIET = f"quiet hours ({clock_time(QUIET_START)} to {clock_time(QUIET_END)})"
_NOT_ENROLLED = ("Journal prompts are part of an Academy course, and you are not enrolled in one, so nothing was "
                 "changed. Hub staff enrol participants: ask them if you think you should be.")
_TIME_USAGE = ("Type journal time and a 24-hour UK time, for example: journal time 07:30 (7:30, 0730 and 7.30 "
               "work too). Type journal time default to go back to the usual time.")
_PAUSE_USAGE = (f"Type journal pause and a number of days from 1 to {MAX_PAUSE_DAYS}, for example: journal pause 7.")
_DAYS = re.compile(r"(.*?)\s*(?:days?)?")


def full_day(day: date) -> str:
    """``day`` as "Friday 11 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class PromptSettingsCommands:
    """What the prompt settings commands and the snooze button do.

    Args:
        academy: the Academy's records (settings, enrolment, journal).
        jobs: where a snoozed prompt is scheduled.
        default: the force's prompt time (``JOURNAL_PROMPT_TIME``).
        clock: the current time (aware, UTC).
    """

    def __init__(self, academy: Academy, jobs: Jobs, default: time, clock: Callable[[], datetime]) -> None:
        self.academy = academy
        self.jobs = jobs
        self.default = default
        self.clock = clock

    async def _participant(self, turn_context: TurnContext, user: UserInfo) -> bool:
        if await asyncio.to_thread(self.academy.is_participant, user.aad_object_id):
            return True
        await turn_context.send_activity(_NOT_ENROLLED)
        return False

    def _time_line(self, settings: PromptSettings) -> str:
        if settings.own_time is None:
            return f"Your daily journal prompt comes at {clock_time(self.default)} UK time, the usual time."
        return (f"Your daily journal prompt comes at {clock_time(settings.own_time)} UK time, the time you chose "
                f"(the usual time is {clock_time(self.default)}).")

    def _pause_line(self, settings: PromptSettings) -> str:
        if settings.resume_on is None or not settings.paused_at(self.clock()):
            return ""
        return f" Your prompts are paused: they start again on {full_day(settings.resume_on)}."

    async def on_time(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``journal time``: say the prompt time; ``journal time 07:30`` sets it;
        ``journal time default`` goes back to the force's time."""
        if not await self._participant(turn_context, user):
            return
        aad, argument = user.aad_object_id, normalise(recognised.argument)
        if not argument:
            settings = await asyncio.to_thread(self.academy.prompt_settings, aad)
            await turn_context.send_activity(
                f"{self._time_line(settings)}{self._pause_line(settings)} Action plan reminders come at "
                f"{clock_time(settings.own_time) if settings.own_time else '09:00'}. {_TIME_USAGE}")
            return
        if argument in ("default", "usual", "reset"):
            settings = await asyncio.to_thread(self.academy.set_prompt_time, aad, None, default=self.default)
            await turn_context.send_activity(
                f"Done. {self._time_line(settings)} Action plan reminders come at 09:00.")
            return
        chosen = parse_time(argument)
        if chosen is None:
            await turn_context.send_activity(
                f"I can't read {plain(recognised.argument, limit=40)} as a time, so your prompt time has not "
                f"changed. {_TIME_USAGE}")
            return
        settings = await asyncio.to_thread(self.academy.set_prompt_time, aad, chosen, default=self.default)
        quiet = (f" That is in {_QUIET}, when I send nothing otherwise, but as you chose it I will send it then."
                 if in_quiet_hours(chosen) else "")
        await turn_context.send_activity(
            f"Done. {self._time_line(settings)} Action plan reminders come at {clock_time(chosen)} too.{quiet}"
            f"{self._pause_line(settings)}")

    async def on_pause(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``journal pause 7``: no prompts or reminders for 7 days (1 to 60)."""
        if not await self._participant(turn_context, user):
            return
        match = _DAYS.fullmatch(normalise(recognised.argument))
        days = ascii_int(match[1] if match else None, max_digits=3)
        if days is None or not 1 <= days <= MAX_PAUSE_DAYS:
            typed = recognised.argument.strip()
            what = f"I can't pause for {plain(typed, limit=40)} days. " if typed else ""
            await turn_context.send_activity(f"{what}{_PAUSE_USAGE} Nothing was changed.")
            return
        try:
            settings = await asyncio.to_thread(self.academy.pause_prompts, user.aad_object_id, days,
                                               today=london_day(self.clock()), default=self.default)
        except AcademyError:
            await turn_context.send_activity(f"{_PAUSE_USAGE} Nothing was changed.")
            return
        resume_on = settings.resume_on or london_day(self.clock())
        await turn_context.send_activity(
            f"Paused for {days} {'day' if days == 1 else 'days'}: no journal prompts or action plan reminders "
            f"until {full_day(resume_on)}, when they start again (a reminder due in the meantime comes then). "
            "Type journal resume to start them sooner.")

    async def on_resume(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``journal resume``: end a pause now."""
        if not await self._participant(turn_context, user):
            return
        resumed = await asyncio.to_thread(self.academy.resume_prompts, user.aad_object_id, default=self.default)
        settings = await asyncio.to_thread(self.academy.prompt_settings, user.aad_object_id)
        if not resumed:
            await turn_context.send_activity(f"Your prompts are not paused, so nothing changed. "
                                             f"{self._time_line(settings)}")
            return
        await turn_context.send_activity(
            f"Your journal prompts and action plan reminders are back on. {self._time_line(settings)}")

    async def on_snooze(self, turn_context: TurnContext, data: dict[str, Any], user: UserInfo) -> None:
        """The prompt card's "Remind me in 2 hours": that day's prompt again, two hours on."""
        if not await self._participant(turn_context, user):
            return
        now = self.clock()
        today = london_day(now)
        try:
            day = date.fromisoformat(str(data.get("day")))
            cohort_id, count = int(data.get("cohort") or 0), int(data.get("snooze") or 0) + 1
        except (TypeError, ValueError):
            day, cohort_id, count = today, 0, MAX_SNOOZES + 1
        if day != today:
            await turn_context.send_activity(
                f"That prompt was for {full_day(day)}. To write a journal entry now, type journal.")
            return
        settings = await asyncio.to_thread(self.academy.prompt_settings, user.aad_object_id)
        if settings.paused_at(now) and settings.resume_on is not None:
            await turn_context.send_activity(
                f"Your prompts are paused until {full_day(settings.resume_on)}, so I won't remind you. "
                "Type journal whenever you are ready, or journal resume to start your prompts again.")
            return
        if not 0 < count <= MAX_SNOOZES:
            await turn_context.send_activity("I can't set another reminder for that prompt. Type journal whenever "
                                             "you are ready.")
            return
        at = snooze_until(now, settings)
        if at is None:
            await turn_context.send_activity(
                f"It's {_QUIET} now, so I won't remind you again today. Type journal whenever you are ready.")
            return
        aad = user.aad_object_id.lower()
        job = NewJob(SNOOZE_KIND, aad, at, f"journal:{cohort_id}:{aad}:{day.isoformat()}:snooze-{count}",
                     {"cohort_id": cohort_id, "day": day.isoformat(), "snooze": count})
        added = await asyncio.to_thread(self.jobs.schedule, [job])
        local = at.astimezone(LONDON)
        when = f"{local:%H:%M}" + (" today" if local.date() == today else f" on {full_day(local.date())}")
        if not added:
            await turn_context.send_activity("You have already asked me to remind you from this prompt.")
            return
        await turn_context.send_activity(f"I'll remind you at {when} (UK time).")
