"""Kiosk and TV through a real gunicorn: the first request after a quiet minute, and their own error pages.

A device records when it was last seen at most once a minute; that write used to happen beside the
request's read transaction and then autoflush inside it, which SQLite refuses at once ("database is
locked"): the kiosk fell to the staff error page once a minute.
"""
from datetime import timedelta

import pytest

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.devices import COOKIE_NAME
from kupang.queue.models import Device
from kupang.timeutil import now_utc
from tests.queue.calling_fixtures import make_queue
from tests.queue.core_fixtures import paired_device

DEVICE_PATHS = {"kiosk": ["/kiosk", "/kiosk/layanan"], "display": ["/layar", "/layar/status"]}


def set_last_seen(app, device_id, minutes_ago):
    """Pretend the device was last seen some minutes ago."""
    with app.app_context(), write_intent():
        db.session.get(Device, device_id).last_seen_at = now_utc() - timedelta(minutes=minutes_ago)
        db.session.commit()


def last_seen(app, device_id):
    with app.app_context():
        return db.session.get(Device, device_id).last_seen_at


@pytest.mark.slow
def test_first_device_request_after_a_quiet_minute_is_served(app, gunicorn):
    make_queue(app)
    with app.app_context():
        devices = {kind: paired_device(kind, f"Perangkat {kind}") for kind in DEVICE_PATHS}
    for kind, paths in DEVICE_PATHS.items():
        device_id, token = devices[kind]
        client = gunicorn.client()
        client.cookies[COOKIE_NAME] = token
        for path in paths:
            for round_ in range(3):
                set_last_seen(app, device_id, 5)
                status, _headers, body, _wire = client.get(path, headers={"HX-Request": "true"})
                text = body.decode()
                assert status == 200, (path, round_, status, text[:300])
                assert "Terjadi kesalahan" not in text and "/masuk" not in text
                assert now_utc() - last_seen(app, device_id) < timedelta(minutes=1), path
        client.close()
    assert "database is locked" not in gunicorn.log()


# --- the devices' own error pages ----------------------------------------------------------


def boom(*_args, **_kwargs):
    """Stands in for a view part that crashes."""
    raise RuntimeError("database is locked")


def assert_device_page(response, code, home):
    """The device's own page: the status kept, Indonesian, retries to its home, never the staff page or login."""
    body = response.get_data(as_text=True)
    assert response.status_code == code, body[:300]
    assert "Sebentar, menyambung kembali…" in body
    assert f'data-home="{home}"' in body and "js/kiosk.js" in body
    for staff in ("/masuk", "Kembali ke beranda", 'href="/"', "topbar", 'class="panel error-page"'):
        assert staff not in body, staff
    assert "style=" not in body and "<script>" not in body
    return body


@pytest.fixture
def devices(app):
    make_queue(app)
    with app.app_context():
        return {kind: paired_device(kind, f"Perangkat {kind}")[1] for kind in ("kiosk", "display")}


def test_kiosk_errors_get_the_kiosk_page(app, client, devices, monkeypatch):
    from kupang.queue import views_kiosk

    client.set_cookie(COOKIE_NAME, devices["kiosk"])
    assert_device_page(client.get("/kiosk/tidak-ada"), 404, "/kiosk")
    unknown = client.get("/kiosk/pilih/999999999")  # the kiosk's own polite message, back by itself
    assert unknown.status_code == 404 and 'data-return-url="/kiosk"' in unknown.get_data(as_text=True)
    assert_device_page(client.put("/kiosk"), 405, "/kiosk")
    monkeypatch.setattr(views_kiosk, "kiosk_context", boom)
    body = assert_device_page(client.get("/kiosk"), 500, "/kiosk")
    assert "Kode 500" in body
    fragment = client.get("/kiosk/layanan", headers={"HX-Request": "true"})
    assert fragment.status_code == 500 and "<html" not in fragment.get_data(as_text=True)
    assert "Sebentar, menyambung kembali" in fragment.get_data(as_text=True)
    monkeypatch.undo()
    # A display opening the kiosk is sent back to its own screen.
    client.set_cookie(COOKIE_NAME, devices["display"])
    assert_device_page(client.get("/kiosk"), 403, "/layar")


def test_kiosk_form_with_a_stale_csrf_token_gets_the_kiosk_page(app, client, devices):
    app.config["WTF_CSRF_ENABLED"] = True
    client.set_cookie(COOKIE_NAME, devices["kiosk"])
    response = client.post("/kiosk/ambil", data={"service": 1, "nonce": "n0nce-abcdefghijkl", "csrf_token": "old"})
    assert_device_page(response, 400, "/kiosk")


def test_display_errors_get_the_display_page(app, client, devices, monkeypatch):
    from kupang.queue import views_display

    client.set_cookie(COOKIE_NAME, devices["display"])
    assert_device_page(client.get("/layar/tidak-ada"), 404, "/layar")
    monkeypatch.setattr(views_display, "board_state", boom)
    body = assert_device_page(client.get("/layar"), 500, "/layar")
    assert "css/display.css" in body
    assert client.get("/layar/status").status_code == 500
    monkeypatch.undo()
    client.set_cookie(COOKIE_NAME, devices["kiosk"])
    assert_device_page(client.get("/layar"), 403, "/kiosk")


def test_staff_pages_keep_the_staff_error_page(app, client, devices, login_as):
    login_as("clerk")
    body = client.get("/tidak-ada").get_data(as_text=True)
    assert "Halaman tidak ditemukan" in body and "Sebentar, menyambung" not in body
    assert "Sebentar, menyambung" not in client.get("/admin/layanan").get_data(as_text=True)  # 403 for a clerk
