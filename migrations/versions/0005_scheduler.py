"""Scheduler: journal prompts and reminders due at a moment, each handled once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:02:41.530118
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduled_jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key', name='uq_scheduled_jobs_dedupe_key')
    )
    op.create_index('ix_scheduled_jobs_aad_object_id', 'scheduled_jobs', ['aad_object_id'], unique=False)
    op.create_index('ix_scheduled_jobs_due_at', 'scheduled_jobs', ['due_at'], unique=False)
    op.create_index('ix_scheduled_jobs_status', 'scheduled_jobs', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_scheduled_jobs_status', table_name='scheduled_jobs')
    op.drop_index('ix_scheduled_jobs_due_at', table_name='scheduled_jobs')
    op.drop_index('ix_scheduled_jobs_aad_object_id', table_name='scheduled_jobs')
    op.drop_table('scheduled_jobs')
