"""Database engine setup shared by every area: SQLite pragmas, IMMEDIATE write transactions."""
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event

from .extensions import db

SQLITE_PRAGMAS = (
    ("journal_mode", "WAL"),
    ("foreign_keys", "ON"),
    ("busy_timeout", "5000"),
    # Power cuts are common: an acknowledged ticket or resident must survive one.
    ("synchronous", "FULL"),
    ("temp_store", "MEMORY"),
    ("cache_size", "-4000"),  # 4 MB page cache per connection (one connection per thread)
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# True while the current request or block is known to write: its transactions
# then start with BEGIN IMMEDIATE, so a read-then-write never meets SQLITE_BUSY
# (a deferred transaction that later wants to write cannot be retried by SQLite).
_writing: ContextVar[bool] = ContextVar("kupang_writing", default=False)
# True inside read_phase(): reads of a write request that must not hold the write lock (a login's password check).
_reading: ContextVar[bool] = ContextVar("kupang_reading", default=False)


def is_sqlite(engine=None):
    """True when the app's database is SQLite."""
    return (engine or db.engine).dialect.name == "sqlite"


def _on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for name, value in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {name}={value}")
    cursor.close()


def _on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write() else "BEGIN")


def wants_write():
    """Whether the next transaction should take the write lock up front."""
    if _writing.get():
        return True
    if _reading.get():
        return False
    return has_request_context() and request.method in WRITE_METHODS


def init_engine(app):
    """Attach the SQLite listeners to the app's engine (no-ops on PostgreSQL)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)


def begin_write():
    """Make the rest of this request write-capable: end a read transaction, next one is IMMEDIATE.

    Call it in a GET view before it writes (an audit row when a page is opened, say).
    Pending ORM changes are kept: they are flushed by the commit that ends the read.
    """
    _writing.set(True)
    if db.session().in_transaction() and is_sqlite():
        db.session.commit()


@contextmanager
def write_transaction():
    """A block that writes and commits as one IMMEDIATE transaction, or rolls back on error."""
    with write_intent():
        if db.session().in_transaction() and is_sqlite():
            db.session.commit()
        try:
            yield db.session
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def reset_write_flag():
    """Forget the write intent at the end of a request."""
    _writing.set(False)


def lock_for_update(stmt):
    """Add FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers."""
    return stmt if is_sqlite() else stmt.with_for_update()


@contextmanager
def read_phase():
    """Reads in a write request that must not take SQLite's write lock; the block ends with no transaction open.

    A login reads the account and its throttle here, checks the password (Argon2id, 50-300 ms) after the
    block, then writes: kiosks and counters never wait for a password hash.
    """
    if db.session().in_transaction():
        db.session.commit()
    token = _reading.set(True)
    try:
        yield
        db.session.commit()  # ends the read; nothing is pending in a block that only reads
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _reading.reset(token)


@contextmanager
def write_intent():
    """Within the block every new transaction begins IMMEDIATE (CLI tasks, migrations, seeders)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)
