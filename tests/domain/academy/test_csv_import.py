"""Enrolment from a CSV file, reported line by line."""

from __future__ import annotations

import pytest

from domain.academy import ENROL_ACTION, CsvError, Module
from domain.audit import Audit
from tests.domain.academy.support import HUB_AAD, OFFICER_AAD, OTHER_AAD, AuditInsertFailed, make_cohort


CSV = """user,cohort,module,starts_on,ends_on
Alex Morgan,Leaders 7,leadership,2026-03-02,2026-03-13
{other},leaders 7,Leadership,02/03/2026,13/03/2026
Jo Bloggs,Leaders 7,leadership,2026-03-02,2026-03-13
Sam Taylor,Specialists 3,specialist,31/02/2026,2026-03-20

Sam Taylor,Specialists 3,advanced,2026-03-02,2026-03-20
Sam Taylor,Leaders 7,leadership,2026-03-02,2026-03-20
Alex Morgan,Leaders 7,,,
"Taylor, Sam",Practitioners 1,practitioner,2026-05-01,2026-05-08
Sam Taylor,Practitioners 1,practitioner,2026-05-01,2026-05-08
"""


def test_csv_import_enrols_the_good_rows_and_reports_each_bad_line_with_its_number(academy):
    report = academy.import_csv(CSV.format(other=OTHER_AAD.upper()), by=HUB_AAD)
    assert [(line.line, line.user, line.outcome, line.reason) for line in report.lines] == [
        (2, "Alex Morgan", "enrolled", ""),
        (3, OTHER_AAD.upper(), "enrolled", ""),
        (4, "Jo Bloggs", "error", "unknown user 'Jo Bloggs': they need to message the assistant once first"),
        (5, "Sam Taylor", "error", "bad date '31/02/2026' in starts_on (use YYYY-MM-DD)"),
        (7, "Sam Taylor", "error", "unknown module 'advanced' (leadership, specialist, foundation or practitioner)"),
        (8, "Sam Taylor", "error", "cohort 'Leaders 7' exists with different dates (2026-03-02 to 2026-03-13)"),
        (9, "Alex Morgan", "already enrolled", ""),
        (10, "Taylor, Sam", "error", "unknown user 'Taylor, Sam': they need to message the assistant once first"),
        (11, "Sam Taylor", "enrolled", ""),
    ]
    assert report.summary() == "3 enrolled, 1 already enrolled, 5 not enrolled (lines 4, 5, 7, 8, 10)"
    assert report.cohorts_created == ("Leaders 7", "Practitioners 1")
    assert academy.cohort("Leaders 7").participants == tuple(sorted([OFFICER_AAD, OTHER_AAD]))
    assert academy.cohort("Practitioners 1").module is Module.PRACTITIONER
    assert academy.cohort("Specialists 3") is None

    # The same file again changes nothing and says so.
    again = academy.import_csv(CSV.format(other=OTHER_AAD), by=HUB_AAD)
    assert again.summary() == "0 enrolled, 4 already enrolled, 5 not enrolled (lines 4, 5, 7, 8, 10)"


def test_a_csv_row_must_agree_with_an_existing_cohort_and_a_file_must_have_every_column(academy):
    make_cohort(academy, people=())
    report = academy.import_csv(
        "User, Cohort, Module, Starts_On, Ends_On, Notes\n"
        "Sam Taylor,Leaders 7,specialist,2026-03-02,2026-03-13,x\n"
        "Sam Taylor,New cohort,,,\n",
        by=HUB_AAD,
    )
    assert [line.reason for line in report.lines] == [
        "cohort 'Leaders 7' exists with a different module (leadership)",
        "cohort 'New cohort' does not exist yet: give its module, starts_on and ends_on",
    ]
    assert report.summary() == "0 enrolled, 0 already enrolled, 2 not enrolled (lines 2, 3)"

    with pytest.raises(CsvError, match="missing column 'module'"):
        academy.import_csv("user,cohort,starts_on,ends_on\nAlex Morgan,Leaders 7,2026-03-02,2026-03-13\n", by=HUB_AAD)
    with pytest.raises(CsvError, match="The file is empty"):
        academy.import_csv("\n\n", by=HUB_AAD)
    assert academy.cohort("Leaders 7").participants == ()


def test_each_person_enrolled_from_a_file_gets_one_audit_row_naming_the_hub_member(academy, db):
    academy.import_csv(CSV.format(other=OTHER_AAD), by=HUB_AAD)
    academy.import_csv(CSV.format(other=OTHER_AAD), by=HUB_AAD)  # nothing new: nothing more audited
    assert [(e.actor, e.action, e.record_type, e.record_id) for e in Audit(db).entries(None, None)
            if e.action == ENROL_ACTION] == [
        (HUB_AAD, ENROL_ACTION, "participant", OFFICER_AAD),  # line 2, Leaders 7
        (HUB_AAD, ENROL_ACTION, "participant", OTHER_AAD),  # line 3, Leaders 7
        (HUB_AAD, ENROL_ACTION, "participant", OTHER_AAD),  # line 11, Practitioners 1
    ]


def test_a_line_whose_audit_row_cannot_be_written_enrols_nobody(academy, db, failing_audit_insert):
    make_cohort(academy, people=())
    with pytest.raises(AuditInsertFailed):
        academy.import_csv("user,cohort,module,starts_on,ends_on\nAlex Morgan,Leaders 7,,,\n", by=HUB_AAD)
    assert academy.cohort("Leaders 7").participants == ()
    assert [e.action for e in Audit(db).entries(None, None) if e.action == ENROL_ACTION] == []
