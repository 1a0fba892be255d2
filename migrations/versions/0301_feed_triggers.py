"""Feed triggers: every change of a fed table writes its feed_outbox row in the same transaction

Revision: 0301_feed_triggers
Follows: 0300_city_feed
Written: 2026-12-01

Triggers, not ORM events: they also catch the importer's Core bulk writes and raw SQL, and a change rolled
back takes its outbox row with it. On SQLite feed_outbox is rebuilt with AUTOINCREMENT: without it a seq is
reused once the acknowledged rows are deleted, and the pusher would skip the new change as already sent.
"""
from alembic import op

revision = "0301_feed_triggers"
down_revision = "0300_city_feed"
branch_labels = None
depends_on = None

FED_TABLES = ("family", "resident", "resident_event", "ticket", "letter", "survey_response")
OUTBOX_SQLITE = """CREATE TABLE feed_outbox_new (
    seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    table_name VARCHAR(40) NOT NULL,
    row_id BIGINT NOT NULL,
    op VARCHAR(1) NOT NULL,
    created_at DATETIME NOT NULL
)"""
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"  # UTC, the form SQLAlchemy stores (microseconds)
PG_FUNCTION = """CREATE FUNCTION feed_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN
        INSERT INTO feed_outbox (table_name, row_id, op, created_at)
        VALUES (TG_TABLE_NAME, OLD.id, 'd', clock_timestamp() AT TIME ZONE 'UTC');
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    INSERT INTO feed_outbox (table_name, row_id, op, created_at)
    VALUES (TG_TABLE_NAME, NEW.id, 'u', clock_timestamp() AT TIME ZONE 'UTC');
    RETURN NEW;
END
$$"""


def _sqlite_triggers(table):
    insert = "INSERT INTO feed_outbox (table_name, row_id, op, created_at) VALUES"
    select = "INSERT INTO feed_outbox (table_name, row_id, op, created_at) SELECT"
    return [
        f"CREATE TRIGGER feed_{table}_insert AFTER INSERT ON {table} BEGIN "
        f"{insert} ('{table}', NEW.id, 'u', {SQLITE_NOW}); END",
        f"CREATE TRIGGER feed_{table}_update AFTER UPDATE ON {table} BEGIN "
        f"{select} '{table}', OLD.id, 'd', {SQLITE_NOW} WHERE NEW.id <> OLD.id; "
        f"{insert} ('{table}', NEW.id, 'u', {SQLITE_NOW}); END",
        f"CREATE TRIGGER feed_{table}_delete AFTER DELETE ON {table} BEGIN "
        f"{insert} ('{table}', OLD.id, 'd', {SQLITE_NOW}); END",
    ]


def upgrade():
    """Create the capture triggers on every fed table (and rebuild the SQLite outbox with AUTOINCREMENT)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(OUTBOX_SQLITE)  # rows kept (an upgrade after a downgrade), seq numbering carried on
        op.execute("INSERT INTO feed_outbox_new SELECT seq, table_name, row_id, op, created_at FROM feed_outbox")
        op.execute("DROP TABLE feed_outbox")
        op.execute("ALTER TABLE feed_outbox_new RENAME TO feed_outbox")
        for table in FED_TABLES:
            for statement in _sqlite_triggers(table):
                op.execute(statement)
        return
    op.execute(PG_FUNCTION)
    for table in FED_TABLES:
        op.execute(f"CREATE TRIGGER feed_capture AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION feed_capture()")


def downgrade():
    """Drop the capture triggers (the outbox keeps its rows)."""
    if op.get_bind().dialect.name == "sqlite":
        for table in FED_TABLES:
            for kind in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS feed_{table}_{kind}")
        return
    for table in FED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS feed_capture ON {table}")
    op.execute("DROP FUNCTION IF EXISTS feed_capture()")
