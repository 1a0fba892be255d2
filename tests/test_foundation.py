"""The app factory, configuration, database layer, headers and health check."""
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text

from kupang.config import ConfigError, lookup_kelurahan
from kupang.extensions import db
from tests.conftest import build_app


def test_config_defaults(app):
    assert app.config["KELURAHAN_CODE"] == "53.71.05.1005"
    assert app.config["KELURAHAN_NAME"] == "Naikoten Dua"
    assert app.config["OFFICE_NAME"] == "Kantor Kelurahan Naikoten Dua"
    assert app.config["TIMEZONE"] == "Asia/Makassar"


def test_kelurahan_code_is_checked_against_kemendagri():
    assert lookup_kelurahan("53.71.01.1001")[0]  # a kelurahan of Alak
    with pytest.raises(ConfigError, match="tidak ada"):
        lookup_kelurahan("53.71.05.9999")
    with pytest.raises(ConfigError, match="format"):
        lookup_kelurahan("5371051005")


def test_bad_environment_value_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("KUPANG_SESSION_HOURS", "dua belas")
    with pytest.raises(ConfigError, match="KUPANG_SESSION_HOURS"):
        build_app(f"sqlite:///{tmp_path}/x.db", tmp_path)


def test_secret_key_file_is_private(tmp_path):
    import os
    import stat

    from kupang.config import instance_secret

    key = instance_secret(tmp_path)
    assert len(key) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert instance_secret(tmp_path) == key


def test_sqlite_pragmas_on_fresh_connection(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_post_requests_begin_immediate(app, login_as, client):
    """A write request holds the write lock from its first statement; the login reads before it checks."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    login_as("clerk")
    seen = []
    from sqlalchemy import event

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cur, stmt, *a: seen.append(stmt) if stmt.startswith("BEGIN") else None)
    client.post("/keluar")
    assert seen == ["BEGIN IMMEDIATE"]
    seen.clear()
    app.test_client().post("/masuk", data={"username": "x", "password": "y"})
    # Read the account and its throttle (deferred), check the password with no transaction, then write.
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]


WRITER = textwrap.dedent("""
    import sys
    from kupang import create_app
    from sqlalchemy import select
    from kupang.db import lock_for_update, write_transaction
    from kupang.settings import Setting
    from kupang.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2], "SECRET_KEY": "x"})
    with app.app_context():
        for i in range(int(sys.argv[4])):
            with write_transaction():
                row = db.session.scalars(lock_for_update(select(Setting).where(Setting.key == "counter"))).one()
                row.value = str(int(row.value) + 1)
                db.session.add(Setting(key=f"{sys.argv[3]}-{i}", value="x"))
    print("ok")
""")


def test_two_processes_writing_at_once_never_see_locked(app, instance_dir):
    """Read-then-write from two processes: IMMEDIATE (SQLite) / FOR UPDATE (PostgreSQL) serialise them,
    no 'database is locked' and no lost update."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.execute(text("INSERT INTO setting (key, value) VALUES ('counter', '0')"))
        db.session.commit()
    rounds = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, str(instance_dir), name, str(rounds)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
    with app.app_context():
        db.session.remove()
        assert db.session.execute(text("SELECT value FROM setting WHERE key='counter'")).scalar() == str(2 * rounds)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    answer = dict(response.json)
    assert isinstance(answer.pop("disk_free_mb"), int)
    assert answer == {"status": "ok", "database": True, "database_writable": True, "migrations": "current",
                      "disk": "ok", "version": "0.1.0"}


def set_migration(app, version):
    """Write alembic_version (kept between tests on PostgreSQL, whose reset leaves it alone)."""
    with app.app_context():
        db.session.execute(text("DELETE FROM alembic_version"))
        db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
        db.session.commit()


def test_healthz_reports_pending_migrations(app, client):
    with app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    set_migration(app, "0001_foundation")
    try:
        response = client.get("/healthz")
    finally:
        set_migration(app, head)  # later tests on the same PostgreSQL database migrate from the head
    assert response.status_code == 503
    assert response.json["migrations"] == "pending"


PAGES = ["/masuk", "/healthz", "/tidak-ada"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client):
    response = client.post("/masuk", data={"username": "nobody", "password": "wrong"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    secure = client.post("/masuk", data={"username": "nobody", "password": "wrong"},
                         base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_404_page_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_500_page_never_shows_a_traceback(app):
    @app.route("/rusak")
    def broken():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/rusak")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_oversized_body_is_refused(client):
    response = client.post("/masuk", data={"username": "x", "password": "y" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Data terlalu besar" in response.get_data(as_text=True)


def test_no_external_assets_on_login_page(client):
    body = client.get("/masuk").get_data(as_text=True)
    assert "https://" not in body and "http://" not in body
    assert "/static/vendor/htmx.min.js" in body
    assert "<script>" not in body and "style=" not in body


def test_htmx_config_and_csrf_header_on_body(client):
    body = client.get("/masuk").get_data(as_text=True)
    assert '"historyCacheSize":0' in body and '"allowEval":false' in body
    assert '"selfRequestsOnly":true' in body and '"includeIndicatorStyles":false' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_gzip_for_pages_and_static(client):
    page = client.get("/masuk", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    script = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Content-Encoding"] == "gzip"
    import gzip

    assert gzip.decompress(script.data).startswith(b"var htmx") or len(gzip.decompress(script.data)) > 40000


def test_is_htmx_rules(app):
    from kupang.htmx import is_htmx

    cases = [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ]
    for headers, expected in cases:
        with app.test_request_context("/", headers=headers):
            assert is_htmx() is expected


def test_audit_log_is_append_only(app):
    from sqlalchemy.exc import DatabaseError

    from kupang import audit

    with app.app_context():
        audit.record("login", "user", 1, username="x")
        db.session.commit()
        with pytest.raises(DatabaseError):
            db.session.execute(text("UPDATE audit_log SET action='changed'"))
            db.session.commit()
        db.session.rollback()
        with pytest.raises(DatabaseError):
            db.session.execute(text("DELETE FROM audit_log"))
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(text("SELECT action FROM audit_log")).scalar() == "login"
