"""The Academy in Teams: its guided dialogs (six hats, action plan, self-assessment) and its
commands.

Participants type ``academy`` to see their cohorts and what is due, and ``my reflections``
to list their six-hats reflections. Hub staff create cohorts (``cohort new <name>, <module>,
<start>, <end>``) and enrol people by name or Azure AD object id (``enrol <cohort>: <user>,
<user>``) or from CSV lines sent with ``enrol csv``, reported line by line. The Hub's
commands are declared for Hub staff: the router checks the role stored in the database and
runs nothing for anyone else. Everything people typed is escaped before it is shown.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import date

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog

from bot.academy.prompt_settings import PromptSettingsCommands
from bot.commands import MENTION, Command, Recognised, normalise
from bot.features import Feature
from bot.text import plain
from dialogs.action_plan import ActionPlanDialog
from dialogs.self_assessment import SelfAssessmentDialog, day, local_day
from dialogs.six_hats import SixHatsDialog
from domain.academy import (
    CSV_COLUMNS,
    Academy,
    AcademyError,
    CsvError,
    CsvReport,
    Due,
    ParticipantView,
    parse_date,
)
from domain.clock import london_today
from domain.drafts import Drafts
from domain.models import Role
from domain.portal import SubmissionNotFound, Submissions, normalise_reference
from domain.users import UserInfo
from domain.whatworks.knowledge import KnowledgeService

__all__ = ["academy_feature", "academy_dialogs", "academy_commands", "AcademyCommands"]

SHOWN = 20  # reflections and cohorts listed at once
CSV_SHOWN = 100  # lines of an enrolment report listed under each heading

_HUB_ONLY = ("Creating cohorts and enrolling people is for Hub staff, so nothing was changed. "
             "If someone needs enrolling on an Academy course, ask the Prevention First Hub.")
# Angle brackets are escaped: Teams would read "<name>" in a message as HTML and drop it.
_HUB_HELP = (r"Hub staff: cohort new \<name\>, \<module\>, \<start\>, \<end\> creates a cohort, for example: "
             "cohort new Leaders 7, leadership, 2026-03-02, 2026-03-13. "
             r"enrol \<cohort\>: \<name or id\>, \<name or id\> enrols people, for example: "
             "enrol Leaders 7: Alex Morgan. "
             f"enrol csv, with the lines {','.join(CSV_COLUMNS)} and one line a person below it in the same "
             "message, enrols from a file.")
_ATTACH = re.compile(r"(?:reflection\s+)?(?P<number>\d{1,3})\s+to\s+(?P<target>.+)")
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^<>]*>|</?(?:p|div)[^<>]*>", re.IGNORECASE)  # a tag holds no "<"
_CSV_COMMAND = re.compile(r"\s*enroll?\s+csv[ \t]*(?:\r?\n)?", re.IGNORECASE)

def academy_feature(academy: Academy, drafts: Drafts, knowledge: KnowledgeService,
                    submissions: Submissions, prompt_settings: PromptSettingsCommands) -> Feature:
    """The Academy's dialogs and commands.

    Args:
        academy: the cohorts and each participant's records (shared with the journal and scheduler).
        drafts: where unfinished dialogs keep their answers.
        knowledge: the evidence search, for the action plan's suggestions.
        submissions: the Portal's records, to attach a reflection to a submission.
        prompt_settings: ``journal time``, ``journal pause`` and ``journal resume``.
    """
    return Feature(dialogs=academy_dialogs(academy, drafts, knowledge),
                   commands=academy_commands(AcademyCommands(academy, submissions), prompt_settings))


def academy_dialogs(academy: Academy, drafts: Drafts, knowledge: KnowledgeService) -> dict[str, Dialog]:
    """The Academy's guided dialogs by the command that starts them."""
    return {
        "six hats": SixHatsDialog(academy, drafts),
        "action plan": ActionPlanDialog(academy, drafts, knowledge),
        "self-assessment": SelfAssessmentDialog(academy, drafts),
    }


