"""The monthly board report's figures: what the Portal, the Hub, the Academy and the
"what works" search did in a month and in the year to date.

The Prevention First superintendent reports monthly to the strategic board: how many
submissions came in and how many the Hub addressed, how quickly it triaged them, how the
Academy's participants are getting on, and whether the evidence base answers officers'
questions. Every figure is a plain number with a label, for the month and for the year
to date, so that the CSV holds them all and the charts, the tables and the Teams summary
all come from the same numbers. ``DEFINITIONS`` says how each is counted, for the board.

Months are calendar months in UK time (Europe/London); the force's year starts on
1 January, so the year to date runs from 1 January to the end of the month reported.
Figures about where things stood (status, addressed, plans done or overdue) are taken
at the end of the month, from the records' history, so a report run again later gives
the same numbers.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from domain.academy import ITEM_NAMES, ITEMS
from domain.db import Database
from domain.models import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyReflection,
    EvidenceRequest,
    SearchFeedback,
    SearchQuery,
    Submission,
    SubmissionHistory,
    utcnow,
)
from domain.portal.submissions import Kind, Status

__all__ = [
    "ADDRESSED",
    "DEFINITIONS",
    "ITEM_LABELS",
    "BadMonth",
    "Figure",
    "MonthTrend",
    "MonthFigures",
    "Number",
    "format_value",
    "monthly_figures",
    "parse_month",
]

_LONDON = ZoneInfo("Europe/London")
_MONTH = re.compile(r"(\d{4})-(\d{2})")

Number = int | float | None

# A submission is addressed once the Hub has given its response: it reached the response
# or assessment stage of SARA, or was closed.
ADDRESSED = frozenset({Status.RESPONSE.value, Status.ASSESSMENT.value, Status.CLOSED.value})

# The self-assessment statements as the board reads them (PRODUCT.md's names).
ITEM_LABELS: dict[str, str] = ITEM_NAMES

DEFINITIONS: tuple[str, ...] = (
    "Months are calendar months in UK time. The force's year starts on 1 January: the year to date "
    "runs from 1 January to the end of the month reported.",
    "Submissions are counted in the period they were received. A submission with several crime types "
    "counts once under each; one with none is 'not crime specific'.",
    "Status is each submission's status at the end of the month reported, from its history.",
    "Addressed: the submission reached the response or assessment stage, or was closed, by the end of "
    "the month reported. The share is of the submissions received in the period.",
    "Time to triage: days from receipt to the Hub's first decision on a submission (triaged, more "
    "information needed, merged or declined), for the submissions first decided in the period.",
    "Academy participants: the people enrolled in cohorts whose course dates fall at least partly in "
    "the period, each counted once.",
    "Action plans due: one for each participant of a cohort whose plan due date falls in the period. "
    "Done: completed by the end of the month reported. Overdue: past the due date and not completed. "
    "Completion is done as a share of due.",
    "Journal entries and six-hats reflections are counted when written.",
    "Self-assessment change: after minus before on the 1 to 5 scale, averaged over the participants "
    "who saved their after-course answers in the period and have before-course answers for the same "
    "cohort.",
    "Knowledge questions are new searches: filters and 'more results' on an earlier search are not "
    "counted again. No good match: nothing was close enough to show with confidence. Feedback is "
    "counted when given, on any results page; helpful is its share saying the results helped.",
)


class BadMonth(ValueError):
    """The month asked for is not one the report can cover; the message says why."""


@dataclass(frozen=True)
class Figure:
    """One figure of the report, for the month and for the year to date.

    ``key`` is stable ("submissions.kind.idea") for code and tests; ``section`` and
    ``label`` are what the board reads. A value is None where there is nothing to work
    it out from (the median of no triage times, the share of no questions).
    """

    key: str
    section: str
    label: str
    month: Number
    year: Number


@dataclass(frozen=True)
class MonthTrend:
    """One month of the year so far, for the charts drawn month by month.

    ``submissions`` is received submissions by kind value; the knowledge figures are
    counted as in the report.
    """

    month: date
    submissions: dict[str, int]
    queries: int
    no_match_pct: float | None
    feedback: int
    helpful_pct: float | None


@dataclass(frozen=True)
class MonthFigures:
    """Every figure of one month's board report, with the year so far month by month."""

    month: date
    generated_at: datetime
    figures: tuple[Figure, ...]
    trend: tuple[MonthTrend, ...]

    @property
    def year_start(self) -> date:
        """1 January of the month's year: where the year to date starts."""
        return date(self.month.year, 1, 1)

    @property
    def title(self) -> str:
        """The month as the board reads it: "October 2026"."""
        return f"{self.month:%B %Y}"

    def figure(self, key: str) -> Figure:
        """The figure with this key.

        Raises:
            KeyError: there is no such figure.
        """
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def sections(self) -> list[tuple[str, list[Figure]]]:
        """The figures grouped by section, in the report's order."""
        grouped: dict[str, list[Figure]] = {}
        for figure in self.figures:
            grouped.setdefault(figure.section, []).append(figure)
        return list(grouped.items())

    def summary_lines(self) -> list[str]:
        """A few lines for the Teams card: submissions, addressed, triage, no match, overdue."""
        received = self.figure("submissions.received")
        addressed = self.figure("submissions.addressed")
        share = self.figure("submissions.addressed_pct").month
        median = self.figure("triage.median_days").month
        queries = self.figure("knowledge.queries").month
        no_match = self.figure("knowledge.no_match_pct").month
        overdue = self.figure("academy.plans_overdue")
        return [
            f"Submissions this month: {received.month} ({received.year} so far this year)",
            f"Addressed: {addressed.month} of {received.month}"
            + (f" ({format_value(share)}%)" if share is not None else ""),
            f"Median days to triage: {format_value(median)}" if median is not None
            else "Median days to triage: none triaged this month",
            f"Knowledge questions with no good match: {format_value(no_match)}% of {queries}"
            if no_match is not None else "Knowledge questions with no good match: no questions this month",
            f"Action plans overdue: {overdue.month} this month ({overdue.year} this year)",
        ]


