"""Operations: backup runs (scheduled, at start, by an admin), for the backup page and home-page warnings

Revision: 0120_ops_backup
Follows: 0020_merge_areas
Written: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0120_ops_backup"
down_revision = "0020_merge_areas"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "backup_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("progress_done", sa.BigInteger(), nullable=False),
        sa.Column("progress_total", sa.BigInteger(), nullable=False),
        sa.Column("folder", sa.String(length=500), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_backup_run_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_run")),
    )
    with op.batch_alter_table("backup_run", schema=None) as batch_op:
        batch_op.create_index("ix_backup_run_status_finished", ["status", "finished_at"], unique=False)


def downgrade():
    with op.batch_alter_table("backup_run", schema=None) as batch_op:
        batch_op.drop_index("ix_backup_run_status_finished")
    op.drop_table("backup_run")
