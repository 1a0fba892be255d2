"""Merge the feed's triggers (0301) with the city views' head (0320) into one head

Revision: 0330_merge_city_feed
Follows: 0320_merge_city_views, 0301_feed_triggers
Written: 2026-12-01
"""

revision = "0330_merge_city_feed"
down_revision = ("0320_merge_city_views", "0301_feed_triggers")
branch_labels = None
depends_on = None


def upgrade():
    """Nothing to change: both branches' tables, indexes and triggers are already made."""


def downgrade():
    """Nothing to undo here."""
