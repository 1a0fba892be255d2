"""Shared set-up for the counter and display tests: services, counters, clerks and tickets."""
import secrets
from dataclasses import dataclass
from datetime import time, timedelta

from kupang.extensions import db
from kupang.queue.models import Counter, QueueMarker, Service, Ticket
from kupang.timeutil import local_day_bounds, office_today


@dataclass
class QueueIds:
    """Ids of the rows one test works with."""

    ktp: int
    domisili: int
    sktm: int
    counter1: int  # serves A and B
    counter2: int  # serves A only
    counter3: int  # serves B only


def make_queue(app):
    """Three services (A, B, C) and three counters; returns their ids."""
    with app.app_context():
        hours = {"opens_at": time(0, 0), "closes_at": time(23, 59, 59)}  # open whenever the test runs
        ktp = Service(name="Pengantar KTP/KK", prefix="A", sort_order=1, **hours)
        domisili = Service(name="Surat Keterangan Domisili", prefix="B", sort_order=2, **hours)
        sktm = Service(name="SKTM", prefix="C", sort_order=3, **hours)
        db.session.add_all([ktp, domisili, sktm])
        db.session.flush()
        c1 = Counter(number=1, name="Loket 1", services=[ktp, domisili])
        c2 = Counter(number=2, name="Loket 2", services=[ktp])
        c3 = Counter(number=3, name="Loket 3", services=[domisili])
        db.session.add_all([c1, c2, c3])
        if db.session.get(QueueMarker, 1) is None:  # the PostgreSQL reset empties the marker table
            db.session.add(QueueMarker(id=1, version=0))
        db.session.commit()
        return QueueIds(ktp.id, domisili.id, sktm.id, c1.id, c2.id, c3.id)


def base_time():
    """09:00 WITA today, as naive UTC: tickets and calls of a test happen after it, the same day."""
    return local_day_bounds(office_today())[0] + timedelta(hours=9)


def add_ticket(service_id, number, minute, priority=None, status="waiting", day_offset=0):
    """Insert a waiting ticket issued `minute` minutes after 09:00 today (call inside an app context)."""
    service = db.session.get(Service, service_id)
    issued = base_time() + timedelta(minutes=minute, days=day_offset)
    ticket = Ticket(numbered_service_id=service_id, service_id=service_id, day=office_today(issued),
                    number=number, code=f"{service.prefix}-{number:03d}", priority=priority, status=status,
                    token=secrets.token_urlsafe(32), issued_at=issued)
    db.session.add(ticket)
    db.session.flush()
    return ticket


def at(minute):
    """A moment `minute` minutes after 09:00 WITA today."""
    return base_time() + timedelta(minutes=minute)
