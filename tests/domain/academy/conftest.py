"""The Academy's fixtures: a service on a migrated database that three people have used, and
a database that refuses to write audit rows."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import event

from domain.academy import Academy
from domain.db import Database
from domain.users import Users
from tests.domain.academy.support import HUB_AAD, OFFICER_AAD, OTHER_AAD, AuditInsertFailed


@pytest.fixture
def academy(db: Database) -> Academy:
    """The Academy, with Alex Morgan (an officer), Sam Taylor and a Hub lead known as users."""
    users = Users(db)
    users.seen(OFFICER_AAD, "Alex Morgan")
    users.seen(OTHER_AAD, "Sam Taylor")
    users.seen(HUB_AAD, "Hub Lead")
    return Academy(db)


@pytest.fixture
def failing_audit_insert(db: Database) -> Iterator[None]:
    """Every enrolment's ``INSERT`` into the audit log fails with :class:`AuditInsertFailed`."""

    def refuse(connection: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG") and "participant.enrol" in str(parameters):
            raise AuditInsertFailed(statement)

    event.listen(db.engine, "before_cursor_execute", refuse)
    yield
    event.remove(db.engine, "before_cursor_execute", refuse)
