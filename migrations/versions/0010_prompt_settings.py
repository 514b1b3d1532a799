"""Prompt settings: a participant's own journal prompt time and a pause of their prompts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('academy_prompt_settings',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('prompt_time', sa.Time(), nullable=True),
    sa.Column('paused_from', sa.Date(), nullable=True),
    sa.Column('resume_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aad_object_id')
    )


def downgrade() -> None:
    op.drop_table('academy_prompt_settings')