def academy_commands(commands: "AcademyCommands", prompts: PromptSettingsCommands) -> tuple[Command, ...]:
    """The Academy's commands; six hats, action plan and self-assessment start its dialogs."""
    return (
        Command("academy", commands.on_academy, phrases=("academy", "reflective practice"),
                help="Your Academy courses and what is due"),
        Command("six hats", None, phrases=("six hats", "6 hats"), prefixes=("six hats on", "six hats"),
                help="Think a topic through with the six thinking hats",
                menu="Reflect on a topic with the six thinking hats"),
        Command("action plan", None, phrases=("action plan", "my action plan"),
                help="Work on your SARA action plan", menu="Work on your SARA action plan"),
        Command("self-assessment", None, phrases=("self-assessment", "self assessment", "my self-assessment"),
                help="Record your self-assessment before or after a course"),
        Command("my reflections", commands.on_my_reflections, phrases=("my reflections", "reflections"),
                help="Your six hats reflections, latest first"),
        Command("attach", commands.on_attach, prefixes=("attach",),
                help="Attach a reflection to your plan or a submission, for example: attach 1 to plan"),
        Command("journal time", prompts.on_time, phrases=("journal time",), prefixes=("journal time",),
                help="When your daily journal prompt comes, or set it: journal time 07:30, or journal time default"),
        Command("journal pause", prompts.on_pause, phrases=("journal pause",), prefixes=("journal pause",),
                help="Pause your journal prompts and action plan reminders for some days: journal pause 7"),
        Command("journal resume", prompts.on_resume, phrases=("journal resume",),
                help="Start your paused journal prompts and reminders again"),
        Command("cohort", commands.on_cohort, phrases=("cohort", "cohorts", "cohort new"), prefixes=("cohort new",),
                help="Academy cohorts: list them, or create one with cohort new", role=Role.HUB,
                refusal=_HUB_ONLY),
        Command("enrol", commands.on_enrol, phrases=("enrol", "enroll", "enrol csv", "enroll csv"),
                prefixes=("enrol", "enroll"),
                help="Enrol people in a cohort by name or id, or from CSV lines with enrol csv", role=Role.HUB,
                refusal=_HUB_ONLY),
    )


def _due(state: Due, opens: date) -> str:
    if state is Due.DONE:
        return "done"
    return "due now: type self-assessment" if state is Due.DUE else f"opens {day(opens)}"


def _cohort_lines(view: ParticipantView) -> list[str]:
    cohort = view.cohort
    plan = view.plan_state
    if view.plan is None or not view.plan.is_complete:
        plan += f"; due {day(view.plan_due_on)}" + (" (overdue)" if view.plan_overdue else "") + ": type action plan"
    entries = f"{view.journal_entries} {'entry' if view.journal_entries == 1 else 'entries'}"
    streak = f", a {view.streak}-day streak" if view.streak > 1 else ""
    return [
        f"{plain(cohort.name, limit=100)}: {cohort.module.label}, {day(cohort.starts_on)} to {day(cohort.ends_on)}",
        f"- Self-assessment before the course: {_due(view.before, cohort.starts_on)}",
        f"- Self-assessment after the course: {_due(view.after, cohort.ends_on)}",
        f"- Journal: {entries}{streak}: type journal",
        f"- Action plan: {plan}",
    ]


def _csv_text(raw: str | None) -> str:
    """The CSV lines sent after ``enrol csv`` in the same message (Teams may send them as HTML)."""
    text = MENTION.sub("", raw or "")
    if _HTML_BREAK.search(text):
        text = html.unescape(_HTML_BREAK.sub("\n", text))
    match = _CSV_COMMAND.match(text)
    return text[match.end():] if match else ""


def _csv_report(report: CsvReport) -> str:
    failed = [f"- Line {line.line} ({plain(line.user, limit=80)}): {plain(line.reason, limit=200)}"
              for line in report.errors]
    done = [f"- Line {line.line} ({plain(line.user, limit=80)}): {plain(line.cohort, limit=80)}"
            + (", already enrolled" if line.outcome == "already enrolled" else "")
            for line in report.lines if line.outcome != "error"]
    parts = [f"Enrolment from the CSV: {report.summary()}."]
    if report.cohorts_created:
        parts.append("Cohorts created: " + ", ".join(plain(name, limit=80) for name in report.cohorts_created) + ".")
    for heading, lines in (("Not enrolled:", failed), ("Enrolled:", done)):
        if lines:
            more = [f"- and {len(lines) - CSV_SHOWN} more"] if len(lines) > CSV_SHOWN else []
            parts.append("\n".join([heading, *lines[:CSV_SHOWN], *more]))
    return "\n\n".join(parts)


