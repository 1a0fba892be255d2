"""Counter rules without HTTP: ordering, double clicks, recall, no-show, transfer, return, stats."""
import pytest
from sqlalchemy import func, select

from kupang.auth.models import User
from kupang.extensions import db
from kupang.queue import calling
from kupang.queue.calling import QueueError
from kupang.queue.display import marker_version
from kupang.queue.models import Call, Counter, CounterSession, Service, Ticket
from tests.queue.calling_fixtures import add_ticket, at, make_queue


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


def opened(q, counter_id=None, clerk_id=None):
    """Open a counter for a clerk and return (counter, clerk)."""
    c, u = counter(counter_id or q.counter1), user(clerk_id or q.clerk)
    calling.open_counter(c, u, at=at(0))
    db.session.commit()
    return c, u


def test_priority_first_then_issue_time_and_only_own_services(q):
    add_ticket(q.ktp, 1, 1)
    add_ticket(q.domisili, 1, 2)
    add_ticket(q.ktp, 2, 3, priority="lansia")
    add_ticket(q.sktm, 1, 0)  # no counter 1 service: never called here
    add_ticket(q.domisili, 2, 4, priority="ibu_anak")
    c, u = opened(q)
    order = []
    for minute in range(10, 15):
        ticket = calling.call_next_ticket(c, u, at=at(minute))
        if ticket is None:
            break
        order.append(ticket.code)
        calling.finish(ticket, counter=c, at=at(minute))
    assert order == ["A-002", "B-002", "A-001", "B-001"]


def test_call_records_clerk_counter_time_and_a_call_row(q):
    ticket_id = add_ticket(q.ktp, 1, 1).id
    c, u = opened(q)
    before = marker_version()
    ticket = calling.call_next_ticket(c, u, at=at(5))
    db.session.commit()
    assert ticket.id == ticket_id
    assert (ticket.status, ticket.counter_id, ticket.clerk_id, ticket.called_at) == ("called", c.id, u.id, at(5))
    assert ticket.call_count == 1
    calls = db.session.scalars(select(Call).where(Call.ticket_id == ticket_id)).all()
    assert [(call.counter_id, call.is_recall) for call in calls] == [(c.id, False)]
    assert marker_version() > before


def test_second_next_returns_the_same_ticket_and_never_skips(q):
    add_ticket(q.ktp, 1, 1)
    add_ticket(q.ktp, 2, 2)
    c, u = opened(q)
    first = calling.call_next_ticket(c, u, at=at(5))
    again = calling.call_next_ticket(c, u, at=at(5))
    calling.start_service(first, counter=c, at=at(6))
    still = calling.call_next_ticket(c, u, at=at(7))
    db.session.commit()
    assert first.code == again.code == still.code == "A-001"
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
    assert db.session.scalar(select(Ticket.status).where(Ticket.code == "A-002")) == "waiting"
    calling.finish(first, counter=c, at=at(8))
    assert calling.call_next_ticket(c, u, at=at(9)).code == "A-002"


def test_nobody_waiting_and_yesterdays_tickets_are_not_called(q):
    add_ticket(q.ktp, 1, 1, day_offset=-1)
    c, u = opened(q)
    assert calling.call_next_ticket(c, u, at=at(5)) is None


def test_two_counters_get_different_tickets(q):
    add_ticket(q.ktp, 1, 1)
    add_ticket(q.ktp, 2, 2)
    c1, u1 = opened(q, q.counter1, q.clerk)
    c2, u2 = opened(q, q.counter2, q.clerk2)
    first = calling.call_next_ticket(c1, u1, at=at(5))
    second = calling.call_next_ticket(c2, u2, at=at(5))
    assert {first.code, second.code} == {"A-001", "A-002"}
    assert second.counter_id == c2.id


