"""Letters: letter types, signatories, letters and their yearly number sequences

Revision: 0100_letters
Follows: 0210_ticket_kelurahan
Written: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0100_letters"
down_revision = "0210_ticket_kelurahan"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "letter_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("needs_nik", sa.Boolean(), nullable=False),
        sa.Column("resident_rule", sa.String(length=10), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("requirements_json", sa.Text(), nullable=False),
        sa.Column("opening", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_letter_type_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_type")),
    )
    op.create_table(
        "signatory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("nip", sa.String(length=30), nullable=False),
        sa.Column("position", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatory")),
    )
    op.create_table(
        "letter_sequence",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("last_issued_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("year", "key", name=op.f("pk_letter_sequence")),
    )
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("checked_json", sa.Text(), nullable=False),
        sa.Column("snapshot_json", sa.Text(), nullable=True),
        sa.Column("number", sa.String(length=80), nullable=True),
        sa.Column("seq_year", sa.Integer(), nullable=True),
        sa.Column("seq_key", sa.String(length=20), nullable=True),
        sa.Column("seq_value", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("signatory_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("verify_token", sa.String(length=43), nullable=False),
        sa.Column("verify_count", sa.Integer(), nullable=False),
        sa.Column("print_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["letter_type.id"], name=op.f("fk_letter_type_id_letter_type")),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"], name=op.f("fk_letter_resident_id_resident")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_letter_ticket_id_ticket")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_letter_created_by_id_user")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["user.id"], name=op.f("fk_letter_issued_by_id_user")),
        sa.ForeignKeyConstraint(["voided_by_id"], ["user.id"], name=op.f("fk_letter_voided_by_id_user")),
        sa.ForeignKeyConstraint(["signatory_id"], ["signatory.id"], name=op.f("fk_letter_signatory_id_signatory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
        sa.UniqueConstraint("verify_token", name=op.f("uq_letter_verify_token")),
        sa.UniqueConstraint("kelurahan_code", "seq_year", "seq_key", "seq_value", name="uq_letter_sequence_value"),
    )
    op.create_index("ix_letter_type_id", "letter", ["type_id"])
    op.create_index("ix_letter_resident_id", "letter", ["resident_id"])
    op.create_index("ix_letter_ticket_id", "letter", ["ticket_id"])
    op.create_index("ix_letter_issued", "letter", ["kelurahan_code", "issued_at"])


def downgrade():
    op.drop_index("ix_letter_issued", table_name="letter")
    op.drop_index("ix_letter_ticket_id", table_name="letter")
    op.drop_index("ix_letter_resident_id", table_name="letter")
    op.drop_index("ix_letter_type_id", table_name="letter")
    op.drop_table("letter")
    op.drop_table("letter_sequence")
    op.drop_table("signatory")
    op.drop_table("letter_type")
