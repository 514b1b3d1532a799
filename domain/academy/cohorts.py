"""Cohorts and enrolment: Hub staff create a course's cohort and enrol people in it.

Enrolling someone writes the enrolment and, when the person enrolling is not the one
enrolled, its ``participant.enrol`` audit row in one transaction: both are kept, or neither.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.academy.answers import clean_text, fold
from domain.academy.dates import course_dates_problem, long_day, plan_due_date
from domain.academy.records import Cohort, CohortExists, InvalidAnswer, Module, NotEnrolled, NotFound, UnknownUser
from domain.academy.store import AcademyStore, dialect_insert
from domain.audit import Action
from domain.clock import london_day
from domain.models import AcademyCohort, AcademyEnrolment, User
from domain.numbers import ascii_int

__all__ = [
    "Cohorts",
    "ENROL_ACTION",
    "MODULES",
    "resolve_user",
    "cohort_by_name",
    "find_cohort",
    "cohort_row",
    "cohort_view",
    "enrolled_cohort",
]

# The audit code of an enrolment by someone other than the participant.
ENROL_ACTION = "participant.enrol"
MODULES = "leadership, specialist, foundation or practitioner"

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class Cohorts(AcademyStore):
    """The Academy's cohorts and who is enrolled in them; for Hub staff."""

    def find_user(self, text: str) -> str | None:
        """The Azure AD object id of a user, by that id or by a display name only they have.

        Both are matched regardless of capitals. None when nobody, or more than one
        person, matches.
        """
        with self._db.session() as session:
            found, _ = resolve_user(session, text)
        return found

    def create_cohort(
        self, name: str, module: Module | str, starts_on: date, ends_on: date, *, created_by: str
    ) -> Cohort:
        """Create a cohort of ``module`` running from ``starts_on`` to ``ends_on`` inclusive,
        with its ``cohort.create`` audit row in the same transaction.

        Raises:
            CohortExists: another cohort has that name, capitals aside.
            InvalidAnswer: the name is empty or too long, the module unknown, the course
                ends before it starts, lasts more than a year or starts more than two years
                before or after today (Europe/London); nothing is created.
        """
        clean = " ".join((clean_text(name, "The cohort name", required=True, limit=200) or "").split())
        try:
            chosen = Module(module.lower() if isinstance(module, str) else module)
        except ValueError:
            raise InvalidAnswer(f"There is no module '{module}': {MODULES}.") from None
        if ends_on < starts_on:
            raise InvalidAnswer(
                f"The course can't end ({long_day(ends_on)}) before it starts ({long_day(starts_on)})."
            )
        if problem := course_dates_problem(starts_on, ends_on, london_day(self._clock())):
            raise InvalidAnswer(problem)
        try:
            with self._db.session() as session:
                if cohort_by_name(session, clean) is not None:
                    raise CohortExists(f"There is already a cohort called '{clean}'.")
                row = AcademyCohort(
                    name=clean, name_key=fold(clean), module=chosen.value, starts_on=starts_on,
                    ends_on=ends_on, plan_due_on=plan_due_date(ends_on), created_by=created_by.lower(),
                    created_at=self._clock(),
                )
                session.add(row)
                session.flush()
                self._audit.record(created_by, Action.COHORT_CREATE, "cohort", str(row.id), session=session)
                return cohort_view(session, row)
        except IntegrityError:
            # Another process created it between our look-up and our insert.
            raise CohortExists(f"There is already a cohort called '{clean}'.") from None

    def cohort(self, name_or_id: str | int) -> Cohort | None:
        """The cohort with this name (capitals aside) or id, or None; for Hub staff."""
        with self._db.session() as session:
            row = find_cohort(session, name_or_id)
            return cohort_view(session, row) if row is not None else None

    def cohorts(self, viewer_aad: str | None = None) -> list[Cohort]:
        """Every cohort, latest start first; for Hub staff and the scheduler. A Hub member's
        look at the list (``viewer_aad``) is one ``cohort.list`` audit row in the same transaction."""
        with self._db.session() as session:
            if viewer_aad is not None:
                self._audit.record(viewer_aad, Action.COHORT_LIST, "cohort", "all", session=session)
            rows = session.scalars(
                select(AcademyCohort).order_by(AcademyCohort.starts_on.desc(), AcademyCohort.name_key)
            ).all()
            return [cohort_view(session, row) for row in rows]

    def enrol(self, cohort: Cohort | str | int, aad_object_id: str, *, by: str) -> bool:
        """Make a user a participant of ``cohort``; False if they already were.

        When ``by`` is someone else (Hub staff), the enrolment's audit row is written in
        the same transaction; enrolling someone already enrolled changes, and audits,
        nothing.

        Raises:
            NotFound: there is no such cohort.
            UnknownUser: the user has never messaged the assistant.
        """
        aad = aad_object_id.strip().lower()
        with self._db.session() as session:
            row = cohort_row(session, cohort)
            if session.get(User, aad) is None:
                raise UnknownUser(
                    f"Nobody with the id {aad_object_id.strip()} has used the assistant yet: "
                    "they need to message it once first."
                )
            added = session.execute(
                dialect_insert(self._db, AcademyEnrolment)
                .values(cohort_id=row.id, aad_object_id=aad, enrolled_by=by.lower(), enrolled_at=self._clock())
                .on_conflict_do_nothing(index_elements=[AcademyEnrolment.cohort_id, AcademyEnrolment.aad_object_id])
                .returning(AcademyEnrolment.cohort_id)
            ).scalar_one_or_none()
            if added is None:
                return False
            self._audit.record(by, ENROL_ACTION, "participant", aad, owner=aad, session=session)
            return True


