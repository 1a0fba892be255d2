"""Registry families and duplicates: index for the duplicate scan

Revision: 0005_registry_family
Follows: 0002_registry
Written: 2026-11-27 21:00:00

The duplicate scan groups non-merged residents by normalised name, sex and birth date
(kupang/registry/duplicates.py name_key). This partial expression index lets SQLite and
PostgreSQL answer that GROUP BY from the index alone. Hand-made: autogenerate skips it
(migrations/env.py MIGRATION_ONLY_PREFIXES).
"""
import sqlalchemy as sa
from alembic import op


revision = '0005_registry_family'
down_revision = '0002_registry'
branch_labels = None
depends_on = None

# Must stay identical to duplicates.name_key() so the planner matches it.
NAME_KEY = "lower(replace(replace(name, ' ', ''), '.', ''))"


def upgrade():
    op.create_index(
        'ix_resident_dupkey', 'resident', [sa.text(NAME_KEY), 'sex', 'birth_date'],
        sqlite_where=sa.text('merged_into_id IS NULL'), postgresql_where=sa.text('merged_into_id IS NULL'),
    )


def downgrade():
    op.drop_index('ix_resident_dupkey', table_name='resident')
