"""Database engine setup shared by every area: SQLite pragmas and the one write discipline.

The discipline (DESIGN.md, "Writes in a GET"): a transaction that writes is begun as a write
transaction, `BEGIN IMMEDIATE` on SQLite. A POST, PUT, PATCH or DELETE request is one from its first
statement. Anything else that writes says so before it starts:

* `with write_transaction():` - a block that ends the request's read transaction, writes, commits
  (a GET recording that a device was seen, say);
* `begin_write()` - the statement form for a GET view: the read transaction ends and the next
  transaction (the write and its commit) begins IMMEDIATE; later reads are plain again;
* `with write_intent():` - CLI tasks, seeders, background jobs: every transaction in the block.

And the other way round, `with read_only():` lets a POST that has committed render its answer in a plain
read transaction instead of holding the write lock.

SQLite refuses at once (no busy wait, "database is locked") a deferred read transaction that turns
into a write after another connection wrote. The write guard, on in tests (TESTING or
KUPANG_WRITE_GUARD=1), raises WriteInReadTransaction when a request writes outside the discipline.
"""
import os
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
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
WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})
_BEGUN_FOR_WRITE = "kupang_write_transaction"  # connection.info key: this transaction began as a write

# True inside write_intent()/write_transaction(): every transaction begun there is a write transaction.
_writing: ContextVar[bool] = ContextVar("kupang_writing", default=False)
# Set by begin_write(): the next transaction is a write transaction; cleared when that one ends.
_next_write: ContextVar[bool] = ContextVar("kupang_next_write", default=False)
# True inside read_only(): a POST that has committed renders its answer in a plain read transaction.
_reading: ContextVar[bool] = ContextVar("kupang_reading", default=False)


class WriteInReadTransaction(RuntimeError):
    """A request wrote inside a read transaction (the write guard, on in tests)."""


def is_sqlite(engine=None):
    """True when the app's database is SQLite."""
    return (engine or db.engine).dialect.name == "sqlite"


def wants_write():
    """Whether the next transaction should take the write lock up front."""
    if _writing.get() or _next_write.get():
        return True
    if _reading.get():
        return False
    return has_request_context() and request.method in WRITE_METHODS


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
    write = wants_write()
    conn.info[_BEGUN_FOR_WRITE] = write
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _on_end(conn):
    if conn.info.pop(_BEGUN_FOR_WRITE, False):
        _next_write.set(False)  # begin_write() covers one transaction


def statement_writes(statement):
    """True for SQL that changes the database (INSERT, UPDATE, DELETE, DDL)."""
    words = (statement or "").lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITE_VERBS


def _guard(conn, _cursor, statement, _parameters, _context, _executemany):
    if not has_request_context() or not statement_writes(statement):
        return
    # SQLite: what matters is how the transaction began; PostgreSQL: that the write was declared.
    sqlite = conn.dialect.name == "sqlite"
    if (conn.info.get(_BEGUN_FOR_WRITE, False) if sqlite else wants_write()):
        return
    message = (f"{request.method} {request.path} wrote inside a read transaction "
               f"(use kupang.db.write_transaction or begin_write): {' '.join(statement.split())[:120]}")
    current_app.extensions.setdefault("kupang_write_violations", []).append(message)
    raise WriteInReadTransaction(message)


def guard_enabled(app):
    """The write guard is on in tests (TESTING), when KUPANG_WRITE_GUARD=1, or when WRITE_GUARD is set."""
    if "WRITE_GUARD" in app.config:
        return bool(app.config["WRITE_GUARD"])
    return app.testing or os.environ.get("KUPANG_WRITE_GUARD") == "1"


def init_engine(app):
    """Attach the write discipline's listeners to the app's engine (SQLite pragmas only on SQLite)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
        event.listen(engine, "commit", _on_end)
        event.listen(engine, "rollback", _on_end)
        if guard_enabled(app):
            event.listen(engine, "before_cursor_execute", _guard)


def _end_read():
    """End the session's transaction so the next one begins as a write transaction."""
    if db.session().in_transaction():
        db.session.commit()


def begin_write():
    """In a GET view, just before it writes: end the read transaction; the next one begins IMMEDIATE.

    The write and its commit then form one write transaction (an audit row when a page is opened,
    say); reads after that commit are plain read transactions again. Pending ORM changes are kept:
    they are flushed by the commit that ends the read.
    """
    _end_read()
    _next_write.set(True)


@contextmanager
def write_transaction():
    """A block that writes and commits as one IMMEDIATE transaction, or rolls back on error."""
    with write_intent():
        _end_read()
        try:
            yield db.session
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


@contextmanager
def read_only():
    """After a POST has committed: what follows only reads (rendering its answer), without the write lock.

    Every transaction of a POST begins IMMEDIATE; without this the page or fragment rendered after the commit
    would hold SQLite's write lock while other clerks and the kiosks wait. A write inside trips the guard.
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reset_write_flag():
    """Forget the write intent at the end of a request."""
    _writing.set(False)
    _next_write.set(False)
    _reading.set(False)


def dialect_insert(table):
    """INSERT of the backend's own dialect (for ON CONFLICT DO NOTHING / RETURNING).

    Only the dialect in use is imported: the PostgreSQL one costs a SQLite office ~2 MB per worker.
    """
    if is_sqlite():
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(table)


def lock_for_update(stmt):
    """Add FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers."""
    return stmt if is_sqlite() else stmt.with_for_update()


@contextmanager
def read_phase():
    """Reads in a write request before its writes, without SQLite's write lock; ends with no transaction open.

    A login reads the account and its throttle here, checks the password (Argon2id, 50-300 ms) after the
    block, then writes: kiosks and counters never wait for a password hash.
    """
    _end_read()
    with read_only():
        try:
            yield
            db.session.commit()  # ends the read; nothing is pending in a block that only reads
        except BaseException:
            db.session.rollback()
            raise


@contextmanager
def write_intent():
    """Within the block every new transaction begins IMMEDIATE (CLI tasks, migrations, seeders)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)
