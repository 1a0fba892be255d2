"""/kelengkapan printed on A4 and downloaded as .xlsx/.csv (through kupang.spreadsheet)."""
import csv
import io
import os
import re
import zipfile

import pytest
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from tests.registry.test_completeness import build_kelurahan

HEADER = ["Wilayah", "RW", "RT", "Penduduk hidup", "Dengan NIK", "Tanpa NIK", "NIK tercatat (%)", "Ada peringatan",
          "Dugaan data ganda (pasang)", "KK tanpa kepala keluarga"]


def test_xlsx_holds_the_numbers_of_the_page(app, client, login_as):
    build_kelurahan(app)
    login_as("supervisor")
    response = client.get("/kelengkapan/unduh?format=xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    by_area = {row[0]: row[1:] for row in rows[1:]}
    assert by_area["RW 001"] == ("001", None, 6, 4, 2, pytest.approx(66.7, abs=0.05), 1, 0, 2)
    assert by_area["RT 002 / RW 001"] == ("001", "002", 2, 1, 1, 50.0, 1, 0, 1)
    assert by_area["Kelurahan Naikoten Dua"] == (None, None, 11, 6, 5, pytest.approx(54.5, abs=0.05), 2, 2, 2)
    assert list(by_area) == ["RW 001", "RT 001 / RW 001", "RT 002 / RW 001", "RW 002", "RT 001 / RW 002",
                             "RT 003 / RW 002", "Kelurahan Naikoten Dua"]


def test_csv_of_one_rw_with_indonesian_decimals(app, client, login_as):
    build_kelurahan(app)
    login_as("clerk")
    response = client.get("/kelengkapan/unduh?format=csv&rw=2")
    text = response.get_data().decode("utf-8")
    assert response.mimetype == "text/csv" and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == HEADER
    assert rows[1] == ["RW 002", "002", "", "5", "2", "3", "40,0", "1", "2", "0"]
    assert rows[-1][0] == "Jumlah RW 002" and rows[-1][3] == "5"
    assert all("RW 001" not in row[0] for row in rows)


def test_bad_format_is_refused_clearly(client, login_as):
    login_as("clerk")
    response = client.get("/kelengkapan/unduh?format=pdf")
    assert response.status_code == 400 and "Pilih format .xlsx atau .csv" in response.get_data(as_text=True)


def test_page_offers_print_and_downloads_of_the_current_rw(app, client, login_as):
    build_kelurahan(app)
    login_as("supervisor")
    page = client.get("/kelengkapan?rw=001").get_data(as_text=True)
    assert 'data-print' in page and "/kelengkapan/unduh?format=xlsx&amp;rw=001" in page
    assert "/kelengkapan/unduh?format=csv&amp;rw=001" in page
    assert 'class="print-only print-head"' in page and "supervisor1" in page


@pytest.mark.browser
def test_printed_on_a4(app, page, make_user, screenshot_dir):
    build_kelurahan(app)
    make_user("supervisor", "lurah1")
    page.goto("/masuk")
    page.fill("input[name=username]", "lurah1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    page.goto("/kelengkapan")
    assert page.locator("button[data-print]").is_visible()
    assert not page.locator(".print-head").is_visible()
    page.set_viewport_size({"width": 703, "height": 1000})  # A4 (210 mm) less 2 x 12 mm margins, at 96 dpi
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible() and not page.locator("button[data-print]").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.locator(".print-head").is_visible()
    assert "Kelengkapan data penduduk" in page.locator(".print-head").inner_text()
    table = page.locator(".completeness-table")
    assert table.is_visible()
    width = page.evaluate("[document.querySelector('.completeness-table').getBoundingClientRect().right,"
                          " document.documentElement.scrollWidth]")
    assert width[0] <= 703 and width[1] <= 703, width
    page.screenshot(path=os.path.join(screenshot_dir, "print-preview.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # the page's own @page size: A4
    with open(os.path.join(screenshot_dir, "kelengkapan.pdf"), "wb") as fh:
        fh.write(pdf)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes), boxes
    assert len(boxes) == 1  # the whole report on one sheet
