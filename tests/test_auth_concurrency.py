"""Logins under real concurrency: the shipped gunicorn (2 worker processes x 4 threads) on SQLite and PostgreSQL.

Threads inside one test process would meet SQLite's lock one at a time and prove little; here separate
worker processes race on the same database, as two browsers in the office do.
"""
import math
import time
import uuid
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import select

from kupang.auth.models import find_user
from kupang.extensions import db
from kupang.security import LoginThrottle
from tests.concurrency import at_once, page_csrf
from tests.conftest import PASSWORD
from tests.queue.core_fixtures import add_service, paired_device


def slow_hasher(seconds=1.5):
    # Long enough that a kiosk tap certainly lands during the password check.
    """A hasher whose check takes about `seconds` on this machine (calibrated: a fixed cost is too fast when idle)."""
    probe = PasswordHasher(time_cost=10, memory_cost=19 * 1024, parallelism=1)
    started = time.monotonic()
    probe.hash(PASSWORD)
    per_pass = max(time.monotonic() - started, 0.001) / 10
    return PasswordHasher(time_cost=max(10, math.ceil(seconds / per_pass)), memory_cost=19 * 1024, parallelism=1)


def post_login(client, username, password, token):
    """POST the login form with a CSRF token fetched before; the status."""
    status, _headers, _body, _wire = client.post_form(
        "/masuk", {"csrf_token": token, "username": username, "password": password})
    return status


def test_a_kiosk_ticket_is_not_held_up_by_a_login(app, gunicorn, make_user):
    make_user("clerk", "budi")
    with app.app_context():
        find_user("budi").password_hash = slow_hasher().hash(PASSWORD)
        db.session.commit()
        service = add_service("Surat keterangan domisili", "A")
        _device, device_token = paired_device("kiosk", "Kiosk depan")
        db.session.remove()
    kiosk = gunicorn.client()
    kiosk.cookies["kupang_device"] = device_token
    kiosk_csrf = page_csrf(kiosk, "/kiosk")
    login = gunicorn.client()
    login_csrf = page_csrf(login, "/masuk")
    times = {}

    def log_in():
        times["login_start"] = time.monotonic()
        times["login_status"] = post_login(login, "budi", PASSWORD, login_csrf)
        times["login_end"] = time.monotonic()
        return times["login_status"]

    def tap():
        time.sleep(0.4)  # the login is in its password check by now
        times["tap_start"] = time.monotonic()
        status, headers, _body, _wire = kiosk.post_form(
            "/kiosk/ambil", {"csrf_token": kiosk_csrf, "service": service, "priority": "",
                             "nonce": uuid.uuid4().hex[:24]})
        times["tap_end"] = time.monotonic()
        return status, headers.get("Location", "")

    login_status, (tap_status, location) = at_once([log_in, tap])
    assert login_status == 302 and tap_status in (302, 303) and "/tiket/" in location
    login_seconds = times["login_end"] - times["login_start"]
    tap_seconds = times["tap_end"] - times["tap_start"]
    assert login_seconds > 0.9, f"the login took {login_seconds:.2f} s: too fast to prove anything"
    # The ticket was issued while the login was still hashing, not after its commit.
    assert times["tap_end"] < times["login_end"], (tap_seconds, login_seconds)
    assert tap_seconds < login_seconds / 2, (tap_seconds, login_seconds)


def test_simultaneous_failures_are_all_counted(app, gunicorn, make_user):
    """Wrong passwords racing on new throttle rows in two processes: no duplicate key, no lost count."""
    make_user("clerk", "budi")
    clients = [gunicorn.client() for _ in range(4)]
    tokens = [page_csrf(client, "/masuk") for client in clients]
    statuses = at_once([lambda c=c, t=t, n=n: post_login(c, "budi", f"Salah-{n}-xyz", t)
                        for n, (c, t) in enumerate(zip(clients, tokens, strict=True))])
    assert statuses == [200] * 4
    with app.app_context():
        rows = {row.key: row.failures for row in db.session.scalars(select(LoginThrottle))}
    assert rows == {"ipuser:127.0.0.1|budi": 4, "ip:127.0.0.1": 4, "user:budi": 4}


def test_one_code_sent_at_once_logs_in_only_once(app, gunicorn, make_user):
    """Three browsers past the password step send the same TOTP code at the same instant: one gets in."""
    secret = pyotp.random_base32()
    make_user("clerk", "budi")
    with app.app_context():
        user = find_user("budi")
        user.totp_secret, user.totp_enabled = secret, True
        db.session.commit()
    clients = [gunicorn.client() for _ in range(3)]
    for client in clients:
        assert post_login(client, "budi", PASSWORD, page_csrf(client, "/masuk")) == 302
    tokens = [page_csrf(client, "/masuk/verifikasi") for client in clients]
    code = pyotp.TOTP(secret).at(datetime.now(UTC))

    def send(client, token):
        status, _headers, _body, _wire = client.post_form("/masuk/verifikasi", {"csrf_token": token, "code": code})
        return status

    statuses = at_once([lambda c=c, t=t: send(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert sorted(statuses) == [200, 200, 302]
    home = [client.get("/")[0] for client in clients]
    assert sorted(home) == [200, 302, 302]
