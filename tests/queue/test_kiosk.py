"""The kiosk and the printed ticket: issuing by tap, double taps, refusals, print access, browser run."""
import re
from datetime import time

import pytest
from sqlalchemy import func, select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.devices import COOKIE_NAME
from kupang.queue.models import Service, Ticket

from .core_fixtures import add_counter, add_service, paired_device

NONCE = "n0nce-abcdefghijkl"
# Headless Chromium cannot show a print dialog: count the calls instead.
PRINT_SPY = "window.printCalls = 0; window.print = function () { window.printCalls += 1; };"
@pytest.fixture
def kiosk(app, client):
    """A paired kiosk: the client carries its cookie; returns the device id."""
    with app.app_context():
        device_id, token = paired_device("kiosk", "Kiosk ruang tunggu")
    client.set_cookie(COOKIE_NAME, token)
    return device_id


def ticket_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


def tap(client, service_id, nonce=NONCE, priority=""):
    return client.post("/kiosk/ambil", data={"service": service_id, "priority": priority, "nonce": nonce})


def test_kiosk_shows_open_services_with_requirements_waiting_and_estimate(app, client, kiosk, make_user):
    with app.app_context():
        b = add_service("Surat Keterangan Domisili", "B", requirements="Surat pengantar RT/RW\nKTP asli", sort_order=2)
        a = add_service("Pengantar KTP/KK", "A", sort_order=1, allow_priority=False)
        add_service("Pengaduan", "P", active=False)
        add_service("Kematian", "M", opens_at=time(0, 0), closes_at=time(0, 0, 1))
    body = client.get("/kiosk").get_data(as_text=True)
    assert body.index("Pengantar KTP/KK") < body.index("Surat Keterangan Domisili")
    assert "Surat pengantar RT/RW" in body and "KTP asli" in body
    # Nobody has opened a counter yet: no estimate, said plainly.
    assert "<strong>0</strong> menunggu" in body and body.count("belum ada loket buka") == 2
    assert "&lt; 5 menit" not in body
    assert "Pengaduan" not in body
    # A service without priority issues at once; one with priority asks which queue first.
    assert f'name="service" value="{a}"' in body and f'href="/kiosk/pilih/{b}"' in body
    assert 'name="priority"' not in body
    # A closed service is listed with its hours, without a button.
    assert "Kematian (00.00–00.00 WITA)" in body
    assert body.count('class="kiosk-tile') == 2
    assert "style=" not in body and "<script>" not in body
    clerk = make_user("clerk", "petugas")
    with app.app_context():
        add_counter(1, [a, b], open_by=clerk)
    body = client.get("/kiosk").get_data(as_text=True)
    assert body.count("&lt; 5 menit") == 2 and "belum ada loket buka" not in body


def test_priority_choice_comes_after_the_service(app, client, kiosk):
    with app.app_context():
        b = add_service("Surat Keterangan Domisili", "B", requirements="Surat pengantar RT/RW\nKTP asli")
        a = add_service("Pengantar KTP/KK", "A", allow_priority=False)
        m = add_service("Kematian", "M", opens_at=time(0, 0), closes_at=time(0, 0, 1))
    page = client.get(f"/kiosk/pilih/{b}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Surat Keterangan Domisili" in body
    labels = re.findall(r'<span class="choice-label">([^<]+)</span>', body)
    assert labels == ["Umum", "Lansia", "Penyandang disabilitas", "Ibu hamil atau membawa anak"]
    assert re.findall(r'name="priority" value="([^"]*)"', body) == ["", "lansia", "disabilitas", "ibu_anak"]
    assert f'name="service" value="{b}"' in body and 'name="nonce"' in body
    assert "Siapkan: Surat pengantar RT/RW · KTP asli" in body and 'href="/kiosk"' in body
    assert 'data-return-url="/kiosk" data-return-after="45"' in body  # left alone, it goes back to the tiles
    assert "style=" not in body and "/masuk" not in body
    # A service without priority has no choice to make: back to the tiles (which issue at once).
    assert client.get(f"/kiosk/pilih/{a}").headers["Location"] == "/kiosk"
    closed = client.get(f"/kiosk/pilih/{m}")
    assert closed.status_code == 409 and "hanya melayani pukul" in closed.get_data(as_text=True)
    assert client.get("/kiosk/pilih/999").status_code == 404
    nonce = re.search(r'name="nonce"[^>]*value="([^"]+)"', body).group(1)
    response = tap(client, b, nonce=nonce, priority="lansia")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ticket.priority)) == "lansia"