def test_recall_adds_a_new_call_and_bumps_the_marker(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    db.session.commit()
    before = marker_version()
    calling.recall(ticket, counter=c, at=at(6))
    db.session.commit()
    calls = db.session.scalars(select(Call).order_by(Call.id)).all()
    assert [call.is_recall for call in calls] == [False, True]
    assert calls[1].called_at == at(6)
    assert ticket.call_count == 2
    assert ticket.called_at == at(5)  # the wait is measured to the first call
    assert marker_version() == before + 1


def test_recall_is_refused_once_serving(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    calling.start_service(ticket, counter=c, at=at(6))
    with pytest.raises(QueueError, match="tidak dapat dipanggil ulang"):
        calling.recall(ticket, counter=c)


def test_no_show_only_after_a_recall(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    db.session.commit()
    with pytest.raises(QueueError, match="Panggil ulang"):
        calling.mark_no_show(ticket, counter=c, at=at(30))
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).status == "called"
    calling.recall(ticket, counter=c, at=at(7))
    calling.mark_no_show(ticket, counter=c, at=at(9))
    db.session.commit()
    assert (ticket.status, ticket.finished_at) == ("no_show", at(9))
    assert calling.current_ticket(c) is None


def test_transfer_keeps_number_and_place_by_issue_time(q):
    add_ticket(q.ktp, 1, 1)
    add_ticket(q.domisili, 1, 2)
    add_ticket(q.domisili, 2, 3)
    c2, u = opened(q, q.counter2, q.clerk)
    ticket = calling.call_next_ticket(c2, u, at=at(5))
    calling.start_service(ticket, counter=c2, at=at(6))
    before = marker_version()
    calling.transfer(ticket, db.session.get(Service, q.domisili), counter=c2)
    db.session.commit()
    assert (ticket.code, ticket.number, ticket.numbered_service_id) == ("A-001", 1, q.ktp)
    assert (ticket.service_id, ticket.status, ticket.counter_id) == (q.domisili, "waiting", None)
    assert marker_version() > before
    # Counter 3 serves B: the transferred A-001 was issued first, so it comes first.
    c3, u2 = opened(q, q.counter3, q.clerk2)
    assert calling.call_next_ticket(c3, u2, at=at(8)).code == "A-001"


def test_transfer_refuses_same_or_inactive_service(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    with pytest.raises(QueueError, match="sudah berada"):
        calling.transfer(ticket, db.session.get(Service, q.ktp), counter=c)
    sktm = db.session.get(Service, q.sktm)
    sktm.active = False
    with pytest.raises(QueueError, match="tidak aktif"):
        calling.transfer(ticket, sktm, counter=c)
    assert ticket.status == "called"


def test_return_to_queue_keeps_place(q):
    add_ticket(q.ktp, 1, 1)
    add_ticket(q.ktp, 2, 2)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    calling.return_to_queue(ticket, counter=c)
    db.session.commit()
    assert (ticket.status, ticket.counter_id, ticket.called_at) == ("waiting", None, None)
    again = calling.call_next_ticket(c, u, at=at(10))
    assert again.code == "A-001"
    assert again.call_count == 2


def test_actions_need_an_open_counter_and_the_ticket_of_this_counter(q):
    add_ticket(q.ktp, 1, 1)
    c1, c2 = counter(q.counter1), counter(q.counter2)
    with pytest.raises(QueueError, match="Buka loket 1"):
        calling.call_next_ticket(c1, user(q.clerk), at=at(2))
    c1, u = opened(q)
    ticket = calling.call_next_ticket(c1, u, at=at(5))
    with pytest.raises(QueueError, match="loket lain"):
        calling.finish(ticket, counter=c2)
    with pytest.raises(QueueError, match="Tidak ada nomor"):
        calling.start_service(None, counter=c1)


def test_open_counter_rules(q):
    c1, c2 = counter(q.counter1), counter(q.counter2)
    u1, u2 = user(q.clerk), user(q.clerk2)
    calling.open_counter(c1, u1, at=at(0))
    with pytest.raises(QueueError, match="sedang dibuka oleh petugas lain"):
        calling.open_counter(c1, u2, at=at(1))
    # Moving to another counter closes the first session.
    calling.open_counter(c2, u1, at=at(2))
    assert calling.open_session(u1).counter_id == c2.id
    assert calling.counter_holder(c1) is None
    # A session forgotten yesterday does not block today.
    db.session.add(CounterSession(counter_id=c1.id, user_id=u1.id, opened_at=at(-24 * 60)))
    calling.open_counter(c1, u2, at=at(3))
    assert calling.counter_holder(c1).user_id == u2.id
    c1.active = False
    with pytest.raises(QueueError, match="tidak aktif"):
        calling.open_counter(c1, u1)


def test_close_counter_refused_while_a_ticket_is_there(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    with pytest.raises(QueueError, match="masih di loket"):
        calling.close_counter(c, u)
    calling.finish(ticket, counter=c, at=at(6))
    calling.close_counter(c, u, at=at(7))
    assert calling.open_session(u) is None
    with pytest.raises(QueueError, match="tidak sedang Anda buka"):
        calling.close_counter(c, u)


def test_finish_links_a_resident_and_refuses_bad_input(q):
    from kupang.registry.models import Resident

    resident = Resident(name="Yakobus Lay", sex=1, kelurahan_code="5371051005")
    db.session.add(resident)
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    with pytest.raises(QueueError, match="tidak ditemukan"):
        calling.finish(ticket, resident_id=resident.id + 999, counter=c)
    with pytest.raises(QueueError, match="terlalu panjang"):
        calling.finish(ticket, note="x" * 501, counter=c)
    assert ticket.status == "called"
    calling.finish(ticket, resident_id=resident.id, note=" perlu KK asli ", counter=c, at=at(9))
    assert (ticket.status, ticket.resident_id, ticket.note) == ("done", resident.id, "perlu KK asli")
    assert ticket.started_at == at(5)  # finished without Mulai: service counted from the call
    assert ticket.finished_at == at(9)


def test_counter_stats(q):
    add_ticket(q.ktp, 1, 0)
    add_ticket(q.ktp, 2, 0)
    add_ticket(q.ktp, 3, 0)
    c, u = opened(q)
    t1 = calling.call_next_ticket(c, u, at=at(4))
    calling.start_service(t1, counter=c, at=at(5))
    calling.finish(t1, counter=c, at=at(9))
    t2 = calling.call_next_ticket(c, u, at=at(10))
    calling.start_service(t2, counter=c, at=at(10))
    calling.finish(t2, counter=c, at=at(12))
    t3 = calling.call_next_ticket(c, u, at=at(13))
    calling.recall(t3, counter=c, at=at(14))
    calling.mark_no_show(t3, counter=c, at=at(15))
    db.session.commit()
    stats = calling.counter_stats(counter=c, day=t1.day)
    assert (stats.served, stats.no_show) == (2, 1)
    assert stats.avg_wait_minutes == 7.0  # (4 + 10) / 2
    assert stats.avg_service_minutes == 3.0  # (4 + 2) / 2
    assert calling.counter_stats(clerk=u, day=t1.day).served == 2
    other = calling.counter_stats(counter=counter(q.counter2), day=t1.day)
    assert (other.served, other.avg_wait_minutes) == (0, None)


def test_each_transition_needs_the_version_the_clerk_saw(q):
    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    seen = ticket.version
    calling.recall(ticket, counter=c, at=at(6), version=seen)
    assert ticket.version == seen + 1 and ticket.call_count == 2
    for action in (lambda v: calling.recall(ticket, counter=c, version=v),
                   lambda v: calling.start_service(ticket, counter=c, version=v),
                   lambda v: calling.finish(ticket, counter=c, version=v),
                   lambda v: calling.mark_no_show(ticket, counter=c, version=v),
                   lambda v: calling.return_to_queue(ticket, counter=c, version=v),
                   lambda v: calling.transfer(ticket, db.session.get(Service, q.domisili), counter=c, version=v)):
        with pytest.raises(QueueError, match="mungkin tombol ditekan dua kali"):
            action(seen)  # the page from before the recall: a double click's twin
    assert (ticket.status, ticket.call_count) == ("called", 2)
    calling.finish(ticket, counter=c, at=at(9), version=seen + 1)
    assert ticket.status == "done" and ticket.version == seen + 2


def test_a_transition_whose_row_moved_on_changes_nothing(q):
    """The conditional UPDATE itself refuses (what a PostgreSQL twin meets after waiting for the first)."""
    from sqlalchemy import update as sql_update

    add_ticket(q.ktp, 1, 1)
    c, u = opened(q)
    ticket = calling.call_next_ticket(c, u, at=at(5))
    moved = sql_update(Ticket).where(Ticket.id == ticket.id).values(status="done", version=Ticket.version + 1)
    db.session.execute(moved.execution_options(synchronize_session=False))
    with pytest.raises(QueueError, match="sudah berubah"):
        calling.finish(ticket, counter=c)  # read as "called" before the other commit
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
