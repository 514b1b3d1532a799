"""Cohorts and enrolment by command: names used once, the action plan's due date, who
can be enrolled, finding people by id or name, and the audit row of each enrolment."""

from __future__ import annotations

from datetime import date

import pytest

from domain.academy import ENROL_ACTION, CohortExists, InvalidAnswer, Module, NotFound, UnknownUser, plan_due_date
from domain.audit import Audit
from domain.users import Users
from tests.domain.academy.support import (
    HUB_AAD,
    MARCH,
    OFFICER_AAD,
    OTHER_AAD,
    UNKNOWN_AAD,
    AuditInsertFailed,
    make_cohort,
)


def test_a_cohort_is_created_with_its_dates_and_a_name_is_used_once(academy):
    cohort = academy.create_cohort("Leaders 7", "Leadership", *MARCH, created_by=HUB_AAD)
    assert (cohort.name, cohort.module, cohort.module.label) == ("Leaders 7", Module.LEADERSHIP, "Leadership")
    assert (cohort.starts_on, cohort.ends_on, cohort.plan_due_on) == (*MARCH, date(2026, 6, 13))
    assert cohort.participants == ()
    assert academy.cohort("leaders 7") == academy.cohort(cohort.id) == academy.cohort(str(cohort.id)) == cohort

    with pytest.raises(CohortExists, match="There is already a cohort called 'LEADERS 7'"):
        academy.create_cohort("LEADERS  7", Module.SPECIALIST, *MARCH, created_by=HUB_AAD)
    with pytest.raises(InvalidAnswer, match=r"can't end \(1 March 2026\) before it starts \(2 March 2026\)"):
        academy.create_cohort("Leaders 8", Module.LEADERSHIP, date(2026, 3, 2), date(2026, 3, 1), created_by=HUB_AAD)
    with pytest.raises(InvalidAnswer, match="There is no module 'advanced'"):
        academy.create_cohort("Leaders 8", "advanced", *MARCH, created_by=HUB_AAD)
    one_day = academy.create_cohort("Foundation 1", Module.FOUNDATION, date(2026, 4, 1), date(2026, 4, 1), created_by=HUB_AAD)
    assert [c.name for c in academy.cohorts()] == [one_day.name, cohort.name]


@pytest.mark.parametrize(
    ("ends_on", "due_on"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 8, 31), date(2026, 11, 30)),
        (date(2026, 10, 31), date(2027, 1, 31)),
        (date(2026, 3, 13), date(2026, 6, 13)),
    ],
)
def test_the_action_plan_is_due_three_calendar_months_after_the_course_ends(ends_on, due_on):
    assert plan_due_date(ends_on) == due_on


def test_only_people_who_have_used_the_assistant_can_be_enrolled_and_only_once(academy):
    cohort = make_cohort(academy, people=())
    assert academy.enrol(cohort.name, OFFICER_AAD.upper(), by=HUB_AAD) is True
    assert academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD) is False
    with pytest.raises(UnknownUser, match="they need to message it once first"):
        academy.enrol(cohort, UNKNOWN_AAD, by=HUB_AAD)
    with pytest.raises(NotFound, match="There is no cohort 'Leaders 99'"):
        academy.enrol("Leaders 99", OFFICER_AAD, by=HUB_AAD)
    assert academy.cohort(cohort.id).participants == (OFFICER_AAD,)


def test_a_user_is_found_by_their_id_or_by_a_name_only_they_have(academy, db):
    Users(db).seen("0b6f1b3c-5555-4a4a-9b9b-000000000005", "Sam Taylor")
    assert academy.find_user(OFFICER_AAD.upper()) == OFFICER_AAD
    assert academy.find_user("  alex   MORGAN ") == OFFICER_AAD
    assert academy.find_user("Sam Taylor") is None  # two people have that name
    assert academy.find_user(UNKNOWN_AAD) is None
    assert academy.find_user("Jo Bloggs") is None


def test_each_enrolment_by_a_hub_member_writes_one_audit_row_naming_them(academy, db):
    cohort = make_cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
    assert academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD) is False  # no change, so nothing to audit
    assert academy.enrol(cohort.id, HUB_AAD, by=HUB_AAD.upper()) is True  # enrolling oneself is not audited
    assert academy.cohort(cohort.id).participants == tuple(sorted([OFFICER_AAD, OTHER_AAD, HUB_AAD]))
    assert [(e.actor, e.action, e.record_type, e.record_id) for e in Audit(db).entries(None, None)] == [
        (HUB_AAD, "cohort.create", "cohort", str(cohort.id)),
        (HUB_AAD, ENROL_ACTION, "participant", OFFICER_AAD),
        (HUB_AAD, ENROL_ACTION, "participant", OTHER_AAD),
    ]
    assert ENROL_ACTION == "participant.enrol"


def test_an_enrolment_whose_audit_row_cannot_be_written_is_not_kept(academy, db, failing_audit_insert):
    cohort = make_cohort(academy, people=())
    with pytest.raises(AuditInsertFailed):
        academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD)
    assert academy.cohort(cohort.id).participants == ()
    assert [e.action for e in Audit(db).entries(None, None)] == ["cohort.create"]
    # Enrolling oneself writes no audit row, so it is not held up.
    assert academy.enrol(cohort.id, OFFICER_AAD, by=OFFICER_AAD) is True
