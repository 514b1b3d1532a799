"""The self-assessment: the same seven statements scored before and after the course, and
how each score moved."""

from __future__ import annotations

from typing import Mapping

from domain.academy.cohorts import enrolled_cohort
from domain.academy.questions import ITEMS, SCALE
from domain.academy.records import Assessment, InvalidAnswer, ItemChange, Phase
from domain.academy.store import AcademyStore, dialect_insert
from domain.clock import aware
from domain.numbers import ascii_int
from domain.models import AcademyAssessment

__all__ = ["SelfAssessment", "clean_scores"]


class SelfAssessment(AcademyStore):
    """Each participant's own self-assessments, one a phase of each cohort."""

    def save_assessment(
        self, aad: str, cohort_id: int, phase: Phase | str, scores: Mapping[str, int | str]
    ) -> Assessment:
        """Keep the participant's scores for ``phase``, replacing any saved before.

        Raises:
            NotEnrolled: they are not a participant of the cohort.
            InvalidAnswer: an item is missing, unknown or not a whole number from 1 to 5.
        """
        key, when = aad.lower(), Phase(phase)
        clean = clean_scores(scores)
        now = self._clock()
        with self._db.session() as session:
            cohort = enrolled_cohort(session, key, cohort_id)
            values = {"scores": clean, "saved_at": now}
            session.execute(
                dialect_insert(self._db, AcademyAssessment)
                .values(aad_object_id=key, cohort_id=cohort.id, phase=when.value, **values)
                .on_conflict_do_update(
                    index_elements=[
                        AcademyAssessment.aad_object_id, AcademyAssessment.cohort_id, AcademyAssessment.phase
                    ],
                    set_=values,
                )
            )
            return Assessment(cohort.id, when, clean, now)

    def assessment(self, aad: str, cohort_id: int, phase: Phase | str) -> Assessment | None:
        """The asker's self-assessment for ``phase`` of the cohort, or None."""
        with self._db.session() as session:
            row = session.get(AcademyAssessment, (aad.lower(), cohort_id, Phase(phase).value))
            if row is None:
                return None
            return Assessment(row.cohort_id, Phase(row.phase), dict(row.scores), aware(row.saved_at))

    def assessment_change(self, aad: str, cohort_id: int) -> list[ItemChange]:
        """How each score moved from before to after the course; empty until both are saved."""
        before = self.assessment(aad, cohort_id, Phase.BEFORE)
        after = self.assessment(aad, cohort_id, Phase.AFTER)
        if before is None or after is None:
            return []
        return [
            ItemChange(key, statement, before.scores[key], after.scores[key], after.scores[key] - before.scores[key])
            for key, statement in ITEMS
        ]


def clean_scores(scores: Mapping[str, int | str]) -> dict[str, int]:
    """A score from 1 to 5 for every statement (whole numbers typed as text are read).

    Raises:
        InvalidAnswer: an item is missing, unknown or not a whole number from 1 to 5.
    """
    statements = dict(ITEMS)
    unknown = sorted(set(scores) - set(statements))
    if unknown:
        raise InvalidAnswer(f"There is no statement '{unknown[0]}' in the self-assessment.")
    missing = [statement for item, statement in ITEMS if item not in scores]
    if missing:
        raise InvalidAnswer(f"Please score every statement; missing: \"{missing[0]}\"")
    clean: dict[str, int] = {}
    for item, _ in ITEMS:
        value = scores[item]
        number = ascii_int(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 5:
            raise InvalidAnswer(f"Score \"{statements[item]}\" from 1 ({SCALE[1]}) to 5 ({SCALE[5]}).")
        clean[item] = number
    return clean
