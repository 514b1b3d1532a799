"""The Academy in Teams: the daily journal prompt and reminders on time, the journal answered
in the prompt's card or step by step, and ``my journal``.

Prompts and reminders are jobs in the database (:mod:`domain.ops.scheduler`), planned for every
participant of a running cohort and sent exactly once by whichever bot process claims them,
through the notification service (whose key makes a re-sent job a no-op).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from botbuilder.core import TurnContext

from bot.cards import adaptive_card, card_activity, imback
from bot.commands import Recognised
from bot.academy.prompt_settings import PromptSettingsCommands
from bot.files import FileOffers
from bot.turn import StartDialog
from bot.notifications import NotificationService
from bot.text import plain
from domain.clock import london_day, london_today
from domain.academy import GIBBS, Academy, Phase, PromptSettings
from domain.academy.prompt_schedule import SNOOZE_KIND, decide, job_due_at
from domain.models import NotificationStatus, utcnow
from domain.limits import MAX_TEXT, too_long
from domain.numbers import ascii_int
from domain.personal_data import Finding, describe, find_personal_data
from domain.ops.scheduler import (
    Job,
    Jobs,
    Later,
    NewJob,
    Outcome,
    assessment_jobs,
    journal_prompt_jobs,
    plan_reminder_jobs,
)
from domain.users import UserInfo

__all__ = ["AcademyService", "Export", "ACTION", "prompt_card"]

log = logging.getLogger(__name__)

ACTION = "journal"
PAGE = 5


class AcademyService:
    """Plans and sends the Academy's prompts and reminders, and the journal's commands.

    Args:
        academy: the Academy's records.
        jobs: where prompts and reminders are scheduled.
        notifications: proactive messages.
        prompt_at: the local (Europe/London) time of the daily journal prompt, unless a
            participant chose their own (``journal time``).
        days_after: how many days after a course the prompts continue.
        clock: the current time (aware, UTC); ``settings`` (the prompt settings commands and
            the snooze button) read it through this service.
    """

    def __init__(self, academy: Academy, jobs: Jobs, notifications: NotificationService, *,
                 prompt_at: time, days_after: int, clock: Callable[[], datetime] = utcnow) -> None:
        self.academy = academy
        self.jobs = jobs
        self.notifications = notifications
        self.prompt_at = prompt_at
        self.days_after = days_after
        self.clock = clock
        self.settings = PromptSettingsCommands(academy, jobs, prompt_at, lambda: self.clock())

    # -- planning and sending ------------------------------------------------------------------

    def plan_jobs(self, now: datetime | None = None) -> int:
        """Schedule every prompt and reminder of the running cohorts' participants (those
        already scheduled are left alone; ones whose time has passed are not added)."""
        now = now or utcnow()
        today = now.date()
        jobs: list[NewJob] = []
        for cohort in self.academy.cohorts():
            if cohort.plan_due_on + timedelta(days=2) < today:
                continue
            for aad in cohort.participants:
                jobs += journal_prompt_jobs(aad, cohort.id, cohort.starts_on, cohort.ends_on, self.days_after,
                                            self.prompt_at)
                jobs += assessment_jobs(aad, cohort.id, cohort.starts_on, cohort.ends_on, time(9, 0))
                jobs += plan_reminder_jobs(aad, cohort.id, cohort.plan_due_on, time(9, 0))
        # Each participant's own time, pause and quiet hours (kept up to date as they change them).
        chosen = self.academy.prompt_settings_of({job.aad_object_id for job in jobs})
        for n, job in enumerate(jobs):
            if job.aad_object_id in chosen or job.kind == "journal-prompt":
                due = job_due_at(job.kind, job.payload, chosen.get(job.aad_object_id, PromptSettings()), self.prompt_at)
                jobs[n] = replace(job, due_at=due) if due is not None else job
        recent = now - timedelta(hours=1)
        return self.jobs.schedule(job for job in jobs if job.due_at >= recent)

    async def handle(self, job: Job) -> Outcome | Later:
        """Send one due prompt or reminder, unless it no longer applies, the participant has
        paused them, or their own time for it is still to come."""
        settings = await asyncio.to_thread(self.academy.prompt_settings, job.aad_object_id)
        timing = decide(job.kind, job.payload, settings, self.prompt_at, self.clock())
        if timing.later is not None:
            return Later(timing.later)
        if not timing.send:
            return Outcome.SKIPPED
        message = await asyncio.to_thread(self._message_for, job)
        if message is None:
            return Outcome.SKIPPED
        status = await self.notifications.notify(job.aad_object_id, message, kind=job.kind, dedupe_key=job.dedupe_key)
        if status in (NotificationStatus.UNREACHABLE, NotificationStatus.FAILED):
            return Outcome.GIVE_UP
        return Outcome.DONE

    def _message_for(self, job: Job) -> Any:
        cohort_id = int(job.payload.get("cohort_id") or job.dedupe_key.split(":")[1])
        aad = job.aad_object_id
        if job.kind in ("journal-prompt", SNOOZE_KIND):
            day = date.fromisoformat(str(job.payload.get("day") or job.dedupe_key.rsplit(":", 1)[1]))
            if day in self.academy.journal_days(aad):
                return None  # already written today
            card = prompt_card(day, cohort_id=cohort_id, snoozed=int(job.payload.get("snooze") or 0))
            return card_activity(card, text="Time for today's reflective journal.")
        if job.kind == "plan-reminder":
            plan = self.academy.plan(aad, cohort_id)
            if plan is not None and plan.completed_at is not None:
                return None
            cohort = self.academy.cohort(cohort_id)
            due = cohort.plan_due_on if cohort else None
            when = job.dedupe_key.rsplit(":", 1)[1]
            lead = {"4-weeks": "is due in four weeks", "1-week": "is due in a week", "overdue": "is overdue"}.get(
                when, "is due soon")
            return (f"Your SARA action plan {lead}" + (f" ({due:%d %B %Y})" if due else "")
                    + ". Type action plan to carry on where you left off.")
        if job.kind in ("assessment-before", "assessment-after"):
            phase = Phase.BEFORE if job.kind.endswith("before") else Phase.AFTER
            if self.academy.assessment(aad, cohort_id, phase) is not None:
                return None
            moment = "before your course starts" if phase is Phase.BEFORE else "now your course has ended"
            return (f"Please take the self-assessment {moment}: seven statements, one tap each. "
                    "Type self-assessment to start.")
        log.warning("unknown job kind", extra={"kind": job.kind})
        return None

    # -- the journal in the chat ----------------------------------------------------------------

    async def on_my_journal(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        argument = recognised.argument.strip().lower().removeprefix("page").strip()
        page = ascii_int(argument) or 1
        result = await asyncio.to_thread(self.academy.journal_page, user.aad_object_id, page, PAGE)
        streak = await asyncio.to_thread(self.academy.streak, user.aad_object_id, london_today())
        if not result.total:
            await turn_context.send_activity("Your journal is empty. Type journal to write your first entry.")
            return
        lines = [f"Your journal (page {result.page} of {result.pages}, {result.total} entries; "
                 f"streak {streak} {'day' if streak == 1 else 'days'}):"]
        labels = {key: question for key, question, _ in GIBBS}
        for entry in result.entries:
            lines.append(f"**{entry.written_on:%A %d %B %Y}**")
            lines += [f"- {labels[k]} {plain(v, limit=600)}" for k, v in entry.answers.items() if v]
        if result.page < result.pages:
            lines.append(f"Type my journal {result.page + 1} for older entries.")
        await turn_context.send_activity("\n\n".join(lines))

    async def on_card_action(self, turn_context: TurnContext, data: dict, user: UserInfo) -> StartDialog | None:
        """The prompt card answered in place: kept as today's entry, or the questions asked
        one by one where an answer looks like it holds personal data.

        An answer over the limit is refused with its length and is not checked; the others
        are checked off the event loop."""
        if data.get("op") == "snooze":
            await self.settings.on_snooze(turn_context, data, user)
            return None
        answers = {key: " ".join(str(data.get(key) or "").split()) or None for key, _, _ in GIBBS}
        if not answers["description"]:
            await turn_context.send_activity("Please say what happened, at least. Type journal to write it step by step.")
            return None
        questions = {key: question for key, question, _ in GIBBS}
        refusals = {key: refusal for key, value in answers.items()
                    if value and (refusal := too_long(value, MAX_TEXT, what=f"your answer to “{questions[key]}”"))}
        within = {key: value for key, value in answers.items() if value and key not in refusals}
        found = await asyncio.to_thread(_personal_data, within)
        if refusals or found:
            clean = {k: v for k, v in within.items() if k not in found}
            reason = (" ".join(r if n == 0 else r[0].upper() + r[1:] for n, r in enumerate(refusals.values()))
                      if refusals else
                      f"your answer seems to include personal data: {describe([f for k in found for f in found[k]])}.")
            await turn_context.send_activity(f"I haven't saved it yet: {reason} Let's go through that part.")
            return StartDialog("journal", {"prefill": clean})
        activity = turn_context.activity
        source = f"{activity.conversation.id}|{activity.id}" if activity.id and activity.conversation else None
        today = london_day(self.clock())
        entry = await asyncio.to_thread(self.academy.add_journal_entry, user.aad_object_id, answers,
                                        written_on=today, prompted=True, source_key=source)
        streak = await asyncio.to_thread(self.academy.streak, user.aad_object_id, today)
        await turn_context.send_activity(
            f"Saved your journal entry for {entry.written_on:%A %d %B}. Your streak: "
            f"{streak} {'day' if streak == 1 else 'days in a row'}."
        )
        return None


def _personal_data(answers: dict[str, str]) -> dict[str, list[Finding]]:
    """The answers that look like they hold personal data, with what was found in each."""
    return {key: findings for key, value in answers.items() if (findings := find_personal_data(value))}


EXPORT = "academy-export"


class Export:
    """``export``: the officer's journal, reflections and action plan as a Markdown file in
    their chat (through Teams' file consent: :mod:`bot.files`)."""

    def __init__(self, academy: Academy, files: FileOffers) -> None:
        self.academy = academy
        self.files = files
        files.register(EXPORT, self._produce)

    async def on_command(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        data = await self._produce(user, {})
        await self.files.offer(
            turn_context, EXPORT, name=f"prevention-first-reflections-{london_today():%Y-%m-%d}.md",
            size=len(data), description="Your reflective journal, six-hats reflections and action plan",
            text="Here is your Academy record as a document. Allow it to be saved to your OneDrive.",
        )

    async def _produce(self, user: UserInfo, arguments: dict) -> bytes:
        """The record of whoever accepted (Teams says who): never anyone else's."""
        return (await asyncio.to_thread(self.academy.export_markdown, user.aad_object_id)).encode("utf-8")


def prompt_card(day: date, *, cohort_id: int = 0, snoozed: int = 0) -> dict:
    """The daily prompt: Gibbs' questions to answer in the card, a button to go one by one,
    and one to be reminded in two hours (``snoozed``: how many times it already was)."""
    body: list[dict] = [
        {"type": "TextBlock", "text": f"Reflective journal: {day:%A %d %B}", "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "TextBlock", "text": "A few minutes on today, through Gibbs' reflective cycle. Leave out names "
         "and other personal details.", "wrap": True, "isSubtle": True},
    ]
    for key, question, example in GIBBS:
        body.append({"type": "Input.Text", "id": key, "label": question, "placeholder": example, "isMultiline": True,
                     "maxLength": MAX_TEXT, **({"isRequired": True, "errorMessage": "Say what happened."}
                                           if key == "description" else {})})
    return adaptive_card(
        body,
        "Time for today's reflective journal. Type journal to write it.",
        [
            {"type": "Action.Submit", "title": "Save", "data": {"action": ACTION, "op": "save"}},
            imback("One question at a time", "journal"),
            {"type": "Action.Submit", "title": "Remind me in 2 hours", "associatedInputs": "none",
             "data": {"action": ACTION, "op": "snooze", "day": day.isoformat(), "cohort": cohort_id,
                      "snooze": snoozed}},
        ],
    )
