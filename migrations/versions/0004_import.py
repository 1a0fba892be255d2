"""Import jobs: uploaded resident files, their check, preview and application

Revision: 0004_import
Follows: 0002_registry
Written: 2026-11-27 21:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0004_import'
down_revision = '0002_registry'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=4), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('stored_path', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('count_rows', sa.Integer(), nullable=False),
    sa.Column('count_new', sa.Integer(), nullable=False),
    sa.Column('count_updated', sa.Integer(), nullable=False),
    sa.Column('count_unchanged', sa.Integer(), nullable=False),
    sa.Column('count_rejected', sa.Integer(), nullable=False),
    sa.Column('count_warnings', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('rejected_path', sa.String(length=300), nullable=True),
    sa.Column('issues_path', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('worker_pid', sa.Integer(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_import_job_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_job_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index('ix_import_job_created', ['created_at'], unique=False)
        batch_op.create_index('ix_import_job_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index('ix_import_job_status')
        batch_op.drop_index('ix_import_job_created')

    op.drop_table('import_job')
