"""Operations: backup, restore, rotation, the system page, disk checks and the schema-version guard.

It knows the database, no area. The factory calls `init_app(app)`, which registers the blueprint, the CLI
commands and the home-page warnings.
"""
import time

from flask import Blueprint

bp = Blueprint("ops", __name__)


def init_app(app):
    """Register the blueprint, the commands and the home-page warning providers."""
    from .. import notices
    from ..audit import ACTION_LABELS
    from . import alerts, views  # noqa: F401 - views attach their routes to bp
    from .cli import COMMANDS
    from .formatting import register_filters

    app.config.setdefault("OPS_STARTED_AT", time.time())
    app.register_blueprint(bp)
    for command in COMMANDS:
        app.cli.add_command(command)
    for provider in alerts.PROVIDERS:
        notices.register(app, provider)
    register_filters(app)
    app.jinja_env.globals.setdefault("home_notices", notices.collect)
    ACTION_LABELS.update(AUDIT_LABELS)


AUDIT_LABELS = {
    "backup_started": "Pencadangan dimulai",
    "backup_downloaded": "Berkas cadangan diunduh",
    "backup_passphrase_set": "Kata sandi cadangan diatur",
}


def check_schema(app):
    """Refuse to build the app on a database migrated by a newer version (SchemaTooNewError).

    Skipped inside a `flask` command, so that `restore` and `backup` still work to repair such a machine;
    `init-db` refuses on its own (kupang.cli.apply_migrations).
    """
    import click

    if not app.config.get("SCHEMA_GUARD", True) or click.get_current_context(silent=True) is not None:
        return
    from .schema import guard

    guard(app.config["SQLALCHEMY_DATABASE_URI"])


def storage_full_response(error):
    """The Indonesian 507 page when an error means the disk is full, else None (the caller handles it)."""
    from .storage import STORAGE_FULL_MESSAGE, is_storage_full

    if not is_storage_full(error):
        return None
    from flask import current_app

    from .. import render_error

    current_app.logger.error("storage full: %s", error)
    return render_error(507, STORAGE_FULL_MESSAGE)
