"""Every queue page in Chromium at 390x844, 1024x768, 1366x768 and 1920x1080: no console error, no CSP
violation, no failed request, nothing wider than the screen, the heading on screen. Screenshots go to
test-output/ for a person to look at (the kiosk, the TV and the counter have their own layout tests).
"""
import os

import pytest
from sqlalchemy import select

from kupang.extensions import db
from kupang.queue.models import Ticket
from tests.conftest import PASSWORD
from tests.layout import VIEWPORTS, console_problems, inside_viewport, no_horizontal_scroll
from tests.queue.calling_fixtures import add_ticket, make_queue
from tests.queue.core_fixtures import paired_device

pytestmark = pytest.mark.browser
ADMIN_PAGES = ["/admin/layanan", "/admin/layanan/baru", "/admin/layanan/{service}", "/admin/loket",
               "/admin/loket/baru", "/admin/loket/{counter}", "/admin/perangkat", "/admin/teks-berjalan",
               "/loket", "/tiket/{token}/cetak?kembali=/loket"]
PUBLIC_PAGES = ["/antrian/{token}", "/perangkat/pasang"]
DEVICE_PAGES = {"kiosk": ["/kiosk", "/kiosk/pilih/{service}", "/tiket/{kiosk_token}/cetak"], "display": ["/layar"]}


@pytest.fixture
def world(app, make_user):
    q = make_queue(app)
    make_user("admin", "admin1")
    with app.app_context():
        ticket = add_ticket(q.ktp, 1, 1)
        kiosk_id, kiosk = paired_device("kiosk", "Kiosk depan")
        _display_id, display = paired_device("display", "TV ruang tunggu")
        printed = add_ticket(q.domisili, 1, 2)
        printed.issued_by_device_id = kiosk_id
        db.session.commit()
        values = {"service": q.ktp, "counter": q.counter1, "token": ticket.token, "kiosk_token": printed.token}
        assert db.session.scalar(select(Ticket.id).where(Ticket.token == printed.token))
    return values, {"kiosk": kiosk, "display": display}


def visit(page, path, screenshot_dir, sizes):
    """Open a page at each size; assert it is clean and fits; screenshot it."""
    problems = console_problems(page)
    for name, (width, height) in sizes.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        page.wait_for_timeout(150)
        stem = path.strip("/").split("?")[0].replace("/", "_")[:60] or "root"
        page.screenshot(path=os.path.join(screenshot_dir, f"{stem}-{name}.png"), full_page=True)
        no_horizontal_scroll(page)
        inside_viewport(page, "h1, .kiosk-title, .t-number, .latest-code, .number")
    assert not problems, (path, problems)


def login(page, username):
    page.goto("/masuk")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_staff_and_public_queue_pages(app, browser, live_server, page, world, screenshot_dir):
    values, _tokens = world
    for path in PUBLIC_PAGES:
        visit(page, path.format(**values), screenshot_dir, VIEWPORTS)
    login(page, "admin1")
    for path in ADMIN_PAGES:
        visit(page, path.format(**values), screenshot_dir, VIEWPORTS)


@pytest.mark.parametrize("kind", ["kiosk", "display"])
def test_device_pages(app, browser, live_server, world, screenshot_dir, kind):
    values, tokens = world
    sizes = {k: v for k, v in VIEWPORTS.items() if k != "phone"}  # a kiosk or TV is never a phone
    context = browser.new_context(base_url=live_server, locale="id-ID")
    context.add_cookies([{"name": "kupang_device", "value": tokens[kind], "url": live_server}])
    context.add_init_script("window.print = function () {};")
    try:
        page = context.new_page()
        for path in DEVICE_PAGES[kind]:
            visit(page, path.format(**values), screenshot_dir, sizes)
    finally:
        context.close()
