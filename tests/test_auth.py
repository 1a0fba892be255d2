"""Login, logout, throttling, safe redirects, session revocation, forced password change, password rules."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kupang import security
from kupang.audit import AuditLog
from kupang.auth.models import User, find_user
from kupang.extensions import db
from kupang.security import LoginThrottle, password_problems
from kupang.timeutil import now_utc
from tests.conftest import PASSWORD, build_app
from tests.test_core_helpers import HOSTILE_TARGETS

WRONG = "Nama pengguna atau kata sandi salah."


def actions(app):
    """Audit actions in insertion order."""
    with app.app_context():
        return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def audit_rows(app, action):
    """Audit rows of one action."""
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def body(response):
    """Response text."""
    return response.get_data(as_text=True)


def comparable(response, name):
    """Page text without the per-request CSRF token and with the username blanked."""
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", body(response)).replace(name, "X")


def set_user(app, username, **values):
    """Change columns of a user directly."""
    with app.app_context():
        user = find_user(username)
        for key, value in values.items():
            setattr(user, key, value)
        db.session.commit()


# --- login and logout ---------------------------------------------------------------------


def test_login_success_and_logout(app, client, make_user, auth):
    make_user("clerk", "budi")
    response = auth.login("budi")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Selamat datang" in body(home)
    assert auth.logout().headers["Location"] == "/masuk"
    assert client.get("/").headers["Location"].startswith("/masuk")
    assert actions(app) == ["user_created", "login", "logout"]
    with app.app_context():
        assert find_user("budi").last_login_at is not None


def test_username_is_case_insensitive_and_trimmed(client, make_user, auth):
    make_user("clerk", "budi")
    assert auth.login("  BUDI ").status_code == 302


def test_unknown_user_and_wrong_password_look_the_same(app, client, make_user, auth):
    make_user("clerk", "budi")
    unknown = auth.login("tidakada", PASSWORD)
    wrong = auth.login("budi", "Salah-Sandi-999")
    assert unknown.status_code == wrong.status_code == 200
    assert WRONG in body(unknown) and WRONG in body(wrong)
    assert comparable(unknown, "tidakada") == comparable(wrong, "budi")
    failed = audit_rows(app, "login_failed")
    assert [row.username for row in failed] == ["tidakada", "budi"]
    assert failed[0].object_id is None and failed[1].object_id is not None  # never the actor: unproven


def test_deactivated_user_cannot_log_in(app, client, make_user, auth):
    make_user("clerk", "budi")
    set_user(app, "budi", active=False)
    response = auth.login("budi")
    assert response.status_code == 200 and WRONG in body(response)
    assert client.get("/").status_code == 302


def test_login_form_missing_fields(app, client):
    response = client.post("/masuk", data={})
    assert response.status_code == 400
    assert body(response).count("Wajib diisi.") == 2
    assert actions(app) == []


def test_login_form_overlong_fields_get_indonesian_messages(app, client):
    response = client.post("/masuk", data={"username": "u" * 200, "password": "p" * 300})
    text = body(response)
    assert response.status_code == 400
    assert "Field" not in text and "cannot be longer" not in text
    assert "Maksimal 80 karakter." in text and "Maksimal 256 karakter." in text
    assert actions(app) == []


def test_logout_needs_post(client, login_as):
    login_as("clerk")
    response = client.get("/keluar")
    assert response.status_code == 405 and "Metode tidak diizinkan" in body(response)
    assert client.get("/").status_code == 200


def test_logged_in_user_visiting_login_goes_home(client, login_as):
    login_as("clerk")
    assert client.get("/masuk").headers["Location"] == "/"


# --- the next parameter -------------------------------------------------------------------


def test_anonymous_is_sent_to_login_with_next(client, make_user, auth):
    make_user("admin", "admin1")
    response = client.get("/pengguna")
    assert response.headers["Location"] == "/masuk?next=/pengguna"
    login = client.post("/masuk?next=/pengguna", data={"username": "admin1", "password": PASSWORD})
    assert login.headers["Location"] == "/pengguna"
    client.post("/keluar")
    query = client.get("/audit?aksi=login&tanggal=2026-11-27")
    assert query.headers["Location"] == "/masuk?next=/audit?aksi%3Dlogin%26tanggal%3D2026-11-27"
    login = client.post(query.headers["Location"], data={"username": "admin1", "password": PASSWORD})
    assert login.headers["Location"] == "/audit?aksi=login&tanggal=2026-11-27"


def login_redirect_expectation(target):
    """What a login with ?next=target must answer: NUL refused (400), a local path kept, anything else home."""
    if target and "\0" in target:
        return 400, None
    return 302, "/%0a/evil" if target == "/%0a/evil" else "/"  # "/%0a/evil": the newline stays encoded


@pytest.mark.parametrize("target, expected", [
    (target, login_redirect_expectation(target))
    for target in HOSTILE_TARGETS + ["https://evil.example/", "http:/evil.example", " //evil.example", "/%0a/evil"]])
def test_next_never_leaves_the_site(client, make_user, target, expected):
    make_user("clerk", "budi")
    query = {} if target is None else {"next": target}
    response = client.post("/masuk", query_string=query, data={"username": "budi", "password": PASSWORD})
    assert (response.status_code, response.headers.get("Location")) == expected


def test_htmx_request_of_anonymous_gets_hx_redirect(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/masuk")


# --- throttling ---------------------------------------------------------------------------


class Clock:
    """A settable now_utc for the throttle."""

    def __init__(self):
        self.now = now_utc()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        """Move time forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the throttle's clock; tests move it forward."""
    fake = Clock()
    monkeypatch.setattr(security, "now_utc", fake)
    return fake


