"""Six-hats reflections: a topic thought through de Bono's six thinking hats, which the
participant may attach to one of their action plans or to a Hub submission."""

from __future__ import annotations

from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.academy.answers import clean_answers, clean_text
from domain.academy.plans import own_plan
from domain.academy.questions import HATS
from domain.academy.records import InvalidAnswer, NotFound, Reflection
from domain.academy.store import AcademyStore, ensure_user
from domain.clock import aware
from domain.models import AcademyReflection

__all__ = ["Reflections", "reflection_view", "reflections_of"]


class Reflections(AcademyStore):
    """Each participant's own six-hats reflections."""

    def save_reflection(self, aad: str, topic: str, answers: Mapping[str, str | None]) -> Reflection:
        """Keep a six-hats reflection on ``topic``; skipped hats are None, but not all of them.

        Raises:
            InvalidAnswer: the topic is blank, every hat was skipped, or text is too long.
        """
        key = aad.lower()
        clean_topic = clean_text(topic, "The topic", required=True)
        questions = [(k, f"{colour} hat: {what.split(':')[0]}") for k, colour, what, _ in HATS]
        clean = clean_answers(answers, questions, "six hats")
        if all(value is None for value in clean.values()):
            raise InvalidAnswer("Answer at least one hat before saving the reflection.")
        with self._db.session() as session:
            ensure_user(self._db, session, key)
            row = AcademyReflection(aad_object_id=key, topic=clean_topic, answers=clean, created_at=self._clock())
            session.add(row)
            session.flush()
            return reflection_view(row)

    def reflections(self, aad: str) -> list[Reflection]:
        """The asker's six-hats reflections, latest first."""
        with self._db.session() as session:
            return reflections_of(session, aad.lower())

    def attach_reflection(
        self, reflection_id: int, aad: str, *, plan_id: int | None = None, submission_reference: str | None = None
    ) -> Reflection:
        """Attach one of the asker's reflections to one of their action plans and/or a submission.

        The submission reference is kept as given, in capitals; it is not looked up.

        Raises:
            NotFound: the reflection or the plan is not the asker's own.
            InvalidAnswer: neither a plan nor a submission was given.
        """
        key = aad.lower()
        reference = clean_text(submission_reference, "The submission reference", limit=40)
        if plan_id is None and reference is None:
            raise InvalidAnswer("Say which action plan or submission to attach the reflection to.")
        with self._db.session() as session:
            row = session.get(AcademyReflection, reflection_id)
            if row is None or row.aad_object_id != key:
                raise NotFound("You have no such reflection.")
            if plan_id is not None:
                own_plan(session, plan_id, key)
                row.plan_id = plan_id
            if reference is not None:
                row.submission_reference = reference.upper()
            session.flush()
            return reflection_view(row)


def reflections_of(session: Session, aad: str) -> list[Reflection]:
    """The reflections of ``aad`` (already lower case), latest first."""
    rows = session.scalars(
        select(AcademyReflection)
        .where(AcademyReflection.aad_object_id == aad)
        .order_by(AcademyReflection.created_at.desc(), AcademyReflection.id.desc())
    ).all()
    return [reflection_view(row) for row in rows]


def reflection_view(row: AcademyReflection) -> Reflection:
    """The reflection as a record, with every hat key."""
    answers = {key: row.answers.get(key) for key, _, _, _ in HATS}
    return Reflection(row.id, row.topic, answers, aware(row.created_at), row.plan_id, row.submission_reference)
