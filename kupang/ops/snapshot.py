"""Consistent copies of the database while the app runs, and a fingerprint of every table to check them by.

SQLite: `VACUUM INTO` reads one snapshot (WAL readers never block the office's writers) into a new, compact
file, then `PRAGMA integrity_check` runs on the copy. PostgreSQL: `pg_dump -Fc` of a snapshot exported by a
REPEATABLE READ transaction, whose tables are fingerprinted inside the same snapshot.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url


class SnapshotError(RuntimeError):
    """A copy that could not be made or does not check out; the message is Indonesian."""


def _value(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return "b:" + bytes(value).hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return int(value)
    return value


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def table_fingerprints(rows_of, tables):
    """{table: {"rows": n, "sha256": hex}} from rows_of(table) -> iterable of row tuples in a fixed order."""
    found = {}
    for table in tables:
        digest, count = hashlib.sha256(), 0
        for row in rows_of(table):
            digest.update(repr(tuple(_value(v) for v in row)).encode("utf-8"))
            digest.update(b"\n")
            count += 1
        found[table] = {"rows": count, "sha256": digest.hexdigest()}
    return found


def sqlite_fingerprints(path):
    """Fingerprints of every table of a SQLite file (virtual tables through their shadow tables)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [name for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if not (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]

        def rows_of(table):
            columns = len(conn.execute(f"SELECT * FROM {_quote(table)} LIMIT 0").description)
            order = ", ".join(str(i) for i in range(1, columns + 1))
            return conn.execute(f"SELECT * FROM {_quote(table)} ORDER BY {order}")

        return table_fingerprints(rows_of, tables)
    finally:
        conn.close()


def connection_fingerprints(connection):
    """Fingerprints of every table reachable through a SQLAlchemy connection (PostgreSQL: the public schema)."""
    tables = sorted(inspect(connection).get_table_names())

    def rows_of(table):
        columns = len(connection.execute(text(f"SELECT * FROM {_quote(table)} LIMIT 0")).keys())
        order = ", ".join(str(i) for i in range(1, columns + 1))
        return connection.execute(text(f"SELECT * FROM {_quote(table)} ORDER BY {order}"))

    return table_fingerprints(rows_of, tables)


def sqlite_integrity(path):
    """Raise SnapshotError unless `PRAGMA integrity_check` and `foreign_key_check` pass on the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise SnapshotError("Pemeriksaan keutuhan salinan gagal: " + "; ".join(result[:3]))
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SnapshotError(f"Salinan memuat {len(broken)} rujukan yang putus (foreign key).")
    except sqlite3.DatabaseError as error:
        raise SnapshotError(f"Salinan basis data tidak dapat dibaca: {error}") from error
    finally:
        conn.close()


def sqlite_file(url):
    """The file path of a sqlite:/// URL."""
    return make_url(url).database


def copy_sqlite(url, target):
    """VACUUM INTO `target` (which must not exist) from the live database; returns fingerprints of the copy."""
    source = sqlite_file(url)
    if not source or not os.path.exists(source):
        raise SnapshotError(f"Berkas basis data {source} tidak ditemukan.")
    conn = sqlite3.connect(source, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.OperationalError as error:
        raise SnapshotError(f"Basis data tidak dapat disalin: {error}") from error
    finally:
        conn.close()
    os.chmod(target, 0o600)
    sqlite_integrity(target)
    return sqlite_fingerprints(target)


# --- PostgreSQL ----------------------------------------------------------------------------------------


def libpq_url(url):
    """A SQLAlchemy PostgreSQL URL as libpq (pg_dump, psql) reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(name, server_major):
    """The path of pg_dump / pg_restore whose major version is at least the server's, or SnapshotError."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name)]
    for path in filter(None, candidates):
        if not os.path.exists(path):
            continue
        out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
        try:
            major = int(out.split()[-1].split(".")[0])
        except (IndexError, ValueError):
            continue
        if major >= server_major:
            return path
    raise SnapshotError(
        f"{name} versi {server_major} atau lebih baru tidak ditemukan. Pasang dengan: "
        f"sudo apt-get install postgresql-client-{server_major}")


def server_major(connection):
    """The PostgreSQL server's major version."""
    return int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000


def dump_postgres(url, target):
    """pg_dump -Fc of one snapshot into `target`; returns the fingerprints taken in that same snapshot."""
    engine = create_engine(url, isolation_level="REPEATABLE READ", poolclass=None)
    try:
        with engine.connect() as conn:
            tool = pg_tool("pg_dump", server_major(conn))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                result = subprocess.run([tool, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                                         "--dbname", libpq_url(url)], stdout=out, stderr=subprocess.PIPE,
                                        check=False)
            if result.returncode != 0:
                raise SnapshotError("pg_dump gagal: " + result.stderr.decode(errors="replace").strip()[-500:])
            fingerprints = connection_fingerprints(conn)
            conn.rollback()
    finally:
        engine.dispose()
    check_dump(url, target)
    return fingerprints


def check_dump(url, path):
    """Raise SnapshotError unless pg_restore can read the dump's table of contents."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tool = pg_tool("pg_restore", server_major(conn))
    finally:
        engine.dispose()
    result = subprocess.run([tool, "--list", str(path)], capture_output=True, check=False)
    if result.returncode != 0 or b"TABLE DATA" not in result.stdout:
        raise SnapshotError("Salinan pg_dump tidak dapat dibaca oleh pg_restore.")
