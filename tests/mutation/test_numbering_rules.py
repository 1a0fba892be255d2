"""Ticket numbering rules at their edges: what an issued ticket records, the marker, counts and estimates."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, select, update

from kupang.auth.models import User
from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue import numbering
from kupang.queue.models import DailySequence, Device, QueueMarker, Service, Ticket
from kupang.queue.numbering import QueueError, issue_ticket
from tests.queue.core_fixtures import add_counter, add_service, paired_device, wita

MORNING = wita(2026, 11, 27, 9, 0)
DAY = date(2026, 11, 27)


def issue(service_id, at=MORNING, **kwargs):
    """Issue one ticket in its own write transaction; returns the ticket's id."""
    with write_intent():
        try:
            ticket = issue_ticket(db.session.get(Service, service_id), at=at, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return ticket.id


def refusal(service_id, at=MORNING, **kwargs):
    """The QueueError an issue raises (fails when it issues)."""
    with pytest.raises(QueueError) as refused:
        issue(service_id, at, **kwargs)
    return refused.value


def set_ticket(ticket_id, **fields):
    with write_intent():
        db.session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**fields))
        db.session.commit()


def test_an_issued_ticket_records_who_when_and_how(app, make_user):
    with app.app_context():
        clerk = make_user("clerk", "petugas")
        a = add_service("Domisili", "A")
        device_id, _token = paired_device()
        ticket = db.session.get(Ticket, issue(a, device=db.session.get(Device, device_id),
                                              user=db.session.get(User, clerk), nonce="n" * 32))
        assert (ticket.status, ticket.issued_at, ticket.call_count, ticket.note) == ("waiting", MORNING, 0, "")
        assert (ticket.issued_by_device_id, ticket.issued_by_user_id) == (device_id, clerk)
        assert ticket.issue_nonce == "n" * 32
        assert (ticket.service_id, ticket.numbered_service_id, ticket.day, ticket.number) == (a, a, DAY, 1)
        anonymous = db.session.get(Ticket, issue(a, MORNING + timedelta(seconds=1)))
        assert (anonymous.issued_by_device_id, anonymous.issued_by_user_id, anonymous.issue_nonce) == (None, None, None)


