"""Subject access: everything held about one person, as JSON data for the person.

:func:`export_user` gathers what the assistant holds about one Azure AD object id as plain
JSON data, for an admin answering a subject access request. Other people are not named in
it: supporters' notes on the person's submissions are given without who wrote them.
Submission embeddings, conversation references and notification payloads are summarised
(present or not, dates, status), not copied.

Erasing a person's data on request is :func:`domain.ops.erasure.erase_user`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import or_, select

from domain.audit import Action, Audit
from domain.db import Database
from domain.models import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyPromptSettings,
    AcademyReflection,
    AuditLog,
    Base,
    BotState,
    ConversationRef,
    Draft,
    EvidenceRequest,
    Follow,
    FollowSettings,
    FollowUpdate,
    Notification,
    ScheduledJob,
    SearchFeedback,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionSupporter,
    User,
    utcnow,
)
from domain.ops.erasure import ERASED, ERASED_NAME, ErasureReport, blank_submission, erase_user, state_keys
from domain.users import UnknownUserError

__all__ = ["ERASED", "ERASED_NAME", "ErasureReport", "export_user", "erase_user", "blank_submission"]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return aware.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _row(row: Base, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """A model row as JSON data: every column but ``skip`` (and binary columns)."""
    left_out = set(skip)
    return {
        column.key: _json(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in left_out and not isinstance(getattr(row, column.key), bytes)
    }


def export_user(database: Database, aad: str, *, by: str, clock: Callable[[], datetime] = utcnow) -> dict[str, Any]:
    """Everything held about the person with Azure AD object id ``aad``, as JSON data.

    The export is audited (``user.export`` by ``by``) in the same transaction as the read.

    Raises:
        UnknownUserError: no user has that id.
    """
    aad = aad.lower()
    with database.session() as s:
        user = s.get(User, aad)
        if user is None:
            raise UnknownUserError(aad)
        ref = s.get(ConversationRef, aad)
        keys = state_keys(user.teams_user_id, ref.conversation_id if ref else None)
        state = s.scalars(select(BotState).where(keys).order_by(BotState.key)).all() if keys is not None else []

        submissions = s.scalars(select(Submission).where(Submission.owner_aad == aad).order_by(Submission.id)).all()
        references = {row.id: row.reference for row in submissions}
        mine = []
        for row in submissions:
            history = s.scalars(
                select(SubmissionHistory)
                .where(SubmissionHistory.submission_id == row.id)
                .order_by(SubmissionHistory.id)
            )
            supporters = s.scalars(
                select(SubmissionSupporter)
                .where(SubmissionSupporter.submission_id == row.id)
                .order_by(SubmissionSupporter.created_at)
            )
            mine.append({
                **_row(row, skip=("id", "vector", "source_key")),
                "history": [_row(h, skip=("id", "submission_id")) for h in history],
                "supporters_notes": [_row(p, skip=("submission_id", "aad_object_id")) for p in supporters],
            })
        support = s.execute(
            select(SubmissionSupporter, Submission.reference)
            .join(Submission, Submission.id == SubmissionSupporter.submission_id)
            .where(SubmissionSupporter.aad_object_id == aad)
            .order_by(SubmissionSupporter.created_at)
        ).all()
        changes = s.execute(
            select(SubmissionHistory, Submission.reference)
            .join(Submission, Submission.id == SubmissionHistory.submission_id)
            .where(SubmissionHistory.by_aad == aad, Submission.owner_aad != aad)  # their own are above
            .order_by(SubmissionHistory.at, SubmissionHistory.id)
        ).all()
        enrolments = s.execute(
            select(AcademyEnrolment, AcademyCohort.name)
            .join(AcademyCohort, AcademyCohort.id == AcademyEnrolment.cohort_id)
            .where(AcademyEnrolment.aad_object_id == aad)
            .order_by(AcademyEnrolment.enrolled_at)
        ).all()
        queries = s.scalars(select(SearchQuery).where(SearchQuery.aad_object_id == aad).order_by(SearchQuery.id)).all()
        feedback = s.scalars(select(SearchFeedback).where(SearchFeedback.aad_object_id == aad)).all()

        def owned(model: type[Base], *order: Any) -> list[dict[str, Any]]:
            column = model.aad_object_id  # type: ignore[attr-defined]
            rows = s.scalars(select(model).where(column == aad).order_by(*order))
            return [_row(r, skip=("aad_object_id",)) for r in rows]

        audit_rows = s.scalars(
            select(AuditLog)
            .where(or_(AuditLog.actor == aad, AuditLog.record_id == aad, AuditLog.record_id.in_(references.values())))
            .order_by(AuditLog.at, AuditLog.id)
        ).all()
        data = {
            "aad_object_id": aad,
            "exported_at": _json(clock()),
            "exported_by": by.lower(),
            "user": _row(user),
            "conversation_reference": {
                "present": ref is not None,
                "updated_at": _json(ref.updated_at) if ref else None,
                "unreachable_since": _json(ref.unreachable_since) if ref else None,
            },
            "bot_state": [_row(row, skip=("etag",)) for row in state],
            "submissions": mine,
            "support_given": [{"reference": reference, **_row(row, skip=("submission_id", "aad_object_id"))}
                              for row, reference in support],
            "status_changes_made": [{"reference": reference, **_row(row, skip=("id", "submission_id", "by_aad"))}
                                    for row, reference in changes],
            "questions_from_the_hub": [
                {"reference": reference, **_row(row, skip=("id", "submission_id", "asked_by", "asked_to"))}
                for row, reference in s.execute(
                    select(SubmissionQuestion, Submission.reference)
                    .join(Submission, Submission.id == SubmissionQuestion.submission_id)
                    .where(SubmissionQuestion.asked_to == aad)
                    .order_by(SubmissionQuestion.asked_at)
                ).all()
            ],
            "academy": {
                "enrolments": [{"cohort": name, **_row(row, skip=("aad_object_id",))} for row, name in enrolments],
                "assessments": owned(AcademyAssessment, AcademyAssessment.saved_at),
                "journal_entries": owned(AcademyJournalEntry, AcademyJournalEntry.written_on, AcademyJournalEntry.id),
                "reflections": owned(AcademyReflection, AcademyReflection.id),
                "plans": owned(AcademyPlan, AcademyPlan.id), "prompt_settings": owned(AcademyPromptSettings),
            },
            "search_queries": [_row(row, skip=("aad_object_id",)) for row in queries],
            "search_feedback": [_row(row, skip=("aad_object_id",)) for row in feedback],
            "evidence_requests": owned(EvidenceRequest, EvidenceRequest.id),
            "drafts": owned(Draft, Draft.dialog),
            "notifications": [
                {k: v for k, v in row.items() if k != "payload"} for row in owned(Notification, Notification.id)
            ],
            "scheduled_jobs": owned(ScheduledJob, ScheduledJob.due_at, ScheduledJob.id),
            "following": {
                "topics": owned(Follow, Follow.id), "settings": owned(FollowSettings),
                "updates": [{"reference": reference, **_row(row, skip=("id", "submission_id", "aad_object_id"))}
                            for row, reference in s.execute(
                                select(FollowUpdate, Submission.reference)
                                .join(Submission, Submission.id == FollowUpdate.submission_id)
                                .where(FollowUpdate.aad_object_id == aad).order_by(FollowUpdate.id)).all()],
            },
            "audit": [_row(row) for row in audit_rows],
        }
        Audit(database, clock=clock).record(by, Action.USER_EXPORT, "user", aad, session=s)
    return data


