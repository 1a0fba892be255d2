"""Counter rules at their edges: the clerk's exact messages, what each action leaves on the ticket, the figures."""
from datetime import timedelta

import pytest

from kupang.auth.models import User
from kupang.extensions import db
from kupang.queue import calling
from kupang.queue.calling import QueueError
from kupang.queue.counter_page import transfer_choices
from kupang.queue.models import Counter, CounterSession, Service
from tests.queue.calling_fixtures import add_ticket, at, base_time, make_queue


@pytest.fixture
def q(app, make_user):
    """Services, counters and two clerks; the test body runs inside an app context."""
    ids = make_queue(app)
    ids.clerk = make_user("clerk", "clerk1")
    ids.clerk2 = make_user("clerk", "clerk2")
    with app.app_context():
        yield ids


def counter(counter_id):
    return db.session.get(Counter, counter_id)


def user(user_id):
    return db.session.get(User, user_id)


def refused(action, *args, **kwargs):
    """The message of the QueueError the action raises."""
    with pytest.raises(QueueError) as error:
        action(*args, **kwargs)
    return str(error.value)


def called(q, minute=1, counter_id=None):
    """Open counter 1 for clerk 1, add a waiting A ticket and call it; returns the ticket."""
    c, u = counter(counter_id or q.counter1), user(q.clerk)
    calling.open_counter(c, u, at=at(0))
    add_ticket(q.ktp, minute, minute)
    return calling.call_next_ticket(c, u, at=at(minute + 1))


def test_open_counter_messages_and_sessions(q):
    c1, c2 = counter(q.counter1), counter(q.counter2)
    clerk, other = user(q.clerk), user(q.clerk2)
    first = calling.open_counter(c1, clerk, at=at(0))
    assert (first.counter_id, first.user_id, first.opened_at, first.closed_at) == (c1.id, clerk.id, at(0), None)
    assert calling.open_counter(c1, clerk, at=at(1)) is first  # opening again changes nothing
    assert refused(calling.open_counter, c1, other, at=at(2)) == (
        "Loket 1 sedang dibuka oleh petugas lain. Minta petugas itu menutupnya dahulu.")
    moved = calling.open_counter(c2, clerk, at=at(3))  # one counter at a time: the first one closes
    assert first.closed_at == at(3) and moved.counter_id == c2.id
    assert calling.open_session(clerk) is moved and calling.counter_holder(c1) is None
    assert calling.counter_holder(c2) is moved
    c2.active = False
    assert refused(calling.open_counter, c2, other, at=at(4)) == "Loket 2 tidak aktif."


def test_a_session_left_open_yesterday_is_closed_by_the_next_clerk(q):
    c1 = counter(q.counter1)
    db.session.add(CounterSession(counter_id=c1.id, user_id=q.clerk2, opened_at=base_time() - timedelta(days=1)))
    db.session.flush()
    mine = calling.open_counter(c1, user(q.clerk), at=at(0))
    old = db.session.scalar(db.select(CounterSession).where(CounterSession.user_id == q.clerk2))
    assert old.closed_at == at(0) and calling.counter_holder(c1) is mine


def test_close_counter_messages(q):
    c1, clerk = counter(q.counter1), user(q.clerk)
    assert refused(calling.close_counter, c1, clerk) == "Loket 1 tidak sedang Anda buka."
    calling.open_counter(counter(q.counter2), clerk, at=at(0))
    assert refused(calling.close_counter, c1, clerk) == "Loket 1 tidak sedang Anda buka."  # open elsewhere
    assert refused(calling.close_counter, counter(q.counter2), user(q.clerk2)) == "Loket 2 tidak sedang Anda buka."
    calling.close_counter(counter(q.counter2), clerk, at=at(0))
    ticket = called(q)
    assert refused(calling.close_counter, c1, clerk, at=at(5)) == (
        f"Nomor {ticket.code} masih di loket ini. Selesaikan, tandai tidak hadir, atau kembalikan ke antrian "
        "sebelum menutup loket.")
    calling.finish(ticket, at=at(6))
    session = calling.close_counter(c1, clerk, at=at(7))
    assert session.closed_at == at(7)
    assert refused(calling.require_session, c1, clerk) == "Buka loket 1 terlebih dahulu."


