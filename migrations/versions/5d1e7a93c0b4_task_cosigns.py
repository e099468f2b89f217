"""worklist: 加签 (co-signatures on a human task)

Revision ID: 5d1e7a93c0b4
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5d1e7a93c0b4'
down_revision = '3649e4262522'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_cosigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('signer_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.String(length=8), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('held_values', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id']),
        sa.ForeignKeyConstraint(['signer_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_cosigns_task', 'task_cosigns', ['task_id', 'state'])


def downgrade():
    op.drop_index('ix_cosigns_task', table_name='task_cosigns')
    op.drop_table('task_cosigns')
