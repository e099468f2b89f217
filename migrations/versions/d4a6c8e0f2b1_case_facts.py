"""statistics: the facts of each case, folded from its ledger lines

Revision ID: d4a6c8e0f2b1
Revises: c3d8e1f0a6b2
Create Date: 2026-11-23 22:40:00

The table starts empty with its watermark at 0: the worker's first round (or the
first statistics page) folds every case once.
"""
from alembic import op
import sqlalchemy as sa

revision = 'd4a6c8e0f2b1'
down_revision = 'c3d8e1f0a6b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_facts',
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=60), nullable=True),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
        sa.Column('responded', sa.Integer(), nullable=False),
        sa.Column('in_time', sa.Integer(), nullable=False),
        sa.Column('resolved', sa.Integer(), nullable=False),
        sa.Column('rated', sa.Integer(), nullable=False),
        sa.Column('satisfied', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('hours', sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    op.create_index('ix_case_facts_reported_at', 'case_facts', ['reported_at'])
    op.create_table(
        'case_fact_departments',
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['case_facts.instance_id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('instance_id', 'department_id'),
    )
    op.create_table(
        'fact_watermarks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('ledger_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('fact_watermarks')
    op.drop_table('case_fact_departments')
    op.drop_index('ix_case_facts_reported_at', table_name='case_facts')
    op.drop_table('case_facts')
