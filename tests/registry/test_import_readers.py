"""Reading uploads: .xlsx as a stream (shared and inline strings, dates, damage) and CSV (BOM, ';' ',', Latin-1)."""
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from kupang.registry.importer.readers import ImportFileError, detect_format, open_source, sniff_delimiter
from tests.registry.import_builders import HEADER, as_lists, person, write_csv, write_xlsx


def read_all(path, fmt, sheet=0):
    source = open_source(str(path), fmt)
    try:
        return list(source.rows(sheet)), source
    finally:
        source.close()


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_values_shared_and_inline_strings(tmp_path, write_only):
    rows = as_lists([person(1), person(2)])
    path = write_xlsx(tmp_path / "a.xlsx", rows, write_only=write_only)
    got, _source = read_all(path, "xlsx")
    assert [line for line, _values in got] == [1, 2, 3]
    assert got[0][1] == HEADER
    assert got[1][1] == rows[0]


def test_xlsx_dates_numbers_merged_titles_and_gaps(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "DATA PENDUDUK RT 003"
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Serial", None, None])
    sheet.append([5371051203900001, "Yohanes", "L", datetime(1990, 3, 12), 32944])
    sheet.append([])  # blank row
    sheet["B7"] = "Maria"
    sheet["D7"] = datetime(1991, 1, 2)
    sheet["D7"].number_format = "dd/mm/yyyy"
    path = tmp_path / "b.xlsx"
    book.save(path)
    got, _source = read_all(path, "xlsx")
    by_line = dict(got)
    assert by_line[1] == ["DATA PENDUDUK RT 003"]
    assert by_line[3] == ["NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Serial"]
    assert by_line[4] == [5371051203900001, "Yohanes", "L", datetime(1990, 3, 12), 32944]
    assert by_line[7] == [None, "Maria", None, datetime(1991, 1, 2)]


def test_xlsx_picks_the_first_sheet_with_data_via_rels(tmp_path):
    book = Workbook()
    book.active.title = "Petunjuk"
    book.active["A1"] = "Isi lembar Data"
    data = book.create_sheet("Data")
    data.append(["Nama"])
    path = tmp_path / "c.xlsx"
    book.save(path)
    source = open_source(str(path), "xlsx")
    assert source.sheet_names() == ["Petunjuk", "Data"]
    assert list(source.rows(1)) == [(1, ["Nama"])]


def test_truncated_xlsx_is_a_clear_error(tmp_path):
    path = write_xlsx(tmp_path / "full.xlsx", as_lists([person(i) for i in range(300)]))
    data = path.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFileError, match="rusak"):
        read_all(cut, "xlsx")


def test_corrupt_sheet_xml_is_a_clear_error(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", as_lists([person(1)]))
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<row><c r='A9'><v>1</c></row>"
            dst.writestr(item, data)
    with pytest.raises(ImportFileError, match="rusak atau terpotong"):
        read_all(broken, "xlsx")


def test_not_a_zip_named_xlsx(tmp_path):
    path = tmp_path / "palsu.xlsx"
    path.write_bytes(b"NIK;Nama\n1;2\n")
    with pytest.raises(ImportFileError, match="bukan berkas Excel"):
        open_source(str(path), "xlsx")


def test_format_detection():
    assert detect_format("Data Penduduk.XLSX", b"PK\x03\x04") == "xlsx"
    assert detect_format("data.csv", b"NIK;") == "csv"
    assert detect_format("lama.xls", b"\xd0\xcf\x11\xe0") == "xls"
    with pytest.raises(ImportFileError, match="isinya berkas Excel"):
        detect_format("data.csv", b"PK\x03\x04")
    with pytest.raises(ImportFileError, match="Hanya berkas"):
        detect_format("data.pdf", b"%PDF")


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-8-sig")])
def test_csv_delimiters_and_bom(tmp_path, delimiter, encoding):
    rows = as_lists([person(1, Alamat="Jl. Timor Raya, No. 5"), person(2)])
    path = write_csv(tmp_path / "a.csv", rows, delimiter=delimiter, encoding=encoding)
    got, source = read_all(path, "csv")
    assert source.delimiter == delimiter
    assert source.warnings == []
    assert got[0] == (1, HEADER)
    assert got[1][1][HEADER.index("Alamat")] == "Jl. Timor Raya, No. 5"
    assert got[1][1][0] == rows[0][0]


def test_csv_in_latin1_is_read_with_a_warning(tmp_path):
    rows = as_lists([person(1, **{"Nama Lengkap": "JOSÉ DA CRUZ", "Tempat Lahir": "DILI"})])
    path = write_csv(tmp_path / "latin.csv", rows, encoding="cp1252")
    got, source = read_all(path, "csv")
    assert got[1][1][HEADER.index("Nama Lengkap")] == "JOSÉ DA CRUZ"
    assert source.encoding == "cp1252"
    assert "Latin-1" in source.warnings[0]


def test_csv_with_binary_content_is_refused(tmp_path):
    path = tmp_path / "biner.csv"
    path.write_bytes(b"NIK;Nama\x00\x00\x01")
    with pytest.raises(ImportFileError, match="biner"):
        open_source(str(path), "csv")


def test_sniffer_prefers_semicolons_of_indonesian_excel():
    assert sniff_delimiter("NIK;Nama;Alamat\n1;Yohanes;Jl. A, No 1\n") == ";"
    assert sniff_delimiter("NIK,Nama\n1,Yohanes\n") == ","
    assert sniff_delimiter("Nama\nYohanes\n") == ","
