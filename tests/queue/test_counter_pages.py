"""The counter page over HTTP: access, opening, each button (page and htmx fragment), search, walk-in."""
import re

import pytest
from sqlalchemy import func, select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Call, CounterSession, Ticket
from kupang.queue.views_counter import find_residents
from tests.queue.calling_fixtures import add_ticket, make_queue
from tests.queue.core_fixtures import paired_device

HX = {"HX-Request": "true"}


@pytest.fixture
def q(app):
    return make_queue(app)


@pytest.fixture
def clerk_at_counter(app, client, q, login_as):
    """clerk1 logged in with counter 1 open; returns the ids."""
    login_as("clerk", "clerk1")
    response = client.post("/loket/buka", data={"counter_id": q.counter1})
    assert response.status_code == 303
    return q


def tickets(app, *specs):
    """Add waiting tickets (service id, number, minute) and commit."""
    with app.app_context():
        for spec in specs:
            add_ticket(*spec)
        db.session.commit()


def status_of(app, code):
    with app.app_context():
        return db.session.scalar(select(Ticket.status).where(Ticket.code == code))


@pytest.mark.parametrize("role,expected", [("clerk", 200), ("admin", 200), ("supervisor", 403)])
def test_counter_page_roles(client, q, login_as, role, expected):
    login_as(role)
    assert client.get("/loket").status_code == expected


def test_counter_page_needs_login(client, q):
    response = client.get("/loket")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert client.post("/loket/aksi/panggil").status_code == 302


def test_device_token_cannot_reach_counter_or_admin_pages(app, client, q):
    with app.app_context():
        _device_id, token = paired_device("display", "TV ruang tunggu")
    client.set_cookie("kupang_device", token)
    for path in ("/loket", "/loket/antrian", "/loket/penduduk?cari=abc", "/admin/teks-berjalan"):
        response = client.get(path)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], path
    assert client.post("/loket/aksi/panggil").status_code == 302


def test_choose_and_open_a_counter(app, client, q, login_as):
    login_as("clerk")
    page = client.get("/loket").get_data(as_text=True)
    assert "Pilih loket" in page and "Buka loket 1" in page and "Buka loket 3" in page
    client.post("/loket/buka", data={"counter_id": q.counter2})
    page = client.get("/loket").get_data(as_text=True)
    assert "Loket 2" in page and "Panggil berikutnya" in page and "Tutup loket" in page


def test_open_unknown_or_taken_counter_is_refused(app, client, q, login_as, make_user):
    make_user("clerk", "clerk2")
    with app.app_context():
        db.session.add(CounterSession(counter_id=q.counter1, user_id=_user_id("clerk2")))
        db.session.commit()
    login_as("clerk")
    response = client.post("/loket/buka", data={"counter_id": 999}, follow_redirects=True)
    assert "Loket tidak ditemukan." in response.get_data(as_text=True)
    response = client.post("/loket/buka", data={"counter_id": q.counter1}, follow_redirects=True)
    assert "sedang dibuka oleh petugas lain" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CounterSession)) == 1


def _user_id(username):
    from kupang.auth.models import find_user

    return find_user(username).id


def test_call_page_and_fragment(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1), (q.ktp, 2, 2))
    response = client.post("/loket/aksi/panggil")
    assert response.status_code == 303
    page = client.get("/loket").get_data(as_text=True)
    assert "A-001" in page and "dipanggil ke loket 1" in page
    # htmx: the panel fragment with out-of-band flashes and stats, never a whole page
    client.post("/loket/aksi/selesai", data={"ticket_id": _ticket_id(app, "A-001")}, headers=HX)
    fragment = client.post("/loket/aksi/panggil", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="counter-panel"' in fragment and "A-002" in fragment
    assert 'id="flashes"' in fragment and 'hx-swap-oob="true"' in fragment and 'id="counter-stats"' in fragment


def _ticket_id(app, code):
    with app.app_context():
        return db.session.scalar(select(Ticket.id).where(Ticket.code == code))


def test_double_click_next_never_skips(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1), (q.ktp, 2, 2))
    client.post("/loket/aksi/panggil", headers=HX)
    second = client.post("/loket/aksi/panggil", headers=HX).get_data(as_text=True)
    assert "masih di loket ini" in second
    assert status_of(app, "A-001") == "called" and status_of(app, "A-002") == "waiting"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call)) == 1


def test_stale_page_cannot_act_on_another_ticket(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1), (q.ktp, 2, 2))
    client.post("/loket/aksi/panggil")
    first = _ticket_id(app, "A-001")
    client.post("/loket/aksi/selesai", data={"ticket_id": first})
    client.post("/loket/aksi/panggil")
    # A second click on the old page's Selesai must not finish A-002.
    response = client.post("/loket/aksi/selesai", data={"ticket_id": first}, headers=HX)
    assert "Tampilan loket sudah berubah" in response.get_data(as_text=True)
    assert status_of(app, "A-002") == "called"


