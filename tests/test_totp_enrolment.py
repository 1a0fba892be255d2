"""Mandatory 2FA enrolment needs a one-time code from an admin: the password alone cannot bind an authenticator."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.auth import accounts
from kupang.auth.models import find_user
from kupang.extensions import db
from kupang.security import LoginThrottle
from tests.test_totp import T0, Clock, actions, body, code_at, password_step, require_2fa

CODE_PATTERN = re.compile(r"\b([A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5})\b")


def enrolment_page(client):
    """(page text, secret) of the enrolment page."""
    text = body(client.get("/akun/2fa"))
    return text, re.search(r'<code class="secret">([A-Z2-7]+)</code>', text).group(1)


def totp_state(app, username):
    """(enabled, secret, enrolment code hash) of a user."""
    with app.app_context():
        user = find_user(username)
        return user.totp_enabled, user.totp_secret, user.enrol_code_hash


@pytest.fixture
def clock(monkeypatch):
    """Frozen time for the TOTP rules and the throttle."""
    from kupang import security

    fake = Clock(T0)
    monkeypatch.setattr(accounts, "now_utc", fake)
    monkeypatch.setattr(security, "now_utc", fake)
    return fake


ADMIN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def lurah(app, client, make_user, clock):
    """A supervisor under the mandatory policy, logged in and sent to enrolment; admin1 has 2FA on."""
    make_user("admin", "admin1")
    with app.app_context():
        admin = find_user("admin1")
        admin.totp_secret, admin.totp_enabled = ADMIN_SECRET, True
        db.session.commit()
    make_user("supervisor", "lurah")
    require_2fa(app)
    assert password_step(client, "lurah").status_code == 302
    assert client.get("/").headers["Location"] == "/akun/2fa"
    return client


def admin_makes_code(app, username, clock):
    """An admin presses 'Buat kode pendaftaran' on the user's page; the code shown there."""
    admin = app.test_client()
    assert password_step(admin, "admin1").headers["Location"] == "/masuk/verifikasi"
    assert admin.post("/masuk/verifikasi", data={"code": code_at(ADMIN_SECRET, clock.now)}).status_code == 302
    with app.app_context():
        user_id = find_user(username).id
    page = admin.get(f"/pengguna/{user_id}")
    assert "Buat kode pendaftaran" in body(page)
    response = admin.post(f"/pengguna/{user_id}/kode-2fa")
    assert response.status_code == 200 and "hanya tampil sekali" in body(response)
    return CODE_PATTERN.search(body(response)).group(1)


def test_password_alone_cannot_enrol(app, lurah, clock):
    text, secret = enrolment_page(lurah)
    assert "kode pendaftaran" in text.lower() and 'name="enrol_code"' in text
    response = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 400 and "Masukkan kode pendaftaran dari admin." in body(response)
    assert totp_state(app, "lurah")[0] is False
    assert lurah.get("/").headers["Location"] == "/akun/2fa"


def test_admin_code_lets_the_owner_enrol_once(app, lurah, clock):
    code = admin_makes_code(app, "lurah", clock)
    _text, secret = enrolment_page(lurah)
    typed = code.lower().replace("-", " ")  # read out over the phone, typed any which way
    response = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": typed})
    assert response.status_code == 302 and response.headers["Location"] == "/akun"
    enabled, stored_secret, code_hash = totp_state(app, "lurah")
    assert enabled and stored_secret == secret and code_hash is None  # the code is spent
    assert "totp_enrol_code_created" in actions(app) and actions(app)[-1] == "totp_enabled"
    with app.app_context():
        made = db.session.scalars(select(AuditLog).where(AuditLog.action == "totp_enrol_code_created")).one()
        assert made.username == "admin1" and made.detail_data == {"target": "lurah"}
        assert code.replace("-", "") not in (made.detail or "")  # the code itself is never stored


def test_spent_code_cannot_enrol_again_after_a_reset(app, lurah, clock):
    code = admin_makes_code(app, "lurah", clock)
    _text, secret = enrolment_page(lurah)
    assert lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": code}).status_code == 302
    with app.app_context():
        accounts.disable_totp(find_user("lurah"), None)  # the phone was lost
        db.session.commit()
    clock.advance(60)
    _text, secret = enrolment_page(lurah)
    again = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": code})
    assert again.status_code == 400 and "salah atau sudah dipakai" in body(again)
    assert totp_state(app, "lurah")[0] is False


def test_expired_code_is_refused(app, lurah, clock):
    code = admin_makes_code(app, "lurah", clock)
    with app.app_context():
        find_user("lurah").enrol_code_expires_at = clock.now - timedelta(seconds=1)
        db.session.commit()
    _text, secret = enrolment_page(lurah)
    response = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": code})
    assert response.status_code == 400 and "kedaluwarsa" in body(response)
    assert totp_state(app, "lurah")[0] is False


def test_wrong_codes_are_throttled_like_passwords(app, lurah, clock):
    admin_makes_code(app, "lurah", clock)
    _text, secret = enrolment_page(lurah)
    for _ in range(5):
        response = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": "AAAAA-AAAAA"})
        assert response.status_code == 400 and "salah atau sudah dipakai" in body(response)
    locked = lurah.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": "AAAAA-AAAAA"})
    assert locked.status_code == 429 and "Coba lagi dalam 30 detik" in body(locked)
    with app.app_context():  # this browser logged in as lurah: its own known-device key counts
        rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.failures > 0)).all()
        assert [(row.key.partition(":")[0], row.failures) for row in rows] == [("device", 5)]


def test_code_only_for_remote_roles(app, client, make_user):
    make_user("admin", "admin1")
    make_user("clerk", "budi")
    password_step(client, "admin1")
    with app.app_context():
        budi = find_user("budi").id
    assert "Buat kode pendaftaran" not in body(client.get(f"/pengguna/{budi}"))
    refused = client.post(f"/pengguna/{budi}/kode-2fa", follow_redirects=True)
    assert "hanya untuk peran Administrator dan Pimpinan / pengawas" in body(refused)
    assert totp_state(app, "budi")[2] is None


def test_voluntary_enrolment_needs_no_code(app, client, make_user, clock):
    """Without the office policy a supervisor may turn 2FA on alone, as a clerk may."""
    make_user("supervisor", "lurah")
    password_step(client, "lurah")
    text, secret = enrolment_page(client)
    assert 'name="enrol_code"' not in text
    assert client.post("/akun/2fa", data={"code": code_at(secret, clock.now)}).status_code == 302


def test_cli_prints_a_working_code(app, runner, make_user, client, clock):
    make_user("supervisor", "lurah")
    require_2fa(app)
    result = runner.invoke(args=["enrol-code", "lurah"])
    assert result.exit_code == 0, result.output
    assert "Pimpinan / pengawas" in result.output and "24 jam" in result.output
    code = CODE_PATTERN.search(result.output).group(1)
    password_step(client, "lurah")
    _text, secret = enrolment_page(client)
    assert client.post("/akun/2fa", data={"code": code_at(secret, clock.now), "enrol_code": code}).status_code == 302


@pytest.mark.parametrize("username, message", [("tidakada", "tidak ada"), ("budi", "hanya untuk peran")])
def test_cli_refuses_unknown_users_and_clerks(app, runner, make_user, username, message):
    make_user("clerk", "budi")
    result = runner.invoke(args=["enrol-code", username])
    assert result.exit_code == 2 and message in result.output
    assert totp_state(app, "budi")[2] is None
