"""Suspected duplicate pairs a clerk marked "Bukan data ganda" (two different people)

Revision: 0050_duplicate_dismissal
Follows: 0020_merge_areas
Written: 2026-12-01

One row per pair, lower resident id first (a check keeps it so); the unique pair makes a double submit
record it once. Who, when, an optional note, and the office's kelurahan code.
"""
import sqlalchemy as sa
from alembic import op


revision = "0050_duplicate_dismissal"
down_revision = "0020_merge_areas"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "duplicate_dismissal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f("ck_duplicate_dismissal_order")),
        sa.ForeignKeyConstraint(["first_id"], ["resident.id"], name=op.f("fk_duplicate_dismissal_first_id_resident")),
        sa.ForeignKeyConstraint(["second_id"], ["resident.id"],
                                name=op.f("fk_duplicate_dismissal_second_id_resident")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_duplicate_dismissal_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_dismissal")),
        sa.UniqueConstraint("first_id", "second_id", name="uq_duplicate_dismissal_pair"),
    )


def downgrade():
    op.drop_table("duplicate_dismissal")
