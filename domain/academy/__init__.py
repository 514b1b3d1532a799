"""The Academy: cohorts of the Prevention First courses and each participant's reflective
practice - self-assessment, daily journal, six-hats reflections and SARA action plan.

Hub staff create cohorts (a module and the course dates) and enrol people by command or by
CSV import, reported line by line. A participant answers the same seven statements before
and after their course and sees the change item by item; keeps a journal following Gibbs'
reflective cycle, with a streak of consecutive days; thinks a topic through de Bono's six
thinking hats; and works one problem through SARA in an action plan, due three calendar
months after the course ends. Everything a participant writes can be exported for them as
a Markdown document.

Every read takes the Azure AD object id of the person asking and returns only their own
records: another person's plan or reflection does not exist to them. The caller checks that
whoever creates cohorts or enrols people is Hub staff. Sending prompts and reminders is the
scheduler's work; this module keeps the records and gives it the dates.
"""

from __future__ import annotations

import calendar
import csv
import enum
import io
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.db import Database
from domain.models import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyReflection,
    User,
    utcnow,
)

__all__ = [
    "Module",
    "Phase",
    "parse_date",
    "ITEM_NAMES",
    "Due",
    "ITEMS",
    "SCALE",
    "GIBBS",
    "HATS",
    "STAGES",
    "MAX_TEXT",
    "CSV_COLUMNS",
    "Academy",
    "Cohort",
    "CsvLine",
    "CsvReport",
    "Assessment",
    "ItemChange",
    "JournalEntry",
    "JournalPage",
    "Reflection",
    "Plan",
    "ParticipantView",
    "AcademyError",
    "NotFound",
    "UnknownUser",
    "CohortExists",
    "NotEnrolled",
    "InvalidAnswer",
    "PlanExists",
    "PlanIncomplete",
    "CsvError",
    "plan_due_date",
]

MAX_TEXT = 4000
CSV_COLUMNS = ("user", "cohort", "module", "starts_on", "ends_on")
_MODULES = "leadership, specialist, foundation or practitioner"
# Dates shown to participants are the day in the force's own time.
_LONDON = ZoneInfo("Europe/London")


class Module(str, enum.Enum):
    """The Academy's courses."""

    LEADERSHIP = "leadership"
    SPECIALIST = "specialist"
    FOUNDATION = "foundation"
    PRACTITIONER = "practitioner"

    @property
    def label(self) -> str:
        """How the module is shown: "Leadership", "Foundation"..."""
        return self.value.capitalize()


class Phase(str, enum.Enum):
    """When a self-assessment is answered: before the course or after it."""

    BEFORE = "before"
    AFTER = "after"


class Due(str, enum.Enum):
    """Where a participant is with something the course asks of them."""

    NOT_YET = "not yet due"
    DUE = "due"
    DONE = "done"


# The self-assessment: the same statements before and after the course, scored 1-5.
ITEMS: tuple[tuple[str, str], ...] = (
    ("sara", "I can solve a local problem with the SARA model (scanning, analysis, response, assessment)."),
    ("evidence", "I look for evidence of what works and use it in my decisions."),
    ("partnership", "I work well with partner agencies to prevent harm."),
    ("new_approaches", "I feel confident trying new approaches to prevention."),
    ("reflection", "I reflect on my practice regularly and learn from it."),
    ("coaching", "I am confident coaching colleagues to solve problems."),
    ("ndm", "I use the National Decision Model to make and explain my decisions."),
)
# The self-assessment statements by their short names (PRODUCT.md's), for summaries and the board.
ITEM_NAMES: dict[str, str] = {
    "sara": "Problem solving with SARA",
    "evidence": "Evidence-based policing",
    "partnership": "Partnership working",
    "new_approaches": "Confidence to try new approaches",
    "reflection": "Reflective practice",
    "coaching": "Coaching",
    "ndm": "The National Decision Model",
}
SCALE: dict[int, str] = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}

# Gibbs' reflective cycle: (key, question, example). Analysis and conclusion are one step.
GIBBS: tuple[tuple[str, str, str], ...] = (
    ("description", "What happened?",
     "e.g. I went to a third call this month about youths gathering at the skate park."),
    ("feelings", "What were you thinking and feeling?",
     "e.g. Frustrated at first; then curious why it keeps happening on Fridays."),
    ("evaluation", "What went well, and what went badly?",
     "e.g. The youths talked to me; the caller felt nobody had listened before."),
    ("analysis", "What did you learn, and what would you do differently?",
     "e.g. The calls follow the youth club closing early; I would ask the council first."),
    ("action", "What will you do next?",
     "e.g. Speak to the youth club manager about Friday opening this week."),
)

# De Bono's six thinking hats, blue twice: (key, colour, what the hat is for, example).
HATS: tuple[tuple[str, str, str, str], ...] = (
    ("blue_focus", "Blue", "Focus: what are you thinking about, and what do you want from it?",
     "e.g. How can we cut repeat calls to the retail park?"),
    ("white", "White", "Facts: what do you know, and what do you still need to find out?",
     "e.g. 40 calls since May, most between 3pm and 6pm; we don't know which shops report."),
    ("red", "Red", "Feelings: your gut reaction, with no need to justify it.",
     "e.g. Uneasy: the same two shops call and nothing changes."),
    ("black", "Black", "Cautions: what could go wrong, and the risks.",
     "e.g. Shops may not share CCTV quickly enough to act on it."),
    ("yellow", "Yellow", "Benefits: what is good about it, and why it could work.",
     "e.g. The store managers are keen to work with us."),
    ("green", "Green", "Ideas: alternatives and new possibilities.",
     "e.g. A shared radio scheme between the stores."),
    ("blue_decisions", "Blue", "Decisions: what you have decided, and the next steps.",
     "e.g. Meet the retail park manager next week and propose the radio scheme."),
)

