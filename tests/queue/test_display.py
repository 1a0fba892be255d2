"""The display: board state, device-only access, the cheap 204 poll, running text, no personal data."""
import re

import pytest
from sqlalchemy import event, select

from kupang.auth.models import User
from kupang.extensions import db
from kupang.queue import calling
from kupang.queue.display import board_state, current_token, marker_version
from kupang.queue.models import Counter, Device, Service
from kupang.settings import get_setting
from tests.queue.calling_fixtures import add_ticket, at, make_queue
from tests.queue.core_fixtures import paired_device

HX = {"HX-Request": "true"}


@pytest.fixture
def q(app, make_user):
    ids = make_queue(app)
    ids.clerk = make_user("clerk", "clerk1")
    ids.clerk2 = make_user("clerk", "clerk2")
    return ids


@pytest.fixture
def display_client(app, client, q):
    """The test client holding a paired display's token."""
    with app.app_context():
        q.display_id, token = paired_device("display", "TV ruang tunggu")
    client.set_cookie("kupang_device", token)
    return client


def call_some(app, q):
    """Counter 1 calls A-001 then B-001 (A finished), counter 2 has A-002 (recalled)."""
    with app.app_context():
        from kupang.registry.models import Resident

        person = Resident(name="Yohanes Bria", nik="5371050101800003", sex=1, kelurahan_code="5371051005")
        db.session.add(person)
        add_ticket(q.ktp, 1, 1)
        add_ticket(q.domisili, 1, 2)
        add_ticket(q.ktp, 2, 3)
        add_ticket(q.domisili, 2, 4)
        c1, c2 = db.session.get(Counter, q.counter1), db.session.get(Counter, q.counter2)
        u1, u2 = db.session.get(User, q.clerk), db.session.get(User, q.clerk2)
        calling.open_counter(c1, u1, at=at(0))
        calling.open_counter(c2, u2, at=at(0))
        first = calling.call_next_ticket(c1, u1, at=at(5))
        calling.finish(first, resident_id=person.id, counter=c1, at=at(6))
        calling.call_next_ticket(c1, u1, at=at(7))
        second = calling.call_next_ticket(c2, u2, at=at(8))
        calling.recall(second, counter=c2, at=at(9))
        db.session.commit()


def test_board_state(app, q):
    call_some(app, q)
    with app.app_context():
        board = board_state()
        assert board.latest.code == "A-002" and board.latest.counter_number == 2 and board.latest.is_recall
        assert board.latest.service == "Pengantar KTP/KK"
        # One entry per ticket (A-002 was called twice: one entry, marked), newest first.
        assert [(c.code, c.counter_number, c.is_recall) for c in board.recent] == [
            ("A-002", 2, True), ("B-001", 1, False), ("A-001", 1, False)]
        assert board.latest.text == "Nomor antrian A dua, silakan ke loket dua"
        assert [(r.number, r.open, r.code) for r in board.counters] == [(1, True, "B-001"), (2, True, "A-002"),
                                                                        (3, False, None)]
        assert [(r.prefix, r.count, r.next_codes) for r in board.waiting] == [("A", 0, []), ("B", 1, ["B-002"]),
                                                                              ("C", 0, [])]
        assert board.token == current_token()


def test_board_shows_what_is_true_now(app, q):
    """A returned ticket leaves the board; a finished one stays in the history; a closed counter reads '—'."""
    call_some(app, q)
    with app.app_context():
        c1, c2 = db.session.get(Counter, q.counter1), db.session.get(Counter, q.counter2)
        u2 = db.session.get(User, q.clerk2)
        a2 = calling.current_ticket(c2)
        calling.return_to_queue(a2, counter=c2)
        calling.close_counter(c2, u2, at=at(10))
        db.session.commit()
        board = board_state()
        assert board.latest.code == "B-001" and board.latest.counter_number == 1  # the one still at a counter
        assert [c.code for c in board.recent] == ["B-001", "A-001"]
        assert [(r.number, r.open, r.code) for r in board.counters][:2] == [(1, True, "B-001"), (2, False, None)]
        assert [(r.prefix, r.next_codes) for r in board.waiting][0] == ("A", ["A-002"])
        calling.finish(calling.current_ticket(c1), counter=c1, at=at(11))
        db.session.commit()
        board = board_state()
        assert board.latest is None and [c.code for c in board.recent] == ["B-001", "A-001"]
    html = render_board(app)
    assert "Selamat datang" in html and 'data-counter="2"' in html
    assert re.search(r'data-counter="2">\s*<span class="counter-number">Loket 2</span>\s*'
                     r'<span class="counter-state">tutup</span>\s*<span class="counter-code">—</span>', html)


