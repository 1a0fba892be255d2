"""Ticket issue nonce (kiosk double tap)

Revision: 0011_queue_core
Follows: 0010_queue
Written: 2026-11-27 20:47:40.507560
"""
import sqlalchemy as sa
from alembic import op


revision = '0011_queue_core'
down_revision = '0010_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issue_nonce', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_issue_nonce'), ['issue_nonce'])


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_issue_nonce'), type_='unique')
        batch_op.drop_column('issue_nonce')
