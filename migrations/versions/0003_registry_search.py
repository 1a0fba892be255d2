"""Registry search: trigram name index (SQLite FTS5 / PostgreSQL pg_trgm) and lower(name) prefix index

Revision: 0003_registry_search
Follows: 0002_registry
Written: 2026-11-27 20:50:00

SQLite: an external-content FTS5 table with the trigram tokenizer over resident.name, kept in
sync by triggers (the importer and the seeder insert with Core bulk inserts, so ORM events
would miss them). PostgreSQL: pg_trgm and a GIN trigram index on lower(name).
Both: an index on lower(name) for names that start with a 1-2 letter query. NIK and KK prefixes
are served by the unique indexes already on resident.nik and family.kk_number (range queries).
Written by hand: autogenerate does not see these objects (migrations/env.py skips them).
"""
from alembic import op


revision = '0003_registry_search'
down_revision = '0002_registry'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE resident_fts USING fts5("
    "name, content='resident', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER resident_fts_insert AFTER INSERT ON resident BEGIN "
    "INSERT INTO resident_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER resident_fts_delete AFTER DELETE ON resident BEGIN "
    "INSERT INTO resident_fts(resident_fts, rowid, name) VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER resident_fts_update AFTER UPDATE OF name ON resident BEGIN "
    "INSERT INTO resident_fts(resident_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO resident_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO resident_fts(resident_fts) VALUES ('rebuild')",
    "CREATE INDEX ix_resident_name_lower ON resident (lower(name))",
]
SQLITE_DOWN = [
    "DROP INDEX IF EXISTS ix_resident_name_lower",
    "DROP TRIGGER IF EXISTS resident_fts_update",
    "DROP TRIGGER IF EXISTS resident_fts_delete",
    "DROP TRIGGER IF EXISTS resident_fts_insert",
    "DROP TABLE IF EXISTS resident_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_resident_name_trgm ON resident USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX ix_resident_name_lower ON resident (lower(name) text_pattern_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_resident_name_lower",
    "DROP INDEX IF EXISTS ix_resident_name_trgm",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_UP)
    else:
        _run(POSTGRES_UP)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_DOWN)
    else:
        _run(POSTGRES_DOWN)
