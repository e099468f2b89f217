"""organisation administration: unit deactivation and the identity audit

Revision ID: c3e5a7f9b2d4
Revises: c3f1a2b4d5e6
Create Date: 2026-11-23 21:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3e5a7f9b2d4'
down_revision = 'c3f1a2b4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'identity_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('org_unit_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id']),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('identity_audit', schema=None) as batch_op:
        batch_op.create_index('ix_identity_audit_user', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_identity_audit_unit', ['org_unit_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_audit_unit')
        batch_op.drop_index('ix_identity_audit_user')
    op.drop_table('identity_audit')
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('is_active')
