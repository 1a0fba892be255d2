"""Device pairing: one-time codes, cookies, revocation, and what a device token can (not) reach."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.devices import (
    COOKIE_NAME,
    DeviceError,
    create_device,
    digest,
    new_pairing_code,
    normalise_code,
    pair_device,
    revoke_device,
)
from kupang.queue.models import Device
from kupang.timeutil import now_utc

from .core_fixtures import paired_device


def new_code(app, kind="kiosk", name="Kiosk depan"):
    """Create a device; returns (device id, one-time code)."""
    with app.app_context(), write_intent():
        device, code = create_device(kind, name, None)
        db.session.commit()
        return device.id, code


@pytest.mark.parametrize("kind, name, message", [
    ("printer", "X", "kiosk, layar, atau tablet survei"),
    ("kiosk", "   ", "wajib diisi"),
    ("display", "x" * 61, "maksimal 60"),
])
def test_create_device_refuses_bad_input(app, kind, name, message):
    with app.app_context(), pytest.raises(DeviceError, match=message):
        create_device(kind, name, None)


def test_codes_and_tokens_are_stored_hashed(app):
    device_id, code = new_code(app)
    with app.app_context():
        device = db.session.get(Device, device_id)
        assert device.pairing_code_hash == digest(code) and code not in device.pairing_code_hash
        assert len(code) == 10 and normalise_code(f" {code[:5].lower()}-{code[5:]} ") == code
        device, token = pair_device(code)
        assert device.token_hash == digest(token) and device.pairing_code_hash is None


def test_pairing_page_sets_a_strict_long_lived_cookie_and_redirects(app, client):
    _id, code = new_code(app)
    form = client.get(f"/perangkat/pasang?kode={code[:5]}-{code[5:]}")
    assert form.status_code == 200 and f"{code[:5]}-{code[5:]}" in form.get_data(as_text=True)
    assert COOKIE_NAME not in (form.headers.get("Set-Cookie") or "")  # following the link alone pairs nothing
    response = client.post("/perangkat/pasang", data={"code": code.lower()})
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Max-Age=31536000" in cookie and "Secure" not in cookie
    assert client.get("/kiosk").status_code == 200


def test_cookie_is_secure_over_https(app, client):
    _id, code = new_code(app)
    response = client.post("/perangkat/pasang", data={"code": code}, base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME))
    assert "Secure" in cookie


def test_display_pairs_to_the_display(app, client):
    _id, code = new_code(app, "display", "TV ruang tunggu")
    assert client.post("/perangkat/pasang", data={"code": code}).headers["Location"] == "/layar"


def test_code_works_only_once(app, client):
    _id, code = new_code(app)
    assert client.post("/perangkat/pasang", data={"code": code}).status_code == 303
    again = client.post("/perangkat/pasang", data={"code": code})
    assert again.status_code == 400
    assert "salah atau sudah dipakai" in again.get_data(as_text=True)


def test_expired_code_is_refused(app, client):
    device_id, code = new_code(app)
    with app.app_context(), write_intent():
        db.session.get(Device, device_id).pairing_expires_at = now_utc() - timedelta(minutes=1)
        db.session.commit()
    response = client.post("/perangkat/pasang", data={"code": code})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True)
    assert COOKIE_NAME not in (response.headers.get("Set-Cookie") or "")


def test_empty_and_wrong_codes_and_throttle(app, client):
    assert "Wajib diisi" in client.post("/perangkat/pasang", data={"code": ""}).get_data(as_text=True)
    for _ in range(5):
        assert client.post("/perangkat/pasang", data={"code": "AAAAA-BBBBB"}).status_code == 400
    _id, code = new_code(app)
    blocked = client.post("/perangkat/pasang", data={"code": code})
    assert blocked.status_code == 429
    assert "Terlalu banyak kode salah" in blocked.get_data(as_text=True)


def test_unpaired_browser_is_sent_to_pairing(client):
    response = client.get("/kiosk")
    assert response.status_code == 302 and response.headers["Location"] == "/perangkat/pasang"
    htmx = client.get("/kiosk/layanan", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/perangkat/pasang"
    client.set_cookie(COOKIE_NAME, "x" * 43)
    assert client.get("/kiosk").status_code == 302


def test_display_token_cannot_use_the_kiosk(app, client):
    with app.app_context():
        _id, token = paired_device("display", "TV")
    client.set_cookie(COOKIE_NAME, token)
    assert client.get("/kiosk").status_code == 403
    assert client.post("/kiosk/ambil", data={"service": 1, "nonce": "abcdefghijklmnop"}).status_code == 403


def test_revocation_cuts_the_device_off_at_its_next_request(app, client):
    with app.app_context():
        device_id, token = paired_device("kiosk", "Kiosk")
    client.set_cookie(COOKIE_NAME, token)
    assert client.get("/kiosk").status_code == 200
    with app.app_context(), write_intent():
        revoke_device(db.session.get(Device, device_id), None)
        db.session.commit()
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "device_revoked"))
    assert client.get("/kiosk").status_code == 302
    with app.app_context(), pytest.raises(DeviceError, match="sudah dicabut"):
        new_pairing_code(db.session.get(Device, device_id), None)


def test_new_code_replaces_the_old_pairing(app, client):
    with app.app_context():
        device_id, token = paired_device("kiosk", "Kiosk")
    client.set_cookie(COOKIE_NAME, token)
    with app.app_context(), write_intent():
        code = new_pairing_code(db.session.get(Device, device_id), None)
        db.session.commit()
    assert client.get("/kiosk").status_code == 302
    assert client.post("/perangkat/pasang", data={"code": code}).status_code == 303
    assert client.get("/kiosk").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(app, client):
    with app.app_context():
        device_id, token = paired_device("kiosk", "Kiosk")
        with write_intent():
            db.session.get(Device, device_id).last_seen_at = now_utc() - timedelta(minutes=5)
            db.session.commit()
    client.set_cookie(COOKIE_NAME, token)
    client.get("/kiosk")
    with app.app_context():
        first = db.session.get(Device, device_id).last_seen_at
    assert now_utc() - first < timedelta(minutes=1)
    client.get("/kiosk")
    with app.app_context():
        assert db.session.get(Device, device_id).last_seen_at == first


def test_device_views_declare_their_kinds(app):
    views = app.view_functions
    assert views["queue.kiosk"].device_kinds == frozenset({"kiosk"})
    assert views["queue.kiosk_issue"].device_kinds == frozenset({"kiosk"})
    assert views["queue.kiosk_services"].device_kinds == frozenset({"kiosk"})


def _sample_url(rule):
    values = {name: 1 if isinstance(conv, IntegerConverter) else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values)[1]


def device_is_allowed(view, kind):
    """Views a device of this kind may open: public pages and its own."""
    return getattr(view, "is_public", False) or kind in getattr(view, "device_kinds", ())


def expected_for_device(rule, view, kind):
    """What a device of `kind` gets from a view that is not its own: (status, part of its Location header)."""
    if getattr(view, "city_only", False):
        return 404, ""  # a city server's page: an office shows no trace of it, to anyone
    if getattr(view, "device_kinds", None):
        return 403, ""  # the other device's page
    if rule.endpoint == "queue.ticket_print" and kind == "kiosk":
        return 404, ""  # a kiosk may print only its own tickets; "x" is none of them
    return 302, "/masuk"  # every staff page asks for a login, the device cookie logs nobody in


@pytest.mark.parametrize("kind", ["kiosk", "display"])
def test_device_token_reaches_no_staff_page(app, client, kind):
    """Walk every route with only a device cookie: each other page answers exactly as expected."""
    with app.app_context():
        _id, token = paired_device(kind, "Perangkat")
    client.set_cookie(COOKIE_NAME, token)
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or device_is_allowed(view, kind):
            continue
        url = _sample_url(rule)
        status, location = expected_for_device(rule, view, kind)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == status, (method, url, response.status_code)
            assert location in response.headers.get("Location", ""), (method, url)
            checked += 1
    assert checked > 20
    # ... and the cookie logged nobody in.
    assert client.get("/").status_code == 302


ADMIN_PAGES = ["/admin/layanan", "/admin/layanan/baru", "/admin/loket", "/admin/loket/baru", "/admin/perangkat"]


@pytest.mark.parametrize("role", ["clerk", "supervisor"])
def test_non_admins_cannot_reach_queue_admin(client, login_as, role):
    login_as(role)
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/perangkat", data={"kind": "kiosk", "name": "X"}).status_code == 403
    assert client.post("/admin/perangkat/1/cabut").status_code == 403
    assert client.post("/admin/perangkat/kertas", data={"width": "80"}).status_code == 403


def test_pair_device_command_prints_a_one_time_link(app, runner, monkeypatch):
    monkeypatch.setenv("KUPANG_PUBLIC_URL", "http://kantor.lan:8000/")
    result = runner.invoke(args=["pair-device", "display", "TV ruang tunggu"])
    assert result.exit_code == 0, result.output
    assert "http://kantor.lan:8000/perangkat/pasang?kode=" in result.output
    code = result.output.split("kode=")[1].split()[0]
    with app.app_context():
        device = db.session.scalar(select(Device))
        assert device.kind == "display" and device.name == "TV ruang tunggu"
        assert device.pairing_code_hash == digest(normalise_code(code))
    assert runner.invoke(args=["pair-device", "printer", "X"]).exit_code != 0


def test_pair_device_command_default_base(app, runner, monkeypatch):
    import socket

    monkeypatch.delenv("KUPANG_PUBLIC_URL", raising=False)
    monkeypatch.delenv("KUPANG_BIND", raising=False)
    result = runner.invoke(args=["pair-device", "kiosk", "Kiosk"])
    assert f"http://{socket.gethostname()}:8000/perangkat/pasang?kode=" in result.output
    monkeypatch.setenv("KUPANG_BIND", "0.0.0.0:8080")
    result = runner.invoke(args=["pair-device", "kiosk", "Kiosk 2"])
    assert f"http://{socket.gethostname()}:8080/perangkat/pasang?kode=" in result.output


def test_a_tap_after_a_quiet_minute_records_last_seen_in_its_own_transaction(app, client):
    """A POST already holds SQLite's write lock: recording last_seen must not wait for a second one."""
    from kupang.queue.models import Ticket

    from .core_fixtures import add_service

    with app.app_context():
        service_id = add_service("Domisili", "A")
        device_id, token = paired_device("kiosk", "Kiosk")
        with write_intent():
            db.session.get(Device, device_id).last_seen_at = now_utc() - timedelta(minutes=5)
            db.session.commit()
    client.set_cookie(COOKIE_NAME, token)
    response = client.post("/kiosk/ambil", data={"service": service_id, "nonce": "quiet-minute-nonce-01"})
    assert response.status_code == 303
    with app.app_context():
        assert now_utc() - db.session.get(Device, device_id).last_seen_at < timedelta(minutes=1)
        assert db.session.scalar(select(Ticket.code)) == "A-001"
