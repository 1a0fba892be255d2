"""The kiosk fits its screens: 10 services at 1024x768, 1280x800, 1366x768, 1920x1080 and 1080x1920 (portrait).

Every tile is on screen, none overlaps another or the header, no text is cut (a long estimate like
"± 1 jam 40 menit" included), nothing scrolls; the priority choice after a service fits the same screens.
Screenshots go to test-output/ for a person to look at.
"""
import os
from datetime import time

import pytest

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.devices import COOKIE_NAME
from kupang.queue.models import Service
from kupang.queue.numbering import issue_ticket
from tests.layout import inside_viewport, no_horizontal_scroll, no_overlap, not_clipped
from tests.queue.core_fixtures import add_counter, add_service, paired_device

pytestmark = pytest.mark.browser
KIOSK_SIZES = [(1024, 768), (1280, 800), (1366, 768), (1920, 1080), (1080, 1920)]
SERVICES = [
    ("Pengantar KTP-el / Kartu Keluarga", "A", "Surat pengantar RT/RW\nKartu Keluarga asli\nPas foto 3x4 (2 lembar)"),
    ("Surat Keterangan Domisili", "B", "Surat pengantar RT/RW\nKTP asli dan fotokopi\nKartu Keluarga"),
    ("Surat Keterangan Tidak Mampu (SKTM)", "C", "Surat pengantar RT/RW\nKTP dan KK\nSurat pernyataan tidak mampu"),
    ("Surat Keterangan Usaha", "D", "Surat pengantar RT/RW\nKTP\nFoto tempat usaha"),
    ("Surat Keterangan Kelahiran", "E", "Surat keterangan lahir\nKTP ayah dan ibu\nKartu Keluarga\nBuku nikah\n"
                                        "Saksi 2 orang"),
    ("Surat Keterangan Kematian", "F", "Surat keterangan kematian\nKTP almarhum\nKartu Keluarga"),
    ("Surat Pindah / Datang", "G", "Surat pengantar RT/RW\nKTP dan KK asli\nPas foto"),
    ("Pengaduan dan Informasi", "H", ""),
    ("Legalisasi Dokumen", "I", "Dokumen asli\nFotokopi dokumen"),
    ("Surat Keterangan Ahli Waris", "J", "Surat pengantar RT/RW\nAkta kematian\nKK dan KTP para ahli waris\n"
                                         "Surat pernyataan ahli waris"),
]
TILE_TEXT = ".kiosk-tile, .tile-name, .tile-status, .tile-reqs, .tile-reqs-count, .kiosk-later, .kiosk-hint"


@pytest.fixture
def kiosk_world(app, make_user):
    """Ten services (one with 20 people waiting and one counter open, so its wait is long), a paired kiosk."""
    clerk = make_user("clerk", "clerk1")
    with app.app_context():
        ids = [add_service(name, prefix, requirements=reqs, sort_order=i, allow_priority=prefix not in "HI",
                           minutes_per_ticket=5)
               for i, (name, prefix, reqs) in enumerate(SERVICES)]
        add_counter(1, ids, open_by=clerk)
        with write_intent():
            first = db.session.get(Service, ids[0])
            for _ in range(20):
                issue_ticket(first)
            db.session.commit()
        _device_id, token = paired_device("kiosk", "Kiosk")
    return ids, token


def kiosk_page(browser, live_server, token, width, height):
    """A kiosk browser (touch) of the given size; console errors and CSP reports collect on page.errors."""
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server, has_touch=True,
                                  locale="id-ID")
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": live_server}])
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def assert_kiosk_fits(page):
    """Tiles, header, hint and the closed-services line on screen, apart, uncut; nothing scrolls."""
    inside_viewport(page, ".kiosk-tile")
    inside_viewport(page, ".kiosk-head")
    no_overlap(page, ".kiosk-tile", ".kiosk-head", ".kiosk-hint", ".kiosk-later")
    not_clipped(page, TILE_TEXT)
    no_horizontal_scroll(page)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    for index in range(page.locator(".kiosk-tile").count()):
        tile = page.locator(".kiosk-tile").nth(index).bounding_box()
        assert tile["width"] >= 150 and tile["height"] >= 100, tile  # a finger-sized target


@pytest.mark.parametrize("width,height", KIOSK_SIZES)
def test_ten_services_fit_the_kiosk(app, browser, live_server, kiosk_world, screenshot_dir, width, height):
    ids, token = kiosk_world
    context, page = kiosk_page(browser, live_server, token, width, height)
    try:
        page.goto("/kiosk")
        assert page.locator(".kiosk-tile").count() == 10
        page.screenshot(path=os.path.join(screenshot_dir, f"kiosk-{width}x{height}.png"))
        assert_kiosk_fits(page)
        long_wait = page.locator(f".kiosk-tile[data-service='{ids[0]}'] .tile-status").inner_text()
        assert "20 menunggu" in long_wait and "± 1 jam 40 menit" in long_wait
        # The choice after a service: four large buttons, in order, on screen and apart.
        page.locator(f".kiosk-tile[data-service='{ids[4]}']").tap()
        page.wait_for_url("**/kiosk/pilih/**")
        page.screenshot(path=os.path.join(screenshot_dir, f"kiosk-pilih-{width}x{height}.png"))
        labels = page.locator(".choice .choice-label").all_inner_texts()
        assert labels == ["Umum", "Lansia", "Penyandang disabilitas", "Ibu hamil atau membawa anak"]
        inside_viewport(page, ".choice")
        inside_viewport(page, ".kiosk-back")
        no_overlap(page, ".choice", ".kiosk-head", ".kiosk-hint", ".choice-foot")
        not_clipped(page, ".choice, .choice-label, .kiosk-hint, .choice-reqs")
        no_horizontal_scroll(page)
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
        for index in range(4):
            choice = page.locator(".choice").nth(index).bounding_box()
            assert choice["width"] >= 250 and choice["height"] >= 120, choice
        assert not page.errors, page.errors
    finally:
        context.close()


def test_closed_services_line_stays_clear_of_the_tiles(app, browser, live_server, kiosk_world, screenshot_dir):
    ids, token = kiosk_world
    with app.app_context(), write_intent():
        for service_id in ids[8:]:
            service = db.session.get(Service, service_id)
            service.opens_at, service.closes_at = time(0, 0), time(0, 0, 1)
        db.session.commit()
    for width, height in ((1366, 768), (1024, 768)):
        context, page = kiosk_page(browser, live_server, token, width, height)
        try:
            page.goto("/kiosk")
            assert page.locator(".kiosk-tile").count() == 8
            assert "Di luar jam layanan sekarang" in page.locator(".kiosk-later").inner_text()
            page.screenshot(path=os.path.join(screenshot_dir, f"kiosk-closed-{width}x{height}.png"))
            assert_kiosk_fits(page)
            inside_viewport(page, ".kiosk-later")
        finally:
            context.close()
