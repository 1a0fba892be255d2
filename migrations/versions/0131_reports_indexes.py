"""Reports: partial covering indexes on the living residents for the breakdowns and the pyramid

Revision: 0131_reports_indexes
Follows: 0130_reports
Written: 2026-12-01

The population report groups every living resident by RW, RT, sex and the code lists, and by birth date
for the pyramid; at city scale (450,000 residents) a table scan is too slow. These indexes hold only the
living, non-merged rows and every column those queries read, so both backends answer from the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = "0131_reports_indexes"
down_revision = "0130_reports"
branch_labels = None
depends_on = None

LIVING = "life_status = 'hidup' AND merged_into_id IS NULL"
NOT_MERGED = "merged_into_id IS NULL"


def partial(condition):
    """The WHERE of a partial index, for both backends."""
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade():
    # In the order the queries group by: (rw, sex) for the monthly report, all of it for the breakdowns.
    op.create_index("ix_resident_living_profile", "resident",
                    ["rw", "sex", "rt", "religion", "education", "occupation_code", "marital_status"], **partial(LIVING))
    op.create_index("ix_resident_living_birth", "resident", ["birth_date", "sex"], **partial(LIVING))
    op.create_index("ix_resident_status_sex", "resident", ["life_status", "sex"], **partial(NOT_MERGED))


def downgrade():
    op.drop_index("ix_resident_status_sex", table_name="resident")
    op.drop_index("ix_resident_living_birth", table_name="resident")
    op.drop_index("ix_resident_living_profile", table_name="resident")
