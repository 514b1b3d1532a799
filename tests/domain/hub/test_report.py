"""The monthly board report: every figure of a seeded month and of its year to date equals
the fixture's known counts (records in other months and years left out), the charts are
PNG files, the HTML page holds every figure with its charts inside and fetches nothing,
the CSV has every figure, and the command line refuses a bad month with exit code 2."""

from __future__ import annotations

import base64
import csv
import statistics
import subprocess
import sys
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from domain.hub.report import build_report, main
from domain.academy import ITEMS, STAGES, Academy, Module
from domain.db import Database
from domain.models import EvidenceRequest, SearchFeedback, SearchQuery
from domain.hub.figures import BadMonth, format_value, monthly_figures, parse_month
from domain.portal import Kind, NewSubmission, Submissions
from domain.portal.follows import Follows, Topic
from domain.users import Users

PROJECT_ROOT = Path(__file__).resolve().parents[3]
OCTOBER = date(2026, 10, 1)
HUB = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
OFFICER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
P = {n: f"0b6f1b3c-7777-4a4a-9b9b-{n:012d}" for n in range(1, 10)}  # Academy participants
AFTER_OCTOBER = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def _at(text: str) -> datetime:
    """A UTC moment written "2026-10-05 09:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


class Clock:
    """A settable clock for the services, so records carry the fixture's dates."""

    def __init__(self) -> None:
        self.now = AFTER_OCTOBER

    def __call__(self) -> datetime:
        return self.now

    def at(self, text: str) -> "Clock":
        self.now = _at(text)
        return self


# --- the fixture -------------------------------------------------------------------------

# (received UTC, kind, crime types, area, [(UTC, status, merged into), ...]).
# S2 is received at 23:30 on 30 September UTC, still September in UK time; S3 an hour
# later, 00:30 on 1 October in UK time. S9 moves on in November, after the month.
SUBMISSIONS = {
    "S0": ("2025-12-30 10:00", Kind.IDEA, ["asb"], "North", [("2026-01-02 10:00", "triaged")]),
    "S1": ("2026-03-10 09:00", Kind.IDEA, ["burglary-residential"], "North", [
        ("2026-03-11 09:00", "triaged"), ("2026-03-20 09:00", "scanning"), ("2026-03-25 09:00", "analysis"),
        ("2026-04-01 09:00", "response"), ("2026-05-01 09:00", "closed")]),
    "S2": ("2026-09-30 22:30", Kind.PROBLEM, ["asb"], "South", []),
    "S3": ("2026-09-30 23:30", Kind.PROBLEM, ["asb", "asb", "criminal-damage"], "South", [
        ("2026-10-02 12:30", "triaged")]),
    "S4": ("2026-10-05 09:00", Kind.IDEA, ["burglary-residential"], "North", [
        ("2026-10-05 21:00", "triaged"), ("2026-10-08 09:00", "scanning"), ("2026-10-12 09:00", "analysis"),
        ("2026-10-20 09:00", "response"), ("2026-10-24 09:00", "assessment"), ("2026-10-28 09:00", "closed")]),
    "S5": ("2026-10-06 09:00", Kind.INITIATIVE, [], "Force-wide", [
        ("2026-10-08 09:00", "more-information-needed"), ("2026-10-09 09:00", "received"),
        ("2026-10-10 09:00", "triaged")]),
    "S6": ("2026-10-07 09:00", Kind.EVIDENCE_REQUEST, ["asb"], "South", [("2026-10-07 15:00", "declined")]),
    "S7": ("2026-10-12 09:00", Kind.PROBLEM, ["asb"], "North", [
        ("2026-10-15 09:00", "triaged"), ("2026-10-16 09:00", "closed")]),
    "S8": ("2026-10-20 09:00", Kind.IDEA, ["criminal-damage"], "South", [("2026-10-21 09:00", "merged")]),
    "S9": ("2026-10-30 09:00", Kind.PROBLEM, [], "North", [
        ("2026-11-02 09:00", "triaged"), ("2026-11-03 09:00", "scanning"), ("2026-11-04 09:00", "analysis"),
        ("2026-11-05 09:00", "response")]),
    "S10": ("2026-11-03 09:00", Kind.IDEA, ["asb"], "North", []),
}

