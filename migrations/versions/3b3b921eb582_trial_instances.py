"""instances and tasks: designer trial runs (is_trial)

Revision ID: 3b3b921eb582
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 09:00:00

Trial instances started from the designer are marked, so that worklists, figures,
exports, searches and notifications to staff leave them out.
"""
import sqlalchemy as sa
from alembic import op

revision = '3b3b921eb582'
down_revision = '5d1e7a93c0b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instances') as batch:
        batch.add_column(sa.Column('is_trial', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('is_trial', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Trials started before this revision carry the designer's business key prefix.
    op.execute("UPDATE process_instances SET is_trial = true WHERE business_key LIKE 'TRIAL-%'")
    op.execute("UPDATE human_tasks SET is_trial = true WHERE instance_id IN "
               "(SELECT id FROM process_instances WHERE is_trial = true)")


def downgrade():
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('is_trial')
    with op.batch_alter_table('process_instances') as batch:
        batch.drop_column('is_trial')
