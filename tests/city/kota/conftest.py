"""The /kota tests run on a city app (ROLE city): `app` here is the city; `office_app` an ordinary office."""
import pytest

from kupang.extensions import db
from tests.conftest import build_app, reset_postgres


def _app(db_url, instance_dir, tmp_path, **config):
    app = build_app(db_url, instance_dir, RATELIMIT_FILE=str(tmp_path / "ratelimit.sqlite3"), **config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        reset_postgres(app)
    return app


@pytest.fixture
def app(db_url, instance_dir, tmp_path):
    """The city server's app on a fresh database."""
    app = _app(db_url, instance_dir, tmp_path, ROLE="city")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def office_app(db_url, instance_dir, tmp_path):
    """An office's app (no ROLE) on a fresh database."""
    app = _app(db_url, instance_dir, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