def test_kiosk_when_everything_is_closed(app, client, kiosk):
    with app.app_context():
        add_service("Kematian", "M", opens_at=time(0, 0), closes_at=time(0, 0, 1))
    body = client.get("/kiosk").get_data(as_text=True)
    assert "layanan antrian sedang tutup" in body
    assert 'class="kiosk-tile' not in body


def test_kiosk_services_fragment(app, client, kiosk):
    with app.app_context():
        add_service("Domisili", "A")
    response = client.get("/kiosk/layanan", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'id="kiosk-services"' in body and 'hx-trigger="every 20s"' in body


def test_tap_issues_a_ticket_and_shows_the_print_view(app, client, kiosk):
    with app.app_context():
        a = add_service("Surat Keterangan Domisili", "A", requirements="Surat pengantar RT/RW\nKTP asli")
    response = tap(client, a)
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.code == "A-001" and ticket.issued_by_device_id == kiosk and ticket.issue_nonce == NONCE
        token = ticket.token
    assert response.headers["Location"].endswith(f"/tiket/{token}/cetak")
    page = client.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("Kantor Kelurahan Naikoten Dua", "A-001", "Surat Keterangan Domisili", "WITA", "0 orang",
                 "Surat pengantar RT/RW", "css/ticket.css", 'data-autoprint="1"', 'data-return-url="/kiosk"'):
        assert text in body
    assert "ticket-80.css" not in body
    assert '<svg viewBox="0 0' in body and f"/antrian/{token}" not in body  # the link is in the QR only
    assert "style=" not in body and "<script>" not in body


def test_double_tap_with_the_same_nonce_gives_one_ticket(app, client, kiosk):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
    first = tap(client, a)
    second = tap(client, a)
    third = tap(client, b)  # another button of the same page: still the first tap's ticket
    assert first.headers["Location"] == second.headers["Location"] == third.headers["Location"]
    assert ticket_count(app) == 1
    assert tap(client, a, nonce="another-nonce-123456").status_code == 303
    assert ticket_count(app) == 2


def test_closed_service_gets_a_polite_message_and_no_ticket(app, client, kiosk):
    with app.app_context():
        m = add_service("Kematian", "M", opens_at=time(0, 0), closes_at=time(0, 0, 1))
    response = tap(client, m)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Mohon maaf" in body and "hanya melayani pukul 00.00–00.00 WITA" in body
    assert 'data-return-url="/kiosk"' in body
    assert ticket_count(app) == 0


def test_cap_reached_gets_a_polite_message(app, client, kiosk):
    with app.app_context():
        a = add_service("Domisili", "A", daily_cap=1)
    assert tap(client, a, nonce="first-tap-nonce-0001").status_code == 303
    response = tap(client, a, nonce="second-tap-nonce-002")
    assert response.status_code == 409
    assert "Kuota antrian Domisili hari ini sudah habis" in response.get_data(as_text=True)
    assert ticket_count(app) == 1
    tile = client.get("/kiosk").get_data(as_text=True)
    assert "Kuota hari ini sudah habis" in tile and "disabled" in tile


def test_priority_ticket_and_refused_priority(app, client, kiosk):
    with app.app_context():
        a = add_service("Domisili", "A", allow_priority=True)
        p = add_service("Pengaduan", "P", allow_priority=False)
    response = tap(client, p, nonce="prio-refused-nonce-1", priority="lansia")
    assert response.status_code == 409
    assert "tidak menyediakan antrian prioritas" in response.get_data(as_text=True)
    response = tap(client, a, nonce="prio-granted-nonce-1", priority="ibu_anak")
    assert response.status_code == 303
    assert "PRIORITAS: Ibu hamil atau membawa anak" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"service": "", "nonce": NONCE},
    {"service": "abc", "nonce": NONCE},
    {"service": "1", "nonce": ""},
    {"service": "1", "nonce": "<script>"},
])
def test_bad_kiosk_input_changes_nothing(app, client, kiosk, data):
    with app.app_context():
        add_service("Domisili", "A")
    response = client.post("/kiosk/ambil", data=data)
    assert response.status_code == 400
    assert "Silakan sentuh kembali" in response.get_data(as_text=True)
    assert ticket_count(app) == 0


