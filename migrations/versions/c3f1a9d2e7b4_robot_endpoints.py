"""notifications: group robot endpoints per org unit

Revision ID: c3f1a9d2e7b4
Revises: 79a0b09cd668
Create Date: 2026-11-23 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3f1a9d2e7b4'
down_revision = '79a0b09cd668'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'robot_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('url', sa.String(length=1000), nullable=False),
        sa.Column('signing_secret', sa.String(length=200), nullable=True),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('is_enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('robot_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_robot_endpoints_org_unit_id'), ['org_unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('robot_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_robot_endpoints_org_unit_id'))
    op.drop_table('robot_endpoints')
