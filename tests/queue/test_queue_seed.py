"""The queue demo seeder: realistic, repeatable, and the kiosk can carry on numbering after it."""
from datetime import time

from sqlalchemy import func, select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue import seed
from kupang.queue.models import Call, Counter, DailySequence, Device, Service, Ticket
from kupang.queue.numbering import issue_ticket
from kupang.timeutil import office_today


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_twice_adds_nothing_twice_and_numbering_continues(app, make_user):
    make_user("clerk", "petugas1")
    make_user("clerk", "petugas2")
    with app.app_context(), write_intent():
        seed.seed_queue({})
        seed.seed_queue({})
        assert count(Service) == 8 and count(Counter) == 2 and count(Device) == 2
        today = office_today()
        tickets = db.session.scalars(select(Ticket).where(Ticket.day == today)).all()
        assert len(tickets) >= 6
        statuses = {t.status for t in tickets}
        assert "waiting" in statuses and "done" in statuses
        done = [t for t in tickets if t.status == "done"]
        assert done and all(t.issued_at <= t.called_at < t.started_at < t.finished_at and t.counter_id and t.clerk_id
                            for t in done)
        assert count(Call) >= len(done)
        # Numbers per service are exactly 1..n and the sequence rows agree.
        for service in db.session.scalars(select(Service)):
            numbers = sorted(t.number for t in tickets if t.numbered_service_id == service.id)
            assert numbers == list(range(1, len(numbers) + 1))
            sequence = db.session.get(DailySequence, (service.id, today))
            assert (sequence.last_number if sequence else 0) == len(numbers)
        # The next real ticket follows on, whatever the time of day.
        service = db.session.scalar(select(Service).where(Service.prefix == "A"))
        service.opens_at, service.closes_at = time(0, 0), time(23, 59, 59)
        sequence = db.session.get(DailySequence, (service.id, today))
        last = sequence.last_number if sequence else 0
        assert issue_ticket(service).number == last + 1
        db.session.commit()


def test_seeded_services_have_requirements_and_counters(app):
    with app.app_context(), write_intent():
        seed.seed_services()
        db.session.commit()
        services = {s.prefix: s for s in db.session.scalars(select(Service))}
        assert "Surat pengantar RT/RW" in services["B"].requirement_list
        assert not services["H"].allow_priority and not services["H"].requirement_list
        counters = db.session.scalars(select(Counter).order_by(Counter.number)).all()
        assert [c.number for c in counters] == [1, 2]
        assert {s.prefix for s in counters[0].services} == set("ABEFG")
