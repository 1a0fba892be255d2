"""Feed twins: the office keeps the city's list of its residents registered active in another kelurahan too

Revision: 0340_feed_twins
Follows: 0330_merge_city_feed
Written: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0340_feed_twins"
down_revision = "0330_merge_city_feed"
branch_labels = None
depends_on = None


def upgrade():
    """Create feed_twin."""
    op.create_table(
        "feed_twin",
        sa.Column("nik", sa.String(length=16), primary_key=True),
        sa.Column("other_code", sa.String(length=13), primary_key=True),
        sa.Column("other_name", sa.String(length=80), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade():
    """Drop feed_twin."""
    op.drop_table("feed_twin")
