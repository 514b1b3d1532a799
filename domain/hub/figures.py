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

from datetime import date, datetime
from typing import Callable

from domain.clock import aware, london_day, utcnow
from domain.db import Database
from domain.hub.figures_count import (
    ADDRESSED,
    ITEM_LABELS,
    Period,
    Table,
    count_academy,
    count_assessments,
    count_following,
    count_knowledge,
    count_submissions,
    count_triage,
    next_month,
)
from domain.hub.figures_month import (
    BadMonth,
    Figure,
    MonthFigures,
    MonthTrend,
    Number,
    format_value,
    parse_month,
)

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
    "Following: officers who follow at least one crime type or area and who began before the end of "
    "the month reported (those who have stopped are not counted); updates are the new submissions and "
    "moves to response or closed told to them, in a digest or as they happened.",
    "Knowledge questions are new searches: filters and 'more results' on an earlier search are not "
    "counted again. No good match: nothing was close enough to show with confidence. Feedback is "
    "counted when given, on any results page; helpful is its share saying the results helped.",
)


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
    now = aware(clock())
    end = next_month(month)
    this, year = Period(month, end), Period(date(month.year, 1, 1), end)
    months = [Period(date(month.year, m, 1), next_month(date(month.year, m, 1))) for m in range(1, month.month + 1)]
    table = Table()
    with database.session() as session:
        kinds = count_submissions(session, table, this, year, months)
        count_triage(session, table, this, year)
        count_academy(session, table, this, year, min(end, london_day(now)))
        count_assessments(session, table, this, year)
        count_following(session, table, this, year)
        knowledge = count_knowledge(session, table, this, year, months)
    trend = tuple(
        MonthTrend(period.start, kinds[i], *knowledge[i]) for i, period in enumerate(months)
    )
    return MonthFigures(month, now, tuple(table.figures), trend)
