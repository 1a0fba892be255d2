"""Two-step verification: enrolment, login, replay, clock drift, throttling, mandatory policy, admin reset."""
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.auth import accounts
from kupang.auth.models import find_user
from kupang.extensions import db
from kupang.settings import set_setting
from tests.conftest import PASSWORD

T0 = datetime(2026, 11, 27, 2, 0, 10)  # naive UTC, 10 s into a 30 s step


def body(response):
    """Response text."""
    return response.get_data(as_text=True)


def actions(app):
    """Audit actions in order."""
    with app.app_context():
        return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


class Clock:
    """A settable now_utc for the TOTP rules."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        """Move time forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """Freeze time for TOTP checks and for the login throttle."""
    from kupang import security

    fake = Clock(T0)
    monkeypatch.setattr(accounts, "now_utc", fake)
    monkeypatch.setattr(security, "now_utc", fake)
    return fake


def code_at(secret, when, steps=0):
    """The code an authenticator shows at a naive-UTC time, shifted by whole steps."""
    return pyotp.TOTP(secret).at(when.replace(tzinfo=UTC) + timedelta(seconds=30 * steps))


def enrol(client, clock, enrol_code=None):
    """Open the enrolment page, read the secret as a person would, confirm with a current code."""
    page = client.get("/akun/2fa")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', body(page)).group(1)
    data = {"code": code_at(secret, clock.now)} | ({"enrol_code": enrol_code} if enrol_code else {})
    response = client.post("/akun/2fa", data=data)
    assert response.status_code == 302, body(response)
    return secret


def password_step(client, username="clerk1"):
    """Post username and password; returns the response."""
    return client.post("/masuk", data={"username": username, "password": PASSWORD})