def test_a_call_stamps_the_ticket(q):
    ticket = called(q)
    assert (ticket.status, ticket.counter_id, ticket.clerk_id, ticket.called_at, ticket.call_count) == (
        "called", q.counter1, q.clerk, at(2), 1)
    assert calling.current_ticket(counter(q.counter1)) is ticket
    assert calling.current_ticket(counter(q.counter2)) is None
    assert calling.call_next_ticket(counter(q.counter1), user(q.clerk), at=at(3)) is ticket


def test_actions_refuse_with_the_status_in_the_message(q):
    ticket = called(q)
    assert refused(calling.start_service, None) == "Tidak ada nomor yang sedang dilayani di loket ini."
    assert refused(calling.recall, ticket, counter=counter(q.counter2)) == (
        f"Nomor {ticket.code} sedang ditangani loket lain.")
    calling.start_service(ticket, at=at(3))
    assert (ticket.status, ticket.started_at) == ("serving", at(3))
    assert refused(calling.recall, ticket) == f"Nomor {ticket.code} tidak dapat dipanggil ulang: statusnya dilayani."
    assert refused(calling.start_service, ticket) == (
        f"Nomor {ticket.code} tidak dapat mulai dilayani: statusnya dilayani.")
    assert refused(calling.mark_no_show, ticket) == (
        f"Nomor {ticket.code} tidak dapat ditandai tidak hadir: statusnya dilayani.")
    calling.finish(ticket, at=at(4))
    assert refused(calling.finish, ticket) == f"Nomor {ticket.code} tidak dapat diselesaikan: statusnya selesai."
    assert refused(calling.return_to_queue, ticket) == (
        f"Nomor {ticket.code} tidak dapat dikembalikan ke antrian: statusnya selesai.")
    # A finished ticket may sit at another counter: only an active one belongs to it.
    assert refused(calling.transfer, ticket, db.session.get(Service, q.domisili), counter=counter(q.counter2)) == (
        f"Nomor {ticket.code} tidak dapat dialihkan: statusnya selesai.")


def test_return_to_queue_from_another_counter_and_an_unknown_status(q):
    ticket = called(q)
    assert refused(calling.return_to_queue, ticket, counter=counter(q.counter2)) == (
        f"Nomor {ticket.code} sedang ditangani loket lain.")
    assert refused(calling.transfer, ticket, db.session.get(Service, q.domisili), counter=counter(q.counter2)) == (
        f"Nomor {ticket.code} sedang ditangani loket lain.")
    ticket.status = "paused"  # not a status the app writes: the message still names it
    assert refused(calling.recall, ticket) == f"Nomor {ticket.code} tidak dapat dipanggil ulang: statusnya paused."


def test_recall_counts_calls_and_no_show_needs_one(q):
    ticket = called(q)
    assert refused(calling.mark_no_show, ticket, at=at(3)) == (
        f"Panggil ulang nomor {ticket.code} terlebih dahulu sebelum menandai tidak hadir.")
    calling.recall(ticket, at=at(3))
    assert ticket.call_count == 2
    calling.mark_no_show(ticket, at=at(4))
    assert (ticket.status, ticket.finished_at) == ("no_show", at(4))


def test_finish_from_called_counts_from_the_call_and_keeps_a_trimmed_note(q):
    ticket = called(q)
    assert refused(calling.finish, ticket, note="x" * 501) == "Catatan terlalu panjang (maksimal 500 karakter)."
    assert refused(calling.finish, ticket, resident_id=999_999) == "Penduduk yang dipilih tidak ditemukan."
    calling.finish(ticket, note="  " + "y" * 500 + " ", at=at(9))
    assert (ticket.status, ticket.started_at, ticket.finished_at, ticket.note, ticket.resident_id) == (
        "done", at(2), at(9), "y" * 500, None)