# name: (module, starts, ends, participants, {participant: plan completed at, None if started})
COHORTS = {
    "Specialist December": (Module.SPECIALIST, date(2025, 12, 1), date(2025, 12, 5), [9], {}),
    "Practitioner March": (Module.PRACTITIONER, date(2026, 3, 2), date(2026, 3, 6), [7, 8],
                           {7: "2026-06-01 10:00"}),
    "Foundation July": (Module.FOUNDATION, date(2026, 7, 6), date(2026, 7, 10), [1, 4, 5, 6],
                        {4: "2026-10-08 10:00", 5: "2026-09-20 10:00", 6: "2026-11-05 10:00"}),
    "Leaders October": (Module.LEADERSHIP, date(2026, 10, 5), date(2026, 10, 9), [1, 2, 3], {}),
    "Leaders November": (Module.LEADERSHIP, date(2026, 11, 2), date(2026, 11, 6), [2], {}),
}

# (participant, cohort, before scores, after scores or None, after saved at)
_ALL = {key: 3 for key, _ in ITEMS}
ASSESSMENTS = [
    (1, "Leaders October", {k: 2 for k in _ALL}, {**{k: 3 for k in _ALL}, "sara": 4}, "2026-10-09 16:00"),
    (2, "Leaders October", _ALL, {**{k: 4 for k in _ALL}, "sara": 3, "evidence": 5}, "2026-10-09 16:00"),
    (3, "Leaders October", _ALL, None, None),
    (7, "Practitioner March", {k: 4 for k in _ALL}, {k: 3 for k in _ALL}, "2026-03-06 16:00"),
    (2, "Leaders November", _ALL, {k: 5 for k in _ALL}, "2026-11-06 16:00"),
]
JOURNALS = [(1, "2026-10-06 18:00"), (1, "2026-10-07 18:00"), (2, "2026-10-08 18:00"),
            (3, "2026-09-30 23:30"),  # 00:30 on 1 October in UK time
            (7, "2026-03-03 18:00"), (7, "2026-03-04 18:00"), (1, "2026-11-01 09:00"), (9, "2025-12-02 18:00")]
REFLECTIONS = [(1, "2026-10-09 12:00"), (2, "2026-10-30 12:00"), (7, "2026-03-05 12:00"), (1, "2026-11-02 12:00")]

# name: (asked at UTC, no good match, refines, offset, feedback (helpful, at) or None, evidence request at)
# British Summer Time ended on 25 October 2026, so 23:30 UTC on 31 October is still October.
QUERIES = {
    "q1": ("2026-10-02 09:00", False, None, 0, (True, "2026-10-02 09:01"), None),
    "q1-more": ("2026-10-02 09:02", False, "q1", 5, (True, "2026-10-02 09:03"), None),
    "q1-filter": ("2026-10-02 09:04", True, "q1", 0, None, None),
    "q2": ("2026-10-03 09:00", True, None, 0, (False, "2026-10-03 09:01"), "2026-10-03 09:02"),
    "q3": ("2026-10-10 09:00", False, None, 0, (True, "2026-10-10 09:01"), None),
    "q4": ("2026-10-31 23:30", False, None, 0, None, None),
    "q5": ("2026-10-15 09:00", True, None, 0, None, None),
    "q6": ("2026-02-10 09:00", True, None, 0, (False, "2026-02-10 09:01"), "2026-02-10 09:02"),
    "q7": ("2026-02-11 09:00", False, None, 0, None, None),
    "q8": ("2026-11-01 00:30", False, None, 0, (True, "2026-11-01 00:31"), None),
    "q9": ("2025-12-31 23:00", True, None, 0, (True, "2025-12-31 23:01"), "2025-12-31 23:02"),
}


# Followers: (follower, topic, followed at, digest taken at). F1's seven asb changes (S0, S2,
# S3, S6, S7 and S10 new; S7 closed) are told in October; F2's twelve North changes in
# November; F3 follows only from November.
FOLLOWERS = {
    "F1": (Topic("asb"), "2026-01-05 09:00", "2026-10-20 08:00"),
    "F2": (Topic(area="North"), "2026-10-03 09:00", "2026-11-04 08:00"),
    "F3": (Topic("criminal-damage"), "2026-11-10 09:00", None),
}
F = {name: f"0b6f1b3c-8888-4a4a-9b9b-{n:012d}" for n, name in enumerate(FOLLOWERS, 1)}


