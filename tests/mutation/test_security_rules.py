"""Security rules at their edges: headers, NUL bytes, redirect targets, roles, passwords, login throttling."""
from datetime import datetime, timedelta

import pytest
from flask import session

from kupang import security
from kupang.extensions import db
from kupang.security import (
    CSP,
    LoginThrottle,
    clear_login_failures,
    hash_password,
    password_needs_rehash,
    password_problems,
    public,
    record_login_failure,
    roles_required,
    safe_path,
    throttle_keys,
    throttle_wait_seconds,
    verify_password,
)

NOW = datetime(2026, 11, 27, 1, 0, 0)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "same-origin", "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
           "Cross-Origin-Opener-Policy": "same-origin"}


def test_every_response_carries_the_security_headers(client):
    page = client.get("/masuk")
    assert {name: page.headers.get(name) for name in HEADERS} == HEADERS
    assert page.headers["Cache-Control"] == "no-store"  # a page may hold personal data
    assert "Strict-Transport-Security" not in page.headers
    secure = client.get("/masuk", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    style = client.get("/static/css/app.css")
    assert style.headers["X-Content-Type-Options"] == "nosniff"
    assert style.headers.get("Cache-Control") != "no-store"  # only pages are never cached


def test_a_view_that_sets_its_own_headers_keeps_them(app):
    @app.get("/_own-headers")
    @public
    def own():
        return "x", 200, {"Cache-Control": "max-age=60", "X-Frame-Options": "SAMEORIGIN"}

    answer = app.test_client().get("/_own-headers")
    assert answer.headers["Cache-Control"] == "max-age=60" and answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_secure_over_https_or_when_configured(app):
    @app.get("/_session")
    @public
    def touch():
        session["x"] = 1
        return "ok"

    plain = app.test_client().get("/_session")
    assert "Secure" not in plain.headers["Set-Cookie"]
    https = app.test_client().get("/_session", base_url="https://localhost")
    assert "Secure" in https.headers["Set-Cookie"]
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in app.test_client().get("/_session").headers["Set-Cookie"]


def test_nul_bytes_are_refused_in_path_query_and_form(client):
    assert client.get("/masuk?next=%00").status_code == 400
    assert client.get("/masuk?a%00=1").status_code == 400
    assert client.get("/mas%00uk").status_code == 400
    assert client.post("/masuk", data={"username": "a\0b", "password": "x"}).status_code == 400
    assert client.post("/masuk", data={"user\0name": "a", "password": "x"}).status_code == 400
    assert client.post("/masuk", data={"username": "ab", "password": "x"}).status_code != 400
    # Multipart bodies are the view's business (an upload may raise its size limit first).
    assert client.post("/masuk", data={"username": "a\0b", "password": "x"},
                       content_type="multipart/form-data").status_code != 400


@pytest.mark.parametrize("target, expected", [
    ("/penduduk?q=ana benu", "/penduduk?q=ana benu"),  # a space is fine
    ("/penduduk?q=\u00a0", "/penduduk?q=\u00a0"),  # so is a no-break space
    ("/penduduk?q=\u00a1", "/penduduk?q=\u00a1"),
    ("/", "/"), ("/a//b", "/a//b"),
    ("//evil.example", None), ("//", None), ("///evil.example", None),
    ("/\\evil.example", None), ("/\t/evil.example", None), ("/\x1f", None),
    ("/\x7f", None), ("/\x9f", None), ("https://evil.example/", None), ("evil", None), ("", None), (None, None),
    (5, None), ("/x:y", "/x:y"),
])
def test_safe_path(target, expected):
    assert safe_path(target) == expected


def test_roles_required_lets_in_exactly_the_roles(app, client, login_as):
    @app.get("/_supervisors")
    @roles_required("supervisor", "admin")
    def supervisors_only():
        return "ok"

    assert supervisors_only.allowed_roles == frozenset({"supervisor", "admin"})
    visitor = client.get("/_supervisors")
    assert visitor.status_code == 302 and "/masuk" in visitor.headers["Location"]
    login_as("clerk")
    assert client.get("/_supervisors").status_code == 403
    client.post("/keluar")
    login_as("supervisor")
    answer = client.get("/_supervisors")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")


def test_public_marks_a_view():
    def view():
        return "x"

    assert public(view) is view and view.is_public is True


@pytest.mark.parametrize("password, username, problems", [
    ("Rahasia-Kuat-123", "budi", []),
    ("Ab1-xyz", "", ["Kata sandi minimal 10 karakter."]),
    ("Abcdefghij", "", ["Kata sandi harus memuat huruf dan angka (atau simbol)."]),
    ("1234567891", "", ["Kata sandi harus memuat huruf dan angka (atau simbol)."]),
    ("ababab1212", "", ["Kata sandi terlalu mudah ditebak: gunakan lebih banyak karakter yang berbeda."]),
    ("abcdE1234x", "", []),  # exactly five different characters is enough
    ("Budi-Rahasia-99", "BUDI", ["Kata sandi tidak boleh memuat nama pengguna."]),
    ("Password123", "", ["Kata sandi ini terlalu umum."]),
    ("a1" + "bcdefghij" * 14 + "k", "", ["Kata sandi maksimal 128 karakter."]),  # 129 characters
    ("a1bcdefghi" + "j" * 118, "", []),  # 128 characters
])
def test_password_problems(password, username, problems):
    assert password_problems(password, username) == problems


def test_password_hash_and_verify(app):
    with app.app_context():
        stored = hash_password("Rahasia-Kuat-123")
        assert stored.startswith("$argon2id$")
        assert verify_password(stored, "Rahasia-Kuat-123") is True
        assert verify_password(stored, "Rahasia-Kuat-124") is False
        assert verify_password("not-a-hash", "x") is False
        assert verify_password(None, "kupang-dummy-password") is False  # no hash: still one verification
        assert verify_password("", "") is False
        assert password_needs_rehash(stored) is False
        app.config["PASSWORD_HASH"] = {"time_cost": 2, "memory_cost": 1024, "parallelism": 1}
        assert password_needs_rehash(stored) is True
        assert verify_password(stored, "Rahasia-Kuat-123") is True
        assert verify_password(None, "kupang-dummy-password") is False  # a new hasher makes its own dummy


def throttle_rows():
    return {row.key: (row.failures, row.locked_until) for row in db.session.scalars(db.select(LoginThrottle))}


@pytest.fixture
def clock(monkeypatch):
    """Set security's clock: clock(datetime)."""
    def set_to(moment):
        monkeypatch.setattr(security, "now_utc", lambda: moment)
    set_to(NOW)
    return set_to


# Login throttling runs inside the login POST's write transaction; the request contexts below are POSTs for that.
ADDRESS = {"REMOTE_ADDR": "10.1.2.3"}
PAIR = "ipuser:10.1.2.3|budi"  # the (address, account) pair: the strict limit of 5


def test_throttle_keys_name_the_pair_the_address_and_the_account(app):
    with app.test_request_context(method="POST", environ_base=ADDRESS):
        assert throttle_keys("  Budi ") == [PAIR, "ip:10.1.2.3", "user:budi"]
        assert throttle_keys("x" * 300)[2] == "user:" + "x" * 80
        assert throttle_keys("x" * 300)[0] == "ipuser:10.1.2.3|" + "x" * 80
        assert throttle_keys("Budi", known_device="abc") == ["device:abc"]  # a known browser counts on its own
    with app.test_request_context(method="POST", environ_base={"REMOTE_ADDR": "fd00::1"}):
        assert throttle_keys("budi") == ["ipuser:fd00::1|budi", "ip:fd00::1", "user:budi"]


def test_failures_lock_after_each_keys_limit_with_a_doubling_delay(app, clock):
    with app.test_request_context(method="POST", environ_base=ADDRESS):
        keys = throttle_keys("budi")
        for _ in range(4):
            record_login_failure(keys)
        assert throttle_rows() == {PAIR: (4, None), "ip:10.1.2.3": (4, None), "user:budi": (4, None)}
        assert throttle_wait_seconds(keys) == 0
        record_login_failure(keys)  # the fifth from this address for this account: 30 seconds
        assert throttle_rows()[PAIR] == (5, NOW + timedelta(seconds=30))
        assert throttle_rows()["ip:10.1.2.3"] == (5, None)  # the address may fail 20 times
        assert throttle_rows()["user:budi"] == (5, None)  # the account 50 times (its owner elsewhere logs in)
        assert throttle_wait_seconds(keys) == 30
        clock(NOW + timedelta(seconds=10, milliseconds=500))
        assert throttle_wait_seconds(keys) == 20  # rounded up
        assert throttle_wait_seconds(["user:budi"]) == 0
        assert throttle_wait_seconds(["ipuser:10.1.2.3|someone-else"]) == 0
        record_login_failure(keys)
        assert throttle_rows()[PAIR][1] == NOW + timedelta(seconds=10.5 + 60)
        for _ in range(10):
            record_login_failure(keys)
        assert throttle_rows()[PAIR][1] == NOW + timedelta(seconds=10.5 + 15 * 60)  # capped
        assert throttle_rows()["ip:10.1.2.3"] == (16, None)
        for _ in range(4):
            record_login_failure(keys)
        assert throttle_rows()["ip:10.1.2.3"] == (20, NOW + timedelta(seconds=10.5 + 30))
        assert throttle_rows()["user:budi"] == (20, None)
        for _ in range(30):
            record_login_failure(["user:budi"])
        assert throttle_rows()["user:budi"] == (50, NOW + timedelta(seconds=10.5 + 30))


def test_an_old_typo_is_forgiven_but_a_lock_is_not(app, clock):
    keys = [PAIR]
    with app.test_request_context(method="POST", environ_base=ADDRESS):
        for _ in range(3):
            record_login_failure(keys)
        clock(NOW + timedelta(hours=1, seconds=1))
        record_login_failure(keys)
        assert throttle_rows()[PAIR][0] == 1
        clock(NOW + timedelta(hours=1, seconds=2))
        for _ in range(4):
            record_login_failure(keys)
        locked_until = throttle_rows()[PAIR][1]
        assert throttle_rows()[PAIR][0] == 5 and locked_until > NOW
        # An hour later but still locked (a long delay): the count keeps growing.
        db.session.execute(db.update(LoginThrottle).values(locked_until=NOW + timedelta(hours=3)))
        clock(NOW + timedelta(hours=2, seconds=3))
        record_login_failure(keys)
        assert throttle_rows()[PAIR][0] == 6


def test_a_lock_ending_this_instant_no_longer_protects_an_old_count(app, clock):
    with app.test_request_context(method="POST", environ_base=ADDRESS):
        db.session.add(LoginThrottle(key=PAIR, failures=7, last_failure_at=NOW - timedelta(hours=2),
                                     locked_until=NOW))
        record_login_failure([PAIR])
        assert throttle_rows()[PAIR] == (1, NOW)


def test_a_success_clears_the_pair_and_the_device_but_not_the_address_or_the_account(app, clock):
    with app.test_request_context(method="POST", environ_base=ADDRESS):
        record_login_failure(throttle_keys("Budi"))
        record_login_failure(["device:abc"])
        record_login_failure(["ipuser:10.9.9.9|other"])
        clear_login_failures(throttle_keys("Budi"))
        assert set(throttle_rows()) == {"ip:10.1.2.3", "user:budi", "device:abc", "ipuser:10.9.9.9|other"}
        clear_login_failures(["ip:10.1.2.3", "user:budi"])
        assert set(throttle_rows()) == {"ip:10.1.2.3", "user:budi", "device:abc", "ipuser:10.9.9.9|other"}
        clear_login_failures(["device:abc"])
        assert set(throttle_rows()) == {"ip:10.1.2.3", "user:budi", "ipuser:10.9.9.9|other"}
