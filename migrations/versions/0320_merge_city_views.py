"""Merge the counter index (0302) and the city's projections (0310), both written on top of 0300, into one head

Revision: 0320_merge_city_views
Follows: 0302_ticket_counter_index, 0310_city_projections
Written: 2026-12-01
"""

revision = "0320_merge_city_views"
down_revision = ("0302_ticket_counter_index", "0310_city_projections")
branch_labels = None
depends_on = None


def upgrade():
    """Nothing to change: both branches' tables and indexes are already made."""


def downgrade():
    """Nothing to undo here."""