def _seed_submissions(db: Database, clock: Clock) -> None:
    follows = Follows(db, clock=clock)
    for name, (topic, at, _) in FOLLOWERS.items():
        follows.follow(F[name], [clock.at(at) and topic])
    service = Submissions(db, clock=clock, follows=follows)
    references: dict[str, str] = {}
    for name, (received, kind, crimes, area, _) in SUBMISSIONS.items():
        clock.at(received)
        new = NewSubmission(kind, f"Fixture {name}", "What, where, when.", crimes, area)
        references[name] = service.create(OFFICER, new).reference
    for name, (_, _, _, _, changes) in SUBMISSIONS.items():
        for moment, status in changes:
            clock.at(moment)
            into = references["S4"] if status == "merged" else None
            note = "Not for the Hub." if status == "declined" else None
            service.change_status(references[name], status, HUB, note, merged_into=into)
    for name, (_, _, taken) in FOLLOWERS.items():
        if taken is not None:
            clock.at(taken)
            assert follows.take(F[name], f"digest-{name}")


def _seed_academy(db: Database, clock: Clock) -> None:
    academy = Academy(db, clock=clock)
    cohorts = {}
    for name, (module, starts, ends, people, plans) in COHORTS.items():
        cohorts[name] = cohort = academy.create_cohort(name, module, starts, ends, created_by=HUB)
        for n in people:
            academy.enrol(cohort.id, P[n], by=HUB)
        for n, completed in plans.items():
            clock.at(f"{ends.isoformat()} 17:00")
            plan = academy.start_plan(P[n], cohort.id, "Repeat calls to the retail park")
            for stage, _, fields in STAGES:
                academy.save_stage(plan.id, P[n], stage, {f: "An answer" for f, _ in fields if f != "cited_entries"})
            if completed:
                clock.at(completed)
                academy.complete_plan(plan.id, P[n])
    for n, name, before, after, saved in ASSESSMENTS:
        clock.at(f"{cohorts[name].starts_on.isoformat()} 09:00")
        academy.save_assessment(P[n], cohorts[name].id, "before", before)
        if after is not None:
            clock.at(saved)
            academy.save_assessment(P[n], cohorts[name].id, "after", after)
    for n, moment in JOURNALS:
        clock.at(moment)
        academy.add_journal_entry(P[n], {"description": "A call about the skate park."}, written_on=clock.now.date())
    for n, moment in REFLECTIONS:
        clock.at(moment)
        academy.save_reflection(P[n], "Repeat calls", {"white": "40 calls since May."})


def _seed_searches(db: Database) -> None:
    ids: dict[str, int] = {}
    with db.session() as session:
        for name, (asked, no_match, refines, offset, feedback, request) in QUERIES.items():
            row = SearchQuery(
                aad_object_id=OFFICER, asked_at=_at(asked), text=f"Question {name}", offset=offset,
                refines_id=ids[refines] if refines else None, index_version="v1", no_good_match=no_match,
                best_similarity=0.3, shown=[],
            )
            session.add(row)
            session.flush()
            ids[name] = row.id
            if feedback is not None:
                session.add(SearchFeedback(query_id=row.id, aad_object_id=OFFICER, helpful=feedback[0],
                                           created_at=_at(feedback[1]), updated_at=_at(feedback[1])))
            if request is not None:
                session.add(EvidenceRequest(query_id=row.id, aad_object_id=OFFICER, text=row.text,
                                            created_at=_at(request)))


def seed(db: Database) -> None:
    """Every kind of record, in October 2026, earlier in 2026, in 2025 and in November 2026."""
    users = Users(db)
    for aad in [HUB, OFFICER, *P.values()]:
        users.seen(aad, "")
    clock = Clock()
    _seed_submissions(db, clock)
    _seed_academy(db, clock)
    _seed_searches(db)


@pytest.fixture
def seeded(db: Database) -> Database:
    seed(db)
    return db