def render_board(app):
    from flask import render_template

    with app.test_request_context("/layar"):
        return render_template("queue/_board.html", board=board_state())


def test_next_numbers_follow_the_call_order(app, q):
    with app.app_context():
        for number, minute, priority in ((1, 1, None), (2, 2, None), (3, 3, "lansia"), (4, 4, None), (5, 5, None),
                                         (6, 6, None)):
            add_ticket(q.ktp, number, minute, priority=priority)
        db.session.commit()
        board = board_state()
        assert (board.waiting[0].count, board.waiting[0].next_codes) == (6, ["A-003", "A-001", "A-002", "A-004"])
    html = render_board(app)
    assert re.sub(r"<[^>]+>", "", html.split('class="waiting-next" data-service="A">')[1].split("</li>")[0]) == (
        "A-003 A-001 A-002 A-004")


def test_display_needs_a_display_device(app, client, q, login_as):
    response = client.get("/layar")
    assert response.status_code == 302 and "/perangkat/pasang" in response.headers["Location"]
    assert client.get("/layar/status?v=x", headers=HX).status_code == 401
    login_as("admin")  # staff are not displays either
    assert client.get("/layar").status_code == 302
    with app.app_context():
        _kiosk, kiosk_token = paired_device("kiosk", "Kiosk depan")
    client.set_cookie("kupang_device", kiosk_token)
    assert client.get("/layar").status_code == 403
    assert client.get("/layar/status").status_code == 403


def test_display_page_shows_the_board_and_no_personal_data(app, display_client, q):
    call_some(app, q)
    html = display_client.get("/layar").get_data(as_text=True)
    assert "A-002" in html and "LOKET 2" in html and "B-001" in html
    assert "Yohanes" not in html and "5371050101800003" not in html and "537105******0003" not in html
    assert 'data-text="Nomor antrian A dua, silakan ke loket dua"' in html
    assert "style=" not in html and "<script>" not in html and " on" not in html.replace(" one", "")
    assert "WITA" in html and "ticker-text" in html


def test_poll_is_204_while_unchanged_and_the_fragment_after_a_change(app, display_client, q):
    first = display_client.get("/layar/status?v=stale", headers=HX)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "<html" not in html and 'id="board"' in html
    token = html.split('data-token="')[1].split('"')[0]
    unchanged = display_client.get(f"/layar/status?v={token}", headers=HX)
    assert unchanged.status_code == 204 and unchanged.data == b""
    call_some(app, q)
    changed = display_client.get(f"/layar/status?v={token}", headers=HX)
    assert changed.status_code == 200 and "A-002" in changed.get_data(as_text=True)


def test_unchanged_poll_reads_only_the_device_and_the_marker(app, display_client, q):
    token = display_client.get("/layar/status", headers=HX).get_data(as_text=True).split('data-token="')[1]
    token = token.split('"')[0]
    display_client.get(f"/layar/status?v={token}", headers=HX)  # device last-seen write happens at most once
    statements = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "select pg_", "SELECT 1")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert display_client.get(f"/layar/status?v={token}", headers=HX).status_code == 204
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 2, statements
    assert "device" in statements[0] and "queue_marker" in statements[1]