class AcademyCommands:
    """What the Academy's commands do.

    Args:
        academy: the cohorts and each participant's records.
        submissions: the Portal's records, to attach a reflection to one the officer can see.
    """

    def __init__(self, academy: Academy, submissions: Submissions) -> None:
        self.academy = academy
        self.submissions = submissions

    async def on_academy(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """The participant's cohorts and what is due in each."""
        views = await asyncio.to_thread(self.academy.participant_status, user.aad_object_id, london_today())
        if not views:
            text = ("The Academy's reflective practice (daily journal, self-assessment and SARA action plan) is for "
                    "people on its courses, and you are not enrolled in one. Hub staff enrol participants: ask them "
                    "if you think you should be. You can think any topic through at any time: type six hats.")
        else:
            blocks = ["\n".join(_cohort_lines(view)) for view in views]
            text = ("Your Academy course" + ("s" if len(views) > 1 else "") + ":\n\n" + "\n\n".join(blocks)
                    + "\n\nType six hats to think a topic through, or my reflections to see your reflections.")
        if user.is_hub:
            text += f"\n\n{_HUB_HELP}"
        await turn_context.send_activity(text)

    async def on_my_reflections(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """The participant's six-hats reflections, latest first: topic and date."""
        reflections = await asyncio.to_thread(self.academy.reflections, user.aad_object_id)
        if not reflections:
            await turn_context.send_activity(
                "You have no six hats reflections yet. Type six hats to think a topic through.")
            return
        lines = [
            f"{n}\\. {local_day(r.created_at)}: {plain(r.topic, limit=120)}"
            + (" (attached to your action plan)" if r.plan_id else "")
            + (f" (attached to {r.submission_reference})" if r.submission_reference else "")
            for n, r in enumerate(reflections[:SHOWN], 1)
        ]
        more = f"\n\nShowing the latest {SHOWN} of {len(reflections)}." if len(reflections) > SHOWN else ""
        await turn_context.send_activity(
            "Your six hats reflections, latest first:\n\n" + "\n\n".join(lines) + more
            + "\n\nTo attach one, type for example: attach 1 to plan, or attach 1 to PF-2026-0042."
        )

    async def on_attach(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``attach <n> to plan`` or ``attach <n> to PF-YYYY-NNNN``: a reflection (numbered as in
        my reflections) joins the officer's action plan or a submission they can see."""
        usage = "Type attach, the reflection's number from my reflections, and where: attach 1 to plan, " \
                "or attach 1 to PF-2026-0042."
        match = _ATTACH.fullmatch(normalise(recognised.argument))
        reflections = await asyncio.to_thread(self.academy.reflections, user.aad_object_id)
        if match is None or not 1 <= int(match["number"]) <= len(reflections):
            await turn_context.send_activity(usage if reflections else "You have no six hats reflections yet.")
            return
        reflection = reflections[int(match["number"]) - 1]
        target = match["target"]
        try:
            if target in ("plan", "my plan", "action plan", "my action plan"):
                plan = await asyncio.to_thread(self.academy.plan, user.aad_object_id)
                if plan is None:
                    await turn_context.send_activity("You have no action plan yet. Type action plan to start one.")
                    return
                await asyncio.to_thread(self.academy.attach_reflection, reflection.id, user.aad_object_id,
                                        plan_id=plan.id)
                where = "your action plan"
            else:
                reference = normalise_reference(target)
                # Only a submission the officer may see (their own, one they support, or any for the Hub).
                await asyncio.to_thread(self.submissions.get, reference or target, user.aad_object_id, user.is_hub)
                await asyncio.to_thread(self.academy.attach_reflection, reflection.id, user.aad_object_id,
                                        submission_reference=reference)
                where = reference or target
        except (AcademyError, SubmissionNotFound):
            await turn_context.send_activity(f"I can't find that to attach to. {usage}")
            return
        await turn_context.send_activity(f"Attached your reflection on {plain(reflection.topic, limit=80)} to {where}.")

    async def on_cohort(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """Hub staff: ``cohort new <name>, <module>, <start>, <end>``; ``cohort`` lists the cohorts."""
        usage = (r"To create a cohort, type: cohort new \<name\>, \<module\>, \<start\>, \<end\>, for example: "
                 "cohort new Leaders 7, leadership, 2026-03-02, 2026-03-13. The module is leadership, specialist, "
                 "foundation or practitioner; dates are YYYY-MM-DD or DD/MM/YYYY.")
        if not recognised.argument.strip():
            cohorts = await asyncio.to_thread(self.academy.cohorts, user.aad_object_id)
            lines = [f"- {plain(c.name, limit=80)}: {c.module.label}, {day(c.starts_on)} to {day(c.ends_on)}, "
                     f"{len(c.participants)} enrolled" for c in cohorts[:SHOWN]]
            listed = "Cohorts, latest first:\n\n" + "\n".join(lines) if lines else "There are no cohorts yet."
            await turn_context.send_activity(f"{listed}\n\n{usage}")
            return
        parts = [part.strip() for part in recognised.argument.split(",")]
        if len(parts) < 4 or not all(parts):
            await turn_context.send_activity(f"I need a name, a module, a start and an end date. {usage}")
            return
        name, module, dates = ", ".join(parts[:-3]), parts[-3], parts[-2:]
        starts, ends = (parse_date(text) for text in dates)
        bad = next((text for text, parsed in zip(dates, (starts, ends)) if parsed is None), None)
        if bad is not None or starts is None or ends is None:
            await turn_context.send_activity(
                f"I can't read the date {plain(bad or '', limit=40)}: use YYYY-MM-DD, for example 2026-03-02.")
            return
        try:
            cohort = await asyncio.to_thread(
                self.academy.create_cohort, name, module, starts, ends, created_by=user.aad_object_id)
        except AcademyError as error:
            await turn_context.send_activity(f"{plain(str(error), limit=300)} Nothing was created.")
            return
        name = plain(cohort.name, limit=100)
        await turn_context.send_activity(
            f"Created the cohort {name}: {cohort.module.label}, {day(cohort.starts_on)} to {day(cohort.ends_on)}; "
            f"action plans due {day(cohort.plan_due_on)}.\n\nEnrol people with: enrol {name}: \\<name or id\\>, "
            r"\<name or id\>; or with enrol csv.")

    async def on_enrol(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """Hub staff: ``enrol <cohort>: <user>, <user>`` or ``enrol csv`` with CSV lines below it."""
        argument = recognised.argument.strip()
        first = normalise(argument.split("\n", 1)[0])
        alone = normalise(turn_context.activity.text) in {"enrol csv", "enroll csv"}
        if first == "csv" or first.startswith("csv ") or alone:
            await self._enrol_csv(turn_context, user)
            return
        cohort_name, colon, people = argument.partition(":")
        names = [name.strip() for name in re.split(r"[,;\n]", people) if name.strip()]
        if not colon or not cohort_name.strip() or not names:
            await turn_context.send_activity(
                "Type enrol, the cohort, a colon and the people (names or Azure AD object ids) separated by commas, "
                "for example: enrol Leaders 7: Alex Morgan, Sam Taylor. For a file, type enrol csv and paste its "
                f"lines ({','.join(CSV_COLUMNS)} first) below it in the same message.")
            return
        cohort = await asyncio.to_thread(self.academy.cohort, cohort_name.strip())
        if cohort is None:
            await turn_context.send_activity(
                f"There is no cohort {plain(cohort_name.strip(), limit=80)}. Type cohort to see the cohorts.")
            return
        lines = []
        for name in names:
            aad = await asyncio.to_thread(self.academy.find_user, name)
            if aad is None:
                lines.append(f"- {plain(name, limit=80)}: not enrolled: nobody by that name or id has used the "
                             "assistant, or more than one person has that name (use their Azure AD object id)")
                continue
            try:
                added = await asyncio.to_thread(self.academy.enrol, cohort.id, aad, by=user.aad_object_id)
            except AcademyError as error:
                lines.append(f"- {plain(name, limit=80)}: not enrolled: {plain(str(error), limit=200)}")
                continue
            lines.append(f"- {plain(name, limit=80)}: {'enrolled' if added else 'already enrolled'}")
        await turn_context.send_activity(f"Enrolment in {plain(cohort.name, limit=80)}:\n\n" + "\n".join(lines))

    async def _enrol_csv(self, turn_context: TurnContext, user: UserInfo) -> None:
        text = _csv_text(turn_context.activity.text)
        if not text.strip():
            await turn_context.send_activity(
                "Send the CSV lines in the same message as enrol csv, below it: first the header "
                f"{','.join(CSV_COLUMNS)}, then one line a person, for example:\n\nenrol csv\n"
                f"{','.join(CSV_COLUMNS)}\nAlex Morgan,Leaders 7,leadership,2026-03-02,2026-03-13")
            return
        try:
            report = await asyncio.to_thread(self.academy.import_csv, text, by=user.aad_object_id)
        except CsvError as error:
            reason = str(error)
            await turn_context.send_activity(
                f"Nothing was enrolled: {plain(reason[:1].lower() + reason[1:], limit=300)}")
            return
        await turn_context.send_activity(_csv_report(report))
