"""Ticket version: every counter transition is one conditional UPDATE on (id, status, version)

Revision: 0040_ticket_version
Follows: 0020_merge_areas
Written: 2026-12-01

A double-clicked "Selesai" sent two identical requests; on PostgreSQL both saw the ticket as called and
both committed. Each transition now updates `WHERE id = ? AND status IN (...) AND version = ?` and bumps
the version, so the second identical request changes no row and is refused.
"""
import sqlalchemy as sa
from alembic import op

revision = "0040_ticket_version"
down_revision = "0020_merge_areas"
branch_labels = None
depends_on = None


def upgrade():
    """Add ticket.version (0 for existing tickets)."""
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    """Drop ticket.version."""
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("version")
