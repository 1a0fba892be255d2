"""Admins and supervisors are warned on their home page when a paired kiosk or TV has gone quiet."""
from datetime import time, timedelta

from kupang.auth.models import User
from kupang.db import write_intent
from kupang.extensions import db
from kupang.notices import collect
from kupang.queue.device_notices import device_notices
from kupang.queue.devices import revoke_device
from kupang.queue.models import Device
from tests.queue.core_fixtures import add_service, paired_device, wita

TUESDAY_10 = wita(2026, 12, 1, 10, 0)


def setup_devices(app):
    """A kiosk last seen 2 hours before Tuesday 10:00, a TV seen 30 minutes before; services 08.00-15.00."""
    with app.app_context():
        add_service("Domisili", "A", opens_at=time(8, 0), closes_at=time(15, 0))
        kiosk, _token = paired_device("kiosk", "Kiosk depan")
        display, _token = paired_device("display", "TV ruang tunggu")
        with write_intent():
            db.session.get(Device, kiosk).last_seen_at = TUESDAY_10 - timedelta(hours=2)
            db.session.get(Device, display).last_seen_at = TUESDAY_10 - timedelta(minutes=30)
            db.session.commit()
        return kiosk, display


def notices_for(app, user_id, at):
    with app.test_request_context("/"):
        return device_notices(db.session.get(User, user_id), at=at)


def test_quiet_device_is_reported_to_admins_and_supervisors(app, make_user, monkeypatch):
    kiosk, _display = setup_devices(app)
    admin, supervisor, clerk = make_user("admin", "admin1"), make_user("supervisor", "lurah"), make_user("clerk")
    found = notices_for(app, admin, TUESDAY_10)
    assert len(found) == 1
    assert found[0].text.startswith("Kiosk antrian “Kiosk depan” tidak terhubung sejak lebih dari satu jam")
    assert "terakhir terlihat: 1 Desember 2026 08:00 WITA" in found[0].text
    assert (found[0].level, found[0].url, found[0].link_text) == ("warning", "/admin/perangkat", "Buka Perangkat")
    for_supervisor = notices_for(app, supervisor, TUESDAY_10)
    assert len(for_supervisor) == 1 and for_supervisor[0].url is None  # the Perangkat page is the admin's
    assert notices_for(app, clerk, TUESDAY_10) == []
    # Registered with the app: the home page's collect() finds it (and it only reads: the write guard is on).
    from kupang.queue import device_notices as module

    monkeypatch.setattr(module, "now_utc", lambda: TUESDAY_10)  # the clock on Tuesday 10:00
    with app.test_request_context("/"):
        texts = [n.text for n in collect(db.session.get(User, admin))]
    # The home page gathers every area's notices (the backup's "not set up" too); the device's is among them, once.
    assert texts.count(found[0].text) == 1
    with app.app_context(), write_intent():
        revoke_device(db.session.get(Device, kiosk), None)
        db.session.commit()
    assert notices_for(app, admin, TUESDAY_10) == []


def test_no_warning_outside_office_hours_or_on_days_off(app, make_user):
    setup_devices(app)
    admin = make_user("admin", "admin1")
    assert notices_for(app, admin, wita(2026, 12, 1, 8, 30)) == []  # the office opened less than an hour ago
    assert len(notices_for(app, admin, wita(2026, 12, 1, 9, 30))) == 1
    assert notices_for(app, admin, wita(2026, 12, 1, 15, 30)) == []  # closed
    assert notices_for(app, admin, wita(2026, 12, 6, 10, 0)) == []  # Sunday
    assert notices_for(app, admin, wita(2026, 12, 25, 10, 0)) == []  # Christmas