def test_enrolment_shows_qr_svg_and_secret(app, client, login_as, clock):
    login_as("clerk")
    page = client.get("/akun/2fa")
    text = body(page)
    assert page.status_code == 200
    assert "<svg" in text and "<img" not in text and "data:image" not in text
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', text).group(1)
    assert client.get("/akun/2fa").get_data(as_text=True).count(secret) == 1  # stable until confirmed
    wrong = client.post("/akun/2fa", data={"code": "000000" if code_at(secret, clock.now) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Kode salah" in body(wrong)
    bad_format = client.post("/akun/2fa", data={"code": "12ab"})
    assert bad_format.status_code == 400 and "Kode terdiri dari 6 angka." in body(bad_format)
    with app.app_context():
        assert find_user("clerk1").totp_enabled is False
    ok = client.post("/akun/2fa", data={"code": code_at(secret, clock.now)})
    assert ok.headers["Location"] == "/akun"
    with app.app_context():
        user = find_user("clerk1")
        assert user.totp_enabled and user.totp_secret == secret
    assert "Verifikasi dua langkah aktif" in body(client.get("/akun/2fa"))
    assert actions(app)[-1] == "totp_enabled"


def test_code_with_spaces_is_accepted(client, login_as, clock):
    login_as("clerk")
    page = client.get("/akun/2fa")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', body(page)).group(1)
    code = code_at(secret, clock.now)
    assert client.post("/akun/2fa", data={"code": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_login_with_code_and_replay_refused(app, client, login_as, auth, clock):
    login_as("clerk")
    secret = enrol(client, clock)
    auth.logout()
    first = password_step(client)
    assert first.headers["Location"].startswith("/masuk/verifikasi")
    assert client.get("/").status_code == 302  # not logged in yet
    clock.advance(30)
    code = code_at(secret, clock.now)
    ok = client.post("/masuk/verifikasi", data={"code": code})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    auth.logout()
    password_step(client)
    replay = client.post("/masuk/verifikasi", data={"code": code})
    assert replay.status_code == 200 and "tunggu kode berikutnya (30 detik)" in body(replay)
    assert client.get("/").status_code == 302
    assert "totp_failed" not in actions(app)  # the right code again: refused, but no guess to count


def test_enrolment_code_cannot_be_replayed_at_login(app, client, login_as, auth, clock):
    login_as("clerk")
    secret = enrol(client, clock)
    auth.logout()
    password_step(client)
    response = client.post("/masuk/verifikasi", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200 and client.get("/").status_code == 302
    # The person did nothing wrong: say plainly to wait for the next code, and count no failure.
    assert "Kode ini baru saja dipakai: tunggu kode berikutnya (30 detik)" in body(response)
    assert "totp_failed" not in actions(app)
    clock.advance(30)
    assert client.post("/masuk/verifikasi", data={"code": code_at(secret, clock.now)}).status_code == 302


def test_a_wrong_code_is_not_called_just_used(client, login_as, auth, clock):
    login_as("clerk")
    secret = enrol(client, clock)
    auth.logout()
    password_step(client)
    wrong = "123456" if code_at(secret, clock.now) != "123456" else "654321"
    response = client.post("/masuk/verifikasi", data={"code": wrong})
    assert "Kode salah" in body(response) and "baru saja dipakai" not in body(response)


@pytest.mark.parametrize("steps, accepted", [(-1, True), (1, True), (-2, False), (2, False)])
def test_clock_drift_of_one_step(client, login_as, auth, clock, steps, accepted):
    login_as("clerk")
    secret = enrol(client, clock)
    auth.logout()
    clock.advance(120)
    password_step(client)
    response = client.post("/masuk/verifikasi", data={"code": code_at(secret, clock.now, steps)})
    assert (response.status_code == 302) is accepted
    assert (client.get("/").status_code == 200) is accepted


def test_rule_level_drift_and_replay():
    secret = pyotp.random_base32()
    now = T0.replace(tzinfo=UTC)
    step = pyotp.TOTP(secret).timecode(now)
    assert accounts.matching_totp_step(secret, code_at(secret, T0), at=now) == step
    assert accounts.matching_totp_step(secret, code_at(secret, T0, -1), at=now) == step - 1
    assert accounts.matching_totp_step(secret, code_at(secret, T0), last_step=step, at=now) is None
    assert accounts.matching_totp_step(secret, code_at(secret, T0, 1), last_step=step, at=now) == step + 1
    assert accounts.matching_totp_step(secret, "abcdef", at=now) is None


def test_wrong_codes_are_throttled(app, client, login_as, auth, clock):
    login_as("clerk")
    secret = enrol(client, clock)
    auth.logout()
    clock.advance(60)
    password_step(client)
    good = code_at(secret, clock.now)
    wrong = "123456" if good != "123456" else "654321"
    for _ in range(5):
        assert client.post("/masuk/verifikasi", data={"code": wrong}).status_code == 200
    locked = client.post("/masuk/verifikasi", data={"code": good})
    assert locked.status_code == 429 and "Coba lagi dalam 30 detik" in body(locked)
    # Going back to the password step does not reset the count: it is locked as well.
    assert password_step(client).status_code == 429
    clock.advance(31)
    password_step(client)
    client.post("/masuk/verifikasi", data={"code": wrong})
    assert "60 detik" in body(client.post("/masuk/verifikasi", data={"code": good}))


def test_verification_page_without_password_step(client):
    response = client.get("/masuk/verifikasi")
    assert response.headers["Location"] == "/masuk"
    assert client.post("/masuk/verifikasi", data={"code": "123456"}).headers["Location"] == "/masuk"


def test_next_survives_the_second_step(client, login_as, auth, clock):
    login_as("admin")
    secret = enrol(client, clock)
    auth.logout()
    first = client.post("/masuk?next=/pengguna", data={"username": "admin1", "password": PASSWORD})
    clock.advance(30)
    second = client.post(first.headers["Location"], data={"code": code_at(secret, clock.now)})
    assert second.headers["Location"] == "/pengguna"


def test_user_turns_own_2fa_off_with_password(app, client, login_as, clock):
    login_as("clerk")
    enrol(client, clock)
    refused = client.post("/akun/2fa/matikan", data={"current_password": "Salah-Sandi-999"}, follow_redirects=True)
    assert "tetap aktif" in body(refused)
    with app.app_context():
        assert find_user("clerk1").totp_enabled
    client.post("/akun/2fa/matikan", data={"current_password": PASSWORD})
    with app.app_context():
        user = find_user("clerk1")
        assert not user.totp_enabled and user.totp_secret is None
    assert actions(app)[-1] == "totp_disabled"


def require_2fa(app):
    """Switch the office policy on directly."""
    with app.app_context():
        set_setting("require_2fa", "1")
        db.session.commit()


def test_admin_makes_2fa_mandatory_for_remote_roles(app, client, make_user, auth, clock):
    make_user("admin", "admin1")
    make_user("supervisor", "lurah")
    auth.login("admin1")
    # Not before the admin's own 2FA is on: the switch would lock them in front of an enrolment they
    # could only pass with a code from another admin or the server's command line.
    refused = client.post("/pengguna/kebijakan", data={"require_2fa": "y"}, follow_redirects=True)
    assert "Aktifkan verifikasi dua langkah Anda sendiri dahulu" in body(refused)
    assert "setting_changed" not in actions(app)
    enrol(client, clock)
    response = client.post("/pengguna/kebijakan", data={"require_2fa": "y"})
    assert response.headers["Location"] == "/pengguna"
    assert "setting_changed" in actions(app)
    assert client.get("/pengguna").status_code == 200
    lurah = app.test_client()
    password_step(lurah, "lurah")
    assert lurah.get("/").headers["Location"] == "/akun/2fa"
    assert "Kantor mewajibkan verifikasi dua langkah" in body(lurah.get("/akun/2fa"))
    htmx = lurah.get("/penduduk", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/akun/2fa"


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_mandatory_2fa_for_remote_roles(app, client, make_user, auth, role, clock):
    make_user(role, "orang1")
    require_2fa(app)
    auth.login("orang1")
    assert client.get("/").headers["Location"] == "/akun/2fa"
    enrol(client, clock, enrol_code=admin_code(app, "orang1"))
    assert client.get("/").status_code == 200
    refused = client.post("/akun/2fa/matikan", data={"current_password": PASSWORD}, follow_redirects=True)
    assert "tidak dapat dimatikan" in body(refused)
    with app.app_context():
        assert find_user("orang1").totp_enabled


def test_mandatory_2fa_leaves_clerks_alone(app, client, make_user, auth):
    make_user("clerk", "orang1")
    require_2fa(app)
    auth.login("orang1")
    assert client.get("/").status_code == 200


def admin_code(app, username):
    """A fresh enrolment code for the user, as an admin would make it."""
    with app.app_context():
        code = accounts.new_enrol_code(find_user(username), None)
        db.session.commit()
        return code


def test_admin_resets_a_users_2fa(app, client, make_user, auth, clock):
    make_user("admin", "admin1")
    make_user("supervisor", "lurah")
    phone = app.test_client()
    phone.post("/masuk", data={"username": "lurah", "password": PASSWORD})
    enrol(phone, clock)
    auth.login("admin1")
    with app.app_context():
        lurah_id = find_user("lurah").id
    assert "Matikan (ponsel hilang)" in body(client.get(f"/pengguna/{lurah_id}"))
    response = client.post(f"/pengguna/{lurah_id}/2fa")
    assert response.headers["Location"] == f"/pengguna/{lurah_id}"
    with app.app_context():
        user = find_user("lurah")
        assert not user.totp_enabled and user.totp_secret is None and user.totp_last_counter is None
        row = db.session.scalars(select(AuditLog).where(AuditLog.action == "totp_disabled")).one()
        assert row.username == "admin1" and row.detail_data["target"] == "lurah"
    assert phone.get("/").status_code == 302  # their sessions ended
    assert phone.post("/masuk", data={"username": "lurah", "password": PASSWORD}).headers["Location"] == "/"


def test_pending_login_is_dropped_when_2fa_is_reset(app, client, make_user, auth, clock):
    make_user("admin", "admin1")
    make_user("supervisor", "lurah")
    client.post("/masuk", data={"username": "lurah", "password": PASSWORD})
    secret = enrol(client, clock)
    auth.logout()
    password_step(client, "lurah")
    admin = app.test_client()
    admin.post("/masuk", data={"username": "admin1", "password": PASSWORD})
    with app.app_context():
        lurah_id = find_user("lurah").id
    admin.post(f"/pengguna/{lurah_id}/2fa")
    clock.advance(30)
    response = client.post("/masuk/verifikasi", data={"code": code_at(secret, clock.now)})
    assert response.headers["Location"] == "/masuk"
    assert client.get("/").status_code == 302
