"""Reports: per-service standard time, survey responses (SKM), daily NIK completeness snapshots

Revision: 0130_reports
Follows: 0020_merge_areas
Written: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0130_reports"
down_revision = "0020_merge_areas"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standard_minutes", sa.Integer(), nullable=True))
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=True),
        *[sa.Column(f"u{n}", sa.SmallInteger(), nullable=False) for n in range(1, 10)],
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("education", sa.String(length=8), nullable=True),
        sa.Column("occupation", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_survey_response_service_id_service")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_survey_response_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_survey_response_device_id_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_response_ticket_id")),
        sa.UniqueConstraint("nonce", name=op.f("uq_survey_response_nonce")),
    )
    op.create_index("ix_survey_response_day", "survey_response", ["kelurahan_code", "day"])
    op.create_table(
        "nik_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("with_nik", sa.Integer(), nullable=False),
        sa.Column("with_warnings", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nik_snapshot")),
        sa.UniqueConstraint("kelurahan_code", "day", name="uq_nik_snapshot_day"),
    )


def downgrade():
    op.drop_table("nik_snapshot")
    op.drop_index("ix_survey_response_day", table_name="survey_response")
    op.drop_table("survey_response")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("standard_minutes")
