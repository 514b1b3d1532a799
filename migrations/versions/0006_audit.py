"""Audit log and retention: an append-only record of who read or changed whose record, and
the runs of the retention job.

The audit log is append-only in the database itself: on PostgreSQL a trigger function
raises on UPDATE, DELETE or TRUNCATE of ``audit_log``; on SQLite triggers do the same for
UPDATE and DELETE.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:04:12.402117
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


_POSTGRES_UP = (
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
_POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)
_SQLITE_UP = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
)


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_actor', 'audit_log', ['actor'], unique=False)
    op.create_index('ix_audit_log_record_id', 'audit_log', ['record_id'], unique=False)

    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_days', sa.Integer(), nullable=False),
    sa.Column('journal_days', sa.Integer(), nullable=False),
    sa.Column('query_days', sa.Integer(), nullable=False),
    sa.Column('submissions', sa.Integer(), nullable=False),
    sa.Column('journal_entries', sa.Integer(), nullable=False),
    sa.Column('reflections', sa.Integer(), nullable=False),
    sa.Column('search_queries', sa.Integer(), nullable=False),
    sa.Column('evidence_requests', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_retention_runs_at', 'retention_runs', ['at'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_UP if dialect == 'postgresql' else _SQLITE_UP if dialect == 'sqlite' else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_DOWN if dialect == 'postgresql' else _SQLITE_DOWN if dialect == 'sqlite' else ():
        op.execute(statement)
    op.drop_index('ix_retention_runs_at', table_name='retention_runs')
    op.drop_table('retention_runs')
    op.drop_index('ix_audit_log_record_id', table_name='audit_log')
    op.drop_index('ix_audit_log_actor', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