def format_value(value: Number) -> str:
    """A figure as text: whole numbers plain, others as rounded; empty for None."""
    if value is None:
        return ""
    if isinstance(value, int) or value == 0:
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def parse_month(text: str, *, today: date | None = None) -> date:
    """The first day of the month written ``YYYY-MM`` ("2026-10").

    Raises:
        BadMonth: it is not written YYYY-MM, is not a real month, or has not begun by
            ``today`` (the force's date, in UK time, when not given).
    """
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise BadMonth(f"'{text}' is not a month: write it as YYYY-MM, for example 2026-10.")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 2000:
        raise BadMonth(f"'{text}' is not a month: write it as YYYY-MM, for example 2026-10.")
    today = today or datetime.now(_LONDON).date()
    first = date(year, month, 1)
    if first > today:
        raise BadMonth(f"{first:%B %Y} has not begun yet; the latest month is {today:%B %Y}.")
    return first


# --- periods -----------------------------------------------------------------------------


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    """The start of ``day`` in UK time, as UTC."""
    return datetime.combine(day, time(), _LONDON).astimezone(timezone.utc)


def _aware(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class _Period:
    """Days ``start`` up to ``end`` (not included), and the same as UTC moments."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return _midnight(self.start)

    @property
    def until(self) -> datetime:
        return _midnight(self.end)

    def holds(self, moment: datetime) -> bool:
        return self.since <= _aware(moment) < self.until

    def holds_day(self, day: date) -> bool:
        return self.start <= day < self.end


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(values: list[float], how: Callable[[list[float]], float]) -> float | None:
    return round(how(values), 1) if values else None


class _Table:
    """The figures as they are added, in order."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def add(self, key: str, section: str, label: str, month: Number, year: Number) -> None:
        self.figures.append(Figure(key, section, label, month, year))


# --- the figures -------------------------------------------------------------------------


def monthly_figures(
    database: Database, month: date, *, clock: Callable[[], datetime] = utcnow
) -> MonthFigures:
    """Every figure of the board report for ``month`` (its first day) and the year to date.

    ``clock`` gives the time of the report: a plan is overdue only once its due date has
    passed, so in a month not yet over, plans due later in it are not overdue yet.

    Raises:
        BadMonth: ``month`` is not the first day of a month.
    """
    if month.day != 1:
        raise BadMonth(f"A report covers a whole month: give its first day, not {month.isoformat()}.")
    now = _aware(clock())
    end = _next_month(month)
    this, year = _Period(month, end), _Period(date(month.year, 1, 1), end)
    months = [_Period(date(month.year, m, 1), _next_month(date(month.year, m, 1))) for m in range(1, month.month + 1)]
    table = _Table()
    with database.session() as session:
        kinds = _submissions(session, table, this, year, months)
        _triage(session, table, this, year)
        _academy(session, table, this, year, min(end, now.astimezone(_LONDON).date()))
        _assessments(session, table, this, year)
        knowledge = _knowledge(session, table, this, year, months)
    trend = tuple(
        MonthTrend(period.start, kinds[i], *knowledge[i]) for i, period in enumerate(months)
    )
    return MonthFigures(month, now, tuple(table.figures), trend)


def _in(column, period: _Period):  # type: ignore[no-untyped-def]
    return and_(column >= period.since, column < period.until)


def _counted(table: _Table, key: str, section: str, this: Counter, year: Counter,
             names: Iterable[tuple[str, str]]) -> None:
    for name, shown in names:
        table.add(f"{key}.{name}", section, shown, this[name], year[name])


def _submissions(
    session: Session, table: _Table, this: _Period, year: _Period, months: list[_Period]
) -> list[dict[str, int]]:
    """Submissions received by kind, crime type, area and status; how many were addressed."""
    rows = session.execute(
        select(Submission.id, Submission.kind, Submission.crime_types, Submission.area, Submission.created_at)
        .where(_in(Submission.created_at, year))
    ).all()
    status: dict[int, str] = {}
    addressed: set[int] = set()
    history = session.execute(
        select(SubmissionHistory.submission_id, SubmissionHistory.to_status)
        .join(Submission, Submission.id == SubmissionHistory.submission_id)
        .where(_in(Submission.created_at, year), SubmissionHistory.at < year.until)
        .order_by(SubmissionHistory.at, SubmissionHistory.id)
    ).all()
    for entry in history:
        status[entry.submission_id] = entry.to_status
        if entry.to_status in ADDRESSED:
            addressed.add(entry.submission_id)

    def count(period: _Period) -> dict[str, Counter]:
        counts: dict[str, Counter] = {name: Counter() for name in ("kind", "crime", "area", "status", "total")}
        for row in rows:
            if not period.holds(row.created_at):
                continue
            counts["total"]["all"] += 1
            counts["total"]["addressed"] += row.id in addressed
            counts["kind"][row.kind] += 1
            counts["crime"].update(set(row.crime_types or ()) or {""})
            counts["area"][row.area] += 1
            counts["status"][status.get(row.id, Status.RECEIVED.value)] += 1
        return counts

    m, y = count(this), count(year)
    section = "Submissions"
    table.add("submissions.received", section, "Submissions received", m["total"]["all"], y["total"]["all"])
    table.add("submissions.addressed", section, "Addressed (reached response, assessment or closed)",
              m["total"]["addressed"], y["total"]["addressed"])
    table.add("submissions.addressed_pct", section, "Addressed (% of received)",
              _pct(m["total"]["addressed"], m["total"]["all"]), _pct(y["total"]["addressed"], y["total"]["all"]))
    _counted(table, "submissions.kind", "Submissions by kind", m["kind"], y["kind"],
             [(kind.value, kind.label) for kind in Kind])
    crimes = sorted((c for c in y["crime"] if c), key=lambda c: (-y["crime"][c], c))
    _counted(table, "submissions.crime_type", "Submissions by crime type", m["crime"], y["crime"],
             [(c, c) for c in crimes])
    table.add("submissions.crime_type.none", "Submissions by crime type", "Not crime specific",
              m["crime"][""], y["crime"][""])
    areas = sorted(y["area"], key=lambda a: (-y["area"][a], a))
    _counted(table, "submissions.area", "Submissions by area", m["area"], y["area"], [(a, a) for a in areas])
    _counted(table, "submissions.status", "Submissions by status at the end of the month",
             m["status"], y["status"], [(s.value, s.label) for s in Status])
    return [
        {kind.value: sum(1 for row in rows if row.kind == kind.value and p.holds(row.created_at)) for kind in Kind}
        for p in months
    ]


def _triage(session: Session, table: _Table, this: _Period, year: _Period) -> None:
    """Days from receipt to the Hub's first decision, for submissions first decided in the period."""
    first = (
        select(SubmissionHistory.submission_id, func.min(SubmissionHistory.at).label("at"))
        .where(SubmissionHistory.to_status != Status.RECEIVED.value)
        .group_by(SubmissionHistory.submission_id)
        .subquery()
    )
    rows = session.execute(
        select(Submission.created_at, first.c.at)
        .join(first, first.c.submission_id == Submission.id)
        .where(_in(first.c.at, year))
    ).all()

    def days(period: _Period) -> list[float]:
        return [
            (_aware(row.at) - _aware(row.created_at)).total_seconds() / 86400
            for row in rows
            if period.holds(row.at)
        ]

    m, y = days(this), days(year)
    section = "Time to triage"
    table.add("triage.count", section, "Submissions given a first triage decision", len(m), len(y))
    table.add("triage.median_days", section, "Median days from receipt to first triage decision",
              _days(m, statistics.median), _days(y, statistics.median))
    table.add("triage.mean_days", section, "Mean days from receipt to first triage decision",
              _days(m, statistics.fmean), _days(y, statistics.fmean))


def _academy(session: Session, table: _Table, this: _Period, year: _Period, as_of: date) -> None:
    """Participation, action plans due, done and overdue, journal entries and reflections.

    ``as_of`` is the day the plans are judged on: the day after the month, or today if
    the month is not over.
    """
    cohort = AcademyCohort
    running = and_(cohort.starts_on < year.end, cohort.ends_on >= year.start)
    due = and_(cohort.plan_due_on >= year.start, cohort.plan_due_on < year.end)
    cohorts = session.execute(select(cohort.id, cohort.starts_on, cohort.ends_on).where(running)).all()
    people = session.execute(
        select(cohort.id, cohort.starts_on, cohort.ends_on, cohort.plan_due_on,
               AcademyEnrolment.aad_object_id, AcademyPlan.completed_at)
        .join(AcademyEnrolment, AcademyEnrolment.cohort_id == cohort.id)
        .outerjoin(AcademyPlan, and_(AcademyPlan.cohort_id == cohort.id,
                                     AcademyPlan.aad_object_id == AcademyEnrolment.aad_object_id))
        .where(or_(running, due))
    ).all()
    journals = session.scalars(select(AcademyJournalEntry.created_at).where(_in(AcademyJournalEntry.created_at, year))).all()
    reflections = session.scalars(select(AcademyReflection.created_at).where(_in(AcademyReflection.created_at, year))).all()

    def runs(row, period: _Period) -> bool:  # type: ignore[no-untyped-def]
        return row.starts_on < period.end and row.ends_on >= period.start

    def plans(period: _Period) -> tuple[int, int, int]:
        owed = [row for row in people if period.holds_day(row.plan_due_on)]
        done = [row.completed_at is not None and _aware(row.completed_at) < year.until for row in owed]
        overdue = sum(not finished and row.plan_due_on < as_of for row, finished in zip(owed, done))
        return len(owed), sum(done), overdue

    section = "Academy"
    table.add("academy.cohorts", section, "Cohorts running",
              sum(runs(row, this) for row in cohorts), sum(runs(row, year) for row in cohorts))
    table.add("academy.participants", section, "Participants in cohorts running",
              len({row.aad_object_id for row in people if runs(row, this)}),
              len({row.aad_object_id for row in people if runs(row, year)}))
    (m_due, m_done, m_over), (y_due, y_done, y_over) = plans(this), plans(year)
    table.add("academy.plans_due", section, "Action plans due", m_due, y_due)
    table.add("academy.plans_done", section, "Action plans due and done", m_done, y_done)
    table.add("academy.plans_overdue", section, "Action plans overdue", m_over, y_over)
    table.add("academy.completion_pct", section, "Action plan completion (% of due)",
              _pct(m_done, m_due), _pct(y_done, y_due))
    table.add("academy.journal_entries", section, "Journal entries written",
              sum(this.holds(at) for at in journals), len(journals))
    table.add("academy.reflections", section, "Six-hats reflections written",
              sum(this.holds(at) for at in reflections), len(reflections))


def _assessments(session: Session, table: _Table, this: _Period, year: _Period) -> None:
    """The average change per self-assessment statement, after minus before."""
    before, after = aliased(AcademyAssessment), aliased(AcademyAssessment)
    rows = session.execute(
        select(after.saved_at, before.scores.label("before"), after.scores.label("after"))
        .join(before, and_(before.aad_object_id == after.aad_object_id, before.cohort_id == after.cohort_id,
                           before.phase == "before"))
        .where(after.phase == "after", _in(after.saved_at, year))
    ).all()

    def change(period: _Period, item: str) -> float | None:
        moves = [
            row.after[item] - row.before[item]
            for row in rows
            if period.holds(row.saved_at) and item in row.after and item in row.before
        ]
        return round(statistics.fmean(moves), 2) if moves else None

    section = "Self-assessment change"
    table.add("assessment.people", section, "Participants with before and after answers",
              sum(this.holds(row.saved_at) for row in rows), len(rows))
    for item, _ in ITEMS:
        table.add(f"assessment.change.{item}", section, f"Average change: {ITEM_LABELS.get(item, item)}",
                  change(this, item), change(year, item))


def _knowledge(
    session: Session, table: _Table, this: _Period, year: _Period, months: list[_Period]
) -> list[tuple[int, float | None, int, float | None]]:
    """Questions asked, how many had no good match, and the feedback on the results."""
    queries = session.execute(
        select(SearchQuery.asked_at, SearchQuery.no_good_match).where(
            _in(SearchQuery.asked_at, year), SearchQuery.refines_id.is_(None), SearchQuery.offset == 0
        )
    ).all()
    feedback = session.execute(
        select(SearchFeedback.created_at, SearchFeedback.helpful).where(_in(SearchFeedback.created_at, year))
    ).all()
    requests = session.scalars(select(EvidenceRequest.created_at).where(_in(EvidenceRequest.created_at, year))).all()

    def figures(period: _Period) -> tuple[int, int, int, int]:
        asked = [row for row in queries if period.holds(row.asked_at)]
        answers = [row for row in feedback if period.holds(row.created_at)]
        return (len(asked), sum(row.no_good_match for row in asked),
                len(answers), sum(row.helpful for row in answers))

    (mq, mn, mf, mh), (yq, yn, yf, yh) = figures(this), figures(year)
    section = "Knowledge"
    table.add("knowledge.queries", section, "Questions asked (new searches)", mq, yq)
    table.add("knowledge.no_match", section, "Questions with no good match", mn, yn)
    table.add("knowledge.no_match_pct", section, "No good match (% of questions)", _pct(mn, mq), _pct(yn, yq))
    table.add("knowledge.feedback", section, "Feedback given on results", mf, yf)
    table.add("knowledge.helpful", section, "Feedback saying helpful", mh, yh)
    table.add("knowledge.helpful_pct", section, "Helpful (% of feedback)", _pct(mh, mf), _pct(yh, yf))
    table.add("knowledge.evidence_requests", section, "Requests to the Hub for evidence",
              sum(this.holds(at) for at in requests), len(requests))
    trend = []
    for period in months:
        q, n, f, h = figures(period)
        trend.append((q, _pct(n, q), f, _pct(h, f)))
    return trend
