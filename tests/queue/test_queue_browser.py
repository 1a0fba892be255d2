"""Kiosk -> counter -> display in real Chromium: the call shows up, is announced once, survives a reload.

Call-to-display times are measured and written to test-output/, never asserted (bench/ has the targets).
"""
import json
import os
import time

import pytest
from sqlalchemy import select

from kupang.extensions import db
from kupang.queue.models import Device, Ticket
from tests.conftest import PASSWORD
from tests.queue.calling_fixtures import make_queue
from tests.queue.core_fixtures import paired_device

pytestmark = pytest.mark.browser
TV_SIZES = [(1920, 1080), (1366, 768)]


@pytest.fixture
def setup(app, make_user):
    """Services and counters, a clerk, a paired display and a paired kiosk."""
    ids = make_queue(app)
    ids.clerk = make_user("clerk", "clerk1")
    with app.app_context():
        ids.display_id, ids.display_token = paired_device("display", "TV ruang tunggu")
        ids.kiosk_id, ids.kiosk_token = paired_device("kiosk", "Kiosk depan")
    return ids


def wait_until(page, expression, timeout=15.0):
    """Poll a JS expression with page.evaluate until truthy (wait_for_function needs eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while True:
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.02)


def device_context(browser, live_server, token, width=1920, height=1080):
    """A browser context that carries a device token, like a paired TV or kiosk."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID", base_url=live_server)
    context.add_cookies([{"name": "kupang_device", "value": token, "url": live_server}])
    outside = []
    context.on("request", lambda req: None if req.url.startswith((live_server, "data:")) else outside.append(req.url))
    context.outside_requests = outside
    return context


def open_display(context):
    """Open /layar and wait until its script has adopted the board; console errors go to display.errors."""
    display = context.new_page()
    display.errors = []
    display.on("console", lambda msg: display.errors.append(msg.text) if msg.type == "error" else None)
    display.on("pageerror", lambda error: display.errors.append(str(error)))
    display.goto("/layar")
    wait_until(display, "window.KupangDisplay && window.KupangDisplay.token !== ''")
    wait_until(display, "window.KupangAnnouncer !== undefined")
    return display


def enable_sound(display):
    """Sound is on: Playwright's evaluate() counts as a user gesture, so no tap is needed here (the tap path is
    tested in test_announcer_browser with the default autoplay policy)."""
    assert display.evaluate("window.KupangAnnouncer.needsGesture") is False
    assert display.locator("#sound-enable").is_hidden()


def login_clerk(page, counter_id):
    page.goto("/masuk")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/loket")
    page.click(f"form:has(input[name=counter_id][value='{counter_id}']) button")
    page.wait_for_selector("#counter-panel")


def kiosk_issue(context, service_id):
    """Take a ticket at the real kiosk: tap the service, then "Umum"; the print view shows the number."""
    kiosk = context.new_page()
    response = kiosk.goto("/kiosk")
    assert response.status == 200
    kiosk.locator(f".kiosk-tile[data-service='{service_id}']").click()
    kiosk.wait_for_url("**/kiosk/pilih/**")
    kiosk.locator(".choice", has_text="Umum").click()
    kiosk.wait_for_url("**/tiket/**")
    code = kiosk.locator(".t-number").inner_text()
    kiosk.close()
    return code


def call_next_and_measure(page, display, code):
    """Press Panggil berikutnya; ms from the click until the display first showed the call."""
    clicked = page.evaluate("Date.now()")
    page.keyboard.press("F1")
    wait_until(display, f"document.querySelector('#latest-code').textContent.trim() === '{code}'")
    call_id = int(display.get_attribute("#latest-code", "data-call-id"))
    seen = display.evaluate(f"window.KupangDisplay.seen[{call_id}]")
    return seen - clicked


