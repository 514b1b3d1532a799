"""The Academy: cohorts of the Prevention First courses and each participant's reflective
practice - self-assessment, daily journal, six-hats reflections and SARA action plan.

Hub staff create cohorts (a module and the course dates) and enrol people by command or by
CSV import, reported line by line; an enrolment by someone other than the participant is
written to the audit log in the same transaction. A participant answers the same seven
statements before and after their course and sees the change item by item; keeps a journal
following Gibbs' reflective cycle, with a streak of consecutive days; thinks a topic through
de Bono's six thinking hats; and works one problem through SARA in an action plan, due three
calendar months after the course ends. Everything a participant writes can be exported for
them as a Markdown document.

Every read takes the Azure AD object id of the person asking and returns only their own
records: another person's plan or reflection does not exist to them. The caller checks that
whoever creates cohorts or enrols people is Hub staff. Sending prompts and reminders is the
scheduler's work; this package keeps the records and gives it the dates.

The package's rooms: ``questions`` (what is asked), ``records`` (records, enums and errors),
``cohorts`` and ``csv_import`` (cohorts and enrolment), ``progress``, ``assessment``,
``journal``, ``reflections``, ``plans``, ``export``, ``prompt_schedule`` and ``prompt_settings``
(each participant's prompt time, pause, quiet hours and snooze), and ``service`` (:class:`Academy`,
which combines them).
"""

from __future__ import annotations

from domain.academy.answers import MAX_TEXT
from domain.academy.cohorts import ENROL_ACTION
from domain.academy.csv_import import CSV_COLUMNS
from domain.academy.dates import parse_date, plan_due_date
from domain.academy.prompt_schedule import PromptSettings, Timing
from domain.academy.questions import GIBBS, HATS, ITEM_NAMES, ITEMS, SCALE, STAGES
from domain.academy.records import (
    AcademyError,
    Assessment,
    Cohort,
    CohortExists,
    CsvError,
    CsvLine,
    CsvReport,
    Due,
    InvalidAnswer,
    ItemChange,
    JournalEntry,
    JournalPage,
    Module,
    NotEnrolled,
    NotFound,
    ParticipantView,
    Phase,
    Plan,
    PlanExists,
    PlanIncomplete,
    Reflection,
    UnknownUser,
)
from domain.academy.service import Academy

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
    "ENROL_ACTION",
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
    "PromptSettings",
    "Timing",
]
