"""Ticket kelurahan: every ticket carries the office's kelurahan code (the city view reads it)

Revision: 0210_ticket_kelurahan
Follows: 0200_merge_round2
Written: 2026-12-01

Residents, families and survey answers already carry `kelurahan_code`; tickets did not, so a city report
gathering tickets from 51 offices could not tell them apart. Existing tickets get this office's code.
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0210_ticket_kelurahan"
down_revision = "0200_merge_round2"
branch_labels = None
depends_on = None


def upgrade():
    """Add ticket.kelurahan_code, filled with the office's code for the tickets already issued."""
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kelurahan_code", sa.String(length=13), nullable=True))
    op.execute(sa.text("UPDATE ticket SET kelurahan_code = :code").bindparams(
        code=current_app.config["KELURAHAN_CODE"]))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.alter_column("kelurahan_code", existing_type=sa.String(length=13), nullable=False)


def downgrade():
    """Drop ticket.kelurahan_code."""
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("kelurahan_code")
