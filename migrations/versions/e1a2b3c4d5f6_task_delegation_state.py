"""worklist: delegation (委派) as a state of the task itself

Revision ID: e1a2b3c4d5f6
Revises: c3e1f0a7b942
Create Date: 2026-12-07 06:00:00

Every rule that depends on delegation (complete, unclaim, transfer, return …) reads
the task row it already holds, so no door can forget to look the delegation up.
"""
import sqlalchemy as sa
from alembic import op

revision = 'e1a2b3c4d5f6'
down_revision = 'c3e1f0a7b942'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_state', sa.String(length=16), nullable=True))
    op.execute("UPDATE human_tasks SET delegation_state = 'pending' WHERE id IN "
               "(SELECT task_id FROM task_delegations WHERE resolved_at IS NULL)")
    op.execute("UPDATE human_tasks SET delegation_state = 'resolved' WHERE delegation_state IS NULL AND id IN "
               "(SELECT task_id FROM task_delegations)")


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('delegation_state')
