"""definitions: timer start events as jobs; suspended process versions

Revision ID: da56c2f03e83
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 09:05:00

A timer start event of the latest version of a process starts instances by itself
(one job row per event, fired by the worker); a suspended version starts none.
"""
import sqlalchemy as sa
from alembic import op

revision = 'da56c2f03e83'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_definitions') as batch:
        batch.add_column(sa.Column('is_suspended', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'timer_start_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('definition_id', sa.Integer(), sa.ForeignKey('process_definitions.id'), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('element_id', sa.String(length=120), nullable=False),
        sa.Column('schedule', sa.Text(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('org_unit_code', sa.String(length=64), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_timer_start_jobs_definition_id', 'timer_start_jobs', ['definition_id'])
    op.create_index('ix_timer_start_jobs_process_key', 'timer_start_jobs', ['process_key'])
    op.create_index('ix_timer_start_jobs_due_at', 'timer_start_jobs', ['due_at'])


def downgrade():
    op.drop_index('ix_timer_start_jobs_due_at', table_name='timer_start_jobs')
    op.drop_index('ix_timer_start_jobs_process_key', table_name='timer_start_jobs')
    op.drop_index('ix_timer_start_jobs_definition_id', table_name='timer_start_jobs')
    op.drop_table('timer_start_jobs')
    with op.batch_alter_table('process_definitions') as batch:
        batch.drop_column('is_suspended')
