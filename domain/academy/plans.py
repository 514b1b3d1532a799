"""The SARA action plan: one problem a participant works through scanning, analysis,
response and assessment, over as many sittings as they like, due three calendar months
after their course ends."""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.academy.answers import clean_text, listed
from domain.academy.cohorts import enrolled_cohort
from domain.academy.questions import STAGE_KEYS, STAGE_TITLES, STAGES
from domain.academy.records import InvalidAnswer, NotFound, Plan, PlanExists, PlanIncomplete
from domain.academy.store import AcademyStore
from domain.clock import aware
from domain.models import AcademyCohort, AcademyPlan

__all__ = ["Plans", "clean_stage", "own_plan", "plan_view", "plans_of"]


class Plans(AcademyStore):
    """Each participant's own action plans, one a cohort."""

    def start_plan(self, aad: str, cohort_id: int, problem: str) -> Plan:
        """Start the participant's action plan for the cohort on the problem they chose.

        Raises:
            NotEnrolled: they are not a participant of the cohort.
            PlanExists: they already have a plan for it.
            InvalidAnswer: the problem is blank or too long.
        """
        key = aad.lower()
        clean = clean_text(problem, "The problem", required=True)
        exists = PlanExists("You already have an action plan for this cohort; carry on with that one.")
        now = self._clock()
        try:
            with self._db.session() as session:
                cohort = enrolled_cohort(session, key, cohort_id)
                found = session.scalar(
                    select(AcademyPlan.id).where(AcademyPlan.aad_object_id == key, AcademyPlan.cohort_id == cohort.id)
                )
                if found is not None:
                    raise exists
                row = AcademyPlan(
                    aad_object_id=key, cohort_id=cohort.id, problem=clean, stages={}, created_at=now, updated_at=now
                )
                session.add(row)
                session.flush()
                return plan_view(row, cohort)
        except IntegrityError:
            raise exists from None

    def plan(self, aad: str, cohort_id: int | None = None) -> Plan | None:
        """The asker's action plan for the cohort, or their latest one; None if there is none."""
        query = (
            select(AcademyPlan, AcademyCohort)
            .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
            .where(AcademyPlan.aad_object_id == aad.lower())
        )
        if cohort_id is not None:
            query = query.where(AcademyPlan.cohort_id == cohort_id)
        with self._db.session() as session:
            found = session.execute(
                query.order_by(AcademyPlan.created_at.desc(), AcademyPlan.id.desc()).limit(1)
            ).first()
            return plan_view(*found) if found else None

    def plans(self, aad: str) -> list[Plan]:
        """All the asker's action plans, latest first."""
        with self._db.session() as session:
            return plans_of(session, aad.lower())

    def save_stage(self, plan_id: int, aad: str, stage: str, answers: Mapping[str, object]) -> Plan:
        """Save one SARA stage of the asker's plan, replacing what that stage held before.

        Stages may be saved in any order and over as many sittings as the participant likes.
        Every question of the stage needs an answer, except the knowledge entries cited in
        the response.

        Raises:
            NotFound: the plan is not the asker's own.
            InvalidAnswer: an unknown stage, a blank or too long answer, or the plan is
                already complete.
        """
        key = aad.lower()
        clean = clean_stage(stage, answers)
        with self._db.session() as session:
            row, cohort = own_plan(session, plan_id, key, lock=True)
            if row.completed_at is not None:
                raise InvalidAnswer("This action plan is complete, so it can no longer be changed.")
            row.stages = {**(row.stages or {}), stage: clean}
            row.updated_at = self._clock()
            session.flush()
            return plan_view(row, cohort)

    def complete_plan(self, plan_id: int, aad: str) -> Plan:
        """Record that the asker's plan is complete; all four stages must be saved.

        Completing a plan already complete changes nothing.

        Raises:
            NotFound: the plan is not the asker's own.
            PlanIncomplete: stages are missing; the message names them.
        """
        key = aad.lower()
        with self._db.session() as session:
            row, cohort = own_plan(session, plan_id, key, lock=True)
            if row.completed_at is None:
                missing = [STAGE_TITLES[s].lower() for s in STAGE_KEYS if s not in (row.stages or {})]
                if missing:
                    stages = "stages" if len(missing) > 1 else "stage"
                    raise PlanIncomplete(
                        f"Your action plan still needs the {listed(missing)} {stages} before it can be completed."
                    )
                now = self._clock()
                row.completed_at = now
                row.updated_at = now
                session.flush()
            return plan_view(row, cohort)


