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
def tickets(app):
    """Three waiting tickets of service A issued a minute apart; returns their tokens in order."""
    with app.app_context(), write_intent():
        a = add_service("Surat Keterangan Domisili", "A", minutes_per_ticket=10)
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
