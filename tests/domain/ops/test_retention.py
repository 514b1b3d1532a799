"""Retention: with a fixed ``now``, exactly what is past each limit is purged or anonymised
(finished submissions keep their reference, kind, status and dates), the rest is kept, the
run is recorded without content, and a second run changes nothing more."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.models import (
    AcademyCohort,
    AcademyJournalEntry,
    AcademyReflection,
    Base,
    EvidenceRequest,
    RetentionRun,
    SearchFeedback,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionSupporter,
    User,
)
from domain.ops.retention import Retention, RetentionConfigError, removed_marker

OFFICER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
HUB = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
LIMITS = Retention(days_closed_submissions=30, days_journals=60, days_query_logs=10)
GONE = removed_marker(30)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# (reference, status, days since each status change; None: no history, updated 40 days ago)
SUBMISSIONS = [
    ("PF-2026-0001", "closed", [100, 31]),  # purged
    ("PF-2026-0002", "declined", [29]),  # kept: too recent
    ("PF-2026-0003", "merged", None),  # purged: no history, last updated 40 days ago
    ("PF-2026-0004", "received", [100]),  # kept: not finished
    ("PF-2026-0005", "closed", [100, 5]),  # kept: the last change is recent
    ("PF-2026-0006", "closed", [30]),  # kept: its day is not yet more than 30 days ago
]


@pytest.fixture
def seeded(db: Database) -> Database:
    with db.session() as s:
        s.add_all([User(aad_object_id=OFFICER, name="Alex"), User(aad_object_id=HUB, name="Hub")])
        s.flush()
        for number, (reference, status, changes) in enumerate(SUBMISSIONS, 1):
            row = Submission(
                reference=reference, year=2026, number=number, kind="problem", title=f"title {number}",
                description=f"description {number}", crime_types=["burglary-other"], area="North",
                tried=f"tried {number}", success=None, partners=None,
                personal_data={"description": {"found": ["name"], "reason": "needed"}}, owner_aad=OFFICER,
                status=status, source_key=f"activity-{number}", vector=b"\0" * 8,
                created_at=_ago(200), updated_at=_ago(40 if changes is None else min(changes)),
            )
            s.add(row)
            s.flush()
            for days in changes or ():
                s.add(SubmissionHistory(submission_id=row.id, at=_ago(days), by_aad=HUB, to_status=status,
                                        note=f"note {number}"))
            s.add(SubmissionSupporter(submission_id=row.id, aad_object_id=HUB, notes=f"support {number}"))
        # Already erased on request: nothing more to remove.
        s.add(Submission(reference="PF-2026-0007", year=2026, number=7, kind="idea", title="[erased]",
                         description="[erased]", crime_types=[], area="[erased]", personal_data={},
                         owner_aad=OFFICER, status="declined", created_at=_ago(200), updated_at=_ago(200)))
        cohort = AcademyCohort(name="Leaders 1", name_key="leaders 1", module="leaders", starts_on=date(2026, 1, 5),
                               ends_on=date(2026, 1, 9), plan_due_on=date(2026, 4, 9), created_by=HUB)
        s.add(cohort)
        for days in (61, 59):
            s.add(AcademyJournalEntry(aad_object_id=OFFICER, written_on=_ago(days).date(),
                                      answers={"feelings": f"journal {days}"}, created_at=_ago(days)))
            s.add(AcademyReflection(aad_object_id=OFFICER, topic=f"topic {days}", answers={}, created_at=_ago(days)))
        for days in (11, 9):
            query = SearchQuery(aad_object_id=OFFICER, text=f"question {days}", asked_at=_ago(days),
                                index_version="v1", no_good_match=True)
            s.add(query)
            s.flush()
            s.add(SearchFeedback(query_id=query.id, aad_object_id=OFFICER, helpful=False))
            for status in ("open", "closed"):
                s.add(EvidenceRequest(query_id=query.id if status == "open" else None, aad_object_id=OFFICER,
                                      text=f"request {days} {status}", status=status, created_at=_ago(days)))
    return db


def _snapshot(db: Database) -> str:
    with db.engine.connect() as connection:
        return json.dumps(
            {t.name: [[str(v) for v in row] for row in connection.execute(t.select().order_by(*t.primary_key))]
             for t in Base.metadata.sorted_tables if t.name != "retention_runs"},
        )


def test_retention_purges_exactly_what_is_past_each_limit(seeded):
    report = LIMITS.run(seeded, NOW)

    assert (report.submissions, report.journal_entries, report.reflections, report.search_queries,
            report.evidence_requests) == (2, 1, 1, 1, 1)
    with seeded.session() as s:
        rows = {r.reference: r for r in s.scalars(select(Submission).order_by(Submission.reference))}
        for reference in ("PF-2026-0001", "PF-2026-0003"):
            row = rows[reference]
            assert (row.title, row.description, row.area, row.tried, row.success) == (GONE, GONE, GONE, GONE, None)
            assert (row.personal_data, row.vector, row.source_key) == ({}, None, None)
            assert (row.kind, row.crime_types, row.created_at is not None) == ("problem", ["burglary-other"], True)
            notes = select(SubmissionSupporter.notes).where(SubmissionSupporter.submission_id == row.id)
            assert set(s.scalars(notes)) == {GONE}
            history = select(SubmissionHistory.note).where(SubmissionHistory.submission_id == row.id)
            assert set(s.scalars(history)) <= {GONE}
        assert [r.status for r in rows.values()] == [status for _, status, _ in SUBMISSIONS] + ["declined"]
        for reference, number in (("PF-2026-0002", 2), ("PF-2026-0004", 4), ("PF-2026-0005", 5), ("PF-2026-0006", 6)):
            row = rows[reference]
            assert (row.title, row.tried, row.vector, row.source_key) == (f"title {number}", f"tried {number}",
                                                                         b"\0" * 8, f"activity-{number}")
            assert list(s.scalars(select(SubmissionSupporter.notes).where(
                SubmissionSupporter.submission_id == row.id))) == [f"support {number}"]
        assert rows["PF-2026-0007"].title == "[erased]"
        assert [j.answers["feelings"] for j in s.scalars(select(AcademyJournalEntry))] == ["journal 59"]
        assert [r.topic for r in s.scalars(select(AcademyReflection))] == ["topic 59"]
        assert sorted(s.scalars(select(SearchQuery.text))) == [removed_marker(10), "question 9"]
        assert len(s.scalars(select(SearchFeedback)).all()) == 2  # the helpful / not helpful counts stay
        assert sorted(s.scalars(select(EvidenceRequest.text))) == [
            "[removed after 10 days]", "request 11 open", "request 9 closed", "request 9 open"
        ]
        run = s.scalars(select(RetentionRun)).one()
        assert (run.submission_days, run.journal_days, run.query_days) == (30, 60, 10)
        assert (run.submissions, run.journal_entries, run.reflections, run.search_queries,
                run.evidence_requests) == (2, 1, 1, 1, 1)
        assert run.at.replace(tzinfo=timezone.utc) == NOW


def test_a_second_run_the_same_day_changes_nothing_more(seeded):
    first = LIMITS.run(seeded, NOW)
    after_first = _snapshot(seeded)

    second = LIMITS.run(seeded, NOW)
    third = LIMITS.run(seeded, NOW + timedelta(hours=11, minutes=59))

    assert first.total == 6 and second.total == 0 and third.total == 0
    assert _snapshot(seeded) == after_first
    next_day = LIMITS.run(seeded, NOW + timedelta(days=1))
    assert (next_day.total, next_day.submissions) == (1, 1)  # PF-2026-0006 is now past its limit
    with seeded.session() as s:
        assert [r.submissions for r in s.scalars(select(RetentionRun).order_by(RetentionRun.id))] == [2, 0, 0, 1]


def test_nothing_is_purged_when_everything_is_within_its_limit(seeded):
    before = _snapshot(seeded)
    assert Retention(days_closed_submissions=365, days_journals=365, days_query_logs=365).run(seeded, NOW).total == 0
    assert _snapshot(seeded) == before


def test_the_limits_come_from_the_environment():
    assert Retention.from_env({}) == Retention(730, 1095, 365)
    assert Retention.from_env({"RETENTION_SUBMISSION_DAYS": " 90 ", "RETENTION_JOURNAL_DAYS": "",
                               "RETENTION_QUERY_DAYS": "30"}) == Retention(90, 1095, 30)


@pytest.mark.parametrize("name", ["RETENTION_SUBMISSION_DAYS", "RETENTION_JOURNAL_DAYS", "RETENTION_QUERY_DAYS"])
@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "2 years", "99999"])
def test_a_bad_limit_is_refused_naming_the_variable(name, value):
    with pytest.raises(RetentionConfigError, match=f"^{name} must be a whole number of days from 1 to 36500"):
        Retention.from_env({name: value})


def test_limits_are_checked_when_made_in_code():
    with pytest.raises(RetentionConfigError, match="days_journals"):
        Retention(days_closed_submissions=30, days_journals=0, days_query_logs=10)
