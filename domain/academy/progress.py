"""A participant's progress: for each of their cohorts, which self-assessments are due or
done, their journal entries and streak, and where their action plan stands."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from domain.academy.cohorts import cohort_view
from domain.academy.journal import streak_of
from domain.academy.plans import plan_view
from domain.academy.records import Due, ParticipantView, Phase
from domain.academy.store import AcademyStore
from domain.models import AcademyAssessment, AcademyCohort, AcademyEnrolment, AcademyJournalEntry, AcademyPlan

__all__ = ["Progress"]


class Progress(AcademyStore):
    """What each participant has done and what is due, read in one go."""

    def participant_status(self, aad: str, today: date) -> list[ParticipantView]:
        """The asker's progress in each of their cohorts, latest start first.

        The before-course self-assessment is due from the first day of the course, the
        after-course one from the last; journal entries are counted from the first day.
        The cohorts' ``participants`` are left empty: who else is enrolled is the Hub's.
        """
        key = aad.lower()
        with self._db.session() as session:
            rows = session.scalars(
                select(AcademyCohort)
                .join(AcademyEnrolment, AcademyEnrolment.cohort_id == AcademyCohort.id)
                .where(AcademyEnrolment.aad_object_id == key)
                .order_by(AcademyCohort.starts_on.desc(), AcademyCohort.id.desc())
            ).all()
            phases = {
                (row.cohort_id, row.phase)
                for row in session.execute(
                    select(AcademyAssessment.cohort_id, AcademyAssessment.phase).where(
                        AcademyAssessment.aad_object_id == key
                    )
                )
            }
            entries = session.execute(
                select(AcademyJournalEntry.written_on).where(AcademyJournalEntry.aad_object_id == key)
            ).scalars().all()
            plans = {
                row.cohort_id: plan_view(row, cohort)
                for row, cohort in session.execute(
                    select(AcademyPlan, AcademyCohort)
                    .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
                    .where(AcademyPlan.aad_object_id == key)
                )
            }
            # Who else is on the course is for the Hub to see, not the participant.
            cohorts = [replace(cohort_view(session, row), participants=()) for row in rows]
        streak = streak_of(entries, today)

        def due(cohort_id: int, phase: Phase, from_day: date) -> Due:
            if (cohort_id, phase.value) in phases:
                return Due.DONE
            return Due.DUE if today >= from_day else Due.NOT_YET

        views = []
        for cohort in cohorts:
            plan = plans.get(cohort.id)
            views.append(
                ParticipantView(
                    cohort=cohort,
                    before=due(cohort.id, Phase.BEFORE, cohort.starts_on),
                    after=due(cohort.id, Phase.AFTER, cohort.ends_on),
                    journal_entries=sum(day >= cohort.starts_on for day in entries),
                    streak=streak,
                    plan=plan,
                    plan_due_on=cohort.plan_due_on,
                    plan_overdue=plan.is_overdue(today) if plan else today > cohort.plan_due_on,
                )
            )
        return views
