"""The app refuses to start on a database whose schema is newer than its code, with a clear message."""
import subprocess
import sys

import pytest
from sqlalchemy import text

from kupang.extensions import db
from kupang.ops.schema import SchemaTooNewError
from tests.concurrency import ROOT, Gunicorn
from tests.conftest import build_app


def add_future_revision(url, instance_dir):
    """Record a revision this code does not have, as a newer version's migration would."""
    app = build_app(url, instance_dir)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0999_from_the_future')"))
        db.engine.dispose()


def test_create_app_refuses_a_newer_schema(db_url, instance_dir, app):
    with app.app_context():
        db.engine.dispose()
    add_future_revision(db_url, instance_dir)
    try:
        with pytest.raises(SchemaTooNewError, match="versi aplikasi yang lebih baru.*0999_from_the_future"):
            build_app(db_url, instance_dir)
    finally:
        cleanup = build_app(db_url, instance_dir, SCHEMA_GUARD=False)
        with cleanup.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM alembic_version WHERE version_num = '0999_from_the_future'"))
            db.engine.dispose()


def test_gunicorn_and_init_db_refuse_a_newer_schema(tmp_path, sqlite_template, instance_dir):
    import shutil

    shutil.copy(sqlite_template, tmp_path / "kupang.db")
    url = f"sqlite:///{tmp_path / 'kupang.db'}"
    add_future_revision(url, instance_dir)
    server = Gunicorn(url, instance_dir, tmp_path / "gunicorn.log")
    with pytest.raises(RuntimeError, match="gunicorn exited"):
        server.start(timeout=30)
    server.stop()
    assert "0999_from_the_future" in server.log() and "Aplikasi tidak dijalankan" in server.log()
    env = {"KUPANG_DATABASE_URL": url, "KUPANG_INSTANCE_PATH": str(instance_dir), "KUPANG_SECRET_KEY": "x",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "versi aplikasi yang lebih baru" in done.stderr and "Traceback" not in done.stderr
