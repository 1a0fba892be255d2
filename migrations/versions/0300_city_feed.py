"""City feed: the office's outbox and push state; the city's paired offices and its copy of fed rows

Revision: 0300_city_feed
Follows: 0100_letters
Written: 2026-12-01

Both sides get every table (one schema for an office and the city); an office leaves the city tables
empty and the city leaves the outbox empty.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0300_city_feed"
down_revision = "0100_letters"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ROW_DATA = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade():
    """Create feed_outbox, feed_state, city_office and feed_row."""
    op.create_table(
        "feed_outbox",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "feed_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
    )
    op.create_table(
        "city_office",
        sa.Column("code", sa.String(length=13), primary_key=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True, unique=True),
        sa.Column("paired_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("applied_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("waiting", sa.Integer(), nullable=False),
    )
    op.create_index("ix_city_office_kecamatan_code", "city_office", ["kecamatan_code"])
    op.create_table(
        "feed_row",
        sa.Column("office_code", sa.String(length=13), primary_key=True),
        sa.Column("table_name", sa.String(length=40), primary_key=True),
        sa.Column("row_id", sa.BigInteger(), primary_key=True),
        sa.Column("data", ROW_DATA, nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_feed_row_table", "feed_row", ["table_name", "office_code"])


def downgrade():
    """Drop the feed's tables."""
    op.drop_index("ix_feed_row_table", table_name="feed_row")
    op.drop_table("feed_row")
    op.drop_index("ix_city_office_kecamatan_code", table_name="city_office")
    op.drop_table("city_office")
    op.drop_table("feed_state")
    op.drop_table("feed_outbox")
