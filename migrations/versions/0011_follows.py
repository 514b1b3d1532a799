"""Following: the topics officers follow, how they hear of them, and the changes waiting to be told.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:26:04.203859
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_settings',
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('immediate', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aad_object_id')
    )
    op.create_table('follows',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('crime_type', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('aad_object_id', 'crime_type', 'area', name='uq_follows_topic')
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_aad_object_id'), ['aad_object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_crime_type'), ['crime_type'], unique=False)

    op.create_table('follow_updates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_key', sa.String(length=200), nullable=True),
    sa.Column('told_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('aad_object_id', 'submission_id', 'event', name='uq_follow_updates_change')
    )
    with op.batch_alter_table('follow_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_updates_aad_object_id'), ['aad_object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_updates_message_key'), ['message_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_updates_submission_id'), ['submission_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('follow_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_updates_submission_id'))
        batch_op.drop_index(batch_op.f('ix_follow_updates_message_key'))
        batch_op.drop_index(batch_op.f('ix_follow_updates_aad_object_id'))

    op.drop_table('follow_updates')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_crime_type'))
        batch_op.drop_index(batch_op.f('ix_follows_aad_object_id'))

    op.drop_table('follows')
    op.drop_table('follow_settings')
