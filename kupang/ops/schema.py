"""Is the database's schema one this code knows? The app refuses to start on a newer one.

A database migrated by a newer version (an update that was rolled back, a database copied from a newer
machine) could be damaged by older code; starting is refused with a clear message instead.
"""
import ast
import os
from functools import cache

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..config import ROOT


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of the app; the message is Indonesian."""


@cache
def known_revisions(versions_dir=None):
    """Every revision id in migrations/versions (read from the files, without importing Alembic)."""
    folder = versions_dir or ROOT / "migrations" / "versions"
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            if isinstance(target, ast.Name) and target.id == "revision":
                found.add(ast.literal_eval(node.value))
    return frozenset(found)


def unknown_revisions(applied):
    """The applied revisions this code does not know (made by a newer version)."""
    return sorted(set(applied) - known_revisions())


def newer_schema_message(unknown):
    """The Indonesian explanation for a too-new schema."""
    return (f"Basis data ini sudah diperbarui oleh versi aplikasi yang lebih baru (revisi {', '.join(unknown)}), "
            "yang tidak dikenal kode yang terpasang. Aplikasi tidak dijalankan agar data tidak rusak. "
            "Pasang kembali versi aplikasi yang lebih baru (make update), atau pulihkan cadangan yang "
            "cocok dengan versi ini (flask --app app restore BERKAS).")


def applied_revisions(url):
    """The revisions recorded in a database ([] when it is new or has no alembic_version table)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or not os.path.exists(parsed.database)):
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 - no table, or unreachable: nothing to refuse here (/healthz reports it)
        return []
    finally:
        engine.dispose()


def guard(url):
    """Raise SchemaTooNewError when the database at `url` carries revisions this code does not know."""
    unknown = unknown_revisions(applied_revisions(url))
    if unknown:
        raise SchemaTooNewError(newer_schema_message(unknown))
