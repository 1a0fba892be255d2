"""City projections: the /kota report tables kept from fed rows, and a user's area (kecamatan) scope

Revision: 0310_city_projections
Follows: 0300_city_feed
Written: 2026-12-01

city_resident, city_resident_event, city_ticket, city_letter and city_survey hold each fed row reduced to
what the city's pages count, keyed (office_code, row_id) like feed_row; city_area_count (living residents
and NIKs per office, RW and sex) and city_shared_nik (NIKs living in two records) are kept by the resident
projector so the pages never scan every resident. user.area_code limits a city user
to one kecamatan (None: the whole city). An office leaves the tables empty and every area_code None.
"""
import sqlalchemy as sa
from alembic import op

revision = "0310_city_projections"
down_revision = "0300_city_feed"
branch_labels = None
depends_on = None


def _key():
    return [sa.Column("office_code", sa.String(length=13), primary_key=True),
            sa.Column("row_id", sa.BigInteger(), primary_key=True, autoincrement=False)]


def upgrade():
    """Create the city's report tables and add user.area_code."""
    op.create_table(
        "city_resident", *_key(),
        sa.Column("kecamatan_code", sa.String(length=8), nullable=False),
        sa.Column("kelurahan_code", sa.String(length=13), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.SmallInteger(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("rt", sa.String(length=3), nullable=False),
        sa.Column("rw", sa.String(length=3), nullable=False),
        sa.Column("life_status", sa.String(length=10), nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("family_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_city_resident_nik", "city_resident", ["nik", "life_status"])
    op.create_index("ix_city_resident_office_rw", "city_resident", ["office_code", "rw"])
    op.create_table(
        "city_resident_event", *_key(),
        sa.Column("resident_row_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.SmallInteger(), nullable=True),
        sa.Column("life_status", sa.String(length=10), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_city_resident_event_resident", "city_resident_event", ["office_code", "resident_row_id"])
    op.create_index("ix_city_resident_event_kind", "city_resident_event", ["kind", "event_date"])
    op.create_table(
        "city_ticket", *_key(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("service_seconds", sa.Float(), nullable=True),
    )
    op.create_index("ix_city_ticket_day", "city_ticket", ["day", "office_code"])
    op.create_table(
        "city_letter", *_key(),
        sa.Column("type_title", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_city_letter_issued", "city_letter", ["issued_at", "office_code"])
    op.create_table(
        "city_survey", *_key(),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(f"u{n}", sa.SmallInteger(), nullable=True) for n in range(1, 10)],
    )
    op.create_index("ix_city_survey_day", "city_survey", ["day", "office_code"])
    op.create_table(
        "city_area_count",
        sa.Column("office_code", sa.String(length=13), primary_key=True),
        sa.Column("rw", sa.String(length=3), primary_key=True),
        sa.Column("sex", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("living", sa.Integer(), nullable=False),
        sa.Column("with_nik", sa.Integer(), nullable=False),
    )
    op.create_table(
        "city_shared_nik",
        sa.Column("nik", sa.String(length=16), primary_key=True),
        sa.Column("records", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_code", sa.String(length=8), nullable=True))


def downgrade():
    """Drop user.area_code and the city's report tables."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("area_code")
    op.drop_table("city_shared_nik")
    op.drop_table("city_area_count")
    for table, indexes in (("city_survey", ["ix_city_survey_day"]), ("city_letter", ["ix_city_letter_issued"]),
                           ("city_ticket", ["ix_city_ticket_day"]),
                           ("city_resident_event", ["ix_city_resident_event_kind", "ix_city_resident_event_resident"]),
                           ("city_resident", ["ix_city_resident_office_rw", "ix_city_resident_nik"])):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
