"""In Chromium at 1366x768: upload, preview, confirm and the rejected-rows download; progress that survives a reload."""
import os

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.models import Resident
from tests.layout import click_menu_entry
from tests.registry.import_builders import kk_for, person, write_xlsx
from tests.registry.test_family_browser import log_in

pytestmark = pytest.mark.browser


def resident_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resident))


def test_upload_preview_confirm_and_download_rejected(app, page, make_user, screenshot_dir, tmp_path):
    rows = [person(i, kk=kk_for(i // 3), shdk="Kepala Keluarga" if i % 3 == 0 else "Anak") for i in range(9)]
    rows[4]["Tanggal Lahir"] = "31/02/1990"
    rows[7]["NIK"] = "5.37105E+15"
    path = write_xlsx(tmp_path / "penduduk rt 3.xlsx", rows, title_rows=["DATA PENDUDUK RT 003"], merge_title=True)
    make_user("clerk", "clerk1")
    log_in(page, "clerk1")
    page.goto("/penduduk/impor")
    assert page.locator("h1").inner_text() == "Impor penduduk"
    page.screenshot(path=os.path.join(screenshot_dir, "upload.png"), full_page=True)
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('Unggah dan periksa')")
    page.wait_for_selector("#count-new")
    assert page.locator("#count-new").inner_text() == "7"
    assert page.locator("#count-rejected").inner_text() == "2"
    assert "belum ada data yang disimpan" in page.locator(".notice").inner_text()
    issues = page.locator("#issues").inner_text()
    assert "Tanggal Lahir" in issues and "diubah oleh Excel" in issues
    assert rows[0]["NIK"] not in page.content()  # masked in the preview
    assert resident_count(app) == 0
    page.screenshot(path=os.path.join(screenshot_dir, "preview.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#download-rejected")
    download = download_info.value
    assert download.suggested_filename == "penduduk rt 3-ditolak.xlsx"
    saved = tmp_path / "ditolak.xlsx"
    download.save_as(saved)
    values = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert values[0][-1] == "Alasan penolakan"
    assert [v[2] for v in values[1:]] == [rows[4]["Nama Lengkap"], rows[7]["Nama Lengkap"]]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm-import")
    page.wait_for_selector(".flash-success")
    assert "Impor selesai disimpan" in page.locator(".flash-success").inner_text()
    assert resident_count(app) == 7
    page.screenshot(path=os.path.join(screenshot_dir, "done.png"), full_page=True)
    page.goto("/penduduk/impor")
    assert "Selesai" in page.locator("table").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "list.png"), full_page=True)


def test_background_check_progress_survives_a_reload(app, page, make_user, screenshot_dir, tmp_path, monkeypatch):
    from kupang.registry.importer import jobs

    app.config["IMPORT_INLINE_MAX_BYTES"] = 0  # a worker process does the work; the page polls
    held = []
    real_spawn = jobs.spawn_worker
    monkeypatch.setattr(jobs, "spawn_worker", lambda job: held.append(job.id))  # started when the test says so
    rows = [person(i, kk=kk_for(i // 4), shdk="Kepala Keluarga" if i % 4 == 0 else "Anak") for i in range(3000)]
    path = write_xlsx(tmp_path / "besar.xlsx", rows)
    make_user("clerk", "clerk1")
    log_in(page, "clerk1")
    page.goto("/penduduk/impor")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('Unggah dan periksa')")
    page.wait_for_url("**/penduduk/impor/*")
    assert page.locator("#import-progress").is_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "progress.png"), full_page=True)
    page.reload()
    assert page.locator("#import-progress").is_visible()  # the page after a reload still shows the progress
    assert len(held) == 1
    with app.app_context():
        real_spawn(db.session.get(ImportJob, held[0]))
    page.wait_for_selector("#count-new", timeout=120_000)  # the poll reloads the page once the check is done
    assert page.locator("#count-new").inner_text() == "3.000"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm-import")
    page.wait_for_url("**/penduduk/impor/*")
    assert page.locator("#import-progress").is_visible()  # saving, too, runs in the background
    assert len(held) == 2
    with app.app_context():
        real_spawn(db.session.get(ImportJob, held[1]))
    page.wait_for_selector(".flash-success", timeout=120_000)
    assert resident_count(app) == 3000
    page.screenshot(path=os.path.join(screenshot_dir, "progress-done.png"), full_page=True)


def test_export_page_masked_download(app, page, make_user, screenshot_dir, tmp_path):
    rows = [person(i, kk=kk_for(i // 2), shdk="Kepala Keluarga" if i % 2 == 0 else "Istri") for i in range(6)]
    with app.app_context():
        from tests.registry.test_import_plan import import_file

        import_file(write_xlsx(tmp_path / "a.xlsx", rows))
    make_user("supervisor", "lurah1")
    log_in(page, "lurah1")
    click_menu_entry(page, "Ekspor")  # under the "Data penduduk" heading
    assert page.locator("#export-total").inner_text() == "6"
    page.screenshot(path=os.path.join(screenshot_dir, "export.png"), full_page=True)
    page.check("input[name=unmasked]")
    page.click("button:has-text('Unduh')")
    page.wait_for_selector(".error")
    assert "Tuliskan alasan" in page.locator(".error").inner_text()
    page.uncheck("input[name=unmasked]")
    page.check("input[value=csv]")
    with page.expect_download() as download_info:
        page.click("button:has-text('Unduh')")
    saved = tmp_path / "ekspor.csv"
    download_info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert rows[0]["Nama Lengkap"] in text and rows[0]["NIK"] not in text and "537105******" in text
