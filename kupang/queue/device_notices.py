"""A home-page warning for admins and supervisors: a paired kiosk or TV has not been seen for an hour.

Read-only (no write in a GET). It only speaks on a working day once the office has been open for an hour,
so a kiosk switched off overnight or at the weekend is no news.
"""
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import func, or_, select

from ..extensions import db
from ..notices import Notice, register
from ..timeutil import format_datetime_wita, now_utc, office_today, to_local
from . import bp
from .devices import DEVICE_KINDS
from .models import Device, Service

UNSEEN_AFTER = timedelta(hours=1)
WATCHERS = ("admin", "supervisor")


def office_open_long_enough(at):
    """True on a working day between an hour after the first service opens and the last one closes."""
    from lokal import is_working_day  # lazy: importing lokal costs ~0.4 s and ~4 MB per process

    if not is_working_day(office_today(at)):
        return False
    opens, closes = db.session.execute(select(func.min(Service.opens_at), func.max(Service.closes_at))
                                       .where(Service.active.is_(True))).one()
    if opens is None:
        return False
    local = to_local(at)
    first_hour_over = (datetime.combine(local.date(), opens) + UNSEEN_AFTER).time()
    return first_hour_over <= local.time() < closes


def unseen_devices(at=None):
    """Paired, unrevoked devices not seen in the last hour, by name."""
    at = at or now_utc()
    return db.session.scalars(
        select(Device).where(Device.revoked_at.is_(None), Device.token_hash.is_not(None),
                             or_(Device.last_seen_at.is_(None), Device.last_seen_at < at - UNSEEN_AFTER))
        .order_by(Device.name)).all()


def device_notices(user, at=None):
    """Notices for a kiosk or TV gone quiet during office hours (admins and supervisors only)."""
    at = at or now_utc()
    if getattr(user, "role", None) not in WATCHERS or not office_open_long_enough(at):
        return []
    admin = user.role == "admin"
    notices = []
    for device in unseen_devices(at):
        seen = format_datetime_wita(device.last_seen_at) if device.last_seen_at else "belum pernah"
        notices.append(Notice(
            f"{DEVICE_KINDS[device.kind]} “{device.name}” tidak terhubung sejak lebih dari satu jam "
            f"(terakhir terlihat: {seen}). Periksa apakah perangkat menyala dan tersambung ke jaringan kantor.",
            "warning", url_for("queue.admin_devices") if admin else None, "Buka Perangkat" if admin else None))
    return notices


@bp.record_once
def _register(state):
    register(state.app, device_notices)
