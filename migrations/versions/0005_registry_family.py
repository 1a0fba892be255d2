"""Registry families and duplicates: indexes for the completeness report and the duplicate scan

Revision: 0005_registry_family
Follows: 0002_registry
Written: 2026-11-27 21:00:00

- ix_resident_dupkey: the duplicate scan groups non-merged residents by normalised name, sex and
  birth date (kupang/registry/duplicates.py name_key). `name` and `id` are in the index too: SQLite
  3.40 recomputes the expression from the column and would otherwise read every table row, and
  PostgreSQL can then answer the GROUP BY (with min/max id) by an index-only scan.
- ix_resident_living_area / ix_resident_living_family: partial indexes on the living, non-merged
  residents, so the per-RW/RT counts and the "families without a head" GROUP BYs read a small
  index instead of 450,000 table rows.
Hand-made: autogenerate skips them (migrations/env.py MIGRATION_ONLY_PREFIXES).
"""
import sqlalchemy as sa
from alembic import op


revision = '0005_registry_family'
down_revision = '0002_registry'
branch_labels = None
depends_on = None

# Must stay identical to duplicates.name_key() so the planner matches it.
NAME_KEY = "lower(replace(replace(name, ' ', ''), '.', ''))"


NOT_MERGED = "merged_into_id IS NULL"
LIVING = "life_status = 'hidup' AND merged_into_id IS NULL"


def partial(condition):
    """The WHERE of a partial index, for both backends."""
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade():
    op.create_index('ix_resident_dupkey', 'resident', [sa.text(NAME_KEY), 'sex', 'birth_date', 'name', 'id'],
                    **partial(NOT_MERGED))
    op.create_index('ix_resident_living_area', 'resident', ['rw', 'rt', 'has_warnings', 'nik'], **partial(LIVING))
    op.create_index('ix_resident_living_family', 'resident', ['family_id', 'shdk'], **partial(LIVING))


def downgrade():
    op.drop_index('ix_resident_living_family', table_name='resident')
    op.drop_index('ix_resident_living_area', table_name='resident')
    op.drop_index('ix_resident_dupkey', table_name='resident')
