"""Kiosk and TV in Chromium when things go wrong: server errors, unknown pages, a stale form, a lost network.

A device shows its own "Sebentar, menyambung kembali…" and comes back to /kiosk or /layar by itself; it is
never sent to the login page or shown the staff error page, and an htmx or poll error leaves its page whole.
"""
import pytest

from kupang.queue import views_display, views_kiosk
from tests.queue.core_fixtures import add_service, paired_device
from tests.queue.test_queue_browser import device_context, open_display, wait_until

pytestmark = pytest.mark.browser
BACK_WITHIN_MS = 20000


class Switch:
    """A view part that crashes while on (monkeypatched into the live server's module)."""

    def __init__(self, real):
        self.real, self.on = real, True

    def __call__(self, *args, **kwargs):
        if self.on:
            raise RuntimeError("database is locked")
        return self.real(*args, **kwargs)


@pytest.fixture
def devices(app):
    with app.app_context():
        service = add_service("Pengaduan", "H", allow_priority=False)
        return {"service": service, "kiosk": paired_device("kiosk", "Kiosk")[1],
                "display": paired_device("display", "TV")[1]}


def assert_device_error_page(page):
    """The device's page is showing: its words, no login link, no staff page."""
    page.wait_for_selector(".device-error")
    assert "Sebentar, menyambung kembali…" in page.inner_text("body")
    assert page.locator("a[href*='/masuk'], a[href='/'], .error-page, .topbar").count() == 0


def test_kiosk_server_error_waits_and_comes_back(app, browser, live_server, devices, monkeypatch):
    switch = Switch(views_kiosk.kiosk_context)
    monkeypatch.setattr(views_kiosk, "kiosk_context", switch)
    context = device_context(browser, live_server, devices["kiosk"], 1366, 768)
    try:
        page = context.new_page()
        page.goto("/kiosk")
        assert_device_error_page(page)
        page.wait_for_timeout(4000)  # retries while the kiosk page still fails: stays on its own page
        assert_device_error_page(page)
        switch.on = False
        page.wait_for_selector(".kiosk-tile", timeout=BACK_WITHIN_MS)
        assert page.url.endswith("/kiosk")
    finally:
        context.close()


@pytest.mark.parametrize("path,token,home", [("/kiosk/tidak-ada", "kiosk", "/kiosk"),
                                             ("/layar/tidak-ada", "display", "/layar"),
                                             ("/kiosk", "display", "/layar"),
                                             ("/layar", "kiosk", "/kiosk")])
def test_unknown_page_or_wrong_device_returns_home(app, browser, live_server, devices, path, token, home):
    context = device_context(browser, live_server, devices[token], 1366, 768)
    try:
        page = context.new_page()
        page.goto(path)
        assert_device_error_page(page)
        page.wait_for_url(f"**{home}", timeout=BACK_WITHIN_MS)
        page.wait_for_selector(".kiosk-tile" if home == "/kiosk" else "#board")
    finally:
        context.close()


def test_stale_kiosk_form_gets_the_kiosk_page_and_a_fresh_form(app, browser, live_server, devices):
    app.config["WTF_CSRF_ENABLED"] = True
    context = device_context(browser, live_server, devices["kiosk"], 1366, 768)
    try:
        page = context.new_page()
        page.goto("/kiosk")
        page.evaluate("document.querySelector('input[name=csrf_token]').value = 'stale'")
        page.locator(".kiosk-tile").first.click()
        assert_device_error_page(page)
        page.wait_for_selector(".kiosk-tile", timeout=BACK_WITHIN_MS)
        page.locator(".kiosk-tile").first.click()  # the fresh page's form works
        page.wait_for_url("**/cetak")
        assert page.locator(".t-number").inner_text() == "H-001"
    finally:
        context.close()


def test_kiosk_without_network_says_so_and_recovers(app, browser, live_server, devices, monkeypatch):
    context = device_context(browser, live_server, devices["kiosk"], 1366, 768)
    try:
        page = context.new_page()
        posts = []
        page.on("request", lambda req: posts.append(req.url) if req.method == "POST" else None)
        page.goto("/kiosk")
        # An htmx refresh that fails on the server leaves the tiles as they were.
        switch = Switch(views_kiosk.kiosk_context)
        monkeypatch.setattr(views_kiosk, "kiosk_context", switch)
        page.evaluate("htmx.ajax('GET', '/kiosk/layanan', {target: '#kiosk-services', swap: 'outerHTML'})")
        page.wait_for_timeout(500)
        assert page.locator(".kiosk-tile").count() == 1 and page.locator("#kiosk-offline").is_hidden()
        monkeypatch.undo()
        context.set_offline(True)
        page.locator(".kiosk-tile").first.click()
        page.wait_for_selector("#kiosk-offline", state="visible")
        assert "Sebentar, menyambung kembali…" in page.inner_text("#kiosk-offline")
        assert page.url.endswith("/kiosk") and not posts  # nothing sent, no browser error page
        context.set_offline(False)
        page.wait_for_selector("#kiosk-offline", state="hidden", timeout=BACK_WITHIN_MS)
        page.wait_for_selector(".kiosk-tile")
        page.locator(".kiosk-tile").first.click()
        page.wait_for_url("**/cetak")
        assert len(posts) == 1
    finally:
        context.close()


def test_display_poll_errors_and_lost_network_keep_the_board(app, browser, live_server, devices, monkeypatch):
    context = device_context(browser, live_server, devices["display"])
    try:
        display = open_display(context)
        switch = Switch(views_display.board_state)
        monkeypatch.setattr(views_display, "board_state", switch)
        from kupang.db import write_intent
        from kupang.extensions import db
        from kupang.queue.numbering import bump_marker

        with app.app_context(), write_intent():
            bump_marker()  # the board changed: the next poll asks for the fragment, which fails
            db.session.commit()
        display.wait_for_selector("#offline", state="visible")
        assert "Sebentar, menyambung kembali…" in display.inner_text("#offline")
        assert display.locator("#board .latest").count() == 1 and display.url.endswith("/layar")
        switch.on = False
        display.wait_for_selector("#offline", state="hidden")
        context.set_offline(True)
        display.wait_for_selector("#offline", state="visible")
        context.set_offline(False)
        display.wait_for_selector("#offline", state="hidden")
        wait_until(display, "window.KupangDisplay.failures === 0")
        assert display.locator("#board .latest").count() == 1
        assert not [e for e in display.errors if "Content Security Policy" in e], display.errors
    finally:
        context.close()
