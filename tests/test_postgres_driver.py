"""PostgreSQL through psycopg (govflow/pg_driver.py): prepared statements outlive the
rollback that ends every read-only request, and the pool's liveness check is the
transaction's BEGIN — with a dead connection still replaced before anyone uses it."""
import pytest
from sqlalchemy import text

from govflow.database import prepared
from govflow.extensions import db


def _prepared_after(work, sql: str = "SELECT id FROM users WHERE username = $1") -> int:
    """How often ``sql`` is among the prepared statements of one pooled connection after
    ``work(connection)``."""
    with db.engine.connect() as connection:
        work(connection)
        return connection.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE statement = :sql"),
                                  {"sql": sql}).scalar_one()


def _read_and_roll_back(connection, times: int = 3, statement=None) -> None:
    statement = statement if statement is not None else prepared(text("SELECT id FROM users WHERE username = :name"))
    for _ in range(times):
        connection.execute(statement, {"name": "grid1"}).all()
        connection.rollback()


@pytest.fixture
def postgres(org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")


def test_prepared_statements_outlive_a_read_only_rollback(postgres):
    """Every read-only request ends with a ROLLBACK; psycopg alone forgets its prepared
    statements there, so PostgreSQL parsed and planned every statement anew."""
    assert _prepared_after(_read_and_roll_back) >= 1


def test_only_statements_marked_prepared_are(postgres):
    """A list, a search or a count over a jurisdiction is planned for its values at every
    run, however often it runs: planned once for a community, a district's count took
    2.3× as long."""
    unmarked = "SELECT id FROM users WHERE username = :name AND is_admin IS NOT NULL"
    assert _prepared_after(lambda c: _read_and_roll_back(c, times=8, statement=text(unmarked)),
                           unmarked.replace(":name", "$1")) == 0
    assert _prepared_after(lambda c: _read_and_roll_back(c, times=2, statement=prepared(text(unmarked))),
                           unmarked.replace(":name", "$1")) == 1


def test_a_rollback_after_a_schema_change_forgets_them(postgres):

    def work(connection):
        _read_and_roll_back(connection)
        connection.execute(text("CREATE TEMPORARY TABLE scratch (n integer)"))
        connection.rollback()
    assert _prepared_after(work) == 0


def test_a_failed_transaction_still_rolls_back(postgres):
    from sqlalchemy.exc import ProgrammingError

    def work(connection):
        _read_and_roll_back(connection)
        with pytest.raises(ProgrammingError):
            connection.execute(text("SELECT no_such_column FROM users"))
        connection.rollback()
        assert connection.execute(text("SELECT count(*) FROM users WHERE username = 'grid1'")).scalar_one() == 1
    assert _prepared_after(work) >= 1


def test_prepared_statements_can_be_switched_off(postgres):
    """For a pgbouncer in transaction pooling that cannot carry them."""
    from govflow import create_app
    url = db.engine.url.render_as_string(hide_password=False)
    other = create_app({"DATABASE_URL": url, "DATABASE_PREPARED_STATEMENTS": False})
    with other.app_context():
        try:
            assert _prepared_after(_read_and_roll_back) == 0
        finally:
            db.engine.dispose()


def test_the_liveness_check_begins_the_transaction(postgres):
    """A pooled connection comes out of the pool already in a transaction (the check's
    BEGIN), so the first statement pays no separate BEGIN."""
    from psycopg.pq import TransactionStatus
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.pgconn.transaction_status == TransactionStatus.INTRANS
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() > 0


def test_a_pooled_connection_can_still_be_switched_to_autocommit(postgres):
    """psycopg changes autocommit (or the isolation level) only outside a transaction;
    the one the liveness check began is ended first when nothing ran in it yet."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    for options in ({"isolation_level": "AUTOCOMMIT"}, {"isolation_level": "SERIALIZABLE"},
                    {"postgresql_readonly": True}):
        with db.engine.connect().execution_options(**options) as connection:
            if options.get("isolation_level") == "AUTOCOMMIT":
                connection.execute(text("VACUUM ANALYZE users"))  # refused inside a transaction
            else:
                assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() > 0


def test_dead_pooled_connections_are_replaced_at_checkout(postgres):
    """The server ended the pooled connections (a restart, an idle timeout): the check
    fails, the pool connects anew, the caller never sees an error."""
    import psycopg
    with db.engine.connect() as connection:
        before = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        connection.rollback()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as outside:
        ended = outside.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert ended >= 1
    with db.engine.connect() as connection:
        after = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() > 0
    assert after != before


def test_result_columns_are_described_as_psycopg_would(postgres):
    """The app's cursors make ``description``'s Columns only when read: a text query
    (whose result names SQLAlchemy reads from it) still gets its names and types, also
    after the cursor has run another statement."""
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT 1 AS n, 'a'::text AS word, NULL::date AS day")).one()
        assert row._mapping == {"n": 1, "word": "a", "day": None}
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("SELECT 1 AS n, 'a'::text AS word")
        described = cursor.description
        cursor.execute("SELECT 2 AS other")
        assert [(c.name, c.type_code) for c in described] == [("n", 23), ("word", 25)]
        assert [c.name for c in cursor.description] == ["other"]
        cursor.execute("CREATE TEMPORARY TABLE scratch (n integer)")
        assert cursor.description is None
        connection.rollback()
