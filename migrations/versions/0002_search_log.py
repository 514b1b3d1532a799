"""Search log: officers' "what works" searches, their feedback and requests for evidence.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:38:56.364580
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_queries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('crime_type', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('effect', sa.String(length=16), nullable=True),
    sa.Column('offset', sa.Integer(), nullable=False),
    sa.Column('refines_id', sa.Integer(), nullable=True),
    sa.Column('index_version', sa.String(length=64), nullable=False),
    sa.Column('no_good_match', sa.Boolean(), nullable=False),
    sa.Column('best_similarity', sa.Float(), nullable=True),
    sa.Column('shown', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['refines_id'], ['search_queries.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_search_queries_aad_object_id', 'search_queries', ['aad_object_id'], unique=False)
    op.create_index('ix_search_queries_asked_at', 'search_queries', ['asked_at'], unique=False)

    op.create_table('search_feedback',
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['query_id'], ['search_queries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('query_id', 'aad_object_id')
    )

    op.create_table('evidence_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=True),
    sa.Column('aad_object_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['aad_object_id'], ['users.aad_object_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['query_id'], ['search_queries.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('query_id', name='uq_evidence_requests_query_id')
    )
    op.create_index('ix_evidence_requests_aad_object_id', 'evidence_requests', ['aad_object_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_requests_aad_object_id', table_name='evidence_requests')
    op.drop_table('evidence_requests')
    op.drop_table('search_feedback')
    op.drop_index('ix_search_queries_asked_at', table_name='search_queries')
    op.drop_index('ix_search_queries_aad_object_id', table_name='search_queries')
    op.drop_table('search_queries')
