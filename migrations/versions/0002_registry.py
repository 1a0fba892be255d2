"""Registry: residents, families, events, change history, occupations

Revision: 0002_registry
Follows: 0001_foundation
Written: 2026-11-27 20:40:32.004241
"""
import sqlalchemy as sa
from alembic import op

from kupang.registry.codes import OCCUPATIONS


revision = '0002_registry'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kk_number', sa.String(length=16), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family')),
    sa.UniqueConstraint('kk_number', name=op.f('uq_family_kk_number'))
    )
    op.create_table('occupation',
    sa.Column('code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_occupation')),
    info={'reference': True}
    )
    op.create_table('resident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.SmallInteger(), nullable=False),
    sa.Column('birth_place', sa.String(length=80), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('religion', sa.SmallInteger(), nullable=True),
    sa.Column('marital_status', sa.SmallInteger(), nullable=True),
    sa.Column('shdk', sa.SmallInteger(), nullable=True),
    sa.Column('education', sa.SmallInteger(), nullable=True),
    sa.Column('occupation_code', sa.Integer(), nullable=True),
    sa.Column('blood_type', sa.SmallInteger(), nullable=True),
    sa.Column('citizenship', sa.SmallInteger(), nullable=False),
    sa.Column('father_name', sa.String(length=120), nullable=False),
    sa.Column('mother_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('life_status', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('has_warnings', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_resident_created_by_id_user')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_resident_family_id_family')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['resident.id'], name=op.f('fk_resident_merged_into_id_resident')),
    sa.ForeignKeyConstraint(['occupation_code'], ['occupation.code'], name=op.f('fk_resident_occupation_code_occupation')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_resident_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident')),
    sa.UniqueConstraint('nik', name=op.f('uq_resident_nik'))
    )
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_birth', ['birth_date', 'sex'], unique=False)
        batch_op.create_index('ix_resident_family', ['family_id'], unique=False)
        batch_op.create_index('ix_resident_name', ['name'], unique=False)
        batch_op.create_index('ix_resident_rt_rw', ['rw', 'rt'], unique=False)
        batch_op.create_index('ix_resident_status', ['life_status'], unique=False)

    op.create_table('resident_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_resident_change_resident_id_resident')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_resident_change_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_change'))
    )
    with op.batch_alter_table('resident_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_change_resident_id'), ['resident_id'], unique=False)

    op.create_table('resident_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_resident_event_created_by_id_user')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_resident_event_resident_id_resident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_event'))
    )
    with op.batch_alter_table('resident_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_event_resident_id'), ['resident_id'], unique=False)

    # family.head_id and resident.family_id point at each other: add this side once both exist.
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_family_head_id_resident'), 'resident', ['head_id'], ['id'])

    occupation = sa.table('occupation', sa.column('code', sa.Integer), sa.column('name', sa.String))
    op.bulk_insert(occupation, [{"code": code, "name": name} for code, name in OCCUPATIONS.items()])



def downgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_family_head_id_resident'), type_='foreignkey')
    with op.batch_alter_table('resident_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_event_resident_id'))

    op.drop_table('resident_event')
    with op.batch_alter_table('resident_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_change_resident_id'))

    op.drop_table('resident_change')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_status')
        batch_op.drop_index('ix_resident_rt_rw')
        batch_op.drop_index('ix_resident_name')
        batch_op.drop_index('ix_resident_family')
        batch_op.drop_index('ix_resident_birth')

    op.drop_table('resident')
    op.drop_table('occupation')
    op.drop_table('family')
