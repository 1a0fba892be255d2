"""Merge the area branches of the second round (ops, reports, ...) back into one head.

Revision ID: 0200_merge_round2
"""

revision = "0200_merge_round2"
down_revision = ("0030_auth_sessions", "0040_ticket_version", "0050_duplicate_dismissal", "0120_ops_backup", "0131_reports_indexes")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
