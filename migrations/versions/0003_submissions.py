"""Portal submissions: the submissions themselves, their status history, their supporters
and the per-year counter that numbers them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:12:04.118402
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reference_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=4000), nullable=False),
    sa.Column('description', sa.String(length=4000), nullable=False),
    sa.Column('crime_types', sa.JSON(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('tried', sa.String(length=4000), nullable=True),
    sa.Column('success', sa.String(length=4000), nullable=True),
    sa.Column('partners', sa.String(length=4000), nullable=True),
    sa.Column('personal_data', sa.JSON(), nullable=False),
    sa.Column('owner_aad', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('merged_into', sa.String(length=20), nullable=True),
    sa.Column('source_key', sa.String(length=200), nullable=True),
    sa.Column('vector', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_aad'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into'], ['submissions.reference'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', name='uq_submissions_reference'),
    sa.UniqueConstraint('year', 'number', name='uq_submissions_year_number'),
    sa.UniqueConstraint('source_key', name='uq_submissions_source_key'),
    sqlite_autoincrement=True
    )
    op.create_index('ix_submissions_owner_aad', 'submissions', ['owner_aad'], unique=False)
    op.create_index('ix_submissions_status', 'submissions', ['status'], unique=False)

    op.create_table('submission_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_aad', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=4000), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_submission_history_submission_id', 'submission_history', ['submission_id'], unique=False)

    op.create_table('submission_supporters',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'aad_object_id')
    )
    op.create_index('ix_submission_supporters_aad_object_id', 'submission_supporters', ['aad_object_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_submission_supporters_aad_object_id', table_name='submission_supporters')
    op.drop_table('submission_supporters')
    op.drop_index('ix_submission_history_submission_id', table_name='submission_history')
    op.drop_table('submission_history')
    op.drop_index('ix_submissions_status', table_name='submissions')
    op.drop_index('ix_submissions_owner_aad', table_name='submissions')
    op.drop_table('submissions')
    op.drop_table('reference_counters')
