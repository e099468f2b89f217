"""worklist: a closed task's candidate rows go in the database, by trigger

Revision ID: b3d5f7a9c1e2
Revises: a9c1e3f5b7d2
Create Date: 2026-12-07 09:30:00

task_candidates index the open tasks only (the worklist's jurisdiction query). They
were deleted by one more statement in every completion — one more network round trip
on PostgreSQL. A trigger keeps the same invariant, however a task leaves "open".
"""
from alembic import op

revision = 'b3d5f7a9c1e2'
down_revision = 'a9c1e3f5b7d2'
branch_labels = None
depends_on = None


def upgrade():
    # Candidates of tasks closed before this revision were deleted by the application.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION govflow_drop_closed_candidates() RETURNS trigger AS $$
            BEGIN
                DELETE FROM task_candidates WHERE task_id = NEW.id;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER human_tasks_closed AFTER UPDATE OF status ON human_tasks
            FOR EACH ROW WHEN (NEW.status <> 'open' AND OLD.status = 'open')
            EXECUTE FUNCTION govflow_drop_closed_candidates()""")
    else:
        op.execute("""
            CREATE TRIGGER human_tasks_closed AFTER UPDATE OF status ON human_tasks
            FOR EACH ROW WHEN NEW.status <> 'open' AND OLD.status = 'open'
            BEGIN
                DELETE FROM task_candidates WHERE task_id = NEW.id;
            END""")


def downgrade():
    op.execute("DROP TRIGGER human_tasks_closed" + (" ON human_tasks" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION govflow_drop_closed_candidates()")
