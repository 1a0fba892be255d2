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

pytestmark = pytest.mark.slow
DEVICE_PATHS = {"kiosk": ["/kiosk", "/kiosk/layanan"], "display": ["/layar", "/layar/status"]}


def set_last_seen(app, device_id, minutes_ago):
    """Pretend the device was last seen some minutes ago."""
    with app.app_context(), write_intent():
        db.session.get(Device, device_id).last_seen_at = now_utc() - timedelta(minutes=minutes_ago)
        db.session.commit()


def last_seen(app, device_id):
    with app.app_context():
        return db.session.get(Device, device_id).last_seen_at


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
