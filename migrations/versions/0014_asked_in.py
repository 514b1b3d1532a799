"""Where a search was asked: in the chat (a message or an answer's button) or in the messaging
extension's search box, so that a typed "more" pages on the officer's last question in the chat
and never on what they typed into the search box.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('search_queries', sa.Column('asked_in', sa.String(length=8), server_default='chat', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('search_queries', schema=None) as batch_op:
        batch_op.drop_column('asked_in')