# The SARA stages of an action plan: (key, title, ((field, question), ...)).
# ``cited_entries`` is a list of knowledge entry ids and may be empty; every other field
# needs an answer.
STAGES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("scanning", "Scanning", (
        ("description", "What is the problem: what happens, where, when and to whom?"),
    )),
    ("analysis", "Analysis", (
        ("victim", "Victim: who is harmed, and what makes them vulnerable?"),
        ("offender", "Offender: who causes the harm, and what draws them to it?"),
        ("location", "Location: where does it happen, and what about the place allows it?"),
    )),
    ("response", "Response", (
        ("response", "What will you do, with whom, and why should it work?"),
        ("cited_entries", "Which knowledge entries support it?"),
    )),
    ("assessment", "Assessment", (
        ("measures", "How will you measure whether it worked?"),
    )),
)
_STAGE_KEYS = tuple(key for key, _, _ in STAGES)
_STAGE_TITLES = {key: title for key, title, _ in STAGES}

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


# --- errors ------------------------------------------------------------------------------


class AcademyError(ValueError):
    """Something the Academy cannot do; the message says why, in plain English."""


class NotFound(AcademyError, LookupError):
    """No such cohort, plan or reflection, or not one of the asker's own."""


class UnknownUser(NotFound):
    """Nobody with that id or name has talked to the assistant."""


class CohortExists(AcademyError):
    """A cohort already has that name (capitals aside)."""


class NotEnrolled(AcademyError):
    """The person is not a participant of that cohort."""


class InvalidAnswer(AcademyError):
    """An answer is missing, too long or out of range."""


class PlanExists(AcademyError):
    """The participant already has an action plan for that cohort."""


class PlanIncomplete(AcademyError):
    """The action plan cannot be completed yet: stages are missing."""


class CsvError(AcademyError):
    """The CSV file as a whole cannot be read (no header, or a column missing)."""


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """A course with its dates and participants (Azure AD object ids, sorted)."""

    id: int
    name: str
    module: Module
    starts_on: date
    ends_on: date
    plan_due_on: date
    participants: tuple[str, ...]


@dataclass(frozen=True)
class CsvLine:
    """One line of an enrolment file and what became of it.

    ``outcome`` is "enrolled", "already enrolled" or "error"; ``reason`` says why for an
    error and is empty otherwise. ``line`` counts the header as line 1.
    """

    line: int
    user: str
    outcome: str
    reason: str
    cohort: str = ""


@dataclass(frozen=True)
class CsvReport:
    """Every line of an enrolment file, in order, and the cohorts it created."""

    lines: tuple[CsvLine, ...]
    cohorts_created: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[CsvLine, ...]:
        """The lines whose person was not enrolled."""
        return tuple(line for line in self.lines if line.outcome == "error")

    def summary(self) -> str:
        """E.g. "3 enrolled, 1 already enrolled, 2 not enrolled (lines 4, 6)"."""
        enrolled = sum(line.outcome == "enrolled" for line in self.lines)
        already = sum(line.outcome == "already enrolled" for line in self.lines)
        text = f"{enrolled} enrolled, {already} already enrolled, {len(self.errors)} not enrolled"
        if self.errors:
            numbers = ", ".join(str(line.line) for line in self.errors)
            text += f" ({'lines' if len(self.errors) > 1 else 'line'} {numbers})"
        return text


@dataclass(frozen=True)
class Assessment:
    """A self-assessment as saved: ``{item key: 1-5}``."""

    cohort_id: int
    phase: Phase
    scores: dict[str, int]
    saved_at: datetime


@dataclass(frozen=True)
class ItemChange:
    """How a participant's score on one statement moved over the course."""

    key: str
    statement: str
    before: int
    after: int
    change: int


@dataclass(frozen=True)
class JournalEntry:
    """A journal entry: ``answers`` has every Gibbs key, None where left blank."""

    id: int
    written_on: date
    answers: dict[str, str | None]
    prompted: bool
    created_at: datetime


