"""instances: indexes for search and dashboard counts at 100,000 instances

Revision ID: c3e1f0a7b942
Revises: d4a6c8e0f2b1
Create Date: 2026-11-23 21:45:00

Covering indexes, so that counts and id pages of a subtree read index entries only
(docs/PERFORMANCE.md, target 4). No new index on human_tasks: SQLite then left the
partial index of open tasks for the worklist, which got three times slower.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e1f0a7b942'
down_revision = 'd4a6c8e0f2b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.create_index('ix_instances_status_path', ['status', 'org_path'], unique=False)
        batch_op.create_index('ix_instances_key_path', ['process_key', 'org_path'], unique=False)
        batch_op.create_index('ix_instances_status_ended', ['status', 'ended_at', 'org_path'], unique=False)


def downgrade():
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_status_ended')
        batch_op.drop_index('ix_instances_key_path')
        batch_op.drop_index('ix_instances_status_path')
