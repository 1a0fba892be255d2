"""The public ticket status page: no login, each ticket state, the polled fragment, unknown tokens."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Service, Ticket
from kupang.queue.numbering import issue_ticket
from kupang.timeutil import now_utc

from .core_fixtures import add_counter, add_service


@pytest.fixture
def tickets(app, make_user):
    """Three waiting tickets of service A issued a minute apart, counter 1 open for A; their tokens in order."""
    clerk = make_user("clerk", "clerk1")
    with app.app_context(), write_intent():
        a = add_service("Surat Keterangan Domisili", "A", minutes_per_ticket=10)
        add_counter(1, [a], open_by=clerk)
        service = db.session.get(Service, a)
        start = now_utc() - timedelta(minutes=5)
        tokens = [issue_ticket(service, at=start + timedelta(minutes=i)).token for i in range(3)]
        db.session.commit()
        return tokens


def set_ticket(app, token, **fields):
    with app.app_context(), write_intent():
        ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
        for name, value in fields.items():
            setattr(ticket, name, value)
        db.session.commit()


def test_waiting_ticket_shows_position_and_estimate(client, tickets):
    body = client.get(f"/antrian/{tickets[2]}").get_data(as_text=True)
    assert "A-003" in body and "Surat Keterangan Domisili" in body
    assert "Ada <strong>2</strong> orang di depan Anda." in body
    assert "± 20 menit" in body
    assert f'hx-get="/antrian/{tickets[2]}/status"' in body and 'hx-trigger="every 5s"' in body
    assert f'href="/antrian/{tickets[2]}"' in body and "Muat ulang" in body  # works without JavaScript
    assert "style=" not in body and "<script>" not in body


def test_first_in_line(client, tickets):
    assert "Anda berikutnya" in client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)


def test_called_ticket_names_the_counter(app, client, tickets, make_user):
    with app.app_context():
        a = db.session.scalar(select(Service.id))
        counter_id = add_counter(2, [a])
    set_ticket(app, tickets[0], status="called", counter_id=counter_id, called_at=now_utc())
    body = client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)
    assert "Sedang dipanggil ke loket 2" in body
    assert "Ada <strong>1</strong> orang di depan Anda." in client.get(f"/antrian/{tickets[2]}").get_data(as_text=True)
    set_ticket(app, tickets[0], status="serving")
    assert "Sedang dilayani di loket 2" in client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)


@pytest.mark.parametrize("status, text", [
    ("done", "Selesai dilayani. Terima kasih."),
    ("no_show", "Anda tidak hadir"),
    ("expired", "sudah tidak berlaku"),
])
def test_final_states_stop_polling(app, client, tickets, status, text):
    set_ticket(app, tickets[1], status=status)
    for url in (f"/antrian/{tickets[1]}", f"/antrian/{tickets[1]}/status"):
        body = client.get(url).get_data(as_text=True)
        assert text in body
        assert "hx-trigger" not in body


def test_open_ticket_of_an_earlier_day_reads_as_expired(app, client, tickets):
    with app.app_context():
        day = db.session.scalar(select(Ticket.day).where(Ticket.token == tickets[0]))
    set_ticket(app, tickets[0], day=day - timedelta(days=1))
    assert "sudah tidak berlaku" in client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)


def test_fragment_is_only_the_status_block(client, tickets):
    response = client.get(f"/antrian/{tickets[1]}/status", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<section id="ticket-status"')
    assert "Ada <strong>1</strong> orang" in body


@pytest.mark.parametrize("path", ["/antrian/tidak-ada", "/antrian/tidak-ada/status", "/antrian/" + "x" * 300])
def test_unknown_token_is_a_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Nomor antrian tidak ditemukan" in response.get_data(as_text=True)


def test_status_page_needs_no_login_and_sets_no_device(client, tickets):
    response = client.get(f"/antrian/{tickets[0]}")
    assert response.status_code == 200
    assert "kupang_device" not in (response.headers.get("Set-Cookie") or "")
    assert "Keluar" not in response.get_data(as_text=True)  # no staff header


def test_status_views_are_marked_public(app):
    assert app.view_functions["queue.ticket_status"].is_public
    assert app.view_functions["queue.ticket_status_fragment"].is_public
    assert app.view_functions["queue.pair"].is_public


def test_called_without_a_counter_still_reads_well(app, client, tickets):
    set_ticket(app, tickets[0], status="called")
    body = client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)
    assert "Nomor Anda sedang dipanggil" in body and "loket None" not in body


def close_counters(app):
    from kupang.queue.models import CounterSession

    with app.app_context(), write_intent():
        for session in db.session.scalars(select(CounterSession)):
            session.closed_at = now_utc()
        db.session.commit()


def test_nobody_serving_the_service_is_said_plainly(app, client, tickets):
    close_counters(app)
    for token in (tickets[0], tickets[2]):
        body = client.get(f"/antrian/{token}").get_data(as_text=True)
        assert "Saat ini belum ada loket yang melayani layanan ini." in body
        assert "menit" not in body and "Anda berikutnya" not in body
    assert "Tidak ada orang di depan Anda." in client.get(f"/antrian/{tickets[0]}").get_data(as_text=True)


def test_after_hours_with_no_counter_says_the_hours(app, client, tickets):
    close_counters(app)
    with app.app_context(), write_intent():
        from datetime import time

        service = db.session.scalar(select(Service))
        service.opens_at, service.closes_at = time(0, 0), time(0, 0, 1)
        db.session.commit()
    body = client.get(f"/antrian/{tickets[1]}/status").get_data(as_text=True)
    assert "Jam layanan sudah berakhir (00.00–00.00 WITA)" in body and "menit" not in body


def test_estimate_counts_open_counters_and_the_one_being_served(app, make_user):
    from datetime import time

    from kupang.queue.estimate import estimate_wait
    from kupang.queue.models import Counter, CounterSession

    from .core_fixtures import wita

    clerks = [make_user("clerk", f"clerk{i}") for i in (1, 2)]
    with app.app_context(), write_intent():
        service = db.session.get(Service, add_service("SKTM", "C", minutes_per_ticket=10,
                                                      opens_at=time(8, 0), closes_at=time(15, 0)))
        at = wita(2026, 3, 2, 10, 0)
        assert estimate_wait(service, 3, at).reason == "no_counter"
        assert estimate_wait(service, 3, wita(2026, 3, 2, 7, 0)).explanation.startswith("Layanan ini belum buka.")
        assert estimate_wait(service, 3, wita(2026, 3, 2, 16, 0)).reason == "after_hours"
        one = add_counter(1, [service.id], open_by=clerks[0])
        assert (estimate_wait(service, 3, at).minutes, estimate_wait(service, 3, at).counters) == (30, 1)
        add_counter(2, [service.id], open_by=clerks[1])
        assert estimate_wait(service, 3, at).minutes == 15  # 3 x 10 minutes shared by 2 counters
        # Counter 1 busy for 4 minutes with a 10-minute service: the first free counter is still counter 2.
        from .calling_fixtures import add_ticket

        busy = add_ticket(service.id, 1, 0, status="called")
        busy.counter_id, busy.called_at = one, now_utc() - timedelta(minutes=4)
        db.session.flush()
        assert estimate_wait(service, 0, at).minutes == 0
        counter2 = db.session.scalar(select(Counter).where(Counter.number == 2))
        db.session.scalar(select(CounterSession).where(CounterSession.counter_id == counter2.id)).closed_at = now_utc()
        db.session.flush()
        assert estimate_wait(service, 0, at).minutes == 6  # waits for counter 1 to finish
        assert estimate_wait(service, 2, at).minutes == 26
        db.session.rollback()
