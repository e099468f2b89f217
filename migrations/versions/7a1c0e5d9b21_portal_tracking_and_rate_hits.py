"""portal tracking codes and rate hits

Revision ID: 7a1c0e5d9b21
Revises: 2122152f7cf9
Create Date: 2026-11-23 20:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7a1c0e5d9b21'
down_revision = '2122152f7cf9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portal_tracking_codes',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.PrimaryKeyConstraint('code'),
        sa.UniqueConstraint('instance_id'),
    )
    op.create_table(
        'portal_rate_hits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_portal_rate_hits_lookup', 'portal_rate_hits', ['bucket', 'client', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_portal_rate_hits_lookup', table_name='portal_rate_hits')
    op.drop_table('portal_rate_hits')
    op.drop_table('portal_tracking_codes')
