"""definitions: versions of Camunda Forms by key

Revision ID: a9c1e3f5b7d2
Revises: a8c3e5f7b9d2
Create Date: 2026-12-07 07:00:00

Designers deploy .form files (Camunda Forms JSON) with their diagrams; each form
id gets versions as processes and decisions do.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a9c1e3f5b7d2'
down_revision = 'a8c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_definitions',
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
    op.create_index('ix_form_definitions_key', 'form_definitions', ['key'])


def downgrade():
    op.drop_index('ix_form_definitions_key', table_name='form_definitions')
    op.drop_table('form_definitions')
