"""designer process drafts

Revision ID: c3d8e1f0a6b2
Revises: c3e5a7f9b2d4
Create Date: 2026-11-23 22:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d8e1f0a6b2'
down_revision = 'c3e5a7f9b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )


def downgrade():
    op.drop_table('process_drafts')
