"""Retention of the copies: each retention run also records the limits it applied to the
text of proactive messages, abandoned drafts and untouched chat state, and how many of
each it changed. Runs before this revision have no such limits (empty) and count zero.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


_LIMITS = ('notification_days', 'draft_days', 'state_days')
_COUNTS = ('notifications', 'drafts', 'bot_states')


def upgrade() -> None:
    for name in _LIMITS:
        op.add_column('retention_runs', sa.Column(name, sa.Integer(), nullable=True))
    for name in _COUNTS:
        op.add_column('retention_runs', sa.Column(name, sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('retention_runs') as batch:
        for name in reversed(_LIMITS + _COUNTS):
            batch.drop_column(name)
