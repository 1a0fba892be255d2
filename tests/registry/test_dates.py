"""Dates: one reading format everywhere ("12 Maret 1990"), typed as tanggal-bulan-tahun whatever the browser's
language, and a field's error cleared as soon as the field is corrected."""
import os
from datetime import date

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from kupang.timeutil import format_date_id, format_date_input, parse_date_id
from tests.conftest import PASSWORD
from tests.layout import inside_viewport
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

BORN = date(1980, 3, 12)
NIK = nik_for(BORN, 1)


@pytest.mark.parametrize("typed", ["12-03-1980", "12/03/1980", "12.3.1980", " 12-3-1980 ", "1980-03-12"])
def test_dates_typed_the_indonesian_way(typed):
    assert parse_date_id(typed) == BORN


@pytest.mark.parametrize("typed", ["03/12/80", "31-02-1990", "1990/03/12", "12 Maret 1990", "12-03-19900", "", "x"])
def test_other_dates_are_refused_with_a_clear_message(typed):
    with pytest.raises(ValueError, match="tulis tanggal-bulan-tahun, misalnya 17-08-1990"):
        parse_date_id(typed)


def test_one_reading_format():
    assert format_date_id(BORN) == "12 Maret 1980"
    assert format_date_id("1980-03-12") == "12 Maret 1980"  # as history rows store it
    assert format_date_id("bukan tanggal") == "bukan tanggal" and format_date_id(None) == ""
    assert format_date_input(BORN) == "12-03-1980"


@pytest.fixture
def pair(app):
    """Yohanes with a NIK and the same person recorded again without one."""
    with app.app_context(), write_intent():
        family = add_family("5371050101200001")
        first = add_person("Yohanes Ndun", 1, BORN, 1, family, NIK)
        second = add_person("Yohanes Ndun", 1, BORN, None, None, None)
        commit()
        return first.id, second.id


def test_history_merge_page_and_import_preview_read_the_same(app, client, login_as, pair, tmp_path):
    clerk = login_as("clerk")
    first, second = pair
    edit = client.get(f"/penduduk/{first}/ubah").get_data(as_text=True)
    assert 'value="12-03-1980"' in edit and 'type="date"' not in edit
    data = {"nik": "537105******0001", "kk_number": "537105******0001", "name": "Yohanes Ndun", "sex": "1",
            "birth_date": "13-03-1980", "citizenship": "1", "version": "1", "shdk": "1"}
    assert client.post(f"/penduduk/{first}/ubah", data=data).status_code == 303
    page = client.get(f"/penduduk/{first}").get_data(as_text=True)
    history = page[page.index("Riwayat perubahan"):]
    assert "12 Maret 1980" in history and "13 Maret 1980" in history and "1980-03-1" not in history
    merge = client.get(f"/duplikat/gabung?a={first}&b={second}").get_data(as_text=True)
    assert "13 Maret 1980" in merge and "13-03-1980" not in merge and "12 Maret 1980" in merge

    from tests.registry.import_builders import person, write_xlsx
    from tests.registry.test_import_plan import check_file

    with app.app_context():
        from kupang.auth.models import User

        owner = db.session.scalar(db.select(User).where(User.username == clerk))
        job = check_file(write_xlsx(tmp_path / "warga.xlsx", [person(0)]), owner)  # an import is its uploader's
    preview = client.get(f"/penduduk/impor/{job.id}").get_data(as_text=True)
    assert "1 Januari 1960" in preview and "01-01-1960" not in preview


def test_event_date_typed_day_first(app, client, login_as, pair):
    login_as("clerk")
    first, _second = pair
    form = client.get(f"/penduduk/{first}/peristiwa").get_data(as_text=True)
    assert 'name="event_date"' in form and 'placeholder="hh-bb-tttt"' in form and 'type="date"' not in form
    bad = client.post(f"/penduduk/{first}/peristiwa", data={"kind": "mati", "event_date": "02/31/2026", "version": "1"})
    assert bad.status_code == 422 and "tulis tanggal-bulan-tahun" in bad.get_data(as_text=True)
    ok = client.post(f"/penduduk/{first}/peristiwa", data={"kind": "mati", "event_date": "02-01-2026", "version": "1"})
    assert ok.status_code == 303
    assert "2 Januari 2026" in client.get(f"/penduduk/{first}").get_data(as_text=True)


@pytest.mark.browser
def test_english_browser_types_the_date_day_first_and_errors_clear(app, browser, live_server, make_user,
                                                                     screenshot_dir):
    """An en-US Chromium would show mm/dd/yyyy in a native date picker; the form takes 12-03-1980 anyway."""
    make_user("clerk", "clerk1")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US", base_url=live_server)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "status of 422" not in message.text else None)  # 422: the refused form
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/masuk")
        page.fill("input[name=username]", "clerk1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/masuk" not in url)
        page.goto("/penduduk/baru")
        assert page.evaluate("navigator.language") == "en-US"
        assert page.get_attribute("#birth_date", "type") == "text"
        page.fill("#name", "Yohanes Ndun")
        page.fill("#birth_date", "31-02-1980")
        page.click("button[type=submit]:has-text('Simpan')")
        sex_error = page.locator("#sex-error")
        date_error = page.locator("#birth_date-error")
        assert "Pilih jenis kelamin." in sex_error.inner_text()
        assert "tulis tanggal-bulan-tahun" in date_error.inner_text()
        inside_viewport(page, "#birth_date")
        border = "e => getComputedStyle(e).borderTopColor"
        bad = page.locator("#sex").evaluate(border)
        plain = page.locator("#birth_place").evaluate(border)
        assert bad != plain and page.locator("#birth_date").evaluate(border) == bad  # both marked red
        page.screenshot(path=os.path.join(screenshot_dir, "form-errors.png"), full_page=True)
        page.select_option("#sex", "1")
        assert sex_error.count() == 0  # gone as soon as the field is corrected, before any submit
        assert not page.locator("#sex").evaluate("e => e.closest('.field').classList.contains('has-error')")
        assert date_error.count() == 1  # the other field's error stays until that field changes
        page.fill("#birth_date", "")
        page.locator("#birth_date").press_sequentially("12-03-1980", delay=20)
        assert date_error.count() == 0
        page.locator("#name").focus()
        assert page.locator("#birth_date").evaluate(border) == plain  # no longer marked
        page.screenshot(path=os.path.join(screenshot_dir, "form-corrected.png"), full_page=True)
        page.click("button[type=submit]:has-text('Simpan')")
        page.wait_for_url("**/penduduk/*")
        assert "12 Maret 1980" in page.locator("main").inner_text()
        page.screenshot(path=os.path.join(screenshot_dir, "saved.png"), full_page=True)
    finally:
        context.close()
    with app.app_context():
        assert db.session.scalar(select(Resident.birth_date).where(Resident.name == "Yohanes Ndun")) == BORN
    assert not errors, errors