def test_recall_start_finish_flow(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    tid = _ticket_id(app, "A-001")
    assert "dipanggil ulang" in client.post("/loket/aksi/ulang", data={"ticket_id": tid}, headers=HX).get_data(True)
    client.post("/loket/aksi/mulai", data={"ticket_id": tid})
    assert status_of(app, "A-001") == "serving"
    page = client.get("/loket").get_data(as_text=True)
    assert 'class="timer"' in page and "Dilayani" in page
    client.post("/loket/aksi/selesai", data={"ticket_id": tid, "note": "berkas lengkap"})
    assert status_of(app, "A-001") == "done"
    with app.app_context():
        assert [c.is_recall for c in db.session.scalars(select(Call).order_by(Call.id))] == [False, True]


def test_no_show_refused_before_recall_with_a_message(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    tid = _ticket_id(app, "A-001")
    response = client.post("/loket/aksi/tidak-hadir", data={"ticket_id": tid}, follow_redirects=True)
    assert "Panggil ulang nomor A-001 terlebih dahulu" in response.get_data(as_text=True)
    assert status_of(app, "A-001") == "called"
    client.post("/loket/aksi/ulang", data={"ticket_id": tid})
    client.post("/loket/aksi/tidak-hadir", data={"ticket_id": tid})
    assert status_of(app, "A-001") == "no_show"


def test_transfer_and_return(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    tid = _ticket_id(app, "A-001")
    bad = client.post("/loket/aksi/alihkan", data={"ticket_id": tid, "service_id": "x"}, follow_redirects=True)
    assert "Layanan tujuan tidak ditemukan" in bad.get_data(as_text=True)
    # Nobody serves SKTM: the ticket would never be called, so the transfer is refused.
    page = client.get("/loket").get_data(as_text=True)
    assert re.search(rf'<option value="{q.sktm}" disabled>C · SKTM — belum ada loket yang melayani</option>', page)
    nobody = client.post("/loket/aksi/alihkan", data={"ticket_id": tid, "service_id": q.sktm}, follow_redirects=True)
    assert "Belum ada loket yang melayani layanan SKTM" in nobody.get_data(as_text=True)
    assert status_of(app, "A-001") == "called"
    # Counter 1 serves Domisili too: the ticket stays here, now for Domisili.
    assert f'<option value="{q.domisili}">B · Surat Keterangan Domisili — tetap di loket ini</option>' in page
    stays = client.post("/loket/aksi/alihkan", data={"ticket_id": tid, "service_id": q.domisili},
                        follow_redirects=True).get_data(as_text=True)
    assert "sekarang tercatat untuk layanan Surat Keterangan Domisili dan tetap dilayani di loket 1" in stays
    with app.app_context():
        ticket = db.session.get(Ticket, tid)
        assert (ticket.code, ticket.service_id, ticket.status, ticket.counter_id) == ("A-001", q.domisili, "called",
                                                                                      q.counter1)
    tickets(app, (q.ktp, 2, 3))
    client.post("/loket/aksi/selesai", data={"ticket_id": tid})
    client.post("/loket/aksi/panggil")
    client.post("/loket/aksi/kembalikan", data={"ticket_id": _ticket_id(app, "A-002")})
    assert status_of(app, "A-002") == "waiting"


def test_transfer_to_another_counter_says_who_will_call(app, client, q, login_as, make_user):
    login_as("clerk", "clerk1")
    client.post("/loket/buka", data={"counter_id": q.counter2})  # serves Pengantar KTP/KK only
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    tid = _ticket_id(app, "A-001")
    page = client.get("/loket").get_data(as_text=True)
    assert "B · Surat Keterangan Domisili — loket 1 (tutup), loket 3 (tutup)" in page
    moved = client.post("/loket/aksi/alihkan", data={"ticket_id": tid, "service_id": q.domisili},
                        follow_redirects=True).get_data(as_text=True)
    assert ("Nomor A-001 dialihkan ke layanan Surat Keterangan Domisili dengan nomor dan urutan yang sama. "
            "Belum ada loket buka; akan dipanggil saat loket 1 atau loket 3 dibuka.") in moved
    with app.app_context():
        ticket = db.session.get(Ticket, tid)
        assert (ticket.code, ticket.service_id, ticket.status, ticket.counter_id) == ("A-001", q.domisili,
                                                                                      "waiting", None)
    clerk3 = make_user("clerk", "clerk3")
    with app.app_context(), write_intent():
        db.session.add(CounterSession(counter_id=q.counter3, user_id=clerk3))
        db.session.commit()
    tickets(app, (q.ktp, 2, 2))
    client.post("/loket/aksi/panggil")
    again = client.post("/loket/aksi/alihkan", data={"ticket_id": _ticket_id(app, "A-002"), "service_id": q.domisili},
                        follow_redirects=True).get_data(as_text=True)
    assert "Akan dipanggil oleh loket 3." in again
    # This counter does not serve Domisili: Panggil berikutnya does not call the transferred tickets back.
    assert "Tidak ada nomor yang menunggu" in client.post("/loket/aksi/panggil", follow_redirects=True).get_data(True)


def test_unknown_action_is_404(client, clerk_at_counter):
    assert client.post("/loket/aksi/hapus").status_code == 404


def test_close_counter(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    refused = client.post("/loket/tutup", follow_redirects=True).get_data(as_text=True)
    assert "masih di loket ini" in refused
    client.post("/loket/aksi/selesai", data={"ticket_id": _ticket_id(app, "A-001")})
    closed = client.post("/loket/tutup", follow_redirects=True).get_data(as_text=True)
    assert "Loket 1 ditutup." in closed and "Pilih loket" in closed


def test_waiting_poll_is_204_until_the_queue_changes(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    fragment = client.get("/loket/antrian", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="counter-waiting"' in html
    token = html.split("/loket/antrian?v=")[1].split('"')[0]
    unchanged = client.get(f"/loket/antrian?v={token}", headers=HX)
    assert unchanged.status_code == 204 and unchanged.data == b""
    client.post("/loket/aksi/panggil")
    assert client.get(f"/loket/antrian?v={token}", headers=HX).status_code == 200


def test_resident_search_shows_masked_nik_and_links_on_finish(app, client, clerk_at_counter):
    from kupang.registry.models import Resident

    q = clerk_at_counter
    with app.app_context():
        person = Resident(name="Maria Goreti Ndun", nik="5371054107900002", sex=2, kelurahan_code="5371051005",
                          rt="003", rw="001")
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    for query in ("mar", "goreti", "5371054107900002"):
        html = client.get(f"/loket/penduduk?cari={query}", headers=HX).get_data(as_text=True)
        assert "Maria Goreti Ndun" in html and "537105******0002" in html, query
        assert "5371054107900002" not in html
    assert "Tidak ada penduduk" in client.get("/loket/penduduk?cari=zzz", headers=HX).get_data(as_text=True)
    # Without JavaScript: the page itself takes ?cari= and lists the same choices in the finish form.
    page = client.get("/loket?cari=maria").get_data(as_text=True)
    assert f'name="resident_id" value="{person_id}"' in page
    client.post("/loket/aksi/selesai", data={"ticket_id": _ticket_id(app, "A-001"), "resident_id": person_id})
    with app.app_context():
        assert db.session.get(Ticket, _ticket_id(app, "A-001")).resident_id == person_id
        from kupang.audit import AuditLog

        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "queue_resident_linked")) is not None


def test_finish_with_bad_resident_changes_nothing(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    tid = _ticket_id(app, "A-001")
    for bad in ("abc", "99999"):
        html = client.post("/loket/aksi/selesai", data={"ticket_id": tid, "resident_id": bad},
                           follow_redirects=True).get_data(as_text=True)
        assert "Penduduk yang dipilih tidak" in html
    assert status_of(app, "A-001") == "called"


def test_find_residents_needs_a_real_query(app):
    with app.app_context():
        assert find_residents("ab") == [] and find_residents("12345") == [] and find_residents("%%%") == []


def test_walk_in_ticket(app, client, clerk_at_counter):
    q = clerk_at_counter
    response = client.post("/loket/tiket", data={"service_id": q.domisili, "priority": "lansia"}, headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "B-001" in html and 'id="counter-walkin"' in html
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.code == "B-001"))
        assert (ticket.priority, ticket.issued_by_user_id) == ("lansia", _user_id("clerk1"))
    with app.app_context():
        token = db.session.scalar(select(Ticket.token).where(Ticket.code == "B-001"))
    # The "Cetak tiket" link opens the print page, which leads back to the counter.
    assert f'href="/tiket/{token}/cetak?kembali=/loket"' in html and "Cetak tiket" in html
    # Without JavaScript: a redirect to the page, which shows the new number.
    response = client.post("/loket/tiket", data={"service_id": q.domisili})
    assert response.status_code == 303
    assert "B-002" in client.get(response.headers["Location"]).get_data(as_text=True)
    refused = client.post("/loket/tiket", data={"service_id": q.ktp, "priority": "vip"}, follow_redirects=True)
    assert "prioritas tidak dikenal" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_stats_panel(app, client, clerk_at_counter):
    q = clerk_at_counter
    tickets(app, (q.ktp, 1, 1))
    client.post("/loket/aksi/panggil")
    client.post("/loket/aksi/selesai", data={"ticket_id": _ticket_id(app, "A-001")})
    page = client.get("/loket").get_data(as_text=True)
    assert 'data-stat="served">1<' in page and "Rata-rata menunggu" in page


def test_htmx_action_without_an_open_counter_navigates_the_page(client, q, login_as):
    login_as("clerk")
    response = client.post("/loket/aksi/panggil", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/loket"
