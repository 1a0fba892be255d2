"""Exports: every text cell that a spreadsheet would run is written as text, and the file holds exactly what the
search shows (the export runs the search's own query)."""
import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry import exporter
from kupang.registry.models import Resident
from kupang.registry.search import COUNT_CAP, SearchFilters, search_residents
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tTab awal", "\rCR awal",
            "=cmd|' /C calc'!A0", "=1+1"]


@pytest.fixture
def hostile(app):
    """Residents whose name, address and father's name start like formulas (as an import could bring them)."""
    with app.app_context(), write_intent():
        family = add_family("5371050101200001", address="=HYPERLINK(\"http://x\",\"alamat\")")
        for index, text in enumerate(FORMULAS):
            add_person(text, 1, date(1980, 1, 1 + index), 4, family, nik_for(date(1980, 1, 1 + index), 1, index + 1),
                       address=text, father_name=text, birth_place="@Kupang", phone="+6281234567")
        commit()


def export(client, fmt, **extra):
    return client.post("/penduduk/ekspor", data={"file_format": fmt, "unmasked": "y",
                                                 "reason": "uji sel formula", **extra})


def test_xlsx_cells_are_strings_never_formulas(app, client, login_as, hostile):
    login_as("admin")
    response = export(client, "xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    book = load_workbook(io.BytesIO(response.get_data()))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    names = [row[header.index("Nama Lengkap")] for row in rows[1:]]
    # stored as the text typed, shown as text (an XML reader reads a CR as a line feed)
    assert sorted(names) == sorted(value.replace("\r", "\n") for value in FORMULAS)
    cells = {cell.coordinate: cell for row in book.active.iter_rows() for cell in row}
    text_types = {"s", "inlineStr"}  # shared or inline strings; "f" would be a formula
    assert {cell.data_type for cell in cells.values()} <= text_types | {"d", "n"}
    assert all(cell.data_type in text_types for cell in cells.values() if isinstance(cell.value, str))
    assert {row[header.index("Telepon")] for row in rows[1:]} == {"+6281234567"}


def test_csv_cells_that_start_like_formulas_are_prefixed(app, client, login_as, hostile):
    login_as("supervisor")
    response = export(client, "csv")
    text = response.get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header = rows[0]
    for row in rows[1:]:
        for value in row:
            assert not value or value[0] not in "=+-@\t\r", (header, row)
    names = sorted(row[header.index("Nama Lengkap")] for row in rows[1:])
    assert names == sorted("'" + value for value in FORMULAS)
    assert {row[header.index("Telepon")] for row in rows[1:]} == {"'+6281234567"}
    assert {row[header.index("Tempat Lahir")] for row in rows[1:]} == {"'@Kupang"}
    assert "=cmd|" not in re.sub(r"'=cmd\|", "", text)  # the DDE payload only ever appears neutralised


# --- the export holds what the search shows ------------------------------------------------------------

NAMES = ["Maria Ndun", "Marta Bria", "Yohanes Ma", "Amar Lay", "Thomas Manafe", "Yohanis Tallo", "Yosef Ma'u",
         "Ma Rut", "Agustina 50% Benu", "Naomi_Lay", "Back\\Slash Kana", "Siti Nurhayati", "Muhammad Ali",
         "Maria Goreti Ndun", "Ester Ndun", "Rut Nalle"]
QUERIES = ["", "ma", "m", "ma ri", "maria", "maria ndun", "yoh", "ndun", "na", "a", "ali", "%", "_", "50%",
           "\\", "ma'u", "o'", "ma.", "zz", "yohanes ma", "n d", "Ndun Maria", "53710", "537105", "5371051",
           "53710501012", "1980", "  ma  "]


@pytest.fixture
def town(app):
    """Sixteen names across two RWs, families, statuses, missing NIKs, warnings and a merged record."""
    with app.app_context(), write_intent():
        families = [add_family(f"537105010120{n:04d}", rt=f"00{1 + n % 3}", rw=f"00{1 + n % 2}") for n in range(4)]
        people = []
        for index, name in enumerate(NAMES):
            born = date(1970 + index, 1 + index % 12, 1 + index)
            family = families[index % 4] if index % 5 else None
            people.append(add_person(
                name, 1 + index % 2, born, 1 if index < 4 else 4, family,
                nik_for(born, 1 + index % 2, index + 1) if index % 4 else None,
                rt=f"00{1 + index % 3}", rw=f"00{1 + index % 2}",
                life_status=("hidup", "hidup", "mati", "pindah")[index % 4], has_warnings=index % 3 == 0))
        people[-1].merged_into_id = people[0].id
        commit()
        return {p.id: (p.nik, p.family.kk_number if p.family else None) for p in people}


FILTERS = [SearchFilters(), SearchFilters(rw="001"), SearchFilters(rt="002"), SearchFilters(life_status="hidup"),
           SearchFilters(life_status="mati"), SearchFilters(missing_nik=True), SearchFilters(with_warnings=True),
           SearchFilters(include_merged=True), SearchFilters(rw="002", rt="001", life_status="pindah"),
           SearchFilters(include_merged=True, missing_nik=True)]


def search_ids(query, filters):
    """Every id the search list shows, over all its pages."""
    first = search_residents(query, filters, 1)
    assert first.total <= COUNT_CAP
    ids = [row.id for row in first.rows]
    for page in range(2, first.pages + 1):
        ids += [row.id for row in search_residents(query, filters, page).rows]
    return ids, first.total


def test_export_rows_equal_the_search_rows_for_many_queries_and_filters(app, town):
    numbers = [n for pair in town.values() for n in pair if n]
    queries = QUERIES + numbers[:4] + [numbers[0][:9], numbers[-1][:12], f"{numbers[0][:4]} {numbers[0][4:]}"]
    compared = 0
    with app.app_context():
        for query in queries:
            for filters in FILTERS:
                shown, total = search_ids(query, filters)
                exported = [row.id for row in exporter.iter_records(query, filters)]
                assert sorted(exported) == sorted(shown), (query, filters)
                assert len(set(exported)) == len(exported)
                assert exporter.count_residents(query, filters) == total == len(shown), (query, filters)
                compared += bool(shown)
    assert compared > 100  # most combinations find someone: the comparison is not between empty lists


def test_searching_ma_exports_what_is_shown(app, client, login_as, town):
    """The reported case: 'ma' listed residents whose name starts with it but exported every name containing it."""
    login_as("supervisor")
    page = client.get("/penduduk?q=ma").get_data(as_text=True)
    shown = sorted(re.findall(r'<a href="/penduduk/\d+">([^<]+)</a>', page))
    assert shown and "Amar Lay" not in shown and "Thomas Manafe" not in shown
    export_page = client.get("/penduduk/ekspor?q=ma").get_data(as_text=True)
    assert f'id="export-total">{len(shown)}<' in export_page
    text = client.post("/penduduk/ekspor", data={"file_format": "csv", "q": "ma"}).get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    exported = sorted(row[rows[0].index("Nama Lengkap")] for row in rows[1:])
    assert exported == [name.replace("&#39;", "'") for name in shown]


def test_one_like_escaping_helper():
    """LIKE wildcards typed in the box are matched literally, by the one helper in core."""
    from kupang.like import like_escape

    assert like_escape("50%_a\\b") == "50\\%\\_a\\\\b"
    import kupang.registry.exporter as module
    import kupang.registry.search as search_module

    for source in (module, search_module):
        text = Path(source.__file__).read_text()
        assert 'replace("%", "\\\\%")' not in text, source.__name__


def test_rows_come_in_family_order(app, town):
    with app.app_context():
        rows = list(exporter.iter_records("", SearchFilters(include_merged=True)))
        keys = [(r.rw, r.rt) for r in rows]
        assert keys == sorted(keys)
        assert len(rows) == db.session.query(Resident).count()


def test_export_page_says_what_is_true_about_importing_the_file_again(client, login_as):
    login_as("supervisor")
    page = client.get("/penduduk/ekspor").get_data(as_text=True)
    assert "tanpa perubahan" not in page
    facts = page[page.index('id="export-facts"'):page.index("</ul>", page.index('id="export-facts"'))]
    assert "tidak dapat diimpor kembali" in facts and ".xlsx tanpa penyamaran</strong> dapat diimpor kembali" in facts
    assert "bukan rumus" in facts
