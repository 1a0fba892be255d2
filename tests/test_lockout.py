"""Wrong passwords from strangers slow the strangers down but never lock the owner out.

Policy (README "Salah kata sandi dan penguncian"): 5 failures per (account, IP) and 20 per IP start a
doubling delay; the account itself only after 50; a browser where the account logged in before (the
signed "known device" cookie) counts its own failures and passes the account's limit.
"""
import pytest
from sqlalchemy import select

from kupang.auth.known_devices import COOKIE_NAME, MAX_AGE_DAYS
from kupang.extensions import db
from kupang.security import LoginThrottle
from tests.conftest import PASSWORD
from tests.test_auth import Clock

WRONG = "Salah-Sandi-999"


def attempt(client, ip, username="lurah", password=WRONG):
    """One login POST from an address; the status code."""
    return client.post("/masuk", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip}).status_code


def attack(app, clock, failures, username="lurah", per_ip=4):
    """`failures` wrong passwords spread over many addresses, each below its own limits; all answered 200."""
    stranger = app.test_client()
    for n in range(failures):
        assert attempt(stranger, f"198.51.100.{n // per_ip + 1}", username) == 200
        clock.advance(1)


def known_browser(app, ip="10.0.0.5", username="lurah"):
    """A browser where the owner logged in once (and out again): it now holds the known-device cookie."""
    browser = app.test_client()
    assert attempt(browser, ip, username, PASSWORD) == 302
    assert browser.get_cookie(COOKIE_NAME) is not None
    browser.post("/keluar", environ_base={"REMOTE_ADDR": ip})
    return browser


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved forward by the tests."""
    from kupang import security

    fake = Clock()
    monkeypatch.setattr(security, "now_utc", fake)
    return fake


@pytest.fixture
def lurah(make_user):
    """The account strangers try."""
    make_user("supervisor", "lurah")
    make_user("clerk", "budi")


def test_failures_from_one_address_do_not_lock_the_owner_elsewhere(app, lurah, clock):
    stranger = app.test_client()
    for _ in range(5):
        assert attempt(stranger, "203.0.113.9") == 200
    assert attempt(stranger, "203.0.113.9", password=PASSWORD) == 429  # the stranger's address waits
    assert attempt(app.test_client(), "10.0.0.5", password=PASSWORD) == 302  # the owner at the office does not


def test_the_account_limit_is_much_slower(app, lurah, clock):
    attack(app, clock, 49)
    assert attempt(app.test_client(), "10.0.0.7", password=PASSWORD) == 302
    with app.app_context():
        assert db.session.get(LoginThrottle, "user:lurah").failures == 49


def test_a_known_device_passes_a_locked_account(app, lurah, clock):
    office = known_browser(app)
    attack(app, clock, 50)
    assert attempt(app.test_client(), "10.0.0.8", password=PASSWORD) == 429  # a new browser waits
    assert attempt(office, "10.0.0.5", password=PASSWORD) == 302  # the owner's own browser does not
    assert office.get("/").status_code == 200


def test_a_known_device_passes_a_locked_ip_too(app, lurah, clock):
    """Office staff behind one address: strangers there exhaust the IP's limit, a known browser still gets in."""
    office = known_browser(app, ip="192.0.2.1")
    stranger = app.test_client()
    for n in range(20):
        assert attempt(stranger, "192.0.2.1", f"tebak{n}") == 200
    assert attempt(app.test_client(), "192.0.2.1", "budi", PASSWORD) == 429
    assert attempt(office, "192.0.2.1", password=PASSWORD) == 302


def test_a_known_device_has_its_own_limit(app, lurah, clock):
    """A stolen browser gets five guesses, then the same doubling delay; the owner elsewhere is not locked."""
    office = known_browser(app)
    for _ in range(5):
        assert attempt(office, "10.0.0.5") == 200
    assert attempt(office, "10.0.0.5", password=PASSWORD) == 429
    assert attempt(app.test_client(), "10.0.0.5", password=PASSWORD) == 302
    with app.app_context():
        keys = {row.key.partition(":")[0]: row.failures for row in db.session.scalars(select(LoginThrottle))}
    assert keys == {"device": 5}


def test_the_known_device_cookie_is_for_one_account(app, lurah, clock):
    office = known_browser(app)  # lurah's browser
    attack(app, clock, 50, username="budi")
    assert attempt(office, "10.0.0.5", "budi", PASSWORD) == 429


def test_a_forged_or_altered_cookie_is_a_stranger(app, lurah, clock):
    office = known_browser(app)
    attack(app, clock, 50)
    value = office.get_cookie(COOKIE_NAME).value
    office.set_cookie(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert attempt(office, "10.0.0.5", password=PASSWORD) == 429
    forged = app.test_client()
    forged.set_cookie(COOKIE_NAME, '[[1, "00000000000000000000000000000000"]]')
    assert attempt(forged, "10.0.0.5", password=PASSWORD) == 429


def test_the_cookie_is_long_lived_and_out_of_reach_of_scripts(app, lurah):
    browser = app.test_client()
    response = browser.post("/masuk", data={"username": "lurah", "password": PASSWORD})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE_NAME}="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert f"Max-Age={MAX_AGE_DAYS * 24 * 3600}" in header and MAX_AGE_DAYS >= 90


def test_no_cookie_before_the_second_step_is_passed(app, lurah, clock):
    """With 2FA on, the password alone does not make a browser known."""
    from tests.test_totp import code_at

    with app.app_context():
        from kupang.auth.models import find_user

        user = find_user("lurah")
        user.totp_secret, user.totp_enabled = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", True
        db.session.commit()
    browser = app.test_client()
    first = browser.post("/masuk", data={"username": "lurah", "password": PASSWORD})
    assert first.headers["Location"].startswith("/masuk/verifikasi") and browser.get_cookie(COOKIE_NAME) is None
    second = browser.post("/masuk/verifikasi", data={"code": code_at("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", clock.now)})
    assert second.status_code == 302 and browser.get_cookie(COOKIE_NAME) is not None


def test_one_browser_remembers_several_clerks(app, make_user):
    """A shared counter PC: each clerk who logged in there is known on it."""
    for name in ("petugas1", "petugas2", "petugas3"):
        make_user("clerk", name)
    browser = app.test_client()
    for name in ("petugas1", "petugas2", "petugas3"):
        assert attempt(browser, "10.0.0.5", name, PASSWORD) == 302
        browser.post("/keluar")
    with app.test_request_context(headers={"Cookie": f"{COOKIE_NAME}={browser.get_cookie(COOKIE_NAME).value}"}):
        from kupang.auth.known_devices import known_device_nonce
        from kupang.auth.models import find_user

        nonces = [known_device_nonce(find_user(name).id) for name in ("petugas1", "petugas2", "petugas3")]
    assert all(nonces) and len(set(nonces)) == 3