def test_recall_and_running_text_change_the_token(app, display_client, q, client, login_as):
    call_some(app, q)
    with app.app_context():
        before = marker_version()
    display_client.set_cookie("kupang_device", "", expires=0)
    login_as("admin")
    response = client.post("/admin/teks-berjalan", data={"text": "  Layanan   tutup pukul 15.00 WITA  "})
    assert response.status_code == 303
    with app.app_context():
        assert get_setting("running_text") == "Layanan tutup pukul 15.00 WITA"
        assert marker_version() == before + 1


def test_running_text_admin_only_and_validated(app, client, q, login_as, auth):
    auth.login("clerk1")
    assert client.get("/admin/teks-berjalan").status_code == 403
    client.post("/keluar")
    login_as("admin", "admin1")
    page = client.get("/admin/teks-berjalan").get_data(as_text=True)
    assert "Teks berjalan" in page
    empty = client.post("/admin/teks-berjalan", data={"text": "   "})
    assert empty.status_code == 400 and "tidak boleh kosong" in empty.get_data(as_text=True)
    long = client.post("/admin/teks-berjalan", data={"text": "x" * 301})
    assert long.status_code == 400 and "maksimal 300" in long.get_data(as_text=True)
    with app.app_context():
        assert get_setting("running_text") is None


def test_running_text_reaches_the_display(app, display_client, q):
    from kupang.settings import set_setting

    with app.app_context():
        set_setting("running_text", "Pelayanan KTP elektronik setiap Selasa")
        db.session.commit()
    html = display_client.get("/layar").get_data(as_text=True)
    assert 'data-running-text="Pelayanan KTP elektronik setiap Selasa"' in html


def test_revoked_display_is_cut_off(app, display_client, q):
    from kupang.queue.devices import revoke_device

    assert display_client.get("/layar").status_code == 200
    with app.app_context():
        revoke_device(db.session.get(Device, q.display_id), None)
        db.session.commit()
    assert display_client.get("/layar").status_code == 302
    response = display_client.get("/layar/status?v=x", headers=HX)
    assert response.status_code == 401 and response.headers["HX-Redirect"].endswith("/perangkat/pasang")


def test_empty_board(app, display_client, q):
    html = display_client.get("/layar").get_data(as_text=True)
    assert "Belum ada panggilan hari ini." in html and "Silakan ambil nomor antrian" in html
    with app.app_context():
        assert db.session.scalar(select(Device.kind).where(Device.id == q.display_id)) == "display"


def test_token_changes_with_the_day(app, q):
    from datetime import date

    from kupang.queue.display import board_token

    assert board_token(5, date(2026, 11, 27)) != board_token(5, date(2026, 11, 28))
    with app.app_context():
        assert board_state().token.startswith(f"{marker_version()}-")


def test_favicon_ico_is_served(client):
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect.headers["Location"] == "/static/favicon.ico"
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")


def test_a_transferred_ticket_is_called_with_its_number_under_its_new_service(app, q):
    """The resident holds A-001: the TV says A-001 and the counter that calls it, and shows the new service."""
    with app.app_context():
        add_ticket(q.ktp, 1, 1)
        c2, c3 = db.session.get(Counter, q.counter2), db.session.get(Counter, q.counter3)
        u1, u2 = db.session.get(User, q.clerk), db.session.get(User, q.clerk2)
        calling.open_counter(c2, u1, at=at(0))
        calling.open_counter(c3, u2, at=at(0))
        ticket = calling.call_next_ticket(c2, u1, at=at(5))
        calling.transfer(ticket, db.session.get(Service, q.domisili), counter=c2)
        db.session.commit()
        board = board_state()
        assert board.latest is None and board.recent == []  # waiting again: off the board
        assert [(r.prefix, r.next_codes) for r in board.waiting][:2] == [("A", []), ("B", ["A-001"])]
        calling.call_next_ticket(c3, u2, at=at(8))
        db.session.commit()
        board = board_state()
        assert (board.latest.code, board.latest.counter_number, board.latest.service) == (
            "A-001", 3, "Surat Keterangan Domisili")
        assert board.latest.text == "Nomor antrian A satu, silakan ke loket tiga"
        assert board.latest.is_recall  # called before, at counter 2
