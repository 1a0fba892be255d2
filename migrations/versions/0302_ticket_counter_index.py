"""Ticket counter index: the counter's current ticket and today's figures without scanning every ticket

Revision: 0302_ticket_counter_index
Follows: 0300_city_feed
Written: 2026-12-01

Every counter action looked up the counter's called or serving ticket by counter and status, which no
index covered: with a year of tickets (about 52,000) that was a full scan, several per action. Measured
with bench/bench_budget.py under half a core (README "Benchmarks").
"""
from alembic import op

revision = "0302_ticket_counter_index"
down_revision = "0300_city_feed"
branch_labels = None
depends_on = None


def upgrade():
    """Index ticket (counter_id, status, day)."""
    op.create_index("ix_ticket_counter_status_day", "ticket", ["counter_id", "status", "day"])


def downgrade():
    """Drop the index."""
    op.drop_index("ix_ticket_counter_status_day", table_name="ticket")
