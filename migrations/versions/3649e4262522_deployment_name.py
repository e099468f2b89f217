"""deployments: the name the deployer gave (Camunda's deployment-name)

Revision ID: 3649e4262522
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 09:00:00

Camunda Modeler and the REST API name each deployment; GovFlow kept only its
source, so GET /engine-rest/deployment answered no name.
"""
import sqlalchemy as sa
from alembic import op

revision = '3649e4262522'
down_revision = 'da56c2f03e83'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deployments') as batch:
        batch.add_column(sa.Column('name', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('deployments') as batch:
        batch.drop_column('name')
