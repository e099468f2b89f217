"""worker heartbeats (/readyz, metrics)

Revision ID: a8c3e5f7b9d2
Revises: f7b2c4d6e8a1
Create Date: 2026-12-07 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a8c3e5f7b9d2'
down_revision = 'f7b2c4d6e8a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeats',
        sa.Column('worker_id', sa.String(length=80), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.Column('passes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('worker_id'),
    )
    op.create_index('ix_worker_heartbeats_beat_at', 'worker_heartbeats', ['beat_at'])


def downgrade():
    op.drop_index('ix_worker_heartbeats_beat_at', table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
