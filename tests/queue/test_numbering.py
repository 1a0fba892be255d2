"""Numbering rules without HTTP: daily numbers, rollover at WITA midnight, refusals, expiry, estimates."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue import numbering
from kupang.queue.models import DailySequence, Service, Ticket
from kupang.queue.numbering import QueueError, issue_ticket

from .core_fixtures import add_counter, add_service, wita

MORNING = wita(2026, 11, 27, 9, 0)


def issue(service_id, at=MORNING, **kwargs):
    """Issue one ticket in its own write transaction and return (code, number, day)."""
    with write_intent():
        try:
            ticket = issue_ticket(db.session.get(Service, service_id), at=at, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return ticket.code, ticket.number, ticket.day


def test_numbers_count_up_per_service_from_001(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        codes = [issue(a, MORNING + timedelta(seconds=i))[0] for i in range(3)]
        assert codes == ["A-001", "A-002", "A-003"]
        assert issue(b, MORNING + timedelta(seconds=10))[0] == "B-001"
        assert issue(a, MORNING + timedelta(seconds=11))[0] == "A-004"
        seq = db.session.get(DailySequence, (a, date(2026, 11, 27)))
        assert seq.last_number == 4


def test_codes_past_999_get_four_digits():
    assert numbering.format_code("C", 7) == "C-007"
    assert numbering.format_code("C", 1000) == "C-1000"


def test_numbers_restart_at_wita_midnight_not_utc_midnight(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        assert issue(a, wita(2026, 11, 27, 23, 58)) == ("A-001", 1, date(2026, 11, 27))
        assert issue(a, wita(2026, 11, 27, 23, 59)) == ("A-002", 2, date(2026, 11, 27))
        # 00:01 WITA on the 28th is still 16:01 UTC on the 27th: a new local day all the same.
        assert issue(a, wita(2026, 11, 28, 0, 1)) == ("A-001", 1, date(2026, 11, 28))
        # 07:59 WITA is 23:59 UTC of the day before; the office day is the 28th.
        assert issue(a, wita(2026, 11, 28, 7, 59)) == ("A-002", 2, date(2026, 11, 28))


def test_token_is_unguessable_and_unique(app):
    with app.app_context():
        a = add_service()
        for i in range(5):
            issue(a, MORNING + timedelta(seconds=i))
        tokens = db.session.scalars(select(Ticket.token)).all()
        assert len(set(tokens)) == 5
        assert all(len(t) == 43 for t in tokens)


def test_priority_allowed_unknown_and_refused(app):
    with app.app_context():
        a = add_service("Domisili", "A", allow_priority=True)
        b = add_service("Pengaduan", "P", allow_priority=False)
        issue(a, priority="lansia")
        assert db.session.scalar(select(Ticket.priority)) == "lansia"
        with pytest.raises(QueueError, match="tidak menyediakan antrian prioritas") as refused:
            issue(b, priority="ibu_anak")
        assert refused.value.reason == "priority"
        with pytest.raises(QueueError, match="tidak dikenal"):
            issue(a, MORNING + timedelta(seconds=5), priority="vip")
        assert issue(b, MORNING + timedelta(seconds=6), priority="")[0] == "P-001"


def test_daily_cap_refuses_politely_and_resets_next_day(app):
    with app.app_context():
        a = add_service("Domisili", "A", daily_cap=2)
        issue(a, MORNING)
        issue(a, MORNING + timedelta(minutes=1))
        with pytest.raises(QueueError, match="Kuota antrian Domisili hari ini sudah habis") as refused:
            issue(a, MORNING + timedelta(minutes=2))
        assert refused.value.reason == "cap"
        assert db.session.scalar(select(DailySequence.last_number)) == 2
        assert issue(a, MORNING + timedelta(days=1))[0] == "A-001"


def test_closed_hours_are_local_time(app):
    with app.app_context():
        a = add_service("Domisili", "A", opens_at=time(8, 0), closes_at=time(15, 0))
        with pytest.raises(QueueError, match="08.00–15.00 WITA") as refused:
            issue(a, wita(2026, 11, 27, 7, 59))
        assert refused.value.reason == "closed"
        assert issue(a, wita(2026, 11, 27, 8, 0))[0] == "A-001"
        assert issue(a, wita(2026, 11, 27, 14, 59))[0] == "A-002"
        with pytest.raises(QueueError):
            issue(a, wita(2026, 11, 27, 15, 0))
        assert db.session.scalar(select(DailySequence.last_number)) == 2


def test_inactive_service_is_refused(app):
    with app.app_context():
        a = add_service("Domisili", "A", active=False)
        with pytest.raises(QueueError, match="tidak tersedia") as refused:
            issue(a)
        assert refused.value.reason == "inactive"
        assert db.session.scalar(select(Ticket.id)) is None


def test_clock_going_backwards_refuses_instead_of_repeating(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a, wita(2026, 11, 27, 10, 0))
        with pytest.raises(QueueError, match="Jam komputer server lebih awal") as refused:
            issue(a, wita(2026, 11, 27, 9, 59))
        assert refused.value.reason == "clock"
        # Once the clock is right again the next number follows with no gap.
        assert issue(a, wita(2026, 11, 27, 10, 1))[0] == "A-002"


def test_clock_back_into_an_earlier_day_is_refused(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a, wita(2026, 11, 27, 10, 0))
        issue(a, wita(2026, 11, 28, 9, 0))
        # Back to the 27th, later than its last ticket: still refused, the 28th has begun.
        with pytest.raises(QueueError, match="Jam komputer"):
            issue(a, wita(2026, 11, 27, 11, 0))
        # ... and to a day with no tickets at all.
        with pytest.raises(QueueError, match="Jam komputer"):
            issue(a, wita(2026, 11, 26, 11, 0))
        assert db.session.scalar(select(DailySequence).where(DailySequence.day == date(2026, 11, 26))) is None


def test_unique_constraint_is_the_backstop(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a)
        with write_intent(), pytest.raises(IntegrityError):
            db.session.add(Ticket(numbered_service_id=a, service_id=a, day=date(2026, 11, 27), number=1,
                                  code="A-001", status="waiting", token="x" * 43, issued_at=MORNING))
            db.session.commit()
        db.session.rollback()


def test_every_issue_bumps_the_marker(app):
    with app.app_context():
        a = add_service()
        before = numbering.marker_version()
        issue(a)
        issue(a, MORNING + timedelta(seconds=1))
        assert numbering.marker_version() == before + 2


def test_first_ticket_of_a_day_expires_yesterdays_open_tickets(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        for i in range(4):
            issue(a, wita(2026, 11, 27, 10, i))
        with write_intent():
            tickets = db.session.scalars(select(Ticket).order_by(Ticket.number)).all()
            tickets[0].status = "done"
            tickets[1].status = "called"
            tickets[2].status = "no_show"
            db.session.commit()
        issue(b, wita(2026, 11, 28, 8, 0))
        statuses = db.session.execute(select(Ticket.code, Ticket.status).where(Ticket.day == date(2026, 11, 27))
                                      .order_by(Ticket.number)).all()
        assert [s for _c, s in statuses] == ["done", "expired", "no_show", "expired"]
        # Expired tickets stay for statistics.
        assert db.session.scalar(select(Ticket.id).where(Ticket.code == "A-004")) is not None


def test_expire_waiting_tickets_leaves_today_alone(app):
    with app.app_context():
        a = add_service()
        issue(a, wita(2026, 11, 27, 10, 0))
        issue(a, wita(2026, 11, 28, 10, 0))
        with write_intent():
            db.session.execute(Ticket.__table__.update().values(status="waiting"))
            assert numbering.expire_waiting_tickets(date(2026, 11, 28)) == 1
            db.session.commit()
        rows = dict(db.session.execute(select(Ticket.day, Ticket.status)).all())
        assert rows == {date(2026, 11, 27): "expired", date(2026, 11, 28): "waiting"}


def test_close_day_command(app, runner):
    with app.app_context():
        a = add_service()
        issue(a, wita(2020, 1, 2, 10, 0))
    result = runner.invoke(args=["close-day"])
    assert result.exit_code == 0, result.output
    assert "1 tiket" in result.output
    with app.app_context():
        assert db.session.scalar(select(Ticket.status)) == "expired"


def test_people_ahead_puts_priority_first_then_issue_time(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a, MORNING)
        issue(a, MORNING + timedelta(minutes=1))
        issue(a, MORNING + timedelta(minutes=2), priority="lansia")
        issue(a, MORNING + timedelta(minutes=3))
        issue(a, MORNING + timedelta(minutes=4), priority="disabilitas")
        by_code = {t.code: t for t in db.session.scalars(select(Ticket))}
        ahead = {code: numbering.people_ahead(t) for code, t in by_code.items()}
        assert ahead == {"A-003": 0, "A-005": 1, "A-001": 2, "A-002": 3, "A-004": 4}
        order = db.session.scalars(select(Ticket.code).order_by(*numbering.call_order())).all()
        assert order == ["A-003", "A-005", "A-001", "A-002", "A-004"]
        by_code["A-003"].status = "called"
        assert numbering.people_ahead(by_code["A-001"]) == 1
        assert numbering.people_ahead(by_code["A-003"]) == 0


def test_waiting_counts_and_estimates(app, make_user):
    with app.app_context():
        clerk = make_user("clerk", "petugas")
        a = add_service("Domisili", "A", minutes_per_ticket=6)
        b = add_service("SKTM", "B")
        now = numbering.now_utc()
        for i in range(4):
            issue(a, now - timedelta(minutes=10 - i))
        issue(b, now - timedelta(minutes=1))
        service = db.session.get(Service, a)
        assert numbering.waiting_count(service) == 4
        assert numbering.waiting_counts() == {a: 4, b: 1}
        # No counter open and no history: 4 ahead x 6 minutes.
        assert numbering.estimated_wait_minutes(service) == 24
        last = db.session.scalars(select(Ticket).where(Ticket.service_id == a).order_by(Ticket.number.desc())).first()
        assert numbering.estimated_wait_minutes(last) == 18
        # Two open counters halve it.
        add_counter(1, [a], open_by=clerk)
        add_counter(2, [a, b], open_by=clerk)
        assert numbering.estimated_wait_minutes(service) == 12
        # Today's real service times replace the configured estimate: one ticket took 10 minutes.
        with write_intent():
            first = db.session.scalars(select(Ticket).where(Ticket.service_id == a).order_by(Ticket.number)).first()
            first.status, first.started_at, first.finished_at = "done", now - timedelta(minutes=10), now
            db.session.commit()
        assert numbering.waiting_count(service) == 3
        assert numbering.estimated_wait_minutes(service) == 15


def test_is_open_and_hours_label(app):
    with app.app_context():
        a = db.session.get(Service, add_service(opens_at=time(8, 0), closes_at=time(12, 30)))
        assert numbering.hours_label(a) == "08.00–12.30 WITA"
        assert numbering.is_open(a, wita(2026, 11, 27, 12, 29))
        assert not numbering.is_open(a, wita(2026, 11, 27, 12, 30))


def test_issuing_outside_a_write_transaction_is_a_programming_error(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL locks the sequence row instead")
    with app.app_context():
        a = add_service()
        with pytest.raises(RuntimeError, match="write_intent"):
            issue_ticket(db.session.get(Service, a), at=MORNING)


def test_inactive_counters_do_not_shorten_the_estimate(app, make_user):
    with app.app_context():
        clerk = make_user("clerk", "petugas")
        a = add_service("Domisili", "A", minutes_per_ticket=10)
        issue(a, numbering.now_utc() - timedelta(minutes=2))
        issue(a, numbering.now_utc() - timedelta(minutes=1))
        add_counter(1, [a], open_by=clerk)
        counter_id = add_counter(2, [a], open_by=clerk)
        service = db.session.get(Service, a)
        assert numbering.estimated_wait_minutes(service) == 10
        with write_intent():
            from kupang.queue.models import Counter

            db.session.get(Counter, counter_id).active = False
            db.session.commit()
        assert numbering.estimated_wait_minutes(service) == 20