def test_return_and_transfer_clear_the_counter_fields(q):
    ticket = called(q)
    calling.start_service(ticket, at=at(3))
    calling.return_to_queue(ticket)
    assert (ticket.status, ticket.counter_id, ticket.clerk_id, ticket.called_at, ticket.started_at) == (
        "waiting", None, None, None, None)
    domisili = db.session.get(Service, q.domisili)
    assert refused(calling.transfer, ticket, db.session.get(Service, q.ktp)) == (
        f"Nomor {ticket.code} sudah berada di layanan Pengantar KTP/KK.")
    assert refused(calling.transfer, ticket, None) == "Layanan tujuan tidak ditemukan atau tidak aktif."
    calling.transfer(ticket, domisili)
    assert (ticket.service_id, ticket.numbered_service_id, ticket.status) == (q.domisili, q.ktp, "waiting")
    domisili.active = False
    assert refused(calling.transfer, ticket, domisili) == "Layanan tujuan tidak ditemukan atau tidak aktif."
    desk = counter(q.counter1)
    assert [(c.service.name, c.service.prefix) for c in transfer_choices(ticket, desk)] == [
        ("Pengantar KTP/KK", "A"), ("SKTM", "C")]
    db.session.add_all([Service(name="Zebra", prefix="Z", sort_order=0), Service(name="Akta", prefix="K", sort_order=9),
                        Service(name="Aaa tutup", prefix="T", sort_order=0, active=False),
                        Service(name="Bunga", prefix="G", sort_order=9)])
    db.session.flush()
    # The clerk's list follows the ticket letters on the kiosk (not sort order or name); closed services are left out.
    assert [c.service.name for c in transfer_choices(ticket, desk)] == ["Pengantar KTP/KK", "SKTM", "Bunga", "Akta",
                                                                        "Zebra"]


def test_counter_stats_per_counter_and_clerk(q):
    c1, c2 = counter(q.counter1), counter(q.counter2)
    clerk, other = user(q.clerk), user(q.clerk2)
    assert calling.counter_stats(counter=c1) == calling.CounterStats(0, 0, None, None)
    calling.open_counter(c1, clerk, at=at(0))
    calling.open_counter(c2, other, at=at(0))
    add_ticket(q.ktp, 1, 0)
    add_ticket(q.ktp, 2, 0)
    add_ticket(q.ktp, 3, 0)
    first = calling.call_next_ticket(c1, clerk, at=at(10))  # waited 10 minutes
    calling.start_service(first, at=at(11))
    calling.finish(first, at=at(15))  # served 4 minutes
    second = calling.call_next_ticket(c1, clerk, at=at(20))  # waited 20, finished from called: 5 minutes
    calling.finish(second, at=at(25))
    third = calling.call_next_ticket(c2, other, at=at(30))
    calling.recall(third, at=at(31))
    calling.mark_no_show(third, at=at(32))
    assert calling.counter_stats(counter=c1) == calling.CounterStats(2, 0, 15.0, 4.5)
    assert calling.counter_stats(clerk=other) == calling.CounterStats(0, 1, None, None)
    assert calling.counter_stats(counter=c1, clerk=other) == calling.CounterStats(0, 0, None, None)
    assert calling.counter_stats() == calling.CounterStats(2, 1, 15.0, 4.5)
    assert calling.counter_stats(day=(base_time() + timedelta(days=1)).date()).served == 0


def test_waiting_by_service_and_counters_for_clerks(q):
    add_ticket(q.ktp, 1, 0)
    add_ticket(q.ktp, 2, 1)
    add_ticket(q.domisili, 1, 2)
    add_ticket(q.domisili, 2, 3, status="called")
    add_ticket(q.ktp, 3, 0, day_offset=-1)
    ktp = db.session.get(Service, q.ktp)
    assert calling.waiting_by_service() == {q.ktp: 2, q.domisili: 1}
    assert calling.waiting_by_service(services=[ktp]) == {q.ktp: 2}
    assert calling.waiting_by_service(day=(base_time() - timedelta(days=1)).date()) == {q.ktp: 1}
    counter(q.counter2).active = False
    db.session.add(Counter(number=0, name="Loket 0"))
    db.session.flush()
    assert [c.number for c in calling.counters_for_clerks()] == [0, 1, 3]


def test_next_call_skips_tickets_of_other_services_days_and_states(q):
    c3, clerk = counter(q.counter3), user(q.clerk)
    calling.open_counter(c3, clerk, at=at(0))
    add_ticket(q.ktp, 1, 0)  # counter 3 does not serve A
    add_ticket(q.domisili, 1, 1, day_offset=-1)  # yesterday
    add_ticket(q.domisili, 2, 2, status="no_show")
    assert calling.call_next_ticket(c3, clerk, at=at(5)) is None
    late = add_ticket(q.domisili, 3, 4)
    early_priority = add_ticket(q.domisili, 4, 6, priority="lansia")
    assert calling.call_next_ticket(c3, clerk, at=at(7)) is early_priority
    calling.finish(early_priority, at=at(8))
    assert calling.call_next_ticket(c3, clerk, at=at(9)) is late
