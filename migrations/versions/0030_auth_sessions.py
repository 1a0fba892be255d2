"""Server-side login sessions (logout ends them) and one-time 2FA enrolment codes

Revision: 0030_auth_sessions
Follows: 0020_merge_areas
Written: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_auth_sessions"
down_revision = "0020_merge_areas"
branch_labels = None
depends_on = None


def upgrade():
    """A row per login session; enrolment code columns on user."""
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_session_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrol_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("enrol_code_expires_at", sa.DateTime(), nullable=True))


def downgrade():
    """Drop the enrolment code columns and the session table."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("enrol_code_expires_at")
        batch_op.drop_column("enrol_code_hash")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
    op.drop_table("user_session")
