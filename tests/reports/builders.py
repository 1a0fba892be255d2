"""Rows made directly in the database for report tests: tickets with exact times, residents, events."""
import itertools
import secrets
from datetime import date, datetime, timedelta

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Service, Ticket
from kupang.registry.models import Resident, ResidentEvent

KELURAHAN = "53.71.05.1005"
_numbers = itertools.count(1)


def add_ticket(service_id, issued, *, wait=None, service=None, status="done", counter_id=None, clerk_id=None,
               numbered_service_id=None, day=None):
    """A ticket issued at `issued` (naive UTC), called `wait` minutes later, served `service` minutes. Returns id."""
    called = issued + timedelta(minutes=wait) if wait is not None else None
    started = called if called is not None and status == "done" else None
    finished = started + timedelta(minutes=service) if started is not None and service is not None else None
    if status == "no_show":
        finished = called
    prefix = db.session.get(Service, numbered_service_id or service_id).prefix
    number = next(_numbers)
    ticket = Ticket(numbered_service_id=numbered_service_id or service_id, service_id=service_id,
                    day=day or (issued + timedelta(hours=8)).date(), number=number, code=f"{prefix}-{number:03d}",
                    status=status, token=secrets.token_urlsafe(32), issued_at=issued, called_at=called,
                    started_at=started, finished_at=finished, call_count=1 if called else 0, counter_id=counter_id,
                    clerk_id=clerk_id)
    with write_intent():
        db.session.add(ticket)
        db.session.commit()
        return ticket.id


def add_resident(name="Warga", sex=1, rw="001", rt="001", birth_date=date(1990, 1, 1), life_status="hidup",
                 nik=None, **fields):
    """A resident; returns the id."""
    resident = Resident(name=name, sex=sex, rw=rw, rt=rt, birth_date=birth_date, life_status=life_status, nik=nik,
                        kelurahan_code=KELURAHAN, **fields)
    with write_intent():
        db.session.add(resident)
        db.session.commit()
        return resident.id


def add_event(resident_id, kind, day):
    """An event row (the status is set by the caller where it matters)."""
    with write_intent():
        db.session.add(ResidentEvent(resident_id=resident_id, kind=kind, event_date=day,
                                     created_at=datetime.combine(day, datetime.min.time())))
        db.session.commit()