@pytest.fixture
def seeded_sqlite(sqlite_db: Database) -> Database:
    seed(sqlite_db)
    return sqlite_db


@pytest.fixture
def report(seeded_sqlite: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_report(seeded_sqlite, "2026-10", tmp_path / "out", clock=lambda: AFTER_OCTOBER)


# --- the expected figures, from the fixture by hand ----------------------------------------


def _days(*hours: float) -> list[float]:
    return [h / 24 for h in hours]


# Hours from receipt to the first decision: S3 37, S4 12, S5 48 (more information), S6 6
# (declined), S7 72, S8 24 (merged) in October; S1 24 in March and S0 72 in January (received
# in 2025, but decided this year).
OCTOBER_TRIAGE = _days(37, 12, 48, 6, 72, 24)
YEAR_TRIAGE = OCTOBER_TRIAGE + _days(24, 72)


def _change(pairs: list[tuple[dict, dict]], item: str) -> float:
    return round(statistics.fmean(after[item] - before[item] for before, after in pairs), 2)


OCTOBER_PAIRS = [(a[2], a[3]) for a in ASSESSMENTS[:2]]
YEAR_PAIRS = OCTOBER_PAIRS + [(ASSESSMENTS[3][2], ASSESSMENTS[3][3])]

EXPECTED: dict[str, tuple[float | None, float | None]] = {
    "submissions.received": (7, 9),
    "submissions.addressed": (2, 3),  # S4 and S7 closed; S1 in the year; S9 only in November
    "submissions.addressed_pct": (28.6, 33.3),
    "submissions.kind.idea": (2, 3),
    "submissions.kind.initiative": (1, 1),
    "submissions.kind.problem": (3, 4),
    "submissions.kind.evidence-request": (1, 1),
    "submissions.crime_type.asb": (3, 4),
    "submissions.crime_type.burglary-residential": (1, 2),
    "submissions.crime_type.criminal-damage": (2, 2),
    "submissions.crime_type.none": (2, 2),
    "submissions.area.North": (3, 4),
    "submissions.area.South": (3, 4),
    "submissions.area.Force-wide": (1, 1),
    "submissions.status.received": (1, 2),
    "submissions.status.triaged": (2, 2),
    "submissions.status.more-information-needed": (0, 0),
    "submissions.status.scanning": (0, 0),
    "submissions.status.analysis": (0, 0),
    "submissions.status.response": (0, 0),
    "submissions.status.assessment": (0, 0),
    "submissions.status.closed": (2, 3),
    "submissions.status.merged": (1, 1),
    "submissions.status.declined": (1, 1),
    "triage.count": (6, 8),
    "triage.median_days": (round(statistics.median(OCTOBER_TRIAGE), 1), round(statistics.median(YEAR_TRIAGE), 1)),
    "triage.mean_days": (round(statistics.fmean(OCTOBER_TRIAGE), 1), round(statistics.fmean(YEAR_TRIAGE), 1)),
    "academy.cohorts": (1, 3),
    "academy.participants": (3, 8),
    # Due in October: Foundation July's four; done by P4 and P5 (in September); P1 never
    # started and P6 finished in November. In the year, Specialist December's one (March) and
    # Practitioner March's two (June) too, of which P7 finished.
    "academy.plans_due": (4, 7),
    "academy.plans_done": (2, 3),
    "academy.plans_overdue": (2, 4),
    "academy.completion_pct": (50.0, 42.9),
    "academy.journal_entries": (4, 6),
    "academy.reflections": (2, 3),
    "assessment.people": (2, 3),
    **{f"assessment.change.{k}": (_change(OCTOBER_PAIRS, k), _change(YEAR_PAIRS, k)) for k, _ in ITEMS},
    "knowledge.queries": (5, 7),  # q1, q2, q3, q4, q5; q6 and q7 in February
    "knowledge.no_match": (2, 3),
    "knowledge.no_match_pct": (40.0, 42.9),
    "knowledge.feedback": (4, 5),  # including the answer on q1's second page
    "knowledge.helpful": (3, 3),
    "knowledge.helpful_pct": (75.0, 60.0),
    "knowledge.evidence_requests": (1, 2),
    "following.followers": (2, 2),  # F1 and F2; F3 began in November
    "following.updates": (7, 7),  # F1's; F2's were told in November
}


# --- the figures ---------------------------------------------------------------------------


def test_every_figure_equals_the_fixture_for_the_month_and_the_year_to_date(seeded: Database) -> None:
    figures = monthly_figures(seeded, OCTOBER, clock=lambda: AFTER_OCTOBER)
    got = {f.key: (f.month, f.year) for f in figures.figures}
    assert got == EXPECTED
    assert EXPECTED["assessment.change.sara"] == (1.0, 0.33)
    assert EXPECTED["triage.median_days"] == (1.3, 1.3) and EXPECTED["triage.mean_days"] == (1.4, 1.5)
    assert [section for section, _ in figures.sections()][:2] == ["Submissions", "Submissions by kind"]


def test_the_year_so_far_is_counted_month_by_month_for_the_charts(seeded: Database) -> None:
    figures = monthly_figures(seeded, OCTOBER, clock=lambda: AFTER_OCTOBER)
    assert [row.month for row in figures.trend] == [date(2026, m, 1) for m in range(1, 11)]
    totals = {row.month.month: sum(row.submissions.values()) for row in figures.trend}
    assert totals == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1, 10: 7}
    assert figures.trend[-1].submissions == {"idea": 2, "initiative": 1, "problem": 3, "evidence-request": 1}
    february, october = figures.trend[1], figures.trend[-1]
    assert (february.queries, february.no_match_pct, february.feedback, february.helpful_pct) == (2, 50.0, 1, 0.0)
    assert (october.queries, october.no_match_pct, october.feedback, october.helpful_pct) == (5, 40.0, 4, 75.0)
    assert figures.trend[0].no_match_pct is None and figures.trend[0].helpful_pct is None


