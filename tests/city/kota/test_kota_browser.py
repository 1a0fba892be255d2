"""/kota in Chromium on a phone (390x844) and a laptop (1366x768): every page fits the width (no sideways
scroll of the page; wide tables scroll inside their frame), the menu reaches the city pages. Screenshots in
test-output/ for a person to look at."""
import os

import pytest
from playwright.sync_api import expect

from tests.city.kota.fixtures import A, build_city, build_services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PAGES = [("ringkasan", "/kota", "#nik-kecamatan"), ("kecamatan", "/kota/kecamatan/53.71.05", "#nik-kelurahan"),
         ("kelurahan", f"/kota/kelurahan/{A}", "#nik-rw"),
         ("penduduk", "/kota/penduduk?bulan=2026-11", "#tabel-kota-1"),
         ("antrian", "/kota/antrian", "#tabel-kota-1"), ("skm", "/kota/skm", "#tabel-kota-1"),
         ("surat", "/kota/surat", "#tabel-kota-1"), ("dua-kelurahan", "/kota/dua-kelurahan", "#daftar-dua-kelurahan"),
         ("pindah", "/kota/pindah", "#daftar-pindah")]


def test_kota_pages_fit_a_phone_and_a_laptop(page, app, make_user, screenshot_dir):
    build_city(app)
    build_services(app)
    make_user("supervisor", "walikota")
    page.goto("/masuk")
    page.fill("input[name=username]", "walikota")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/kota"))
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for name, url, landmark in PAGES:
            page.goto(url)
            expect(page.locator(landmark)).to_be_visible()
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll} px)"
            page.screenshot(path=os.path.join(screenshot_dir, f"{name}-{width}.png"), full_page=True)
    # the phone's menu opens and reaches a city page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/kota")
    page.click("button.menu-toggle")
    page.locator("nav.mainnav summary", has_text="Penduduk antar kelurahan").click()
    page.locator("nav.mainnav a", has_text="Perpindahan antar kelurahan").click()
    page.wait_for_url(lambda url: url.endswith("/kota/pindah"))
