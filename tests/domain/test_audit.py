"""The audit log and subject access: audit rows commit or roll back with the change they
record, hold no free text and cannot be changed or deleted; the export for a date range has
exactly the rows in range and is itself audited; a person's export has everything held
about them and nothing of anyone else; erasure leaves none of their words anywhere in the
database, keeps the Hub's submission counts, and is audited without content."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from domain.audit import Action, Audit
from domain.db import MIGRATIONS_DIR, Database
from domain.models import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyReflection,
    Base,
    BotState,
    ConversationRef,
    Draft,
    EvidenceRequest,
    Notification,
    ScheduledJob,
    SearchFeedback,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionSupporter,
    SubmissionTriage,
    User,
)
from domain.ops.subject_access import ERASED, ERASED_NAME, erase_user, export_user
from domain.users import UnknownUserError

SUBJECT = "0b6f1b3c-aaaa-4a4a-9b9b-00000000000a"
OTHER = "0b6f1b3c-bbbb-4a4a-9b9b-00000000000b"
THIRD = "0b6f1b3c-cccc-4a4a-9b9b-00000000000c"
HUB = "0b6f1b3c-dddd-4a4a-9b9b-00000000000d"
ADMIN = "0b6f1b3c-eeee-4a4a-9b9b-00000000000e"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _clock(moment: datetime):  # type: ignore[no-untyped-def]
    return lambda: moment


# --- recording -----------------------------------------------------------------------


def test_an_audit_row_commits_with_the_change_it_records(db):
    audit = Audit(db)
    with db.session() as session:
        session.add(User(aad_object_id=OTHER, name="Sam"))
        audit.record(HUB, Action.PARTICIPANT_READ, "participant", OTHER, session=session)
    with pytest.raises(RuntimeError):
        with db.session() as session:
            session.get(User, OTHER).name = "Changed"  # type: ignore[union-attr]
            audit.record(HUB, "submission.status", "submission", "PF-2026-0001", session=session)
            raise RuntimeError("the change failed")
    entries = audit.entries(None, None)
    assert [(e.actor, e.action, e.record_type, e.record_id) for e in entries] == [
        (HUB, "participant.read", "participant", OTHER)
    ]
    with db.session() as session:
        assert session.get(User, OTHER).name == "Sam"  # type: ignore[union-attr]


def test_the_owner_is_not_audited_and_free_text_is_refused(db):
    audit = Audit(db)
    assert audit.record(SUBJECT, Action.SUBMISSION_READ, "submission", "PF-2026-0001", owner=SUBJECT.upper()) is False
    assert audit.record(HUB, Action.SUBMISSION_READ, "submission", "PF-2026-0001", owner=SUBJECT) is True
    for bad in (
        (HUB, "submission.read", "submission", "Sam Jones rang about the sheds"),
        (HUB, "Read the submission", "submission", "PF-2026-0001"),
        (HUB, "submission.read", "a submission", "PF-2026-0001"),
        ("Sam Jones", "submission.read", "submission", "PF-2026-0001"),
        (HUB, "submission.read", "submission", "=HYPERLINK(1)"),
        (HUB, "submission.read", "submission", "x" * 65),
    ):
        with pytest.raises(ValueError):
            audit.record(*bad)
    assert len(audit.entries(None, None)) == 1


def test_entries_filter_by_time_actor_and_record(db):
    for minutes, actor, record in ((0, HUB, "PF-2026-0001"), (10, HUB, SUBJECT), (20, OTHER, "PF-2026-0001")):
        Audit(db, clock=_clock(T0 + timedelta(minutes=minutes))).record(actor, "submission.read", "submission", record)
    audit = Audit(db)
    assert [e.at for e in audit.entries(T0, T0 + timedelta(minutes=20))] == [T0, T0 + timedelta(minutes=10)]
    assert [e.record_id for e in audit.entries(None, None, actor=HUB.upper())] == ["PF-2026-0001", SUBJECT]
    assert [e.actor for e in audit.entries(None, None, record="PF-2026-0001")] == [HUB, OTHER]


def test_the_export_has_exactly_the_rows_of_its_days_and_is_audited(db):
    moments = [
        datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),  # out
        datetime(2026, 4, 1, 0, 0, tzinfo=timezone.utc),  # in: first moment
        datetime(2026, 4, 15, 12, 30, tzinfo=timezone.utc),  # in
        datetime(2026, 4, 30, 23, 59, 59, 999999, tzinfo=timezone.utc),  # in: last moment
        datetime(2026, 5, 1, 0, 0, tzinfo=timezone.utc),  # out
    ]
    for number, moment in enumerate(moments, 1):
        Audit(db, clock=_clock(moment)).record(HUB, "submission.read", "submission", f"PF-2026-{number:04d}")
    exported_at = datetime(2026, 5, 2, 8, 0, tzinfo=timezone.utc)

    lines = list(csv.DictReader(io.StringIO(Audit(db, clock=_clock(exported_at)).export_csv(
        date(2026, 4, 1), date(2026, 4, 30), by=ADMIN
    ))))

    assert [line["record_id"] for line in lines] == ["PF-2026-0002", "PF-2026-0003", "PF-2026-0004"]
    assert lines[0] == {"id": lines[0]["id"], "at": "2026-04-01T00:00:00+00:00", "actor": HUB,
                        "action": "submission.read", "record_type": "submission", "record_id": "PF-2026-0002"}
    last = Audit(db).entries(None, None)[-1]
    assert (last.at, last.actor, last.action, last.record_type, last.record_id) == (
        exported_at, ADMIN, "audit.export", "audit", "2026-04-01..2026-04-30"
    )
    assert len(Audit(db).entries(None, None)) == 6
    with pytest.raises(ValueError):
        Audit(db).export_csv(date(2026, 4, 30), date(2026, 4, 1), by=ADMIN)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone-else'",
    "DELETE FROM audit_log",
])
def test_audit_rows_cannot_be_changed_or_deleted(db, statement):
    Audit(db).record(HUB, "submission.read", "submission", "PF-2026-0001")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text(statement))
    assert [e.actor for e in Audit(db).entries(None, None)] == [HUB]


@pytest.mark.postgres
def test_audit_log_cannot_be_truncated_on_postgresql(postgres_db):
    Audit(postgres_db).record(HUB, "submission.read", "submission", "PF-2026-0001")
    with pytest.raises(DBAPIError, match="append-only"):
        with postgres_db.engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
    assert len(Audit(postgres_db).entries(None, None)) == 1


# --- subject access --------------------------------------------------------------------


def _seed_person(db: Database, aad: str, tag: str, number: int) -> dict[str, int]:
    """Everything the assistant can hold about one officer, every free text naming ``tag``."""
    with db.session() as s:
        s.add(User(aad_object_id=aad, name=f"Officer {tag}-name", teams_user_id=f"29:{tag}-teams", tenant_id="t1"))
        s.flush()
        s.add(ConversationRef(aad_object_id=aad, reference={"user": {"name": f"{tag}-ref"}},
                              service_url="https://smba.example/", conversation_id=f"a:{tag}-chat"))
        s.add(BotState(key=f"msteams/users/29:{tag}-teams", document={"profile": f"{tag}-userstate"}))
        s.add(BotState(key=f"msteams/conversations/a:{tag}-chat", document={"dialog": f"{tag}-dialogstate"}))
        s.add(Draft(aad_object_id=aad, dialog="portal", progress={"title": f"{tag}-draft"}))
        s.add(Notification(aad_object_id=aad, kind="journal-prompt", payload={"text": f"{tag}-notification"}))
        query = SearchQuery(aad_object_id=aad, text=f"{tag}-question", index_version="v1", no_good_match=True)
        s.add(query)
        s.flush()
        s.add(SearchFeedback(query_id=query.id, aad_object_id=aad, helpful=False))
        s.add(EvidenceRequest(query_id=query.id, aad_object_id=aad, text=f"{tag}-evidence"))
        cohort = AcademyCohort(name=f"Leaders {number}", name_key=f"leaders {number}", module="leaders",
                               starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 6), plan_due_on=date(2026, 6, 6),
                               created_by=HUB)
        s.add(cohort)
        s.flush()
        s.add(AcademyEnrolment(cohort_id=cohort.id, aad_object_id=aad, enrolled_by=HUB))
        s.add(AcademyAssessment(aad_object_id=aad, cohort_id=cohort.id, phase="before", scores={"sara": 2}))
        s.add(AcademyJournalEntry(aad_object_id=aad, written_on=date(2026, 3, 2),
                                  answers={"feelings": f"{tag}-journal"}))
        plan = AcademyPlan(aad_object_id=aad, cohort_id=cohort.id, problem=f"{tag}-plan",
                           stages={"scanning": {"what": f"{tag}-stage"}})
        s.add(plan)
        s.flush()
        s.add(AcademyReflection(aad_object_id=aad, topic=f"{tag}-topic", answers={"white": f"{tag}-hat"},
                                plan_id=plan.id))
        s.add(ScheduledJob(kind="journal-prompt", aad_object_id=aad, due_at=T0,
                           dedupe_key=f"journal:{cohort.id}:{aad}"))
        ids = {}
        for offset, (kind, status) in enumerate((("problem", "received"), ("idea", "closed"))):
            row = Submission(
                reference=f"PF-2026-{number + offset:04d}", year=2026, number=number + offset, kind=kind,
                title=f"{tag}-title-{offset}", description=f"{tag}-description", crime_types=["burglary-other"],
                area=f"{tag}-area", tried=f"{tag}-tried", success=f"{tag}-success", partners=f"{tag}-partners",
                personal_data={"description": {"found": ["name"], "reason": f"{tag}-reason"}},
                owner_aad=aad, status=status, source_key=f"activity-{tag}-{offset}", vector=b"\0" * 8,
            )
            s.add(row)
            s.flush()
            s.add(SubmissionHistory(submission_id=row.id, by_aad=aad, to_status="received"))
            ids[kind] = row.id
        s.add(SubmissionHistory(submission_id=ids["idea"], by_aad=HUB, from_status="received", to_status="closed",
                                note=f"{tag}-hubnote"))
        s.add(SubmissionQuestion(submission_id=ids["problem"], asked_by=HUB, asked_to=aad,
                                 question=f"{tag}-hubquestion", answer=f"{tag}-reply"))
        s.add(SubmissionTriage(submission_id=ids["problem"], version=1, last_action="ask", last_by=HUB))
    return ids


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    """The subject and another officer with everything, a third officer who supports the
    subject's work, and the subject acting for the Hub on the other officer's submission."""
    subject = _seed_person(db, SUBJECT, "zqxsubject", 1)
    other = _seed_person(db, OTHER, "zqxother", 11)
    with db.session() as s:
        s.add(User(aad_object_id=THIRD, name="Third officer"))
        s.add(User(aad_object_id=HUB, name="Hub analyst"))
        s.flush()
        s.add(SubmissionSupporter(submission_id=subject["problem"], aad_object_id=OTHER,
                                  notes="support-note-on-subject"))
        s.add(SubmissionSupporter(submission_id=other["problem"], aad_object_id=SUBJECT, notes="zqxsubject-support"))
        # A merge copied the subject's title into the third officer's notes on another submission.
        s.add(SubmissionSupporter(submission_id=other["problem"], aad_object_id=THIRD,
                                  notes="Seen this too.\n\nMerged from PF-2026-0002: zqxsubject-title-1"))
        s.add(SubmissionHistory(submission_id=other["problem"], by_aad=SUBJECT, from_status="received",
                                to_status="triaged", note="zqxsubject-as-hub"))
        s.get(Submission, other["problem"]).assigned_to = SUBJECT  # type: ignore[union-attr]
        # The subject, acting for the Hub, asked the other officer a question.
        s.add(SubmissionQuestion(submission_id=other["idea"], asked_by=SUBJECT, asked_to=OTHER,
                                 question="zqxsubject-asked-as-hub"))
        s.add(SubmissionTriage(submission_id=other["idea"], version=1, last_action="ask", last_by=SUBJECT))
        s.add(Notification(aad_object_id=OTHER, kind="status-change", status="pending",
                           payload={"type": "message", "text": "Update on PF-2026-0001 (zqxsubject-title-0)"}))
        s.add(Notification(aad_object_id=THIRD, kind="status-change", status="sent",
                           payload={"type": "message", "text": "Update on PF-2026-0011 (zqxother-title-0)"}))
    audit = Audit(db)
    audit.record(HUB, Action.SUBMISSION_READ, "submission", "PF-2026-0001")
    audit.record(HUB, Action.PARTICIPANT_READ, "participant", SUBJECT)
    audit.record(SUBJECT, Action.SUBMISSION_STATUS, "submission", "PF-2026-0011")
    audit.record(HUB, Action.SUBMISSION_READ, "submission", "PF-2026-0011")
    audit.record(HUB, Action.PARTICIPANT_READ, "participant", OTHER)
    return {"subject": subject, "other": other}


def _dump(db: Database) -> str:
    """Every text and JSON value of every table, as one string."""
    parts = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for value in row:
                    if isinstance(value, (str, dict, list)):
                        parts.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(parts)


def _count(db: Database, model: type[Base]) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_subject_access_export_has_everything_about_the_person_and_nothing_of_others(db, people):
    data = export_user(db, SUBJECT.upper(), by=ADMIN)
    dumped = json.dumps(data)

    assert data["user"]["name"] == "Officer zqxsubject-name"
    assert data["conversation_reference"]["present"] is True
    assert sorted(d["key"] for d in data["bot_state"]) == [
        "msteams/conversations/a:zqxsubject-chat", "msteams/users/29:zqxsubject-teams"
    ]
    references = [s["reference"] for s in data["submissions"]]
    assert references == ["PF-2026-0001", "PF-2026-0002"]
    first = data["submissions"][0]
    assert first["title"] == "zqxsubject-title-0" and first["partners"] == "zqxsubject-partners"
    assert [n["notes"] for n in first["supporters_notes"]] == ["support-note-on-subject"]
    assert [h["note"] for h in data["submissions"][1]["history"]] == [None, "zqxsubject-hubnote"]
    assert [(g["reference"], g["notes"]) for g in data["support_given"]] == [("PF-2026-0011", "zqxsubject-support")]
    assert [(c["reference"], c["note"]) for c in data["status_changes_made"]] == [("PF-2026-0011", "zqxsubject-as-hub")]
    academy = data["academy"]
    assert [e["cohort"] for e in academy["enrolments"]] == ["Leaders 1"]
    assert academy["assessments"][0]["scores"] == {"sara": 2}
    assert academy["journal_entries"][0]["answers"] == {"feelings": "zqxsubject-journal"}
    assert academy["reflections"][0]["topic"] == "zqxsubject-topic"
    assert academy["plans"][0]["problem"] == "zqxsubject-plan"
    assert [q["text"] for q in data["search_queries"]] == ["zqxsubject-question"]
    assert [f["helpful"] for f in data["search_feedback"]] == [False]
    assert [e["text"] for e in data["evidence_requests"]] == ["zqxsubject-evidence"]
    assert [d["progress"] for d in data["drafts"]] == [{"title": "zqxsubject-draft"}]
    assert [n["kind"] for n in data["notifications"]] == ["journal-prompt"]
    assert "zqxsubject-notification" not in dumped  # metadata only
    assert [j["kind"] for j in data["scheduled_jobs"]] == ["journal-prompt"]
    assert [(a["actor"], a["action"], a["record_id"]) for a in data["audit"]] == [
        (HUB, "submission.read", "PF-2026-0001"),
        (HUB, "participant.read", SUBJECT),
        (SUBJECT, "submission.status", "PF-2026-0011"),
    ]
    # Nothing of the other officer, and supporters are not named.
    assert "zqxother" not in dumped and OTHER not in dumped and THIRD not in dumped
    assert "vector" not in first and "source_key" not in first

    last = Audit(db).entries(None, None)[-1]
    assert (last.actor, last.action, last.record_type, last.record_id) == (ADMIN, "user.export", "user", SUBJECT)
    with pytest.raises(UnknownUserError):
        export_user(db, "0b6f1b3c-0000-4a4a-9b9b-000000000000", by=ADMIN)


def _statistics(db: Database) -> Counter[tuple[str, str]]:
    with db.session() as s:
        return Counter((kind, status) for kind, status in s.execute(select(Submission.kind, Submission.status)))


def test_erasure_leaves_no_trace_of_the_persons_words_and_keeps_the_statistics(db, people):
    before = _statistics(db)
    audit_before = [(e.id, e.actor, e.action, e.record_id) for e in Audit(db).entries(None, None)]
    history_before = _count(db, SubmissionHistory)
    other_text = ("zqxother-title-0", "zqxother-journal", "zqxother-question", "zqxother-userstate",
                  "support-note-on-subject", "Seen this too.")

    report = erase_user(db, SUBJECT, by=ADMIN)

    dumped = _dump(db)
    assert "zqxsubject" not in dumped
    assert all(word in dumped for word in other_text)
    assert _statistics(db) == before
    assert _count(db, SubmissionHistory) == history_before
    with db.session() as s:
        user = s.get(User, SUBJECT)
        assert (user.name, user.teams_user_id, user.role) == (ERASED_NAME, None, "officer")  # type: ignore[union-attr]
        theirs = s.scalars(select(Submission).where(Submission.id.in_(people["subject"].values()))).all()
        owners = {row.owner_aad for row in theirs}
        assert len(owners) == 1 and owners.pop().startswith("erased-")
        assert sorted((row.reference, row.title, row.area, row.personal_data, row.vector) for row in theirs) == [
            ("PF-2026-0001", ERASED, ERASED, {}, None), ("PF-2026-0002", ERASED, ERASED, {}, None)
        ]
        assigned = s.get(Submission, people["other"]["problem"]).assigned_to  # type: ignore[union-attr]
        assert assigned is not None and assigned.startswith("erased-")
        assert s.scalars(select(SubmissionSupporter.notes).where(SubmissionSupporter.aad_object_id == THIRD)).one() == (
            f"Seen this too.\n\nMerged from PF-2026-0002: {ERASED}"
        )
        waiting = s.scalars(select(Notification).where(Notification.aad_object_id == OTHER,
                                                       Notification.kind == "status-change")).one()
        assert (waiting.status, waiting.payload["text"]) == ("failed", ERASED)
        for model in (ConversationRef, Draft, AcademyJournalEntry, AcademyReflection, AcademyPlan, AcademyAssessment,
                      AcademyEnrolment, SearchQuery, SearchFeedback, EvidenceRequest, ScheduledJob, Notification):
            assert s.scalar(select(func.count()).select_from(model).where(model.aad_object_id == SUBJECT)) == 0
    assert report.counts["submissions"] == 3 and report.counts["academy_journal_entries"] == 1
    assert report.counts["bot_state"] == 2 and report.counts["notifications"] == 2

    after = [(e.id, e.actor, e.action, e.record_id) for e in Audit(db).entries(None, None)]
    assert after[:-1] == audit_before
    last = Audit(db).entries(None, None)[-1]
    assert (last.actor, last.action, last.record_type, last.record_id) == (ADMIN, "user.erase", "user", SUBJECT)


def test_an_erasure_that_fails_changes_nothing(db, people, monkeypatch):
    before = _dump(db)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(Audit, "record", refuse)
    with pytest.raises(RuntimeError):
        erase_user(db, SUBJECT, by=ADMIN)
    assert _dump(db) == before
    with pytest.raises(UnknownUserError):
        erase_user(db, "0b6f1b3c-0000-4a4a-9b9b-000000000000", by=ADMIN)


# --- schema ----------------------------------------------------------------------------


def test_the_audit_tables_match_their_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [d for d in diffs if "audit_log" in str(d) or "retention_runs" in str(d)] == []


def _alembic_config(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if not config.get_main_option("path_separator"):
        config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def test_the_audit_migration_downgrades_and_upgrades_again(db):
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0005")
    assert not {"audit_log", "retention_runs"} & set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    Audit(db).record(HUB, "submission.read", "submission", "PF-2026-0001")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