def test_in_a_month_not_yet_over_only_plans_past_their_due_date_are_overdue(sqlite_db: Database) -> None:
    seed(sqlite_db)
    # On 9 October, Foundation July's plans (due 10 October) are due but not yet overdue.
    figures = monthly_figures(sqlite_db, OCTOBER, clock=lambda: _at("2026-10-09 12:00"))
    assert (figures.figure("academy.plans_due").month, figures.figure("academy.plans_overdue").month) == (4, 0)
    assert figures.figure("academy.plans_overdue").year == 2  # P8 and P9, due in March and June


def test_the_summary_for_the_teams_card_gives_the_headline_figures(seeded_sqlite: Database) -> None:
    figures = monthly_figures(seeded_sqlite, OCTOBER, clock=lambda: AFTER_OCTOBER)
    assert figures.title == "October 2026"
    assert figures.summary_lines() == [
        "Submissions this month: 7 (9 so far this year)",
        "Addressed: 2 of 7 (28.6%)",
        "Median days to triage: 1.3",
        "Knowledge questions with no good match: 40% of 5",
        "Action plans overdue: 2 this month (4 this year)",
    ]


def test_a_month_with_nothing_in_it_has_empty_figures_and_no_charts(sqlite_db: Database, tmp_path: Path) -> None:
    files = build_report(sqlite_db, "2026-10", tmp_path, clock=lambda: AFTER_OCTOBER)
    assert files.charts == []
    assert files.summary.figure("submissions.received").month == 0
    assert files.summary.figure("triage.median_days").month is None
    assert "Median days to triage: none triaged this month" in files.summary.summary_lines()
    assert files.html.is_file() and files.csv.is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "is not a month"),
        ("2026/10", "is not a month"),
        ("October", "is not a month"),
        ("26-10", "is not a month"),
        ("2026-12", "December 2026 has not begun yet"),
    ],
)
def test_a_bad_month_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(BadMonth, match=message):
        parse_month(text, today=date(2026, 11, 26))
    assert parse_month(" 2026-11 ", today=date(2026, 11, 26)) == date(2026, 11, 1)


def test_figures_are_asked_for_from_the_first_of_a_month(sqlite_db: Database) -> None:
    with pytest.raises(BadMonth, match="give its first day"):
        monthly_figures(sqlite_db, date(2026, 10, 5))


# --- the files -----------------------------------------------------------------------------


