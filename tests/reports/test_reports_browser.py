"""The reports in Chromium at 1366x768 and printed to A4 PDF: charts inside the page, tables under them,
the office header on paper; the survey tablet at 1024x768 and the ticket survey on a phone."""
import os
import random
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from kupang.db import write_intent
from kupang.extensions import db
from kupang.timeutil import office_today
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

REPORTS = [("antrian", "/laporan/antrian?periode=tahun", "#grafik-kedatangan"),
           ("penduduk-mutasi", "/laporan/penduduk?bagian=mutasi", "#tabel-mutasi"),
           ("penduduk-piramida", "/laporan/penduduk?bagian=piramida", "#grafik-piramida"),
           ("penduduk-rincian", "/laporan/penduduk?bagian=rincian", "#tabel-rincian-1"),
           ("penduduk-nik", "/laporan/penduduk?bagian=nik", "#grafik-nik"),
           ("skm", "/laporan/skm?periode=tahun", "#grafik-skm"),
           ("beranda", "/", "#panel-antrian"),
           ("audit", "/audit", ".audit-table"),
           ("akses", "/laporan/akses/1", ".audit-table")]


@pytest.fixture
def history(app):
    """A small office with a year of history: 400 residents, about 4,000 tickets, survey answers, snapshots."""
    with app.app_context(), write_intent():
        from kupang.auth.accounts import create_user
        from kupang.queue.seed import seed_services
        from kupang.registry.seed import seed_residents
        from kupang.reports import seed

        seed_residents(400, seed=3)
        seed_services()
        create_user("petugas1", "clerk", PASSWORD, must_change=False, full_name="Maria Ndun")
        db.session.commit()
        rng, today = random.Random(5), office_today()
        seed.seed_tickets(rng, today, per_year=4000)
        seed.seed_events(rng, today)
        seed.seed_survey(rng, today)
        seed.seed_snapshots(rng, today)
        db.session.commit()
        from kupang import audit

        audit.record("resident_viewed", "resident", 1, username="petugas1")
        audit.record("service_changed", "service", 1, closes_at=["16:00:00", "12:00:00"], username="admin")
        db.session.commit()


def log_in(page, make_user, role="supervisor"):
    make_user(role, f"{role}1")
    page.goto("/masuk")
    page.fill("input[name=username]", f"{role}1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def png_of_pdf(pdf, out_prefix):
    """First page of a PDF as PNG for a person to look at (pdftoppm from poppler-utils when installed)."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf, out_prefix], check=True,
                       timeout=60)


def test_every_report_on_screen_and_on_paper(page, make_user, history, screenshot_dir):
    log_in(page, make_user)
    for name, url, landmark in REPORTS:
        page.goto(url)
        expect(page.locator(landmark).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, f"{name} scrolls sideways ({width} px)"
        for svg in page.locator("svg.chart").all():
            b = svg.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 1366 and b["height"] > 40, (name, b)
        page.screenshot(path=os.path.join(screenshot_dir, f"{name}-1366.png"), full_page=True)
        page.emulate_media(media="print")
        expect(page.locator(".topbar")).to_be_hidden()
        if url != "/":
            expect(page.locator(".print-head").first).to_be_visible()
            pdf = os.path.join(screenshot_dir, f"{name}.pdf")
            page.pdf(path=pdf, prefer_css_page_size=True, print_background=True)
            with open(pdf, "rb") as fh:
                data = fh.read()
            assert data.startswith(b"%PDF") and len(data) > 2000
            landscape = name in ("antrian", "penduduk-mutasi", "penduduk-rincian", "audit", "akses")
            boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
            assert boxes, name
            w, h = (float(v) for v in boxes[0])
            assert (w > h) == landscape, (name, w, h)  # A4 landscape where wide, portrait elsewhere
            assert abs(max(w, h) - 842) < 3 and abs(min(w, h) - 595) < 3  # A4 in points
            png_of_pdf(pdf, os.path.join(screenshot_dir, f"{name}-pdf"))
        page.emulate_media(media="screen")


def test_the_print_header_names_office_report_and_period(page, make_user, history):
    log_in(page, make_user)
    page.goto("/laporan/skm?periode=tahun")
    page.emulate_media(media="print")
    head = page.locator(".print-head")
    expect(head).to_contain_text("KANTOR KELURAHAN")
    expect(head).to_contain_text("LAPORAN SURVEI KEPUASAN MASYARAKAT (SKM)")
    expect(head).to_contain_text("Periode: 12 bulan terakhir")
    expect(page.locator(".report-actions")).to_be_hidden()


def test_survey_tablet_and_phone(app, browser, live_server, history, screenshot_dir):
    from tests.queue.core_fixtures import paired_device

    with app.app_context():
        _id, token = paired_device("survey", "Tablet survei")
        from sqlalchemy import select

        from kupang.queue.models import Ticket

        ticket = db.session.scalar(select(Ticket).where(Ticket.status == "done").order_by(Ticket.id.desc()))
        ticket.finished_at = __import__("kupang.timeutil", fromlist=["now_utc"]).now_utc()
        with write_intent():
            db.session.commit()
        ticket_token = ticket.token
    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server, locale="id-ID")
    tablet.add_cookies([{"name": "kupang_device", "value": token, "url": live_server}])
    screen = tablet.new_page()
    screen.goto("/survei")
    screen.screenshot(path=os.path.join(screenshot_dir, "tablet-start-1024.png"))
    screen.click("text=Mulai survei")
    screen.click("text=Lainnya / tidak ingat")
    expect(screen.locator(".survey-progress")).to_contain_text("Pertanyaan 1 dari 9")
    answers = screen.locator(".survey-choice")
    assert answers.count() == 4
    for index in range(4):
        b = answers.nth(index).bounding_box()
        assert b["height"] >= 80 and b["y"] + b["height"] <= 768  # big buttons, all on screen
    screen.screenshot(path=os.path.join(screenshot_dir, "tablet-question-1024.png"))
    for _n in range(9):
        screen.locator(".survey-choice").nth(3).click()
    screen.screenshot(path=os.path.join(screenshot_dir, "tablet-profile-1024.png"))
    screen.click("text=Kirim")
    expect(screen.locator("h1")).to_contain_text("Terima kasih")
    tablet.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server, locale="id-ID")
    mobile = phone.new_page()
    mobile.goto(f"/antrian/{ticket_token}")
    mobile.click("text=Isi survei kepuasan")
    expect(mobile.locator("h1")).to_contain_text("Survei kepuasan")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    mobile.screenshot(path=os.path.join(screenshot_dir, "phone-survey-390.png"), full_page=True)
    phone.close()
