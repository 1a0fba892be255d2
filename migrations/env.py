"""Alembic environment for kupang: runs migrations on the Flask app's engine."""
import logging

from alembic import context
from flask import current_app

from kupang.db import write_intent

log = logging.getLogger("alembic.env")
migrate_ext = current_app.extensions["migrate"]
metadata = migrate_ext.db.metadata


def skip_empty_autogenerate(_context, _revision, directives):
    """`flask db migrate` with no model change writes no empty revision file."""
    if getattr(context.config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No schema change found.")


# Made by hand in migrations, not described by the models (full-text search table and its shadow tables,
# trigram and lower(name) indexes): autogenerate must not offer to drop them.
MIGRATION_ONLY_PREFIXES = ("resident_fts", "ix_resident_name_trgm", "ix_resident_name_lower",
                           "ix_resident_dupkey", "ix_resident_living")


def include_name(name, type_, _parent_names):
    """Leave the hand-made search objects out of autogenerate's comparison."""
    return not (type_ in ("table", "index") and name and name.startswith(MIGRATION_ONLY_PREFIXES))


def run_offline():
    """Print the SQL instead of running it (flask db upgrade --sql)."""
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    """Apply migrations in one IMMEDIATE transaction on SQLite (render_as_batch for ALTERs)."""
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("render_as_batch", True)
    options.setdefault("include_name", include_name)
    with write_intent(), migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
