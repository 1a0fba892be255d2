"""Whether the database has every migration applied (used by /healthz and init-db)."""
import ast
from functools import cache

from sqlalchemy import text

from .config import ROOT
from .extensions import db


@cache
def script_heads():
    """The head revisions in migrations/versions (read once: the files do not change while running).

    Read from the files' `revision` / `down_revision` assignments rather than through Alembic, whose
    import would cost every web worker ~11 MB.
    """
    revisions, parents = set(), set()
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        values = _assignments(path.read_text(encoding="utf-8"))
        if values.get("revision"):
            revisions.add(values["revision"])
            down = values.get("down_revision")
            parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    return frozenset(revisions - parents)


def _assignments(source):
    """The module-level `revision` and `down_revision` literals of a migration file."""
    values = {}
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            values[target.id] = ast.literal_eval(node.value)
    return values


def applied_heads():
    """The revisions recorded in the database."""
    try:
        rows = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except Exception:  # noqa: BLE001 - no table yet means nothing applied
        db.session.rollback()
        return frozenset()
    return frozenset(rows)


def migrations_current():
    """True when the database is at every head."""
    return applied_heads() == script_heads()
