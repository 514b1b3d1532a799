"""The figures of one month's board report, as the report, the charts and the chat use them.

Every figure is a plain number with a label, for the month and for the year to date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from domain.clock import london_today

__all__ = ["BadMonth", "Figure", "MonthTrend", "MonthFigures", "Number", "format_value", "parse_month"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")

Number = int | float | None


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
    today = today or london_today()
    first = date(year, month, 1)
    if first > today:
        raise BadMonth(f"{first:%B %Y} has not begun yet; the latest month is {today:%B %Y}.")
    return first
