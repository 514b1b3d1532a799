"""Searches that asked for something other than prevention: whether a search had no good
match only because it reads as asking for a point of law, figures or one case's procedure,
so that the Hub's gap report shows those apart from gaps in the evidence.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 00:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('search_queries', sa.Column('asks_for_other', sa.Boolean(), server_default=sa.false(),
                                              nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.drop_column('asks_for_other')