def clean_stage(stage: str, answers: Mapping[str, object]) -> dict[str, Any]:
    """The answers to one SARA stage, checked: every question answered, except the
    knowledge entries cited in the response (a list of ids, kept once each).

    Raises:
        InvalidAnswer: an unknown stage or question, or a blank or too long answer.
    """
    fields = next((f for k, _, f in STAGES if k == stage), None)
    if fields is None:
        raise InvalidAnswer(f"There is no stage '{stage}': {', '.join(STAGE_KEYS)}.")
    given = dict(answers)
    cited = given.pop("cited_entries", None) if stage == "response" else None
    clean: dict[str, Any] = {
        field: clean_text(given.get(field), f"Your answer to '{question}'", required=True)
        for field, question in fields
        if field != "cited_entries"
    }
    unknown = sorted(set(given) - set(clean))
    if unknown:
        raise InvalidAnswer(f"There is no '{unknown[0]}' in the {STAGE_TITLES[stage].lower()} stage.")
    if stage == "response":
        cited = [] if cited is None else cited
        if not isinstance(cited, (list, tuple)) or not all(isinstance(c, str) for c in cited):
            raise InvalidAnswer("The knowledge entries cited should be a list of entry ids.")
        ids = [c.strip() for c in cited if c.strip()]
        if any(len(c) > 200 for c in ids):
            raise InvalidAnswer("A knowledge entry id is longer than 200 characters.")
        clean["cited_entries"] = list(dict.fromkeys(ids))
    return clean


def own_plan(session: Session, plan_id: int, aad: str, *, lock: bool = False) -> tuple[AcademyPlan, AcademyCohort]:
    """The plan ``plan_id`` of ``aad`` and its cohort; ``lock`` before changing it.

    Raises:
        NotFound: there is no such plan, or it is someone else's.
    """
    mine = (AcademyPlan.id == plan_id, AcademyPlan.aad_object_id == aad)
    if lock:
        # A write first: it takes SQLite's write lock (or the row's lock on PostgreSQL)
        # before the stages are read, so two sittings at once cannot lose a stage.
        session.execute(
            update(AcademyPlan).where(*mine).values(id=AcademyPlan.id),
            execution_options={"synchronize_session": False},
        )
    found = session.execute(
        select(AcademyPlan, AcademyCohort).join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id).where(*mine)
    ).first()
    if found is None:
        raise NotFound("You have no such action plan.")
    return found[0], found[1]


def plans_of(session: Session, aad: str) -> list[Plan]:
    """All the plans of ``aad`` (already lower case), latest first."""
    found = session.execute(
        select(AcademyPlan, AcademyCohort)
        .join(AcademyCohort, AcademyCohort.id == AcademyPlan.cohort_id)
        .where(AcademyPlan.aad_object_id == aad)
        .order_by(AcademyPlan.created_at.desc(), AcademyPlan.id.desc())
    ).all()
    return [plan_view(row, cohort) for row, cohort in found]


def plan_view(row: AcademyPlan, cohort: AcademyCohort) -> Plan:
    """The plan as a record, its stages in SARA order."""
    stages = {key: dict(row.stages[key]) for key in STAGE_KEYS if key in (row.stages or {})}
    return Plan(
        id=row.id, cohort_id=row.cohort_id, cohort_name=cohort.name, problem=row.problem, stages=stages,
        due_on=cohort.plan_due_on, created_at=aware(row.created_at), updated_at=aware(row.updated_at),
        completed_at=aware(row.completed_at),
    )
