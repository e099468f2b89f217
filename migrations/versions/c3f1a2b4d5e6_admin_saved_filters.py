"""admin: saved filters of the instance ledger

Revision ID: c3f1a2b4d5e6
Revises: c3f1a9d2e7b4
Create Date: 2026-11-23 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3f1a2b4d5e6'
down_revision = 'c3f1a9d2e7b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_filters',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=100), nullable=False),
                    sa.Column('query', sa.Text(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('user_id', 'name', name='uq_saved_filters_user_name'))


def downgrade():
    op.drop_table('saved_filters')
