"""How each section of the board report is counted from the records.

Months are calendar months in UK time (Europe/London). Figures about where things stood
(status, addressed, plans done or overdue) are taken at the end of the month, from the
records' history, so a report run again later gives the same numbers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Callable, Iterable, Unpack

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from domain.academy import ITEM_NAMES, ITEMS
from domain.clock import LONDON, aware
from domain.hub.figures_month import Figure, Number
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
)
from domain.portal import Kind, Status
from domain.portal.follows import count_follows

__all__ = [
    "ADDRESSED",
    "ITEM_LABELS",
    "Period",
    "Table",
    "next_month",
    "count_submissions",
    "count_triage",
    "count_academy",
    "count_assessments",
    "count_knowledge",
    "count_following",
]

# A submission is addressed once the Hub has given its response: it reached the response
# or assessment stage of SARA, or was closed.
ADDRESSED = frozenset({Status.RESPONSE.value, Status.ASSESSMENT.value, Status.CLOSED.value})

# The self-assessment statements as the board reads them (PRODUCT.md's names).
ITEM_LABELS: dict[str, str] = ITEM_NAMES


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    """The start of ``day`` in UK time, as UTC."""
    return datetime.combine(day, time(), LONDON).astimezone(timezone.utc)


@dataclass(frozen=True)
class Period:
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
        return self.since <= aware(moment) < self.until

    def holds_day(self, day: date) -> bool:
        return self.start <= day < self.end


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(values: list[float], how: Callable[[list[float]], float]) -> float | None:
    return round(how(values), 1) if values else None


class Table:
    """The figures as they are added, in order."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def add(self, key: str, section: str, label: str, month: Number, year: Number) -> None:
        self.figures.append(Figure(key, section, label, month, year))


def _in(column: ColumnElement[Any] | InstrumentedAttribute[datetime], period: Period) -> ColumnElement[bool]:
    """A condition: ``column`` falls in ``period``."""
    return and_(column >= period.since, column < period.until)


def _counted(table: Table, key: str, section: str, this: Counter[str], year: Counter[str],
             names: Iterable[tuple[str, str]]) -> None:
    for name, shown in names:
        table.add(f"{key}.{name}", section, shown, this[name], year[name])


def count_submissions(
    session: Session, table: Table, this: Period, year: Period, months: list[Period]
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

    def count(period: Period) -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = {name: Counter() for name in ("kind", "crime", "area", "status", "total")}
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


def count_triage(session: Session, table: Table, this: Period, year: Period) -> None:
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

    def days(period: Period) -> list[float]:
        return [
            (aware(row.at) - aware(row.created_at)).total_seconds() / 86400
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


def count_following(session: Session, table: Table, this: Period, year: Period) -> None:
    """Officers following crime types or areas at the end of the period, and the updates
    they were told."""
    (followers, told), (_, told_year) = (count_follows(session, p.since, p.until) for p in (this, year))
    section = "Following"
    table.add("following.followers", section, "Officers following a crime type or area", followers, followers)
    table.add("following.updates", section, "Updates told to followers", told, told_year)


def count_academy(session: Session, table: Table, this: Period, year: Period, as_of: date) -> None:
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

    def runs(row: Row[Unpack[tuple[Any, ...]]], period: Period) -> bool:
        return bool(row.starts_on < period.end and row.ends_on >= period.start)

    def plans(period: Period) -> tuple[int, int, int]:
        owed = [row for row in people if period.holds_day(row.plan_due_on)]
        done = [row.completed_at is not None and aware(row.completed_at) < year.until for row in owed]
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


def count_assessments(session: Session, table: Table, this: Period, year: Period) -> None:
    """The average change per self-assessment statement, after minus before."""
    before, after = aliased(AcademyAssessment), aliased(AcademyAssessment)
    rows = session.execute(
        select(after.saved_at, before.scores.label("before"), after.scores.label("after"))
        .join(before, and_(before.aad_object_id == after.aad_object_id, before.cohort_id == after.cohort_id,
                           before.phase == "before"))
        .where(after.phase == "after", _in(after.saved_at, year))
    ).all()

    def change(period: Period, item: str) -> float | None:
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


def count_knowledge(
    session: Session, table: Table, this: Period, year: Period, months: list[Period]
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

    def figures(period: Period) -> tuple[int, int, int, int]:
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
