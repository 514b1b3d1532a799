"""Erasing a person's personal data on request (the right to erasure).

:func:`erase_user` removes or anonymises the person's personal data, in one transaction:

- **Their submissions stay, anonymised**, so the Hub's statistics (counts by kind, status
  and month) do not change: the reference, kind, crime types, status, dates and the history
  skeleton (when, from, to) are kept; every free-text field (title, description, area,
  tried, success, partners, any text column added later) becomes ``"[erased]"``; the
  personal data record, the embedding and the Teams activity key are cleared, and the
  history notes on them become ``"[erased]"``. The owner becomes a placeholder user
  ``erased-<16 random hex digits>`` named ``"(erased)"``: random, not a hash of the id, so
  it cannot be traced back by hashing a directory of ids, and the same for all of one
  person's submissions so "submissions per officer" figures still hold.
- **Where they acted for the Hub** (history entries they made, submissions assigned to
  them, cohorts they created, enrolments they made) their id becomes the placeholder and
  their history notes become ``"[erased]"``.
- **Deleted outright**: support they gave (and its notes), journal entries, six-hats
  reflections, action plans, self-assessments, enrolments, search queries with their
  feedback, evidence requests, drafts, their notifications, scheduled jobs, the topics
  they follow (and the changes waiting to be told to them), the conversation reference and
  their bot state (user and personal conversation state). Followers not yet told of one of
  their submissions are not told.
- **Their name and text elsewhere**: another officer's supporter notes quoting one of their
  submission titles (a merge copies "Merged from PF-...: <title>") have the title replaced.
  Messages to other people lose every text that names them ("X has made you Hub staff") or
  one of their submissions, or quotes a note, question or reply of theirs, however the
  message escaped or cut it, and are not sent if still waiting. Another person's chat state
  showing them (their submission offered as similar work) loses its dialog, not its draft.
- **Their users row stays**, named ``"(erased)"``, without Teams ids, as an officer: it is
  what the audit log and any later message refer to.
- **The audit log is not touched** (it is append-only and holds ids, not free text); the
  erasure adds one ``user.erase`` row naming who erased whom, without the erased content
  or the placeholder.

Messages already delivered to Teams (the chat itself, Hub channel posts) are outside the
database and beyond the assistant's reach.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy import String, Text, case, delete, or_, select, update
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.db import Database, rows_changed
from domain.drafts import close_dialogs
from domain.ops.outbox import Mentions, erase_mentions
from domain.models import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyPromptSettings,
    AcademyReflection,
    BotState,
    ConversationRef,
    Draft,
    EvidenceRequest,
    Follow,
    FollowSettings,
    FollowUpdate,
    Notification,
    Role,
    ScheduledJob,
    SearchFeedback,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionTriage,
    SubmissionSupporter,
    User,
    utcnow,
)
from domain.users import UnknownUserError

__all__ = ["ERASED", "ERASED_NAME", "ErasureReport", "erase_user", "blank_submission", "state_keys"]

ERASED = "[erased]"
ERASED_NAME = "(erased)"
# Submission columns that are not free text: kept (or, for the owner, replaced) by erasure
# and retention. Every other string column of ``submissions`` is free text.
_NOT_FREE_TEXT = frozenset({"reference", "kind", "status", "owner_aad", "assigned_to", "merged_into", "source_key"})


@dataclass(frozen=True)
class ErasureReport:
    """How many rows of each table the erasure deleted or changed (no content; tables it
    did not touch are left out)."""

    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        """Rows deleted or changed in all."""
        return sum(self.counts.values())


def state_keys(teams_user_id: str | None, conversation_id: str | None) -> Any:
    """A condition on ``bot_state.key`` for the user's own state documents.

    botbuilder names them ``<channel>/users/<Teams user id>`` (user state) and
    ``<channel>/conversations/<conversation id>`` (state of their personal chat).
    """
    conditions = []
    if teams_user_id:
        conditions.append(BotState.key.endswith(f"/users/{teams_user_id}", autoescape=True))
    if conversation_id:
        conditions.append(BotState.key.endswith(f"/conversations/{conversation_id}", autoescape=True))
    return or_(*conditions) if conditions else None


def blank_submission(row: Submission, marker: str) -> bool:
    """Replace the free text of a submission with ``marker`` (a marker already there is
    kept) and clear what could bring it back; True if anything changed."""
    changed = False
    for column in Submission.__table__.columns:
        if column.key in _NOT_FREE_TEXT or not isinstance(column.type, (String, Text)):
            continue
        value = getattr(row, column.key)
        if value is not None and not _is_marker(value):
            setattr(row, column.key, marker)
            changed = True
    for key, empty in (("personal_data", {}), ("vector", None), ("source_key", None)):
        if getattr(row, key) not in (empty, None):
            setattr(row, key, empty)
            changed = True
    return changed


def _is_marker(text: str) -> bool:
    return text == ERASED or (text.startswith("[removed after ") and text.endswith(" days]"))


def erase_user(database: Database, aad: str, *, by: str, clock: Callable[[], datetime] = utcnow) -> ErasureReport:
    """Erase the personal data of the person with Azure AD object id ``aad`` (see the
    module's description for what is deleted, anonymised and kept), audited as
    ``user.erase`` by ``by``, all in one transaction.

    Raises:
        UnknownUserError: no user has that id.
    """
    aad = aad.lower()
    counts: Counter[str] = Counter()
    now = clock()
    with database.session() as s:
        user = s.get(User, aad, with_for_update=True)
        if user is None:
            raise UnknownUserError(aad)
        placeholder = f"erased-{secrets.token_hex(8)}"
        s.add(User(aad_object_id=placeholder, name=ERASED_NAME, role=Role.OFFICER.value,
                   created_at=now, updated_at=now))
        s.flush()

        # Their submissions: kept for the statistics, without their words or their id.
        owned = s.scalars(select(Submission).where(Submission.owner_aad == aad)).all()
        ids = [row.id for row in owned]
        references = tuple(row.reference for row in owned)
        titles = tuple(row.title for row in owned if row.title and not _is_marker(row.title))
        merged_notes = [(f"Merged from {row.reference}: {row.title}", f"Merged from {row.reference}: {ERASED}")
                        for row in owned if not _is_marker(row.title)]
        # What other people's messages and chat state may show of them, found before it goes:
        # their name and references everywhere (a quoted title or reply comes with its
        # reference); their notes, questions and replies in the messages made from them.
        notes = s.execute(select(SubmissionHistory.id, SubmissionHistory.note).where(
            SubmissionHistory.by_aad == aad, SubmissionHistory.note.is_not(None))).all()
        asked = s.execute(select(SubmissionQuestion.id, SubmissionQuestion.question, SubmissionQuestion.answer).where(
            or_(SubmissionQuestion.asked_by == aad, SubmissionQuestion.asked_to == aad))).all()
        needles = Mentions([*references, *([user.name] if user.name and user.name != ERASED_NAME else [])])
        made_from = Mentions([], [text for text in (*titles, *(note for _, note in notes),
                                                    *(text for _, *texts in asked for text in texts))
                                  if text and not _is_marker(text)])
        made_keys = {f"{kind}:{i}" for i, _, _ in asked for kind in ("question", "reply")} | {
            f"status:{i}:" for i, _ in notes}
        for row in owned:
            blank_submission(row, ERASED)
            row.owner_aad = placeholder
        counts["submissions"] += len(owned)
        counts["submissions"] += _rowcount(s, update(Submission).where(Submission.assigned_to == aad)
                                           .values(assigned_to=placeholder))
        counts["submission_history"] = _rowcount(
            s,
            update(SubmissionHistory)
            .where(or_(
                SubmissionHistory.submission_id.in_(ids) & SubmissionHistory.note.is_not(None),
                SubmissionHistory.by_aad == aad,
            ))
            .values(
                note=case((SubmissionHistory.note.is_(None), None), else_=ERASED),
                by_aad=case((SubmissionHistory.by_aad == aad, placeholder), else_=SubmissionHistory.by_aad),
            )
            .execution_options(synchronize_session=False)
        )
        counts["submission_supporters"] = _rowcount(
            s, delete(SubmissionSupporter).where(SubmissionSupporter.aad_object_id == aad)
        )
        # Followers not yet told of their submissions are not told (what was told stays counted).
        counts["follow_updates"] = _rowcount(s, delete(FollowUpdate).where(
            FollowUpdate.submission_id.in_(ids), FollowUpdate.message_key.is_(None)))
        # The Hub's questions about their submissions (and their replies), and questions they
        # asked as Hub staff: the text goes; who asked becomes the placeholder.
        counts["submission_questions"] = _rowcount(
            s,
            update(SubmissionQuestion)
            .where(or_(SubmissionQuestion.asked_to == aad, SubmissionQuestion.submission_id.in_(ids)))
            .values(question=ERASED, answer=case((SubmissionQuestion.answer.is_(None), None), else_=ERASED),
                    asked_to=case((SubmissionQuestion.asked_to == aad, placeholder), else_=SubmissionQuestion.asked_to))
            .execution_options(synchronize_session=False),
        )
        counts["submission_questions"] += _rowcount(
            s, update(SubmissionQuestion).where(SubmissionQuestion.asked_by == aad)
            .values(asked_by=placeholder, question=ERASED).execution_options(synchronize_session=False),
        )
        counts["submission_triage"] = _rowcount(
            s, update(SubmissionTriage).where(SubmissionTriage.last_by == aad).values(last_by=placeholder)
            .execution_options(synchronize_session=False),
        )
        for copied, erased in merged_notes:  # what a merge copied into the other officers' notes
            quoting = SubmissionSupporter.notes.contains(copied, autoescape=True)
            for supporter in s.scalars(select(SubmissionSupporter).where(quoting)):
                supporter.notes = supporter.notes.replace(copied, erased)
                counts["submission_supporters"] += 1

        # Messages to other people that name them or quote them, sent or waiting.
        counts["notifications"] = _rowcount(s, delete(Notification).where(Notification.aad_object_id == aad))
        counts["notifications"] += erase_mentions(s, needles, ERASED, made_from=made_from, keys=made_keys)

        # Where they are reached, and the state of their chat.
        ref = s.get(ConversationRef, aad)
        keys = state_keys(user.teams_user_id, ref.conversation_id if ref else None)
        if keys is not None:
            counts["bot_state"] = _rowcount(s, delete(BotState).where(keys))
        counts["conversation_refs"] = _rowcount(s, delete(ConversationRef).where(ConversationRef.aad_object_id == aad))
        # Other people's chats whose dialog shows their words (similar work offered before a
        # submission lists references and titles): the dialog is closed, the draft kept.
        counts["bot_state"] += close_dialogs(s, needles.may_be_in(BotState.document), showing=needles.found_in)

        # Everything else that is theirs alone. Reflections before plans (they may point at one).
        for model in (
            Draft, AcademyJournalEntry, AcademyReflection, AcademyPlan, AcademyAssessment, AcademyEnrolment,
            SearchFeedback, EvidenceRequest, SearchQuery, ScheduledJob, AcademyPromptSettings,
            Follow, FollowSettings, FollowUpdate,
        ):
            column = model.aad_object_id
            counts[model.__tablename__] = _rowcount(s, delete(model).where(column == aad))
        counts["academy_enrolments"] += _rowcount(
            s, update(AcademyEnrolment).where(AcademyEnrolment.enrolled_by == aad).values(enrolled_by=placeholder)
        )
        counts["academy_cohorts"] = _rowcount(
            s, update(AcademyCohort).where(AcademyCohort.created_by == aad).values(created_by=placeholder)
        )

        user.name, user.teams_user_id, user.tenant_id = ERASED_NAME, None, None
        user.role, user.updated_at = Role.OFFICER.value, now
        counts["users"] = 1
        Audit(database, clock=clock).record(by, Action.USER_ERASE, "user", aad, session=s)
    return ErasureReport({table: count for table, count in sorted(counts.items()) if count})


def _rowcount(session: Session, statement: Any) -> int:
    return rows_changed(session.execute(statement))
