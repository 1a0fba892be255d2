"""Core helpers every area shares: formula-safe cells, bounded integers, safe redirect paths, numbers."""
import io
import zipfile

import pytest

from kupang.layout import MenuEntry, balanced_columns, format_number_id, format_thousands, nav_menu
from kupang.params import DB_INT_MAX, db_int
from kupang.security import safe_path
from kupang.spreadsheet import SafeCsvWriter, csv_safe, xlsx_row

HOSTILE_TARGETS = [
    "//example.org", "/\\example.org", "/\t/example.org", "/\n/example.org", "/\r//example.org",
    "http://example.org", "https:example.org", "javascript:alert(1)", "example.org", "", None,
    "/\x00/x", "/\x7f/x", "/\u0085//example.org", " /x", "\\\\example.org",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_safe_path_refuses_every_way_off_the_site(target):
    assert safe_path(target) is None


@pytest.mark.parametrize("target", ["/", "/loket", "/penduduk?q=ma&halaman=2", "/tiket/abc/cetak#x"])
def test_safe_path_keeps_local_paths(target):
    assert safe_path(target) == target


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")',
                                   "=cmd|' /C calc'!A0"])
def test_csv_safe_prefixes_formula_like_text(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Yohanes", "Jl. Timor Raya = 12", 5, -5, None, ""])
def test_csv_safe_leaves_other_values(value):
    assert csv_safe(value) == value


def test_safe_csv_writer_neutralises_every_cell():
    out = io.StringIO()
    SafeCsvWriter(out).writerow(["=1+1", "Budi", 3])
    assert out.getvalue() == "'=1+1;Budi;3\r\n"


def test_xlsx_text_is_never_a_formula():
    from openpyxl import Workbook, load_workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, ['=HYPERLINK("http://x","y")', "@A1", 7, "0812"], text_columns={3}))
    data = io.BytesIO()
    book.save(data)
    xml = zipfile.ZipFile(data).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    data.seek(0)
    cells = list(load_workbook(data)["x"].iter_rows(values_only=True))[0]
    assert cells == ('=HYPERLINK("http://x","y")', "@A1", 7, "0812")


@pytest.mark.parametrize("raw", ["1" * 30, str(DB_INT_MAX + 1), "-1", "1e3", "١٢", "", " ", "0x10"])
def test_db_int_refuses_what_no_row_can_have(raw):
    with pytest.raises(ValueError):
        db_int(raw)


def test_db_int_keeps_ordinary_numbers():
    assert db_int("42") == 42 and db_int(str(DB_INT_MAX)) == DB_INT_MAX


def test_route_int_converter_is_bounded(client):
    assert client.get(f"/penduduk/{'9' * 30}").status_code == 404


def test_numbers_read_the_indonesian_way():
    assert format_number_id(1234.56) == "1.234,6"
    assert format_number_id(22.8) == "22,8"
    assert format_number_id(17, 0) == "17"
    assert format_number_id(None) == "–"
    assert format_thousands(404000) == "404.000"


def row_lengths(count, columns):
    """How many blocks each row of a grid with that many columns holds."""
    return [min(columns, count - start) for start in range(0, count, columns)]


@pytest.mark.parametrize("most", [2, 3, 4, 6])
def test_balanced_columns_leave_no_block_alone_where_a_grid_can(most):
    for count in range(1, 40):
        columns = balanced_columns(count, most)
        assert 1 <= columns <= most
        rows = row_lengths(count, columns)
        can = [c for c in range(2, most + 1) if count <= c or row_lengths(count, c)[-1] >= 2]
        if len(rows) > 1 and can:
            assert rows[-1] >= 2, f"{count} at most {most}: {rows}"
    assert row_lengths(17, balanced_columns(17, 4)) == [3, 3, 3, 3, 3, 2]  # admin's tiles at 1024 px
    assert row_lengths(17, balanced_columns(17, 6)) == [6, 6, 5]
    assert row_lengths(13, balanced_columns(13, 6)) == [5, 5, 3]


@pytest.mark.parametrize("role, top", [
    ("admin", ["Beranda", "Penduduk", "Data penduduk", "Loket", "Surat", "Laporan", "Pengaturan"]),
    ("supervisor", ["Beranda", "Penduduk", "Data penduduk", "Surat", "Laporan"]),
    ("clerk", ["Beranda", "Penduduk", "Data penduduk", "Loket", "Surat"]),
])
def test_header_menu_groups_every_entry_once(app, make_user, role, top):
    from flask_login import login_user

    from kupang.auth.models import User
    from kupang.extensions import db
    from kupang.layout import nav_items

    user_id = make_user(role, f"{role}9")
    with app.test_request_context("/"):
        app.preprocess_request()
        login_user(db.session.get(User, user_id))
        menu = nav_menu()
        assert [entry.label for entry in menu] == top
        flat = [item for entry in menu for item in (entry.items or [(entry.url, entry.label, entry.endpoint)])]
        assert flat == nav_items()  # every entry the role may open, once, in order
        assert all(len(entry.items) != 1 for entry in menu)  # a group of one is a plain link
        assert menu[0] == MenuEntry("Beranda", "/", "dashboard.index") and menu[0].current
        assert [entry.label for entry in menu if entry.current] == ["Beranda"]
    with app.test_request_context("/kelengkapan"):
        app.preprocess_request()
        login_user(db.session.get(User, user_id))
        assert [entry.label for entry in nav_menu() if entry.current] == ["Data penduduk"]
    with app.test_request_context("/tidak-ada"):  # no endpoint: no entry is the current one
        app.preprocess_request()
        login_user(db.session.get(User, user_id))
        assert not [entry.label for entry in nav_menu() if entry.current]
