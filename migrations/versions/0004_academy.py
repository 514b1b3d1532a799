"""The Academy: cohorts and their enrolments, self-assessments, journal entries, SARA
action plans and six-hats reflections.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('academy_cohorts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('module', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('plan_due_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_key', name='uq_academy_cohorts_name_key')
    )

    op.create_table('academy_enrolments',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('enrolled_by', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['academy_cohorts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'aad_object_id')
    )
    op.create_index('ix_academy_enrolments_aad_object_id', 'academy_enrolments', ['aad_object_id'], unique=False)

    op.create_table('academy_assessments',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['academy_cohorts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aad_object_id', 'cohort_id', 'phase')
    )

    op.create_table('academy_journal_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('prompted', sa.Boolean(), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('aad_object_id', 'source_key', name='uq_academy_journal_entries_source_key')
    )
    op.create_index('ix_academy_journal_entries_aad_object_id', 'academy_journal_entries', ['aad_object_id'], unique=False)

    op.create_table('academy_plans',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.String(length=4000), nullable=False),
    sa.Column('stages', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['academy_cohorts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('aad_object_id', 'cohort_id', name='uq_academy_plans_participant')
    )
    op.create_index('ix_academy_plans_cohort_id', 'academy_plans', ['cohort_id'], unique=False)

    op.create_table('academy_reflections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=4000), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('submission_reference', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['academy_plans.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_academy_reflections_aad_object_id', 'academy_reflections', ['aad_object_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_academy_reflections_aad_object_id', table_name='academy_reflections')
    op.drop_table('academy_reflections')
    op.drop_index('ix_academy_plans_cohort_id', table_name='academy_plans')
    op.drop_table('academy_plans')
    op.drop_index('ix_academy_journal_entries_aad_object_id', table_name='academy_journal_entries')
    op.drop_table('academy_journal_entries')
    op.drop_table('academy_assessments')
    op.drop_index('ix_academy_enrolments_aad_object_id', table_name='academy_enrolments')
    op.drop_table('academy_enrolments')
    op.drop_table('academy_cohorts')
