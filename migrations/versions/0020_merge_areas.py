"""Join the registry, import, family and queue branches into one head.

Revision: 0020_merge_areas
Follows: 0003_registry_search, 0004_import, 0005_registry_family, 0011_queue_core
Written: 2026-11-27
"""

revision = "0020_merge_areas"
down_revision = ("0003_registry_search", "0004_import", "0005_registry_family", "0011_queue_core")
branch_labels = None
depends_on = None


def upgrade():
    """Nothing to change: the areas were built side by side and meet here."""


def downgrade():
    """Nothing to undo."""
