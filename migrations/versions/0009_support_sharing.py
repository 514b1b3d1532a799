"""Support sharing: whether a submitter lets the officers supporting their submission see
their answers (description, what was tried, what success would be, partners).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('submissions', sa.Column('shared_with_supporters', sa.Boolean(), server_default=sa.false(),
                                           nullable=False))


def downgrade() -> None:
    op.drop_column('submissions', 'shared_with_supporters')
