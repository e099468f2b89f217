"""definitions: versions of DMN decisions by key

Revision ID: f2b4c6d8e0a1
Revises: e1a2b3c4d5f6
Create Date: 2026-12-08 09:00:00

A decision deployed again from any file makes a new version of its key, as a
process does; until now decisions had no version of their own.
"""
import sqlalchemy as sa
from alembic import op

revision = 'f2b4c6d8e0a1'
down_revision = 'e1a2b3c4d5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_definitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('deployment_id', sa.Integer(), sa.ForeignKey('deployments.id'), nullable=False),
        sa.Column('file_id', sa.Integer(), sa.ForeignKey('deployment_files.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version'),
    )
    op.create_index('ix_decision_definitions_key', 'decision_definitions', ['key'])


def downgrade():
    op.drop_index('ix_decision_definitions_key', table_name='decision_definitions')
    op.drop_table('decision_definitions')
