"""Fixtures of the operations tests: a backup folder, an office passphrase, seeded data, private PostgreSQL."""
import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from kupang.db import write_intent
from kupang.extensions import db
from kupang.ops import keys, snapshot
from tests.conftest import POSTGRES_URL, build_app, migrate

PASSPHRASE = "Cadangan-Kuat-2026"


@pytest.fixture
def usb(tmp_path):
    """The backup folder (a plain directory standing in for the USB drive)."""
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def set_passphrase(app, passphrase=PASSPHRASE):
    """Store the office's backup passphrase (its public key) in the app's database."""
    with app.app_context(), write_intent():
        db.session.commit()
        keys.set_passphrase(passphrase, passphrase)
        db.session.commit()


def seed(app, residents=120):
    """Demo users, residents and queue data through the real seed-demo command."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--residents", str(residents)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def ops_app(sqlite_template, tmp_path, instance_dir, usb):
    """A SQLite app with a backup folder, a passphrase and some data (restores here swap files, not databases)."""
    import shutil

    path = tmp_path / "kupang.db"
    shutil.copy(sqlite_template, path)
    app = build_app(f"sqlite:///{path}", instance_dir, BACKUP_DIR=str(usb))
    set_passphrase(app)
    seed(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fingerprints(app, skip=("backup_run",)):
    """Row count and checksum per table of the app's database (backup_run changes with every backup)."""
    with app.app_context():
        db.session.remove()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("sqlite"):
            found = snapshot.sqlite_fingerprints(snapshot.sqlite_file(url))
        else:
            with db.engine.connect() as conn:
                found = snapshot.connection_fingerprints(conn)
        db.engine.dispose()
    return {k: v for k, v in found.items() if k not in skip}


@pytest.fixture
def private_pg(instance_dir):
    """A migrated PostgreSQL database of this test alone (a restore renames databases); dropped after."""
    if not POSTGRES_URL:
        pytest.skip("KUPANG_TEST_POSTGRES_URL not set")
    import psycopg

    server = make_url(POSTGRES_URL)
    name = f"kupang_ops_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    migrate(build_app(url, instance_dir))
    yield url
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}%",)).fetchall()
        for (db_name,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request, tmp_path, instance_dir, usb):
    """An app with data and a passphrase on SQLite, or on a private PostgreSQL database."""
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "kupang.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("private_pg")
    app = build_app(url, instance_dir, BACKUP_DIR=str(usb))
    set_passphrase(app)
    seed(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
