"""Chromium: log in, forced password change, 2FA enrolment, log out; screenshots at desktop and phone size."""
import os
import re

import pyotp
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "Sandi-Sendiri-2026"


def shoot(page, folder, name):
    """Screenshots of the current page at desktop and phone size (full page)."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(folder, f"{name}-{label}.png"), full_page=True)
        assert_fits(page, f"{name} at {label}")
    page.set_viewport_size(DESKTOP)


def assert_fits(page, where):
    """No sideways scrolling, and every visible button or link in the header is big enough to tap."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: page is {overflow}px wider than the screen"
    small = page.evaluate("""() => [...document.querySelectorAll(
            'header a, header button, header summary, main button, main .button')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim(), el.getBoundingClientRect().height])
        .filter(([text, height]) => height < 32)""")
    assert not small, f"{where}: touch targets under 32px: {small}"


def test_login_forced_change_2fa_and_logout(page, live_server, make_user, screenshot_dir):
    make_user("supervisor", "lurah", must_change=True, full_name="Lurah Naikoten Dua")
    page.goto("/")
    assert page.url.endswith("/masuk?next=/")
    shoot(page, screenshot_dir, "01-login")

    page.fill("#username", "lurah")
    page.fill("#password", "Salah-Sandi-1")
    page.click("button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "Nama pengguna atau kata sandi salah."
    shoot(page, screenshot_dir, "02-login-wrong")

    page.fill("#username", "lurah")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/akun/kata-sandi")
    assert "Kata sandi Anda dibuat oleh admin" in page.content()
    assert page.locator("nav.mainnav").count() == 0  # every link would lead back here
    shoot(page, screenshot_dir, "03-forced-change")

    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", "pendek")
    page.fill("#confirm", "pendek")
    page.click("main button[type=submit]")
    assert "Kata sandi minimal 10 karakter." in page.inner_text("main")
    shoot(page, screenshot_dir, "04-forced-change-error")

    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert "Selamat datang, Lurah Naikoten Dua" in page.inner_text("main")
    shoot(page, screenshot_dir, "05-home")

    page.goto("/akun/2fa")
    secret = page.inner_text("code.secret")
    assert page.locator(".qr svg").count() == 1
    shoot(page, screenshot_dir, "06-2fa-setup")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/akun")
    assert "Verifikasi dua langkah aktif" in page.inner_text("#flashes")
    shoot(page, screenshot_dir, "07-account")

    page.click("header button:has-text('Keluar')")
    page.wait_for_url("**/masuk")
    assert "Anda sudah keluar." in page.inner_text("#flashes")
    page.goto("/")
    assert "/masuk" in page.url

    page.fill("#username", "lurah")
    page.fill("#password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/masuk/verifikasi**")
    shoot(page, screenshot_dir, "08-2fa-login")
    assert not page.requests_outside


def test_admin_pages_fit_desktop_and_phone(page, live_server, make_user, screenshot_dir):
    make_user("admin", "admin1", full_name="Admin Kelurahan Naikoten Dua")
    for n in range(6):
        make_user("clerk", f"petugas{n}", full_name=f"Petugas Loket Nomor {n}")
    page.goto("/masuk")
    page.fill("#username", "admin1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    for name, path in (("home", "/"), ("users", "/pengguna"), ("user-edit", "/pengguna/2"),
                       ("user-new", "/pengguna/baru"), ("audit", "/audit"), ("not-found", "/tidak-ada")):
        page.goto(path)
        shoot(page, screenshot_dir, f"admin-{name}")
    nav = page.locator("nav.mainnav").bounding_box()
    assert nav["height"] < 45, f"the menu wraps: {nav['height']}px tall at desktop size"
    brand, user = page.locator(".brand").bounding_box(), page.locator(".userbox").bounding_box()
    assert abs(brand["y"] - user["y"]) < 12 and user["y"] < nav["y"], "user box left the first header row"
    assert not page.requests_outside