def test_unknown_service_changes_nothing(app, client, kiosk):
    response = tap(client, 999)
    assert response.status_code == 404
    assert ticket_count(app) == 0


def test_kiosk_csrf_token_is_required_and_works(app, client, kiosk):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        a = add_service("Domisili", "A")
    assert client.post("/kiosk/ambil", data={"service": a, "nonce": NONCE}).status_code == 400
    page = client.get("/kiosk").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    nonce = re.search(r'name="nonce"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/kiosk/ambil", data={"service": a, "nonce": nonce, "csrf_token": csrf})
    assert response.status_code == 303


def test_print_view_access(app, client, kiosk, make_user, auth):
    with app.app_context():
        a = add_service("Domisili", "A")
        _other_id, other_token = paired_device("kiosk", "Kiosk lantai 2")
        _display_id, display_token = paired_device("display", "TV")
    url = tap(client, a).headers["Location"]
    assert client.get(url).status_code == 200
    assert client.get(url + "?lebar=80").status_code == 200
    assert "ticket-80.css" in client.get(url + "?lebar=80").get_data(as_text=True)
    client.set_cookie(COOKIE_NAME, other_token)
    assert client.get(url).status_code == 404  # another kiosk
    client.set_cookie(COOKIE_NAME, display_token)
    assert client.get(url).status_code == 302  # a display is no kiosk: login page
    client.delete_cookie(COOKIE_NAME)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/masuk" in anonymous.headers["Location"]
    make_user("clerk", "petugas")
    auth.login("petugas")
    staff = client.get(url + "?kembali=/loket").get_data(as_text=True)
    assert "A-001" in staff and 'data-return-url="/loket"' in staff
    assert 'data-return-url="//evil' not in client.get(url + "?kembali=//evil.example").get_data(as_text=True)
    assert client.get("/tiket/tidak-ada/cetak").status_code == 404


def test_no_name_or_nik_on_kiosk_ticket_or_status(app, client, kiosk, make_user):
    from kupang.registry.models import Resident

    with app.app_context():
        clerk = make_user("clerk", "yuliana7", full_name="Maria Ndun")
        a = add_service("Domisili", "A")
    url = tap(client, a).headers["Location"]
    with app.app_context(), write_intent():
        resident = Resident(nik="5371054107900001", name="Yosefina Bana Kolo", sex=2, kelurahan_code="5371051005")
        db.session.add(resident)
        db.session.flush()
        ticket = db.session.scalar(select(Ticket))
        ticket.resident_id, ticket.clerk_id, ticket.note = resident.id, clerk, "Yosefina Bana Kolo 5371054107900001"
        token = ticket.token
        db.session.commit()
    pages = [client.get("/kiosk"), client.get(url), client.get(f"/antrian/{token}"),
             client.get(f"/antrian/{token}/status")]
    for page in pages:
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        for secret in ("Yosefina", "Kolo", "5371054107900001", "537105", "Maria Ndun", "yuliana7"):
            assert secret not in body


def test_service_form_data_reaches_the_kiosk(app, client, kiosk):
    with app.app_context(), write_intent():
        a = add_service("Domisili", "A")
        db.session.get(Service, a).requirements = "Fotokopi KK\nSurat pengantar RT\nKTP\nPas foto\nMaterai"
        db.session.commit()
    body = client.get("/kiosk").get_data(as_text=True)
    assert "+2 persyaratan lain" in body and "5 persyaratan · tercetak di tiket" in body


def wait_for_print(page, patience_ms=15000):
    """The number of print() calls once there is at least one (polled; the CSP forbids wait_for_function)."""
    for _ in range(patience_ms // 100):
        calls = page.evaluate("window.printCalls")
        if calls:
            return calls
        page.wait_for_timeout(100)
    return 0


@pytest.mark.browser
def test_kiosk_in_a_browser_issues_and_prints_a_58mm_ticket(app, browser, live_server, screenshot_dir):
    """Tap a service in Chromium, land on the print view; screenshots at 1920x1080, 1366x768 and 58 mm."""
    import os

    with app.app_context():
        for i, (name, prefix, reqs) in enumerate([
            ("Pengantar KTP/KK", "A", "Surat pengantar RT/RW\nKartu Keluarga asli\nPas foto 3x4 (2 lembar)"),
            ("Surat Keterangan Domisili", "B", "Surat pengantar RT/RW\nKTP asli dan fotokopi\nKartu Keluarga"),
            ("SKTM", "C", "Surat pengantar RT/RW\nKTP dan KK\nSurat pernyataan tidak mampu"),
            ("Keterangan Usaha", "D", "Surat pengantar RT/RW\nKTP\nFoto tempat usaha"),
            ("Kelahiran", "E", "Surat keterangan lahir\nKTP ayah dan ibu\nKartu Keluarga\nBuku nikah\nSaksi 2 orang"),
            ("Kematian", "F", "Surat keterangan kematian\nKTP almarhum\nKartu Keluarga"),
            ("Pindah", "G", "Surat pengantar RT/RW\nKTP dan KK asli\nPas foto"),
            ("Pengaduan / Informasi", "H", ""),
        ]):
            add_service(name, prefix, requirements=reqs, sort_order=i, allow_priority=prefix != "H")
        _device_id, token = paired_device("kiosk", "Kiosk")
    def open_kiosk(width, height):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server,
                                      has_touch=True)
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": live_server}])
        context.add_init_script(PRINT_SPY)
        page = context.new_page()
        page.posts = []
        page.on("request", lambda req: page.posts.append(req.url) if req.method == "POST" else None)
        page.goto("/kiosk")
        assert page.locator(".kiosk-tile").count() == 8
        page.screenshot(path=os.path.join(screenshot_dir, f"kiosk-{width}x{height}.png"), full_page=True)
        # Every tile is fully on screen: nothing to scroll on the touch screen.
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
        return context, page

    # 1920x1080: a service without priority issues at once; a double tap sends one form.
    context, page = open_kiosk(1920, 1080)
    page.locator(".kiosk-tile", has_text="Pengaduan / Informasi").dblclick()
    page.wait_for_url("**/cetak")
    assert len(page.posts) == 1, page.posts
    assert page.locator(".t-number").inner_text() == "H-001"
    assert "PRIORITAS" not in page.locator(".ticket").inner_text()
    context.close()
    # 1366x768: a service with priority asks first: the elderly resident taps the service, then "Lansia".
    context, page = open_kiosk(1366, 768)
    page.locator(".kiosk-tile", has_text="Surat Keterangan Domisili").tap()
    page.wait_for_url("**/kiosk/pilih/**")
    page.screenshot(path=os.path.join(screenshot_dir, "kiosk-priority.png"))
    page.locator(".choice", has_text="Lansia").dblclick()
    page.wait_for_url("**/cetak")
    assert len(page.posts) == 1, page.posts
    assert page.locator(".t-number").inner_text() == "B-001"
    assert "PRIORITAS: Lansia" in page.locator(".ticket").inner_text()
    assert wait_for_print(page) == 1  # the ticket printed itself, once
    print_url = page.url
    context.close()
    context = browser.new_context(viewport={"width": 220, "height": 900}, base_url=live_server)
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": live_server}])
    context.add_init_script(PRINT_SPY)
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(print_url)
    ticket = page.locator(".ticket")
    box = ticket.bounding_box()
    assert 215 <= box["width"] <= 225  # 58 mm at 96 dpi
    ticket.screenshot(path=os.path.join(screenshot_dir, "ticket-58mm.png"))
    assert not page.locator(".ticket-actions").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    media_box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert abs(float(media_box.group(1)) - 58 / 25.4 * 72) < 2  # the page is 58 mm wide, not A4
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one strip of paper
    ticket_mm = box["height"] * 25.4 / 96
    page_mm = float(media_box.group(2)) * 25.4 / 72
    assert ticket_mm <= page_mm <= ticket_mm + 10  # kiosk.js sized the page to the ticket (CSS fallback: 170 mm)
    page.set_viewport_size({"width": 304, "height": 1000})
    page.goto(print_url + "?lebar=80")
    page.locator(".ticket").screenshot(path=os.path.join(screenshot_dir, "ticket-80mm.png"))
    pdf = page.pdf(prefer_css_page_size=True)
    media_box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert abs(float(media_box.group(1)) - 80 / 25.4 * 72) < 2
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one strip of paper, no second page
    context.close()