def test_issuing_now_stamps_the_current_time(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        before = numbering.now_utc()
        with write_intent():
            ticket = issue_ticket(db.session.get(Service, a))
            db.session.commit()
        assert before <= ticket.issued_at <= numbering.now_utc()
        assert ticket.day == numbering.office_today()


def test_refusal_messages_and_reasons(app):
    with app.app_context():
        a = add_service("Domisili", "A", opens_at=time(8, 0), closes_at=time(15, 0), daily_cap=1)
        b = add_service("Pengaduan", "P", allow_priority=False)
        closed = refusal(a, wita(2026, 11, 27, 15, 0))
        assert (str(closed), closed.reason) == (
            "Layanan Domisili hanya melayani pukul 08.00–15.00 WITA. Silakan datang kembali pada jam layanan.",
            "closed")
        unknown = refusal(a, priority="vip")
        assert (str(unknown), unknown.reason) == ("Jenis antrian prioritas tidak dikenal.", "priority")
        none = refusal(b, priority="lansia")
        assert (str(none), none.reason) == ("Layanan Pengaduan tidak menyediakan antrian prioritas. "
                                            "Silakan ambil nomor antrian umum.", "priority")
        issue(a)
        cap = refusal(a, MORNING + timedelta(minutes=1))
        assert (str(cap), cap.reason) == ("Kuota antrian Domisili hari ini sudah habis (1 nomor). "
                                          "Silakan datang kembali pada hari kerja berikutnya.", "cap")
        assert QueueError("Tidak bisa.").reason == "refused"


def test_an_inactive_service_is_never_open(app):
    with app.app_context():
        service = db.session.get(Service, add_service(active=False))
        assert numbering.is_open(service, MORNING) is False
        service.active = True
        assert numbering.is_open(service, MORNING) is True


def test_a_clock_set_back_names_the_last_ticket_time_on_the_same_day(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a, wita(2026, 11, 27, 10, 0, 5))
        same_day = refusal(a, wita(2026, 11, 27, 9, 59))
        assert (str(same_day), same_day.reason) == (
            "Jam komputer server lebih awal dari nomor terakhir yang sudah dikeluarkan (27-11-2026 10.00.05). "
            "Nomor tidak dikeluarkan agar tidak ada nomor ganda; minta petugas memeriksa jam server.", "clock")
        issue(a, wita(2026, 11, 28, 8, 0))
        earlier_day = refusal(a, wita(2026, 11, 27, 11, 0))
        assert str(earlier_day) == (
            "Jam komputer server lebih awal dari nomor terakhir yang sudah dikeluarkan. "
            "Nomor tidak dikeluarkan agar tidak ada nomor ganda; minta petugas memeriksa jam server.")


def test_the_same_instant_twice_and_another_services_later_day_are_fine(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        issue(b, MORNING + timedelta(days=1))
        issue(a, MORNING)
        issue(a, MORNING)
        assert db.session.scalars(select(Ticket.code).where(Ticket.service_id == a).order_by(Ticket.id)).all() == [
            "A-001", "A-002"]


def test_the_locked_sequence_is_read_fresh_not_from_the_session(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        issue(a)
        with write_intent():
            assert db.session.get(DailySequence, (a, DAY)).last_number == 1  # now in the session's identity map
            # Another worker issued four more in the meantime.
            db.session.execute(update(DailySequence).where(DailySequence.service_id == a).values(last_number=5)
                               .execution_options(synchronize_session=False))
            ticket = issue_ticket(db.session.get(Service, a), at=MORNING + timedelta(minutes=1))
            db.session.commit()
            assert (ticket.number, ticket.code) == (6, "A-006")


def test_issuing_outside_a_write_transaction_says_how_to_fix_it(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL locks the sequence row instead")
    with app.app_context(), pytest.raises(RuntimeError) as error:
        issue_ticket(db.session.get(Service, add_service()), at=MORNING)
    assert str(error.value) == "issue_ticket needs a write transaction: a POST request or kupang.db.write_intent()"


def test_the_marker_row_comes_back_at_version_one_when_emptied(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        with write_intent():
            db.session.execute(delete(QueueMarker))
            db.session.commit()
        assert numbering.marker_version() == 0
        issue(a)
        assert numbering.marker_version() == 1
        issue(a, MORNING + timedelta(seconds=1))
        assert numbering.marker_version() == 2


def test_waiting_counts_are_per_day_per_service_and_only_waiting(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        assert numbering.waiting_count(a, DAY) == 0 and numbering.waiting_counts(DAY) == {}
        first = issue(a)
        issue(a, MORNING + timedelta(seconds=1))
        issue(b, MORNING + timedelta(seconds=2))
        set_ticket(first, status="called")
        assert numbering.waiting_count(a, DAY) == 1
        assert numbering.waiting_count(db.session.get(Service, b), DAY) == 1
        assert numbering.waiting_counts(DAY) == {a: 1, b: 1}
        # Nothing waits on the next day yet (the first ticket of that day would expire these).
        assert numbering.waiting_count(a, DAY + timedelta(days=1)) == 0
        assert numbering.waiting_counts(DAY + timedelta(days=1)) == {}


def test_people_ahead_counts_only_earlier_waiting_tickets_of_the_same_queue(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        one, two, three = (issue(a, MORNING) for _ in range(3))  # the same instant: ids break the tie
        issue(b, MORNING - timedelta(minutes=5))
        tickets = [db.session.get(Ticket, i) for i in (one, two, three)]
        assert [numbering.people_ahead(t) for t in tickets] == [0, 1, 2]
        set_ticket(one, status="called")
        db.session.expire_all()
        assert [numbering.people_ahead(db.session.get(Ticket, i)) for i in (one, two, three)] == [0, 0, 1]
        # Yesterday's ticket still waiting is not ahead of today's.
        set_ticket(one, status="waiting", day=DAY - timedelta(days=1), issued_at=MORNING - timedelta(days=1))
        db.session.expire_all()
        assert numbering.people_ahead(db.session.get(Ticket, three)) == 1


def test_average_service_time_uses_the_last_twenty_finished_today(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        assert numbering.average_service_minutes(a, DAY) is None
        ids = [issue(a, MORNING + timedelta(seconds=i)) for i in range(22)]
        start = MORNING + timedelta(hours=1)
        # The two oldest took 60 minutes, the twenty latest 2 minutes each, one of them 0 (a mistaken click).
        for n, ticket in enumerate(ids):
            minutes = 60 if n < 2 else (0 if n == 2 else 2)
            set_ticket(ticket, status="done", started_at=start + timedelta(hours=2 * n),
                       finished_at=start + timedelta(hours=2 * n, minutes=minutes))
        other = issue(b, MORNING)
        set_ticket(other, status="done", started_at=start, finished_at=start + timedelta(hours=5))
        unfinished = issue(a, MORNING + timedelta(minutes=1))
        set_ticket(unfinished, status="serving", started_at=start)
        assert numbering.average_service_minutes(a, DAY) == pytest.approx((19 * 2 + 0) / 20)
        assert numbering.average_service_minutes(a, DAY + timedelta(days=1)) is None


def test_average_ignores_tickets_not_done_or_missing_a_time(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        start = MORNING + timedelta(hours=1)
        done = issue(a)
        set_ticket(done, status="done", started_at=start, finished_at=start + timedelta(minutes=3))
        for status, started, finished in (("no_show", start, start + timedelta(minutes=30)),
                                          ("done", None, start + timedelta(minutes=30)),
                                          ("done", start, None)):
            set_ticket(issue(a, MORNING + timedelta(minutes=1)), status=status, started_at=started,
                       finished_at=finished)
        assert numbering.average_service_minutes(a, DAY) == 3


def test_open_counters_are_active_counters_of_the_service_with_an_open_session(app, make_user):
    with app.app_context():
        clerk = make_user("clerk", "petugas")
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
        assert numbering.open_counter_count(a) == 0
        add_counter(1, [a], open_by=clerk)
        add_counter(2, [b], open_by=clerk)
        add_counter(3, [a])  # nobody sits there
        assert numbering.open_counter_count(a) == 1
        assert numbering.open_counter_count(db.session.get(Service, b)) == 1
        from kupang.queue.models import CounterSession

        with write_intent():
            db.session.execute(update(CounterSession).values(closed_at=MORNING))
            db.session.commit()
        assert numbering.open_counter_count(a) == 0


def test_estimated_wait_rounds_up_and_is_zero_once_called(app, make_user):
    with app.app_context():
        clerk = make_user("clerk", "petugas")
        a = add_service("Domisili", "A", minutes_per_ticket=5)
        add_counter(1, [a], open_by=clerk)
        add_counter(2, [a], open_by=clerk)
        ids = [issue(a, numbering.now_utc() - timedelta(minutes=4 - i)) for i in range(4)]
        last = db.session.get(Ticket, ids[-1])
        assert numbering.estimated_wait_minutes(last) == 8  # 3 ahead x 5 minutes / 2 counters = 7.5
        set_ticket(ids[-1], status="called")
        db.session.expire_all()
        assert numbering.estimated_wait_minutes(db.session.get(Ticket, ids[-1])) == 0