def test_the_charts_are_png_files(report) -> None:  # type: ignore[no-untyped-def]
    names = [path.name for path in report.charts]
    assert names == [
        "chart-submissions-by-kind-2026-10.png",
        "chart-status-2026-10.png",
        "chart-academy-2026-10.png",
        "chart-self-assessment-2026-10.png",
        "chart-knowledge-2026-10.png",
    ]
    for path in report.charts:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 10_000
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.size[0] >= 600 and image.size[1] >= 300


class _Page(HTMLParser):
    """Every tag with its attributes, the table rows, and the image sources and alt texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self.images: list[dict[str, str | None]] = []
        self.style = ""
        self._cell: list[str] | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs))
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_style:
            self.style += data


def test_the_html_holds_every_figure_and_its_charts_and_fetches_nothing(report) -> None:  # type: ignore[no-untyped-def]
    text = report.html.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    tags = [tag for tag, _ in page.tags]
    assert tags[0] == "html" and page.tags[0][1]["lang"] == "en-GB"
    assert {"h1", "h2", "table", "caption", "th"} <= set(tags)
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(tags)
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name in ("src", "href", "srcset", "action", "data", "poster", "xlink:href") or name.startswith("on"):
                assert value is not None and value.startswith("data:image/png;base64,"), (tag, name)
            assert "http:" not in (value or "") and "https:" not in (value or ""), (tag, name)
    assert "url(" not in page.style and "@import" not in page.style and "@font-face" not in page.style
    assert "http" not in page.style

    assert len(page.images) == len(report.charts) == 5
    for image, path in zip(page.images, report.charts):
        assert image["src"] == "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
        assert image["alt"] and len(image["alt"]) > 60
    assert "October: 7" in page.images[0]["alt"]

    rows = {row[0]: row[1:] for row in page.rows if len(row) == 3}
    for figure in report.summary.figures:
        shown = [format_value(v) if v is not None else "n/a" for v in (figure.month, figure.year)]
        assert rows[figure.label] == shown, figure.key
    for line in report.summary.summary_lines():
        assert line in text


def test_the_csv_has_a_row_for_every_figure(report) -> None:  # type: ignore[no-untyped-def]
    assert report.csv.name == "figures-2026-10.csv"
    with report.csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["section", "figure", "month", "year_to_date"]
    assert len(rows) == 1 + len(report.summary.figures) == 1 + len(EXPECTED)
    for row, figure in zip(rows[1:], report.summary.figures):
        assert row == [figure.section, figure.label, format_value(figure.month), format_value(figure.year)]
    values = {row[1]: row[2:] for row in rows[1:]}
    assert values["Submissions received"] == ["7", "9"]
    assert values["Median days from receipt to first triage decision"] == ["1.3", "1.3"]
    assert values["Average change: Problem solving with SARA"] == ["1", "0.33"]


def test_format_value_writes_plain_numbers() -> None:
    assert [format_value(v) for v in (7, 0, 50.0, 28.6, -0.33, 0.0, None)] == ["7", "0", "50", "28.6", "-0.33", "0", ""]


# --- the command line ----------------------------------------------------------------------


def test_the_command_writes_the_report_and_prints_the_paths(seeded_sqlite: Database, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports"
    assert main(["--month", "2026-10", "--out", str(out), "--database", seeded_sqlite.url]) == 0
    printed = capsys.readouterr().out.split()
    assert printed[0] == str(out / "figures-2026-10.csv") and printed[-1] == str(out / "report-2026-10.html")
    assert len(printed) == 7 and all(Path(path).is_file() for path in printed)


@pytest.mark.parametrize("month", ["2026-13", "10-2026", "", "2099-01"])
def test_the_command_refuses_a_bad_month_with_exit_code_2(month: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as stopped:
        main(["--month", month, "--out", str(tmp_path), "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "argument --month:" in error and ("is not a month" in error or "has not begun yet" in error)
    assert not list(tmp_path.iterdir())


def test_python_m_bot_report_exits_2_on_a_bad_month(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "domain.hub.report", "--month", "2026-13", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "'2026-13' is not a month: write it as YYYY-MM, for example 2026-10." in done.stderr
    assert "Example: python -m domain.hub.report --month 2026-10 --out reports" in subprocess.run(
        [sys.executable, "-m", "domain.hub.report", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    ).stdout
