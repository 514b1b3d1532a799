"""The Academy's tables: they match their models, and the migration goes down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from domain.db import MIGRATIONS_DIR
from domain.models import Base
from tests.domain.academy.support import make_cohort

ACADEMY_TABLES = {
    "academy_cohorts", "academy_enrolments", "academy_assessments",
    "academy_journal_entries", "academy_plans", "academy_reflections",
}


def test_the_academy_tables_match_their_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    # Other features' tables are checked by their own tests.
    assert [diff for diff in diffs if "academy_" in str(diff)] == []


def _alembic_config(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if not config.get_main_option("path_separator"):
        config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def test_the_academy_migration_downgrades_and_upgrades_again(academy, db):
    make_cohort(academy)
    assert ACADEMY_TABLES <= set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0003")
    assert not ACADEMY_TABLES & set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert ACADEMY_TABLES <= set(inspect(db.engine).get_table_names())
    assert academy.cohorts() == []
