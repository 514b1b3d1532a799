"""A participant's own prompt settings, kept in the database: their journal prompt time and
a pause. Changing them moves their prompts and reminders still to come in the same
transaction, so the next one already follows the new settings; the scheduler's handler
checks the settings again when a job falls due (:func:`~domain.academy.prompt_schedule.decide`).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.academy.prompt_schedule import MAX_PAUSE_DAYS, PLAN_KIND, PromptSettings, job_due_at
from domain.academy.records import InvalidAnswer
from domain.academy.store import AcademyStore, dialect_insert, ensure_user
from domain.clock import aware
from domain.models import AcademyEnrolment, AcademyPromptSettings, JobStatus, ScheduledJob

__all__ = ["PromptPreferences"]


def _settings(row: AcademyPromptSettings | None) -> PromptSettings:
    return PromptSettings() if row is None else PromptSettings(row.prompt_time, row.resume_on, row.paused_from)


class PromptPreferences(AcademyStore):
    """Each participant's prompt time and pause; ``default`` is the force's prompt time."""

    def is_participant(self, aad: str) -> bool:
        """Whether ``aad`` is enrolled in any cohort."""
        with self._db.session() as session:
            return session.scalars(
                select(AcademyEnrolment.cohort_id).where(AcademyEnrolment.aad_object_id == aad.lower()).limit(1)
            ).first() is not None

    def prompt_settings(self, aad: str) -> PromptSettings:
        """The participant's settings (the defaults if they never changed them)."""
        with self._db.session() as session:
            return _settings(session.get(AcademyPromptSettings, aad.lower()))

    def prompt_settings_of(self, aads: Iterable[str]) -> dict[str, PromptSettings]:
        """The settings of each participant who has changed theirs, by lower-case id."""
        keys = sorted({aad.lower() for aad in aads})
        if not keys:
            return {}
        with self._db.session() as session:
            rows = session.scalars(select(AcademyPromptSettings).where(AcademyPromptSettings.aad_object_id.in_(keys)))
            return {row.aad_object_id: _settings(row) for row in rows}

    def set_prompt_time(self, aad: str, at: time | None, *, default: time) -> PromptSettings:
        """Set the participant's own prompt time (None: back to the force's default)."""
        return self._save(aad, default, prompt_time=at)

    def pause_prompts(self, aad: str, days: int, *, today: date, default: time) -> PromptSettings:
        """Pause prompts and reminders for ``days`` days (1 to 60): they come again on
        ``today + days``.

        Raises:
            InvalidAnswer: ``days`` is out of range; nothing is changed.
        """
        if not 1 <= days <= MAX_PAUSE_DAYS:
            raise InvalidAnswer(f"A pause lasts 1 to {MAX_PAUSE_DAYS} days.")
        return self._save(aad, default, paused_from=today, resume_on=today + timedelta(days=days))

    def resume_prompts(self, aad: str, *, default: time) -> bool:
        """End a pause now; False if there was none."""
        if self.prompt_settings(aad).resume_on is None:
            return False
        self._save(aad, default, paused_from=None, resume_on=None)
        return True

    def _save(self, aad: str, default: time, **values: object) -> PromptSettings:
        key = aad.lower()
        now = self._clock()
        with self._db.session() as session:
            ensure_user(self._db, session, key)
            session.execute(
                dialect_insert(self._db, AcademyPromptSettings)
                .values(aad_object_id=key, updated_at=now, **values)
                .on_conflict_do_update(index_elements=[AcademyPromptSettings.aad_object_id],
                                       set_={"updated_at": now, **values})
            )
            settings = _settings(session.get(AcademyPromptSettings, key, populate_existing=True))
            _retime(session, key, settings, default)
        return settings


def _retime(session: Session, aad: str, settings: PromptSettings, default: time) -> None:
    """Move the participant's pending prompts and reminders to their times under ``settings``
    (a job being sent right now is left to go out)."""
    J = ScheduledJob
    pending = session.execute(
        select(J.id, J.kind, J.payload, J.due_at).where(
            J.aad_object_id == aad, J.status == JobStatus.PENDING.value, J.kind.in_(["journal-prompt", PLAN_KIND])
        )
    ).all()
    for row in pending:
        due = job_due_at(row.kind, dict(row.payload or {}), settings, default)
        if due is not None and due != aware(row.due_at):
            session.execute(
                update(J).where(J.id == row.id, J.status == JobStatus.PENDING.value).values(due_at=due)
                .execution_options(synchronize_session=False)
            )
