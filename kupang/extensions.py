"""Flask extensions, created unbound and bound in create_app()."""
import click
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations stay stable on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()


class LazyMigrate:
    """Flask-Migrate bound on first use: web workers never import Alembic (~11 MB each)."""

    def init_app(self, app, db, **kwargs):
        """Register a stand-in that builds the real Flask-Migrate config when a command touches it."""
        app.extensions["migrate"] = _MigrateOnDemand(app, db, kwargs)
        app.cli.add_command(_DbCommandsOnDemand("db", help="Migrasi basis data (Flask-Migrate)."))


class _MigrateOnDemand:
    """app.extensions['migrate'] until someone reads it; then the real one replaces it."""

    def __init__(self, app, db, kwargs):
        self._args = (app, db, kwargs)

    def __getattr__(self, name):
        from flask_migrate import Migrate

        app, db, kwargs = self._args
        Migrate(app, db, **kwargs)
        return getattr(app.extensions["migrate"], name)


class _DbCommandsOnDemand(click.Group):
    """`flask db ...`: Flask-Migrate's command group, imported only when the CLI runs it."""

    def make_context(self, info_name, args, parent=None, **extra):
        """Parse and run with the real group (its options, callback and subcommands)."""
        from flask_migrate.cli import db as real

        return real.make_context(info_name, args, parent=parent, **extra)


migrate = LazyMigrate()