def resolve_user(session: Session, text: str) -> tuple[str | None, int]:
    """(the id of the user ``text`` names or None, how many users matched)."""
    text = " ".join(text.split())
    if not text:
        return None, 0
    if _GUID.fullmatch(text):
        found = session.scalar(select(User.aad_object_id).where(User.aad_object_id == text.lower()))
        return found, int(found is not None)
    ids = session.scalars(
        select(User.aad_object_id).where(func.lower(User.name) == text.lower()).limit(2)
    ).all()
    return (ids[0] if len(ids) == 1 else None), len(ids)


def cohort_by_name(session: Session, name: str) -> AcademyCohort | None:
    """The cohort called ``name``, capitals and extra spaces aside."""
    return session.scalars(select(AcademyCohort).where(AcademyCohort.name_key == fold(name))).one_or_none()


def find_cohort(session: Session, cohort: Cohort | str | int) -> AcademyCohort | None:
    """The cohort given as a record, an id, a name or an id typed as text; None if none."""
    if isinstance(cohort, Cohort):
        return session.get(AcademyCohort, cohort.id)
    if isinstance(cohort, int):
        return session.get(AcademyCohort, cohort)
    found = cohort_by_name(session, cohort)
    if found is None and (number := ascii_int(cohort)) is not None:
        found = session.get(AcademyCohort, number)
    return found


def cohort_row(session: Session, cohort: Cohort | str | int) -> AcademyCohort:
    """Like :func:`find_cohort`, but there must be one.

    Raises:
        NotFound: there is no such cohort.
    """
    row = find_cohort(session, cohort)
    if row is None:
        raise NotFound(f"There is no cohort '{cohort.name if isinstance(cohort, Cohort) else cohort}'.")
    return row


def cohort_view(session: Session, row: AcademyCohort) -> Cohort:
    """The cohort as a record, with its participants."""
    participants = session.scalars(
        select(AcademyEnrolment.aad_object_id)
        .where(AcademyEnrolment.cohort_id == row.id)
        .order_by(AcademyEnrolment.aad_object_id)
    ).all()
    return Cohort(
        id=row.id, name=row.name, module=Module(row.module), starts_on=row.starts_on,
        ends_on=row.ends_on, plan_due_on=row.plan_due_on, participants=tuple(participants),
    )


def enrolled_cohort(session: Session, aad: str, cohort_id: int) -> AcademyCohort:
    """The cohort ``aad`` is a participant of.

    Raises:
        NotFound: there is no such cohort.
        NotEnrolled: ``aad`` is not one of its participants.
    """
    row = cohort_row(session, cohort_id)
    if session.get(AcademyEnrolment, (row.id, aad)) is None:
        raise NotEnrolled(f"You are not enrolled in the cohort '{row.name}'.")
    return row
