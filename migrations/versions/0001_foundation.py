"""Foundation: users, conversation references, bot state, notifications and drafts.

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 08:10:32.025596
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bot_state',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('etag', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('teams_user_id', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('aad_object_id')
    )
    op.create_table('conversation_refs',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('service_url', sa.String(length=500), nullable=False),
    sa.Column('conversation_id', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unreachable_since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aad_object_id')
    )
    op.create_table('drafts',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('dialog', sa.String(length=50), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aad_object_id', 'dialog')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key', name='uq_notifications_dedupe_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_aad_object_id'), ['aad_object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_status'))
        batch_op.drop_index(batch_op.f('ix_notifications_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_notifications_aad_object_id'))

    op.drop_table('notifications')
    op.drop_table('drafts')
    op.drop_table('conversation_refs')
    op.drop_table('users')
    op.drop_table('bot_state')
