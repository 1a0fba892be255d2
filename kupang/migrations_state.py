"""Whether the database has every migration applied (used by /healthz and init-db)."""
from functools import cache

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .config import ROOT
from .extensions import db


@cache
def script_heads():
    """The head revisions in migrations/ (read once: the files do not change while running)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


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
