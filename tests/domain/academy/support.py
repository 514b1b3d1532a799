"""People, dates and small helpers the Academy's tests share."""

from __future__ import annotations

from datetime import date

from domain.academy import Academy, Cohort, Module
from tests.fakes import OFFICER_AAD

__all__ = ["OFFICER_AAD", "OTHER_AAD", "HUB_AAD", "UNKNOWN_AAD", "MARCH", "make_cohort", "gibbs", "AuditInsertFailed"]

OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
UNKNOWN_AAD = "0b6f1b3c-9999-4a4a-9b9b-000000000009"
MARCH = (date(2026, 3, 2), date(2026, 3, 13))


def make_cohort(academy: Academy, name: str = "Leaders 7", *, people: tuple[str, ...] = (OFFICER_AAD,)) -> Cohort:
    """A leadership cohort in March, with ``people`` enrolled by the Hub."""
    cohort = academy.create_cohort(name, Module.LEADERSHIP, *MARCH, created_by=HUB_AAD)
    for aad in people:
        academy.enrol(cohort, aad, by=HUB_AAD)
    found = academy.cohort(cohort.id)
    assert found is not None
    return found


def gibbs(what: str, **more: str) -> dict[str, str | None]:
    """Journal answers: what happened, and any other Gibbs keys given."""
    return {"description": what, **more}


class AuditInsertFailed(Exception):
    """The database refused to write an audit row (raised by the ``failing_audit_insert`` fixture)."""
