"""Plain helpers the queue tests share: services, counters and paired devices made directly in the database."""
from datetime import UTC, datetime, time

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Counter, CounterSession, Service

WITA_OFFSET = 8


def wita(year, month, day, hour, minute=0, second=0):
    """The naive UTC instant of a WITA wall-clock time (what `at=` takes)."""
    local = datetime(year, month, day, hour, minute, second)
    return datetime.fromtimestamp(local.replace(tzinfo=UTC).timestamp() - WITA_OFFSET * 3600, UTC).replace(tzinfo=None)


def add_service(name="Surat keterangan domisili", prefix="A", **fields):
    """A service open 00:00-23:59 local time unless told otherwise; committed, returns its id."""
    values = {"requirements": "KTP asli\nKartu Keluarga", "opens_at": time(0, 0), "closes_at": time(23, 59, 59),
              "allow_priority": True, "active": True, "sort_order": 0, "minutes_per_ticket": 5}
    values.update(fields)
    with write_intent():
        service = Service(name=name, prefix=prefix, **values)
        db.session.add(service)
        db.session.commit()
        return service.id


def add_counter(number, service_ids, name="", open_by=None):
    """A counter serving the services; with open_by (a user id) a clerk has it open. Returns its id."""
    with write_intent():
        counter = Counter(number=number, name=name or f"Loket {number}", active=True)
        counter.services = [db.session.get(Service, sid) for sid in service_ids]
        db.session.add(counter)
        db.session.flush()
        if open_by:
            db.session.add(CounterSession(counter_id=counter.id, user_id=open_by))
        db.session.commit()
        return counter.id


def paired_device(kind="kiosk", name="Kiosk depan"):
    """Create and pair a device; returns (device id, token)."""
    from kupang.queue.devices import create_device, pair_device

    with write_intent():
        device, code = create_device(kind, name, None)
        db.session.commit()
        device, token = pair_device(code)
        db.session.commit()
        return device.id, token
