"""Every counter button double-clicked through a real gunicorn, on SQLite and PostgreSQL.

Two identical requests at the same instant (tests.concurrency.double_submit): exactly one applies, the
other answers the panel with a clear Indonesian message (never a 500), and there is one audit row. On
PostgreSQL both requests used to read the ticket as called and both committed (a double "Selesai").
"""
import re

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Call, Ticket
from kupang.registry.models import Resident
from tests.concurrency import double_submit, page_csrf
from tests.conftest import PASSWORD
from tests.queue.calling_fixtures import add_ticket, make_queue

pytestmark = pytest.mark.slow
HX = {"HX-Request": "true"}
ROUNDS = 3
TICKET_ID = re.compile(r'name="ticket_id" value="(\d+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ERROR_FLASH = re.compile(r'class="flash flash-error"[^>]*>([^<]+)<')


@pytest.fixture
def counter_one(app, gunicorn, make_user):
    """clerk1 logged in through gunicorn with counter 1 open; 4 waiting tickets per round, a resident."""
    q = make_queue(app)
    make_user("clerk", "clerk1")
    with app.app_context(), write_intent():
        for number in range(1, 4 * ROUNDS + 1):
            add_ticket(q.ktp, number, number)
        resident = Resident(name="Maria Goreti Ndun", nik="5371054107900002", sex=2, kelurahan_code="5371051005")
        db.session.add(resident)
        db.session.commit()
        q.resident = resident.id
    client = gunicorn.logged_in("clerk1", PASSWORD)
    q.csrf = page_csrf(client, "/loket")
    status, _h, _b, _w = client.post_form("/loket/buka", {"csrf_token": q.csrf, "counter_id": q.counter1})
    assert status == 303
    return client, q


def panel(client):
    """The counter page now: (html, ticket id, version) of the current ticket."""
    _status, _headers, body, _wire = client.get("/loket")
    html = body.decode()
    ticket, version = TICKET_ID.search(html), VERSION.search(html)
    return html, int(ticket.group(1)) if ticket else None, int(version.group(1)) if version else None


def post(client, q, action, **fields):
    """One ordinary click."""
    status, _h, _b, _w = client.post_form(f"/loket/aksi/{action}", {"csrf_token": q.csrf, **fields}, headers=HX)
    assert status == 200, (action, status)


def twice(app, client, q, action, success, audit_action, **extra):
    """Double-click `action` on the current ticket; assert one success, one clear refusal, one audit row."""
    _html, ticket_id, version = panel(client)
    fields = {"csrf_token": q.csrf, **extra}
    if action != "panggil":
        fields.update(ticket_id=ticket_id, version=version)
    with app.app_context():
        audits_before = audit_count(audit_action)
    results = double_submit(client, f"/loket/aksi/{action}", fields, headers=HX)
    assert [status for status, _body in results] == [200, 200], (action, results)
    won = [body for _status, body in results if success in body]
    lost = [body for _status, body in results if success not in body]
    assert len(won) == 1 and len(lost) == 1, (action, [ERROR_FLASH.findall(body) for _s, body in results])
    refusal = " ".join(ERROR_FLASH.findall(lost[0])) or lost[0]
    expected = "masih di loket ini" if action == "panggil" else "(mungkin"
    assert expected in refusal, (action, refusal[:400])
    assert "Terjadi kesalahan" not in lost[0]
    with app.app_context():
        assert audit_count(audit_action) == audits_before + 1, action
    return ticket_id


def audit_count(action):
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def ticket_row(app, ticket_id):
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        calls = db.session.scalar(select(func.count()).select_from(Call).where(Call.ticket_id == ticket_id))
        return ticket.status, ticket.call_count, ticket.service_id, calls


def test_every_counter_transition_applies_once_when_double_clicked(app, gunicorn, counter_one):
    client, q = counter_one
    for _round in range(ROUNDS):
        first = twice(app, client, q, "panggil", "dipanggil ke loket 1", "queue_ticket_called")
        first = panel(client)[1]
        assert ticket_row(app, first) == ("called", 1, q.ktp, 1)
        twice(app, client, q, "ulang", "dipanggil ulang.", "queue_ticket_recalled")
        assert ticket_row(app, first) == ("called", 2, q.ktp, 2)
        twice(app, client, q, "mulai", "Mulai melayani", "queue_service_started")
        assert ticket_row(app, first)[0] == "serving"
        twice(app, client, q, "kembalikan", "dikembalikan ke antrian", "queue_ticket_returned")
        assert ticket_row(app, first)[0] == "waiting"
        post(client, q, "panggil")  # the returned ticket keeps its place: it is called again first
        assert panel(client)[1] == first
        twice(app, client, q, "alihkan", "tetap dilayani di loket 1", "queue_ticket_transferred",
              service_id=q.domisili)
        assert ticket_row(app, first)[:3] == ("called", 3, q.domisili)  # call, recall, call after the return
        twice(app, client, q, "selesai", "selesai dilayani", "queue_ticket_finished", resident_id=q.resident)
        assert ticket_row(app, first)[0] == "done"
        post(client, q, "panggil")
        second = panel(client)[1]
        _html, _id, version = panel(client)
        post(client, q, "ulang", ticket_id=second, version=version)
        twice(app, client, q, "tidak-hadir", "ditandai tidak hadir", "queue_ticket_no_show")
        assert ticket_row(app, second)[0] == "no_show"
    with app.app_context():
        linked = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "queue_resident_linked"))
        assert linked == ROUNDS  # one link per finished ticket, never two
        assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "done")) == ROUNDS