def test_kiosk_counter_display_round_trip(app, browser, live_server, page, setup, screenshot_dir):
    q = setup
    display_ctx = device_context(browser, live_server, q.display_token)
    kiosk_ctx = device_context(browser, live_server, q.kiosk_token, 1080, 1920)
    try:
        display = open_display(display_ctx)
        enable_sound(display)
        login_clerk(page, q.counter1)
        timings = []

        def issue_and_call(number):
            code = f"A-{number:03d}"
            assert kiosk_issue(kiosk_ctx, q.ktp) == code
            wait_until(page,
                "document.querySelector('#counter-waiting .waiting-own').textContent.trim() === '1'")
            timings.append(call_next_and_measure(page, display, code))
            assert page.locator("#counter-panel .current-code").inner_text() == code
            assert display.locator(".latest-counter").inner_text() == "LOKET 1"
            assert display.locator(".latest.is-new").count() == 1

        for number in (1, 2):
            issue_and_call(number)
            page.keyboard.press("s")  # Selesai
            wait_until(page, "document.querySelector('#counter-panel .current-code').textContent.trim() === '—'")
        issue_and_call(3)
        wait_until(display, "window.KupangAnnouncer.history.length >= 3", timeout=30)
        keys = [entry["key"] for entry in display.evaluate("window.KupangAnnouncer.history")]
        assert keys[:3] == [f"call-{i}" for i in (1, 2, 3)]
        page.screenshot(path=os.path.join(screenshot_dir, "loket-1366x768.png"), full_page=True)
        for width, height in TV_SIZES:
            display.set_viewport_size({"width": width, "height": height})
            display.wait_for_timeout(300)
            display.screenshot(path=os.path.join(screenshot_dir, f"layar-{width}x{height}.png"))
            body = display.inner_text("body")
            assert "Yohanes" not in body and "NIK" not in body
        with open(os.path.join(screenshot_dir, "call_to_display_ms.json"), "w") as fh:
            json.dump({"call_to_display_ms": timings, "ticket_source": "kiosk"}, fh)
        print(f"call-to-display (ms): {timings}; tickets from the kiosk")
        assert not display_ctx.outside_requests and not kiosk_ctx.outside_requests
        assert display.evaluate("getComputedStyle(document.getElementById('ticker-text')).animationName") == "ticker"
        assert display.evaluate(
            "document.getElementById('ticker-text').style.getPropertyValue('--ticker-seconds')").endswith("s")
        assert not [e for e in display.errors if "Content Security Policy" in e or "Error" in e], display.errors
    finally:
        display_ctx.close()
        kiosk_ctx.close()


def test_reload_does_not_replay_and_recall_announces_again(app, browser, live_server, page, setup):
    q = setup
    display_ctx = device_context(browser, live_server, q.display_token)
    try:
        display = open_display(display_ctx)
        enable_sound(display)
        login_clerk(page, q.counter1)
        _issue(app, q.ktp)
        call_next_and_measure(page, display, "A-001")
        wait_until(display, "window.KupangAnnouncer.history.length === 1", timeout=30)
        display.reload()
        wait_until(display, "window.KupangDisplay && window.KupangDisplay.token !== ''")
        enable_sound(display)
        polls = display.evaluate("window.KupangDisplay.polls")
        wait_until(display, f"window.KupangDisplay.polls >= {polls + 3}")
        assert display.evaluate("window.KupangAnnouncer.history.length") == 0
        assert display.evaluate("window.KupangAnnouncer.pending") == 0
        assert display.locator("#latest-code").inner_text() == "A-001"
        page.keyboard.press("r")  # Panggil ulang: a new call, announced again
        wait_until(display, "window.KupangAnnouncer.history.length === 1", timeout=30)
        entry = display.evaluate("window.KupangAnnouncer.history[0]")
        assert entry["text"] == "Nomor antrian A satu, silakan ke loket satu"
        assert display.locator("#recent-calls .recent-recall").count() == 1
    finally:
        display_ctx.close()


def _issue(app, service_id):
    from kupang.db import write_intent
    from kupang.queue.models import Service
    from kupang.queue.numbering import issue_ticket

    with app.app_context(), write_intent():
        issue_ticket(db.session.get(Service, service_id))
        db.session.commit()


def test_connection_lost_marker_and_recovery(app, browser, live_server, setup):
    q = setup
    display_ctx = device_context(browser, live_server, q.display_token)
    try:
        display = open_display(display_ctx)
        assert display.locator("#offline").is_hidden()
        display.route("**/layar/status*", lambda route: route.abort())
        display.wait_for_selector("#offline", state="visible")
        assert "Sebentar, menyambung kembali" in display.inner_text("#offline")
        _issue(app, q.ktp)
        display.unroute("**/layar/status*")
        display.wait_for_selector("#offline", state="hidden")
        wait_until(display, "document.querySelector('.waiting-count[data-service=\"A\"]').textContent === '1'")
    finally:
        display_ctx.close()


def test_revoked_display_is_cut_off(app, browser, live_server, setup):
    from kupang.queue.devices import revoke_device

    q = setup
    display_ctx = device_context(browser, live_server, q.display_token)
    try:
        display = open_display(display_ctx)
        with app.app_context():
            revoke_device(db.session.get(Device, q.display_id), None)
            db.session.commit()
        display.wait_for_url("**/perangkat/pasang**")
        assert "A-" not in display.inner_text("body")
        with app.app_context():
            assert db.session.scalar(select(Ticket.id)) is None
    finally:
        display_ctx.close()
