"""Queue: services, counters, sessions, daily sequences, tickets, calls, marker, devices

Revision: 0010_queue
Follows: 0002_registry
Written: 2026-11-27 20:41:58.008642
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op


revision = '0010_queue'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter')),
    sa.UniqueConstraint('number', name=op.f('uq_counter_number'))
    )
    op.create_table('queue_marker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_marker'))
    )
    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=1), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('allow_priority', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('minutes_per_ticket', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service')),
    sa.UniqueConstraint('prefix', name=op.f('uq_service_prefix'))
    )
    op.create_table('counter_service',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_counter_service_counter_id_counter')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_counter_service_service_id_service')),
    sa.PrimaryKeyConstraint('counter_id', 'service_id', name=op.f('pk_counter_service'))
    )
    op.create_table('counter_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_counter_session_counter_id_counter')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_counter_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_session'))
    )
    with op.batch_alter_table('counter_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_session_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_session_user_id'), ['user_id'], unique=False)

    op.create_table('daily_sequence',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('last_issued_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_daily_sequence_service_id_service')),
    sa.PrimaryKeyConstraint('service_id', 'day', name=op.f('pk_daily_sequence'))
    )
    op.create_table('device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('pairing_code_hash', sa.String(length=64), nullable=True),
    sa.Column('pairing_expires_at', sa.DateTime(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('paired_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_device_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device')),
    sa.UniqueConstraint('pairing_code_hash', name=op.f('uq_device_pairing_code_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_device_token_hash'))
    )
    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('numbered_service_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('call_count', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('issued_by_device_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clerk_id'], ['user.id'], name=op.f('fk_ticket_clerk_id_user')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_ticket_counter_id_counter')),
    sa.ForeignKeyConstraint(['issued_by_device_id'], ['device.id'], name=op.f('fk_ticket_issued_by_device_id_device')),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['user.id'], name=op.f('fk_ticket_issued_by_user_id_user')),
    sa.ForeignKeyConstraint(['numbered_service_id'], ['service.id'], name=op.f('fk_ticket_numbered_service_id_service')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_ticket_resident_id_resident')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_ticket_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('numbered_service_id', 'day', 'number', name='uq_ticket_service_day_number'),
    sa.UniqueConstraint('token', name=op.f('uq_ticket_token'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_day_status', ['day', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_service_id'), ['service_id'], unique=False)

    op.create_table('queue_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=False),
    sa.Column('is_recall', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_queue_call_counter_id_counter')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_queue_call_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_call'))
    )
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_call_called_at'), ['called_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_call_ticket_id'), ['ticket_id'], unique=False)



    marker = sa.table('queue_marker', sa.column('id', sa.Integer), sa.column('version', sa.Integer),
                      sa.column('changed_at', sa.DateTime))
    op.bulk_insert(marker, [{"id": 1, "version": 0, "changed_at": datetime(2026, 1, 1)}])


def downgrade():
    with op.batch_alter_table('queue_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_call_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_queue_call_called_at'))

    op.drop_table('queue_call')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_service_id'))
        batch_op.drop_index('ix_ticket_day_status')

    op.drop_table('ticket')
    op.drop_table('device')
    op.drop_table('daily_sequence')
    with op.batch_alter_table('counter_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_counter_session_counter_id'))

    op.drop_table('counter_session')
    op.drop_table('counter_service')
    op.drop_table('service')
    op.drop_table('queue_marker')
    op.drop_table('counter')
