"""external tasks waiting for workers (/engine-rest/external-task)

Revision ID: f7b2c4d6e8a1
Revises: f2b4c6d8e0a1
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f7b2c4d6e8a1'
down_revision = 'f2b4c6d8e0a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('engine_task_id', sa.String(length=36), nullable=False),
        sa.Column('element_id', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('topic', sa.String(length=120), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('business_key', sa.String(length=120), nullable=True),
        sa.Column('org_path', sa.String(length=400).with_variant(sa.String(length=400, collation='C'), 'postgresql'),
                  nullable=False),
        sa.Column('worker_id', sa.String(length=255), nullable=True),
        sa.Column('lock_expires_at', sa.DateTime(), nullable=True),
        sa.Column('retries', sa.Integer(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('error_details', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('engine_task_id'),
    )
    op.create_index('ix_external_tasks_instance_id', 'external_tasks', ['instance_id'])
    op.create_index('ix_external_tasks_topic', 'external_tasks', ['topic', 'lock_expires_at'])


def downgrade():
    op.drop_index('ix_external_tasks_topic', table_name='external_tasks')
    op.drop_index('ix_external_tasks_instance_id', table_name='external_tasks')
    op.drop_table('external_tasks')