def fail_logins(auth, username, times, password="Salah-Sandi-999"):
    """Post a wrong password several times; returns the last response."""
    response = None
    for _ in range(times):
        response = auth.login(username, password)
    return response


def test_five_failures_lock_the_account_from_this_ip_with_growing_delays(app, client, make_user, auth, clock):
    make_user("clerk", "budi")
    assert fail_logins(auth, "budi", 5).status_code == 200
    locked = auth.login("budi", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan gagal. Coba lagi dalam 30 detik." in body(locked)
    assert locked.headers["Retry-After"] == "30"
    clock.advance(10)
    assert "20 detik" in body(auth.login("budi", PASSWORD))
    clock.advance(21)
    assert fail_logins(auth, "budi", 1).status_code == 200  # sixth failure: 60 s
    assert "60 detik" in body(auth.login("budi", PASSWORD))
    clock.advance(61)
    fail_logins(auth, "budi", 1)  # seventh: 120 s = 2 minutes
    assert "2 menit" in body(auth.login("budi", PASSWORD))
    clock.advance(121)
    assert auth.login("budi", PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.get(LoginThrottle, "ipuser:127.0.0.1|budi") is None  # success forgets this pair
        assert db.session.get(LoginThrottle, "user:budi").failures == 7  # the account's slow count stays
    assert len(audit_rows(app, "login_throttled")) == 4


def test_unknown_user_is_throttled_exactly_like_a_real_one(client, make_user, auth, clock):
    make_user("clerk", "budi")
    real = [fail_logins(auth, "budi", 1) for _ in range(5)] + [auth.login("budi")]
    clock.advance(3600)
    ghost = [fail_logins(auth, "hantu", 1) for _ in range(5)] + [auth.login("hantu")]
    assert [r.status_code for r in real] == [r.status_code for r in ghost] == [200] * 5 + [429]
    assert comparable(real[-1], "budi") == comparable(ghost[-1], "hantu")


def test_throttle_is_per_account(client, make_user, auth, clock):
    make_user("clerk", "budi")
    make_user("clerk", "ani")
    fail_logins(auth, "budi", 5)
    assert auth.login("budi").status_code == 429
    assert auth.login("ani").status_code == 302


def test_throttle_per_ip_across_accounts(app, client, make_user, auth, clock):
    make_user("clerk", "budi")
    for n in range(20):  # 20 different names, 1 failure each: no account limit is reached
        assert fail_logins(auth, f"tebak{n}", 1).status_code == 200
    response = auth.login("budi")
    assert response.status_code == 429
    other_ip = app.test_client()
    assert other_ip.post("/masuk", data={"username": "budi", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_old_failures_are_forgotten(client, make_user, auth, clock):
    make_user("clerk", "budi")
    fail_logins(auth, "budi", 4)
    clock.advance(2 * 3600)  # a typo a few hours later must not lock the account
    assert fail_logins(auth, "budi", 1).status_code == 200
    assert auth.login("budi").status_code == 302


def test_throttle_survives_a_restart(app, client, make_user, auth, instance_dir, clock):
    make_user("clerk", "budi")
    fail_logins(auth, "budi", 5)
    restarted = build_app(app.config["SQLALCHEMY_DATABASE_URI"], instance_dir)
    response = restarted.test_client().post("/masuk", data={"username": "budi", "password": PASSWORD})
    assert response.status_code == 429 and "Coba lagi dalam" in body(response)
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_throttle_rows_are_kept_in_the_database(app, make_user, auth, clock):
    make_user("clerk", "budi")
    fail_logins(auth, "budi", 5)
    with app.app_context():
        rows = {row.key: row for row in db.session.scalars(select(LoginThrottle))}
        assert set(rows) == {"ipuser:127.0.0.1|budi", "ip:127.0.0.1", "user:budi"}
        pair, ip, account = rows["ipuser:127.0.0.1|budi"], rows["ip:127.0.0.1"], rows["user:budi"]
        assert pair.failures == 5 and pair.locked_until is not None
        assert ip.failures == 5 and ip.locked_until is None
        assert account.failures == 5 and account.locked_until is None


# --- session revocation -------------------------------------------------------------------


def second_client(app, username):
    """Another browser logged in as the user."""
    other = app.test_client()
    assert other.post("/masuk", data={"username": username, "password": PASSWORD}).status_code == 302
    return other


def test_logout_everywhere_ends_every_session(app, client, make_user, auth):
    make_user("clerk", "budi")
    auth.login("budi")
    other = second_client(app, "budi")
    response = client.post("/keluar-semua")
    assert response.headers["Location"] == "/masuk"
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302
    assert "logout_everywhere" in actions(app)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user, auth):
    make_user("clerk", "budi")
    auth.login("budi")
    other = second_client(app, "budi")
    response = client.post("/akun/kata-sandi", data={
        "current_password": PASSWORD, "new_password": "Baru-Sekali-456", "confirm": "Baru-Sekali-456"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/masuk", data={"username": "budi", "password": PASSWORD}).status_code == 200
    assert fresh.post("/masuk", data={"username": "budi", "password": "Baru-Sekali-456"}).status_code == 302
    assert "password_changed" in actions(app)


def test_old_session_cookie_is_useless_after_logout_everywhere(app, client, make_user, auth):
    make_user("clerk", "budi")
    auth.login("budi")
    stolen = client.get_cookie("kupang_session").value
    client.post("/keluar-semua")
    thief = app.test_client()
    thief.set_cookie("kupang_session", stolen)
    assert thief.get("/").status_code == 302


def test_plain_logout_ends_the_session_on_the_server(app, client, make_user, auth):
    """A cookie copied before POST /keluar is refused afterwards (the server forgot the session)."""
    make_user("clerk", "budi")
    auth.login("budi")
    copied = client.get_cookie("kupang_session").value
    assert auth.logout().headers["Location"] == "/masuk"
    replay = app.test_client()
    replay.set_cookie("kupang_session", copied)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")
    with app.app_context():
        from kupang.auth.models import UserSession

        rows = db.session.scalars(select(UserSession)).all()
        assert len(rows) == 1 and rows[0].ended_at is not None


def test_logout_ends_only_this_browsers_session(app, client, make_user, auth):
    make_user("clerk", "budi")
    auth.login("budi")
    other = second_client(app, "budi")
    auth.logout()
    assert other.get("/").status_code == 200


def test_expired_session_row_is_refused(app, client, make_user, auth):
    from kupang.auth.models import UserSession

    make_user("clerk", "budi")
    auth.login("budi")
    assert client.get("/").status_code == 200
    with app.app_context():
        for row in db.session.scalars(select(UserSession)):
            row.expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/").headers["Location"].startswith("/masuk")


def test_login_starts_a_clean_session(app, client, make_user, auth):
    """A half-finished 2FA enrolment of one user is never offered to the next user of the browser."""
    make_user("supervisor", "lurah")
    make_user("supervisor", "camat")
    auth.login("lurah")
    first = re.search(r'<code class="secret">([A-Z2-7]+)</code>', body(client.get("/akun/2fa"))).group(1)
    second_client(app, "lurah").post("/keluar-semua")  # lurah's session here ends elsewhere, unfinished
    assert client.get("/akun").status_code == 302
    auth.login("camat")
    offered = re.search(r'<code class="secret">([A-Z2-7]+)</code>', body(client.get("/akun/2fa"))).group(1)
    assert offered != first
    with client.session_transaction() as browser:
        assert "pending_2fa" not in browser and browser["totp_enrol"]["secret"] == offered


def test_session_cookie_never_outlives_its_user_row(app, client, make_user, auth):
    """Deleting every session row (a restore from an older backup, say) logs the browser out."""
    from kupang.auth.models import UserSession

    make_user("clerk", "budi")
    auth.login("budi")
    with app.app_context():
        db.session.execute(UserSession.__table__.delete())
        db.session.commit()
    assert client.get("/").headers["Location"].startswith("/masuk")


@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_deactivation_and_role_change_end_sessions(app, client, make_user, auth, change):
    make_user("admin", "admin1")
    make_user("clerk", "budi")
    victim = second_client(app, "budi")
    assert victim.get("/").status_code == 200
    auth.login("admin1")
    with app.app_context():
        budi_id = find_user("budi").id
    if change == "deactivate":
        client.post(f"/pengguna/{budi_id}/status")
    else:
        client.post(f"/pengguna/{budi_id}", data={"full_name": "Budi", "role": "supervisor"})
    assert victim.get("/").status_code == 302


# --- forced password change ---------------------------------------------------------------


def test_admin_set_password_must_be_changed_first(app, client, make_user, auth):
    make_user("clerk", "budi", must_change=True)
    assert auth.login("budi").headers["Location"] == "/"
    for path in ["/", "/akun", "/pengguna", "/audit", "/tidak-ada"]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/akun/kata-sandi", path
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/akun/kata-sandi"
    page = client.get("/akun/kata-sandi")
    assert page.status_code == 200 and "Kata sandi Anda dibuat oleh admin" in body(page)
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    same = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": PASSWORD,
                                                 "confirm": PASSWORD})
    assert same.status_code == 400 and "harus berbeda" in body(same)
    done = client.post("/akun/kata-sandi", data={
        "current_password": PASSWORD, "new_password": "Sandi-Sendiri-77", "confirm": "Sandi-Sendiri-77"})
    assert done.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        assert find_user("budi").must_change_password is False


def test_forced_change_user_can_still_log_out(client, make_user, auth):
    make_user("clerk", "budi", must_change=True)
    auth.login("budi")
    assert auth.logout().headers["Location"] == "/masuk"


@pytest.mark.parametrize("fields, message", [
    ({"current_password": "Salah-Sandi-999", "new_password": "Sandi-Baru-1234", "confirm": "Sandi-Baru-1234"},
     "Kata sandi saat ini salah."),
    ({"current_password": PASSWORD, "new_password": "Sandi-Baru-1234", "confirm": "Sandi-Beda-1234"},
     "Kedua kata sandi baru tidak sama."),
    ({"current_password": PASSWORD, "new_password": "pendek1", "confirm": "pendek1"},
     "Kata sandi minimal 10 karakter."),
    ({"current_password": PASSWORD, "new_password": "hanyahurufsaja", "confirm": "hanyahurufsaja"},
     "Kata sandi harus memuat huruf dan angka"),
    ({"current_password": PASSWORD, "new_password": "budi-12345678", "confirm": "budi-12345678"},
     "tidak boleh memuat nama pengguna"),
    ({"current_password": PASSWORD}, "Wajib diisi."),
])
def test_password_change_rules(app, client, make_user, auth, fields, message):
    make_user("clerk", "budi")
    auth.login("budi")
    with app.app_context():
        before = find_user("budi").password_hash
    response = client.post("/akun/kata-sandi", data=fields)
    assert response.status_code == 400 and message in body(response)
    with app.app_context():
        assert find_user("budi").password_hash == before
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert "password_changed" not in actions(app)


def test_password_rules_unit():
    assert password_problems("Kupang-Aman-2026", "budi") == []
    assert "Kata sandi minimal 10 karakter." in password_problems("Ab1-", "")
    assert "Kata sandi maksimal 128 karakter." in password_problems("Ab1-" * 40, "")
    assert any("terlalu umum" in p for p in password_problems("Password123", ""))
    assert any("mudah ditebak" in p for p in password_problems("aaaa1111aaaa", ""))
    assert password_problems("1234567890", "")  # digits only


# --- malformed input ----------------------------------------------------------------------


def test_oversized_body_gets_413_page_and_changes_nothing(app, client, make_user):
    make_user("clerk", "budi")
    response = client.post("/masuk", data={"username": "budi", "password": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and "Data terlalu besar" in body(response)
    htmx = client.post("/masuk", data={"username": "budi", "password": "x" * (3 * 1024 * 1024)},
                       headers={"HX-Request": "true"})
    assert htmx.status_code == 413 and "Data terlalu besar" in body(htmx) and "<html" not in body(htmx)
    assert actions(app) == ["user_created"]


@pytest.mark.parametrize("kwargs", [
    {"data": b"\xff\xfe\x00garbage=\xff", "content_type": "application/x-www-form-urlencoded"},
    {"data": b"--xx\r\nbroken multipart", "content_type": "multipart/form-data; boundary=xx"},
    {"json": {"username": ["budi"], "password": {"a": 1}}},
    {"data": "username=budi&username=ani&password=", "content_type": "application/x-www-form-urlencoded"},
    {"data": "username=%00budi&password=%00", "content_type": "application/x-www-form-urlencoded"},
])
def test_malformed_login_posts_get_a_clear_answer(app, client, make_user, kwargs):
    make_user("clerk", "budi")
    response = client.post("/masuk", **kwargs)
    assert response.status_code in (200, 400)
    text = body(response)
    assert "Wajib diisi." in text or WRONG in text or "Permintaan tidak valid" in text
    assert client.get("/").status_code == 302


def test_malformed_password_change_changes_nothing(app, client, make_user, auth):
    make_user("clerk", "budi")
    auth.login("budi")
    with app.app_context():
        before = find_user("budi").password_hash
    response = client.post("/akun/kata-sandi", data=b"\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "Wajib diisi." in body(response)
    with app.app_context():
        assert find_user("budi").password_hash == before


@pytest.mark.parametrize("path", ["/audit?pengguna=%00x", "/audit?objek=user:%00", "/masuk?next=/%00"])
def test_nul_bytes_are_refused_not_crashed_on(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 400 and "Permintaan tidak valid" in body(response)