@dataclass(frozen=True)
class JournalPage:
    """One page of ``my journal``, latest entries first."""

    entries: tuple[JournalEntry, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Reflection:
    """A six-hats reflection: ``answers`` has every hat key, None where skipped."""

    id: int
    topic: str
    answers: dict[str, str | None]
    created_at: datetime
    plan_id: int | None
    submission_reference: str | None


@dataclass(frozen=True)
class Plan:
    """A SARA action plan: ``stages`` holds the answers of each stage saved so far."""

    id: int
    cohort_id: int
    cohort_name: str
    problem: str
    stages: dict[str, dict]
    due_on: date
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @property
    def stages_done(self) -> tuple[str, ...]:
        """The stages saved so far, in SARA order."""
        return tuple(key for key in _STAGE_KEYS if key in self.stages)

    @property
    def next_stage(self) -> str | None:
        """The first stage not yet saved, or None when all four are."""
        return next((key for key in _STAGE_KEYS if key not in self.stages), None)

    @property
    def is_complete(self) -> bool:
        """Whether the participant has marked the plan complete."""
        return self.completed_at is not None

    def is_overdue(self, today: date) -> bool:
        """Not completed and past its due date."""
        return self.completed_at is None and today > self.due_on


@dataclass(frozen=True)
class ParticipantView:
    """A participant's progress in one cohort: what is done and what is due."""

    cohort: Cohort
    before: Due
    after: Due
    journal_entries: int
    streak: int
    plan: Plan | None
    plan_due_on: date
    plan_overdue: bool

    @property
    def plan_stages_done(self) -> int:
        """How many of the four SARA stages are saved."""
        return len(self.plan.stages_done) if self.plan else 0

    @property
    def plan_state(self) -> str:
        """"not started", "2 of 4 stages done" or "complete"."""
        if self.plan is None:
            return "not started"
        if self.plan.is_complete:
            return "complete"
        return f"{self.plan_stages_done} of {len(STAGES)} stages done"


# --- helpers -----------------------------------------------------------------------------


def plan_due_date(ends_on: date) -> date:
    """Three calendar months after ``ends_on``, on the month's last day if it is shorter.

    31 August gives 30 November; 30 November gives 28 (or 29) February.
    """
    month = ends_on.month + 2  # zero-based month, three on
    year, month = ends_on.year + month // 12, month % 12 + 1
    return date(year, month, min(ends_on.day, calendar.monthrange(year, month)[1]))


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _local_day(moment: datetime) -> str:
    return _day(_aware(moment).astimezone(_LONDON).date())


def _aware(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _text(value: object, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    """``value`` stripped, None when blank; ``label`` names it in the error ("The topic")."""
    if value is not None and not isinstance(value, str):
        raise InvalidAnswer(f"{label} should be text.")
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidAnswer(f"{label} can't be empty.")
        return None
    if len(text) > limit:
        raise InvalidAnswer(f"{label} is {len(text):,} characters long; the limit is {limit:,}.")
    return text


def _answers(given: Mapping[str, object], questions: Sequence[tuple[str, str]], where: str) -> dict[str, str | None]:
    """Every question's answer (None when blank), refusing answers to questions not asked."""
    known = {key for key, _ in questions}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidAnswer(f"There is no '{unknown[0]}' in {where}.")
    return {key: _text(given.get(key), f"Your answer to '{question}'") for key, question in questions}


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD or DD/MM/YYYY, or None."""
    text = text.strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _UK_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    return None


def _listed(items: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _streak(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count, day = count + 1, day - timedelta(days=1)
    return count


# A line of officer text that Markdown would read as structure: a heading, quote, list
# item, rule, table row, code fence, HTML block or link definition.
_BLOCK_START = re.compile(r"(#|>|[-+*=_|~`<\[]|\d+[.)])")


def _md_line(line: str) -> str:
    line = line.strip()
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    if match[1][0].isdigit():  # "1." or "1)": escape the dot or bracket
        return f"{match[1][:-1]}\\{match[1][-1]}{line[match.end():]}"
    return "\\" + line


def _md(text: str) -> str:
    """Officer text as Markdown paragraphs that cannot change the document's structure."""
    return "\n".join(_md_line(line) for line in text.splitlines())


def _md_inline(text: str) -> str:
    """Officer text for a heading: one line, with nothing that ends or restarts it."""
    return _md_line(" ".join(text.split()).replace("#", "\\#"))


# --- the service -------------------------------------------------------------------------


class Academy:
    """The Academy's cohorts and each participant's reflective practice.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC), stamped on what is saved.
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock

    # --- people --------------------------------------------------------------------------

    def find_user(self, text: str) -> str | None:
        """The Azure AD object id of a user, by that id or by a display name only they have.

        Both are matched regardless of capitals. None when nobody, or more than one
        person, matches.
        """
        with self._db.session() as session:
            found, _ = self._resolve_user(session, text)
        return found

    @staticmethod
    def _resolve_user(session: Session, text: str) -> tuple[str | None, int]:
        """(the user's id or None, how many users matched)."""
        text = " ".join(text.split())
        if not text:
            return None, 0
        if _GUID.fullmatch(text):
            found = session.scalar(select(User.aad_object_id).where(User.aad_object_id == text.lower()))
            return found, int(found is not None)
        ids = session.scalars(
            select(User.aad_object_id).where(func.lower(User.name) == text.lower()).limit(2)
        ).all()
        return (ids[0] if len(ids) == 1 else None), len(ids)

    def _ensure_user(self, session: Session, aad: str) -> None:
        """Know the writer as a user (they always are, once they have messaged the bot)."""
        session.execute(
            self._db.insert(User)
            .values(aad_object_id=aad, created_at=utcnow(), updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[User.aad_object_id])
        )

    # --- cohorts -------------------------------------------------------------------------

    def create_cohort(
        self, name: str, module: Module | str, starts_on: date, ends_on: date, *, created_by: str
    ) -> Cohort:
        """Create a cohort of ``module`` running from ``starts_on`` to ``ends_on`` inclusive.

        Raises:
            CohortExists: another cohort has that name, capitals aside.
            InvalidAnswer: the name is empty or too long, the module unknown, or the
                course ends before it starts.
        """
        clean = " ".join((_text(name, "The cohort name", required=True, limit=200) or "").split())
        try:
            chosen = Module(module.lower() if isinstance(module, str) else module)
        except ValueError:
            raise InvalidAnswer(f"There is no module '{module}': {_MODULES}.") from None
        if ends_on < starts_on:
            raise InvalidAnswer(
                f"The course can't end ({_day(ends_on)}) before it starts ({_day(starts_on)})."
            )
        try:
            with self._db.session() as session:
                if self._by_name(session, clean) is not None:
                    raise CohortExists(f"There is already a cohort called '{clean}'.")
                row = AcademyCohort(
                    name=clean, name_key=_fold(clean), module=chosen.value, starts_on=starts_on,
                    ends_on=ends_on, plan_due_on=plan_due_date(ends_on), created_by=created_by.lower(),
                    created_at=self._clock(),
                )
                session.add(row)
                session.flush()
                return self._cohort_view(session, row)
        except IntegrityError:
            # Another process created it between our look-up and our insert.
            raise CohortExists(f"There is already a cohort called '{clean}'.") from None

    def cohort(self, name_or_id: str | int) -> Cohort | None:
        """The cohort with this name (capitals aside) or id, or None; for Hub staff."""
        with self._db.session() as session:
            row = self._find_cohort(session, name_or_id)
            return self._cohort_view(session, row) if row is not None else None

    def cohorts(self) -> list[Cohort]:
        """Every cohort, latest start first; for Hub staff and the scheduler."""
        with self._db.session() as session:
            rows = session.scalars(
                select(AcademyCohort).order_by(AcademyCohort.starts_on.desc(), AcademyCohort.name_key)
            ).all()
            return [self._cohort_view(session, row) for row in rows]

    @staticmethod
    def _by_name(session: Session, name: str) -> AcademyCohort | None:
        return session.scalars(select(AcademyCohort).where(AcademyCohort.name_key == _fold(name))).one_or_none()

    def _find_cohort(self, session: Session, cohort: Cohort | str | int) -> AcademyCohort | None:
        if isinstance(cohort, Cohort):
            return session.get(AcademyCohort, cohort.id)
        if isinstance(cohort, int):
            return session.get(AcademyCohort, cohort)
        found = self._by_name(session, cohort)
        if found is None and cohort.strip().isdigit():
            found = session.get(AcademyCohort, int(cohort.strip()))
        return found

    def _cohort(self, session: Session, cohort: Cohort | str | int) -> AcademyCohort:
        row = self._find_cohort(session, cohort)
        if row is None:
            raise NotFound(f"There is no cohort '{cohort.name if isinstance(cohort, Cohort) else cohort}'.")
        return row

    @staticmethod
    def _cohort_view(session: Session, row: AcademyCohort) -> Cohort:
        participants = session.scalars(
            select(AcademyEnrolment.aad_object_id)
            .where(AcademyEnrolment.cohort_id == row.id)
            .order_by(AcademyEnrolment.aad_object_id)
        ).all()
        return Cohort(
            id=row.id, name=row.name, module=Module(row.module), starts_on=row.starts_on,
            ends_on=row.ends_on, plan_due_on=row.plan_due_on, participants=tuple(participants),
        )

    # --- enrolment -----------------------------------------------------------------------

    def enrol(self, cohort: Cohort | str | int, aad_object_id: str, *, by: str) -> bool:
        """Make a user a participant of ``cohort``; False if they already were.

        Raises:
            NotFound: there is no such cohort.
            UnknownUser: the user has never messaged the assistant.
        """
        aad = aad_object_id.strip().lower()
        with self._db.session() as session:
            row = self._cohort(session, cohort)
            if session.get(User, aad) is None:
                raise UnknownUser(
                    f"Nobody with the id {aad_object_id.strip()} has used the assistant yet: "
                    "they need to message it once first."
                )
            added = session.execute(
                self._db.insert(AcademyEnrolment)
                .values(cohort_id=row.id, aad_object_id=aad, enrolled_by=by.lower(), enrolled_at=self._clock())
                .on_conflict_do_nothing(index_elements=[AcademyEnrolment.cohort_id, AcademyEnrolment.aad_object_id])
                .returning(AcademyEnrolment.cohort_id)
            ).scalar_one_or_none()
            return added is not None

    def import_csv(self, text: str, *, by: str) -> CsvReport:
        """Enrol the people in a CSV file with the columns ``user,cohort,module,starts_on,ends_on``.

        ``user`` is an Azure AD object id or a display name; dates are YYYY-MM-DD or
        DD/MM/YYYY. A row creates its cohort when there is none by that name, or must
        agree with the one there is (blank module or dates are not checked). Each row
        stands alone: good rows are enrolled whatever the others hold.

        Raises:
            CsvError: the file has no header, or the header lacks a column.
        """
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        records: list[tuple[int, list[str]]] = []  # (the line a record starts on, its fields)
        try:
            while True:
                start = reader.line_num + 1
                fields = next(reader, None)
                if fields is None:
                    break
                if any(f.strip() for f in fields):
                    records.append((start, fields))
        except csv.Error as error:
            raise CsvError(f"The file can't be read as CSV at line {reader.line_num}: {error}.") from None
        if not records:
            raise CsvError(f"The file is empty: it needs a header line '{','.join(CSV_COLUMNS)}'.")
        columns = [name.strip().lstrip("\ufeff").lower() for name in records[0][1]]
        missing = [name for name in CSV_COLUMNS if name not in columns]
        if missing:
            listed = _listed([f"'{name}'" for name in missing])
            raise CsvError(
                f"missing column{'s' if len(missing) > 1 else ''} {listed}: "
                f"the header line must name {', '.join(CSV_COLUMNS)}."
            )
        where = {name: columns.index(name) for name in CSV_COLUMNS}
        lines: list[CsvLine] = []
        created: list[str] = []
        for line, fields in records[1:]:
            row = {name: fields[i].strip() if i < len(fields) else "" for name, i in where.items()}
            lines.append(self._import_row(line, row, by, created))
        return CsvReport(tuple(lines), tuple(created))

    def _import_row(self, line: int, row: dict[str, str], by: str, created: list[str]) -> CsvLine:
        user, name = row["user"], " ".join(row["cohort"].split())

        def error(reason: str) -> CsvLine:
            return CsvLine(line, user, "error", reason, name)

        if not user:
            return error("no user given")
        if not name:
            return error("no cohort given")
        module: Module | None = None
        if row["module"]:
            try:
                module = Module(row["module"].lower())
            except ValueError:
                return error(f"unknown module '{row['module']}' ({_MODULES})")
        dates: dict[str, date | None] = {}
        for column in ("starts_on", "ends_on"):
            dates[column] = parse_date(row[column]) if row[column] else None
            if row[column] and dates[column] is None:
                return error(f"bad date '{row[column]}' in {column} (use YYYY-MM-DD)")
        starts, ends = dates["starts_on"], dates["ends_on"]
        with self._db.session() as session:
            aad, matches = self._resolve_user(session, user)
            found = self._by_name(session, name)
            cohort = self._cohort_view(session, found) if found is not None else None
        if aad is None:
            if matches > 1:
                return error(f"more than one user is called '{user}': use their Azure AD object id")
            return error(f"unknown user '{user}': they need to message the assistant once first")
        if cohort is None:
            if module is None or starts is None or ends is None:
                return error(f"cohort '{name}' does not exist yet: give its module, starts_on and ends_on")
            try:
                cohort = self.create_cohort(name, module, starts, ends, created_by=by)
                created.append(cohort.name)
            except CohortExists:  # made by another import a moment ago
                cohort = self.cohort(name)
                if cohort is None:
                    return error(f"cohort '{name}' could not be created; try the line again")
            except InvalidAnswer as problem:
                return error(str(problem)[0].lower() + str(problem)[1:].rstrip("."))
        if module is not None and module is not cohort.module:
            return error(f"cohort '{cohort.name}' exists with a different module ({cohort.module.value})")
        if (starts is not None and starts != cohort.starts_on) or (ends is not None and ends != cohort.ends_on):
            return error(
                f"cohort '{cohort.name}' exists with different dates "
                f"({cohort.starts_on.isoformat()} to {cohort.ends_on.isoformat()})"
            )
        added = self.enrol(cohort.id, aad, by=by)
        return CsvLine(line, user, "enrolled" if added else "already enrolled", "", cohort.name)

    # --- what is due ---------------------------------------------------------------------

    def participant_status(self, aad: str, today: date) -> list[ParticipantView]:
        """The asker's progress in each of their cohorts, latest start first.

        The before-course self-assessment is due from the first day of the course, the
        after-course one from the last; journal entries are counted from the first day.
        The cohorts' ``participants`` are left empty: who else is enrolled is the Hub's.
        """
        key = aad.lower()
        with self._db.session() as session:
            rows = session.scalars(
                select(AcademyCohort)
                .join(AcademyEnrolment, AcademyEnrolment.cohort_id == AcademyCohort.id)
                .where(AcademyEnrolment.aad_object_id == key)
                .order_by(AcademyCohort.starts_on.desc(), AcademyCohort.id.desc())
            ).all()
            phases = {
                (row.cohort_id, row.phase)
                for row in session.execute(
                    select(AcademyAssessment.cohort_id, AcademyAssessment.phase).where(
                        AcademyAssessment.aad_object_id == key
                    )
                )
            }
            entries = session.execute(
                select(AcademyJournalEntry.written_on).where(AcademyJournalEntry.aad_object_id == key)
            ).scalars().all()
            plans = {
                row.cohort_id: self._plan_view(row, cohort)
                for row, cohort in session.execute(
                    select(AcademyPlan, AcademyCohort)
                    .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
                    .where(AcademyPlan.aad_object_id == key)
                )
            }
            # Who else is on the course is for the Hub to see, not the participant.
            cohorts = [replace(self._cohort_view(session, row), participants=()) for row in rows]
        streak = _streak(set(entries), today)

        def due(cohort_id: int, phase: Phase, from_day: date) -> Due:
            if (cohort_id, phase.value) in phases:
                return Due.DONE
            return Due.DUE if today >= from_day else Due.NOT_YET

        views = []
        for cohort in cohorts:
            plan = plans.get(cohort.id)
            views.append(
                ParticipantView(
                    cohort=cohort,
                    before=due(cohort.id, Phase.BEFORE, cohort.starts_on),
                    after=due(cohort.id, Phase.AFTER, cohort.ends_on),
                    journal_entries=sum(day >= cohort.starts_on for day in entries),
                    streak=streak,
                    plan=plan,
                    plan_due_on=cohort.plan_due_on,
                    plan_overdue=plan.is_overdue(today) if plan else today > cohort.plan_due_on,
                )
            )
        return views

    def _enrolled(self, session: Session, aad: str, cohort_id: int) -> AcademyCohort:
        row = self._cohort(session, cohort_id)
        if session.get(AcademyEnrolment, (row.id, aad)) is None:
            raise NotEnrolled(f"You are not enrolled in the cohort '{row.name}'.")
        return row

    # --- self-assessment -----------------------------------------------------------------

    def save_assessment(self, aad: str, cohort_id: int, phase: Phase | str, scores: Mapping[str, int | str]) -> Assessment:
        """Keep the participant's scores for ``phase``, replacing any saved before.

        Raises:
            NotEnrolled: they are not a participant of the cohort.
            InvalidAnswer: an item is missing, unknown or not a whole number from 1 to 5.
        """
        key, when = aad.lower(), Phase(phase)
        statements = dict(ITEMS)
        unknown = sorted(set(scores) - set(statements))
        if unknown:
            raise InvalidAnswer(f"There is no statement '{unknown[0]}' in the self-assessment.")
        missing = [statement for item, statement in ITEMS if item not in scores]
        if missing:
            raise InvalidAnswer(f"Please score every statement; missing: \"{missing[0]}\"")
        clean: dict[str, int] = {}
        for item, _ in ITEMS:
            value = scores[item]
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise InvalidAnswer(f"Score \"{statements[item]}\" from 1 ({SCALE[1]}) to 5 ({SCALE[5]}).")
            clean[item] = value
        now = self._clock()
        with self._db.session() as session:
            cohort = self._enrolled(session, key, cohort_id)
            values = {"scores": clean, "saved_at": now}
            session.execute(
                self._db.insert(AcademyAssessment)
                .values(aad_object_id=key, cohort_id=cohort.id, phase=when.value, **values)
                .on_conflict_do_update(
                    index_elements=[AcademyAssessment.aad_object_id, AcademyAssessment.cohort_id, AcademyAssessment.phase],
                    set_=values,
                )
            )
            return Assessment(cohort.id, when, clean, now)

    def assessment(self, aad: str, cohort_id: int, phase: Phase | str) -> Assessment | None:
        """The asker's self-assessment for ``phase`` of the cohort, or None."""
        with self._db.session() as session:
            row = session.get(AcademyAssessment, (aad.lower(), cohort_id, Phase(phase).value))
            if row is None:
                return None
            return Assessment(row.cohort_id, Phase(row.phase), dict(row.scores), _aware(row.saved_at))

    def assessment_change(self, aad: str, cohort_id: int) -> list[ItemChange]:
        """How each score moved from before to after the course; empty until both are saved."""
        before = self.assessment(aad, cohort_id, Phase.BEFORE)
        after = self.assessment(aad, cohort_id, Phase.AFTER)
        if before is None or after is None:
            return []
        return [
            ItemChange(key, statement, before.scores[key], after.scores[key], after.scores[key] - before.scores[key])
            for key, statement in ITEMS
        ]

    # --- journal -------------------------------------------------------------------------

    def add_journal_entry(
        self,
        aad: str,
        answers: Mapping[str, str | None],
        *,
        written_on: date,
        prompted: bool = False,
        source_key: str | None = None,
    ) -> JournalEntry:
        """Keep a journal entry about ``written_on``; "what happened" must be answered.

        ``source_key`` names the Teams activity or prompt it answers: the same key again
        returns the entry already kept, unchanged.

        Raises:
            InvalidAnswer: "what happened" is blank, or an answer is too long.
        """
        key = aad.lower()
        if isinstance(written_on, datetime):
            written_on = written_on.date()
        clean = _answers(answers, [(k, q) for k, q, _ in GIBBS], "the journal")
        if clean[GIBBS[0][0]] is None:
            raise InvalidAnswer(f"Your answer to '{GIBBS[0][1]}' can't be empty.")
        with self._db.session() as session:
            self._ensure_user(session, key)
            new_id = session.execute(
                self._db.insert(AcademyJournalEntry)
                .values(
                    aad_object_id=key, written_on=written_on, answers=clean, prompted=prompted,
                    source_key=source_key, created_at=self._clock(),
                )
                .on_conflict_do_nothing(
                    index_elements=[AcademyJournalEntry.aad_object_id, AcademyJournalEntry.source_key]
                )
                .returning(AcademyJournalEntry.id)
            ).scalar_one_or_none()
            query = select(AcademyJournalEntry).where(AcademyJournalEntry.aad_object_id == key)
            if new_id is not None:
                row = session.scalars(query.where(AcademyJournalEntry.id == new_id)).one()
            else:
                row = session.scalars(query.where(AcademyJournalEntry.source_key == source_key)).one()
            return self._entry_view(row)

    @staticmethod
    def _entry_view(row: AcademyJournalEntry) -> JournalEntry:
        answers = {key: row.answers.get(key) for key, _, _ in GIBBS}
        return JournalEntry(row.id, row.written_on, answers, row.prompted, _aware(row.created_at))

    def journal_page(self, aad: str, page: int = 1, per_page: int = 5) -> JournalPage:
        """A page of the asker's journal, latest day first; ``page`` is kept within range."""
        key, per_page = aad.lower(), max(1, per_page)
        mine = AcademyJournalEntry.aad_object_id == key
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(AcademyJournalEntry).where(mine)) or 0
            pages = max(1, math.ceil(total / per_page))
            page = min(max(1, page), pages)
            rows = session.scalars(
                select(AcademyJournalEntry)
                .where(mine)
                .order_by(
                    AcademyJournalEntry.written_on.desc(),
                    AcademyJournalEntry.created_at.desc(),
                    AcademyJournalEntry.id.desc(),
                )
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
            return JournalPage(tuple(self._entry_view(row) for row in rows), page, pages, total)

    def journal_days(self, aad: str) -> set[date]:
        """The days the asker wrote about in their journal."""
        with self._db.session() as session:
            return set(
                session.scalars(
                    select(AcademyJournalEntry.written_on).where(AcademyJournalEntry.aad_object_id == aad.lower())
                )
            )

    def streak(self, aad: str, today: date) -> int:
        """Consecutive days with an entry, up to today (or yesterday, if none yet today)."""
        return _streak(self.journal_days(aad), today)

    # --- six hats ------------------------------------------------------------------------

    def save_reflection(self, aad: str, topic: str, answers: Mapping[str, str | None]) -> Reflection:
        """Keep a six-hats reflection on ``topic``; skipped hats are None, but not all of them.

        Raises:
            InvalidAnswer: the topic is blank, every hat was skipped, or text is too long.
        """
        key = aad.lower()
        clean_topic = _text(topic, "The topic", required=True)
        clean = _answers(answers, [(k, f"{colour} hat: {what.split(':')[0]}") for k, colour, what, _ in HATS], "six hats")
        if all(value is None for value in clean.values()):
            raise InvalidAnswer("Answer at least one hat before saving the reflection.")
        with self._db.session() as session:
            self._ensure_user(session, key)
            row = AcademyReflection(aad_object_id=key, topic=clean_topic, answers=clean, created_at=self._clock())
            session.add(row)
            session.flush()
            return self._reflection_view(row)

    @staticmethod
    def _reflection_view(row: AcademyReflection) -> Reflection:
        answers = {key: row.answers.get(key) for key, _, _, _ in HATS}
        return Reflection(row.id, row.topic, answers, _aware(row.created_at), row.plan_id, row.submission_reference)

    def reflections(self, aad: str) -> list[Reflection]:
        """The asker's six-hats reflections, latest first."""
        with self._db.session() as session:
            rows = session.scalars(
                select(AcademyReflection)
                .where(AcademyReflection.aad_object_id == aad.lower())
                .order_by(AcademyReflection.created_at.desc(), AcademyReflection.id.desc())
            ).all()
            return [self._reflection_view(row) for row in rows]

    def attach_reflection(
        self, reflection_id: int, aad: str, *, plan_id: int | None = None, submission_reference: str | None = None
    ) -> Reflection:
        """Attach one of the asker's reflections to one of their action plans and/or a submission.

        The submission reference is kept as given, in capitals; it is not looked up.

        Raises:
            NotFound: the reflection or the plan is not the asker's own.
            InvalidAnswer: neither a plan nor a submission was given.
        """
        key = aad.lower()
        reference = _text(submission_reference, "The submission reference", limit=40)
        if plan_id is None and reference is None:
            raise InvalidAnswer("Say which action plan or submission to attach the reflection to.")
        with self._db.session() as session:
            row = session.get(AcademyReflection, reflection_id)
            if row is None or row.aad_object_id != key:
                raise NotFound("You have no such reflection.")
            if plan_id is not None:
                self._own_plan(session, plan_id, key)
                row.plan_id = plan_id
            if reference is not None:
                row.submission_reference = reference.upper()
            session.flush()
            return self._reflection_view(row)

    # --- action plan ---------------------------------------------------------------------

    def start_plan(self, aad: str, cohort_id: int, problem: str) -> Plan:
        """Start the participant's action plan for the cohort on the problem they chose.

        Raises:
            NotEnrolled: they are not a participant of the cohort.
            PlanExists: they already have a plan for it.
            InvalidAnswer: the problem is blank or too long.
        """
        key = aad.lower()
        clean = _text(problem, "The problem", required=True)
        exists = PlanExists("You already have an action plan for this cohort; carry on with that one.")
        now = self._clock()
        try:
            with self._db.session() as session:
                cohort = self._enrolled(session, key, cohort_id)
                found = session.scalar(
                    select(AcademyPlan.id).where(AcademyPlan.aad_object_id == key, AcademyPlan.cohort_id == cohort.id)
                )
                if found is not None:
                    raise exists
                row = AcademyPlan(
                    aad_object_id=key, cohort_id=cohort.id, problem=clean, stages={}, created_at=now, updated_at=now
                )
                session.add(row)
                session.flush()
                return self._plan_view(row, cohort)
        except IntegrityError:
            raise exists from None

    def plan(self, aad: str, cohort_id: int | None = None) -> Plan | None:
        """The asker's action plan for the cohort, or their latest one; None if there is none."""
        query = (
            select(AcademyPlan, AcademyCohort)
            .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
            .where(AcademyPlan.aad_object_id == aad.lower())
        )
        if cohort_id is not None:
            query = query.where(AcademyPlan.cohort_id == cohort_id)
        with self._db.session() as session:
            found = session.execute(
                query.order_by(AcademyPlan.created_at.desc(), AcademyPlan.id.desc()).limit(1)
            ).first()
            return self._plan_view(*found) if found else None

    def plans(self, aad: str) -> list[Plan]:
        """All the asker's action plans, latest first."""
        with self._db.session() as session:
            found = session.execute(
                select(AcademyPlan, AcademyCohort)
                .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
                .where(AcademyPlan.aad_object_id == aad.lower())
                .order_by(AcademyPlan.created_at.desc(), AcademyPlan.id.desc())
            ).all()
            return [self._plan_view(row, cohort) for row, cohort in found]

    def save_stage(self, plan_id: int, aad: str, stage: str, answers: Mapping[str, object]) -> Plan:
        """Save one SARA stage of the asker's plan, replacing what that stage held before.

        Stages may be saved in any order and over as many sittings as the participant likes.
        Every question of the stage needs an answer, except the knowledge entries cited in
        the response.

        Raises:
            NotFound: the plan is not the asker's own.
            InvalidAnswer: an unknown stage, a blank or too long answer, or the plan is
                already complete.
        """
        key = aad.lower()
        fields = next((f for k, _, f in STAGES if k == stage), None)
        if fields is None:
            raise InvalidAnswer(f"There is no stage '{stage}': {', '.join(_STAGE_KEYS)}.")
        given = dict(answers)
        cited = given.pop("cited_entries", None) if stage == "response" else None
        clean: dict[str, object] = {
            field: _text(given.get(field), f"Your answer to '{question}'", required=True)
            for field, question in fields
            if field != "cited_entries"
        }
        unknown = sorted(set(given) - set(clean))
        if unknown:
            raise InvalidAnswer(f"There is no '{unknown[0]}' in the {_STAGE_TITLES[stage].lower()} stage.")
        if stage == "response":
            cited = [] if cited is None else cited
            if not isinstance(cited, (list, tuple)) or not all(isinstance(c, str) for c in cited):
                raise InvalidAnswer("The knowledge entries cited should be a list of entry ids.")
            ids = [c.strip() for c in cited if c.strip()]
            if any(len(c) > 200 for c in ids):
                raise InvalidAnswer("A knowledge entry id is longer than 200 characters.")
            clean["cited_entries"] = list(dict.fromkeys(ids))
        with self._db.session() as session:
            row, cohort = self._own_plan(session, plan_id, key, lock=True)
            if row.completed_at is not None:
                raise InvalidAnswer("This action plan is complete, so it can no longer be changed.")
            row.stages = {**(row.stages or {}), stage: clean}
            row.updated_at = self._clock()
            session.flush()
            return self._plan_view(row, cohort)

    def complete_plan(self, plan_id: int, aad: str) -> Plan:
        """Record that the asker's plan is complete; all four stages must be saved.

        Completing a plan already complete changes nothing.

        Raises:
            NotFound: the plan is not the asker's own.
            PlanIncomplete: stages are missing; the message names them.
        """
        key = aad.lower()
        with self._db.session() as session:
            row, cohort = self._own_plan(session, plan_id, key, lock=True)
            if row.completed_at is None:
                missing = [_STAGE_TITLES[s].lower() for s in _STAGE_KEYS if s not in (row.stages or {})]
                if missing:
                    stages = "stages" if len(missing) > 1 else "stage"
                    raise PlanIncomplete(
                        f"Your action plan still needs the {_listed(missing)} {stages} before it can be completed."
                    )
                now = self._clock()
                row.completed_at = now
                row.updated_at = now
                session.flush()
            return self._plan_view(row, cohort)

    def _own_plan(
        self, session: Session, plan_id: int, aad: str, *, lock: bool = False
    ) -> tuple[AcademyPlan, AcademyCohort]:
        mine = (AcademyPlan.id == plan_id, AcademyPlan.aad_object_id == aad)
        if lock:
            # A write first: it takes SQLite's write lock (or the row's lock on PostgreSQL)
            # before the stages are read, so two sittings at once cannot lose a stage.
            session.execute(
                update(AcademyPlan).where(*mine).values(id=AcademyPlan.id),
                execution_options={"synchronize_session": False},
            )
        found = session.execute(
            select(AcademyPlan, AcademyCohort).join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id).where(*mine)
        ).first()
        if found is None:
            raise NotFound("You have no such action plan.")
        return found

    @staticmethod
    def _plan_view(row: AcademyPlan, cohort: AcademyCohort) -> Plan:
        stages = {key: dict(row.stages[key]) for key in _STAGE_KEYS if key in (row.stages or {})}
        return Plan(
            id=row.id, cohort_id=row.cohort_id, cohort_name=cohort.name, problem=row.problem, stages=stages,
            due_on=cohort.plan_due_on, created_at=_aware(row.created_at), updated_at=_aware(row.updated_at),
            completed_at=_aware(row.completed_at) if row.completed_at else None,
        )

    # --- export --------------------------------------------------------------------------

    def export_markdown(self, aad: str) -> str:
        """The asker's journal (oldest first), six-hats reflections and action plans as Markdown.

        Their text is kept as they wrote it, but a line that Markdown would read as a
        heading, list, quote or the like is escaped so it stays part of their answer.
        """
        key = aad.lower()
        with self._db.session() as session:
            name = session.scalar(select(User.name).where(User.aad_object_id == key)) or ""
            entries = session.scalars(
                select(AcademyJournalEntry)
                .where(AcademyJournalEntry.aad_object_id == key)
                .order_by(AcademyJournalEntry.written_on, AcademyJournalEntry.created_at, AcademyJournalEntry.id)
            ).all()
            journal = [self._entry_view(row) for row in entries]
        reflections = list(reversed(self.reflections(key)))
        plans = list(reversed(self.plans(key)))
        plan_names = {plan.id: plan.cohort_name for plan in plans}

        out = ["# Reflective practice" + (f": {_md_inline(name)}" if name else ""), ""]
        out += [f"Exported on {_local_day(self._clock())}.", ""]

        out += ["## Journal", ""]
        if not journal:
            out += ["No journal entries yet.", ""]
        for entry in journal:
            out += [f"### {entry.written_on:%A} {_day(entry.written_on)}", ""]
            for gkey, question, _ in GIBBS:
                if entry.answers[gkey]:
                    out += [f"**{question}**", "", _md(entry.answers[gkey] or ""), ""]

        out += ["## Six hats reflections", ""]
        if not reflections:
            out += ["No six hats reflections yet.", ""]
        for reflection in reflections:
            out += [f"### {_md_inline(reflection.topic)}", "", f"*{_local_day(reflection.created_at)}*", ""]
            for hkey, colour, what, _ in HATS:
                answer = reflection.answers[hkey]
                out += [f"**{colour} hat: {what.split(':')[0]}**", "", _md(answer) if answer else "*Skipped*", ""]
            if reflection.plan_id in plan_names:
                out += [f"Attached to the action plan for {_md_inline(plan_names[reflection.plan_id])}", ""]
            if reflection.submission_reference:
                out += [f"Attached to submission {_md_inline(reflection.submission_reference)}", ""]

        out += ["## Action plans", ""]
        if not plans:
            out += ["No action plan yet.", ""]
        for plan in plans:
            status = f"completed on {_local_day(plan.completed_at)}" if plan.completed_at else "not yet complete"
            out += [f"### Action plan for {_md_inline(plan.cohort_name)}", "", f"Due {_day(plan.due_on)}; {status}.", ""]
            out += ["**The problem**", "", _md(plan.problem), ""]
            for skey, title, fields in STAGES:
                out += [f"#### {title}", ""]
                saved = plan.stages.get(skey)
                if saved is None:
                    out += ["*Not written yet*", ""]
                    continue
                for field, question in fields:
                    value = saved.get(field)
                    if field == "cited_entries":
                        if value:
                            out += [f"**{question}**", "", *(f"- {_md_inline(v)}" for v in value), ""]
                    elif value:
                        out += [f"**{question}**", "", _md(value), ""]
        return "\n".join(out).rstrip() + "\n"

