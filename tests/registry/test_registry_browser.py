"""In Chromium at 1366x768: search as you type, revealing a NIK, and an edit that shows a warning on blur."""
import os
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from tests.conftest import PASSWORD
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

pytestmark = pytest.mark.browser

BORN = date(1980, 3, 12)
NIK = nik_for(BORN, 1)


@pytest.fixture
def resident_id(app):
    with app.app_context(), write_intent():
        from kupang.registry.seed import seed_residents

        seed_residents(300, seed=7)
        family = add_family("5371050101200001", rt="001", rw="001", address="Jl. El Tari No. 3")
        resident = add_person("Yohanes Ndun", 1, BORN, 1, family, NIK, religion=2)
        add_person("Maria Ndun", 2, date(1982, 1, 5), 3, family, nik_for(date(1982, 1, 5), 2))
        commit()
        return resident.id


def log_in(page, make_user, role="clerk"):
    make_user(role, f"{role}1")
    page.goto("/masuk")
    page.fill("input[name=username]", f"{role}1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def test_search_as_you_type(page, make_user, resident_id, screenshot_dir):
    log_in(page, make_user)
    page.goto("/penduduk")
    page.evaluate("window.kupangMarker = 'same page'")
    page.locator("#q").press_sequentially("yohanes nd", delay=40)
    expect(page.locator("#results tbody tr").first).to_contain_text("Yohanes Ndun")
    assert page.evaluate("window.kupangMarker") == "same page"  # swapped in place, no reload
    assert "q=yohanes%20nd" in page.url
    first_row = page.locator("#results tbody tr").first
    assert "Yohanes Ndun" in first_row.inner_text() and "537105******0001" in first_row.inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "search-name.png"), full_page=True)

    page.fill("#q", "")
    page.locator("#q").press_sequentially(NIK, delay=10)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "Yohanes Ndun" in page.locator("#results").inner_text()
    assert NIK not in page.url and NIK not in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "search-nik.png"), full_page=True)

    page.fill("#q", "")
    page.locator("#q").press("Backspace")
    page.check("input[name=tanpa_nik]")
    expect(page).to_have_url(re.compile("tanpa_nik=1"))
    page.wait_for_selector("#results .tag-missing")
    page.screenshot(path=os.path.join(screenshot_dir, "search-missing-nik.png"), full_page=True)


def test_reveal_nik(page, make_user, resident_id, screenshot_dir):
    log_in(page, make_user, "supervisor")
    page.goto(f"/penduduk/{resident_id}")
    assert NIK not in page.content()
    assert "537105******0001" in page.locator("#numbers").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "resident-masked.png"), full_page=True)
    page.click("#numbers button:has-text('Tampilkan NIK')")
    page.wait_for_selector("#numbers.revealed")
    assert NIK in page.locator("#numbers").inner_text()
    assert "5371050101200001" in page.locator("#numbers").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "resident-revealed.png"), full_page=True)


def test_edit_with_a_warning(app, page, make_user, resident_id, screenshot_dir):
    log_in(page, make_user)
    page.goto(f"/penduduk/{resident_id}/ubah")
    page.fill("#nik", "5399 0512 0380 0001")
    page.locator("#nik").press("Tab")
    warning = page.locator("#nik-messages .warning")
    warning.wait_for()
    assert "kode lama sebelum pemekaran" in warning.inner_text()
    page.select_option("#sex", "2")
    expect(page.locator("#nik-messages")).to_contain_text("Jenis kelamin")
    page.screenshot(path=os.path.join(screenshot_dir, "edit-warning.png"), full_page=True)
    page.select_option("#sex", "1")
    page.fill("#kk_number", "5371 0501 0120 00O1")
    page.locator("#kk_number").press("Tab")
    page.locator("#kk_number-messages .error").wait_for()
    page.fill("#kk_number", "5371050101200001")
    page.locator("#kk_number").press("Tab")
    expect(page.locator("#kk_number-messages .error")).to_have_count(0)
    page.click("button[type=submit]:has-text('Simpan')")
    page.wait_for_url(f"**/penduduk/{resident_id}")
    flashes = page.locator("#flashes").inner_text()
    assert "Perubahan data Yohanes Ndun disimpan" in flashes and "peringatan" in flashes
    assert "5399 05******0001".replace(" ", "") in page.locator("#numbers").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "edit-saved.png"), full_page=True)
    with app.app_context():
        resident = db.session.scalar(select(Resident).where(Resident.id == resident_id))
        assert resident.nik == "5399051203800001" and resident.has_warnings
