"""Triage: the Hub's hold on a submission (card version, last action) and its questions
to submitters with their replies.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submission_triage',
    sa.Column('submission_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_action', sa.String(length=64), nullable=True),
    sa.Column('last_by', sa.String(length=64), nullable=True),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id')
    )
    op.create_table('submission_questions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('asked_by', sa.String(length=64), nullable=False),
    sa.Column('asked_to', sa.String(length=64), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('question', sa.String(length=4000), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asked_to'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_submission_questions_asked_to', 'submission_questions', ['asked_to'], unique=False)
    op.create_index('ix_submission_questions_submission_id', 'submission_questions', ['submission_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_submission_questions_submission_id', table_name='submission_questions')
    op.drop_index('ix_submission_questions_asked_to', table_name='submission_questions')
    op.drop_table('submission_questions')
    op.drop_table('submission_triage')
