"""Issue 10's defects, each read from a workbook built the way the real generator writes it."""
from datetime import date, datetime, time

import pytest

from kupang.registry.importer.normalise import RowData
from kupang.registry.importer.readers import ImportFileError, detect_format, open_source
from kupang.registry.importer.values import CODE_TABLES, ValueProblem, parse_date
from tests.registry.import_builders import cell_xml, inline_xml, raw_xlsx, rewrite_member
from tests.registry.test_import_plan import check_file, issues_of

TODAY = date(2026, 6, 1)


def cells(path, fmt="xlsx", sheet=0):
    """{(row, column): value} of a sheet, as the importer reads it."""
    source = open_source(str(path), fmt)
    try:
        return {(line, index): value for line, values in source.rows(sheet)
                for index, value in enumerate(values) if value is not None}
    finally:
        source.close()


def serial(day, date1904=False):
    return (day - (date(1904, 1, 1) if date1904 else date(1899, 12, 30))).days


def test_1904_date_system_is_kept_when_excel_2013_adds_x15_workbook_pr(tmp_path):
    rows = (f'<row r="1">{cell_xml("A1", serial(date(1990, 3, 12), True), style=1)}'
            f'{cell_xml("B1", serial(date(1992, 8, 15), True), style=1)}</row>')
    got = cells(raw_xlsx(tmp_path / "mac.xlsx", rows, date1904=True, x15=True))
    assert got == {(1, 0): datetime(1990, 3, 12), (1, 1): datetime(1992, 8, 15)}


def test_1904_birth_dates_import_exactly_without_a_nik_warning(app, tmp_path):
    header = "".join(inline_xml(f"{col}1", text) for col, text in zip("ABCD", ["NIK", "Nama", "Jenis Kelamin",
                                                                              "Tanggal Lahir"], strict=True))
    row = (inline_xml("A2", "5371051203900001") + inline_xml("B2", "YOHANES BENU") + inline_xml("C2", "L")
           + cell_xml("D2", serial(date(1990, 3, 12), True), style=1))
    path = raw_xlsx(tmp_path / "mac.xlsx", f'<row r="1">{header}</row><row r="2">{row}</row>', date1904=True)
    with app.app_context():
        job = check_file(path)
        assert job.status == "ready", job.error
        assert job.count_new == 1
        assert issues_of(job, 2) == []  # the NIK's date (12-03-90) agrees: no "tanggal lahir berbeda"


def test_dates_before_1_march_1900_are_not_a_day_early(tmp_path):
    rows = "".join(cell_xml(f"{col}1", number, style=1) for col, number in zip("ABCD", (1, 59, 61, 32), strict=True))
    got = cells(raw_xlsx(tmp_path / "early.xlsx", f'<row r="1">{rows}</row>'))
    assert got == {(1, 0): datetime(1900, 1, 1), (1, 1): datetime(1900, 2, 28), (1, 2): datetime(1900, 3, 1),
                   (1, 3): datetime(1900, 2, 1)}


def test_excel_phantom_29_february_1900_is_a_problem_not_a_date():
    with pytest.raises(ValueProblem, match="29-02-1900"):
        parse_date(60, TODAY)
    assert parse_date(1, TODAY) == date(1900, 1, 1)
    assert parse_date(61, TODAY) == date(1900, 3, 1)


def test_x_hhhh_escapes_are_undone_in_shared_and_inline_strings(tmp_path):
    rows = (f'<row r="1">{cell_xml("A1", 0, "s")}{cell_xml("B1", 1, "s")}{inline_xml("C1", "Oe_x0009_bobo")}'
            f'{cell_xml("D1", "Ka_x000A_lan", "str")}</row>')
    path = raw_xlsx(tmp_path / "esc.xlsx", rows, shared=["<t>Jl. Timor Raya_x000D_ No. 12</t>",
                                                          "<t>_x005F_x000D_ tetap</t>"])
    assert cells(path) == {(1, 0): "Jl. Timor Raya\r No. 12", (1, 1): "_x000D_ tetap", (1, 2): "Oe\tbobo",
                           (1, 3): "Ka\nlan"}


def test_inline_string_with_a_cached_value_is_read_once(tmp_path):
    rows = '<row r="1"><c r="A1" t="inlineStr"><v>Yohanes</v><is><t>Yohanes Benu</t></is></c></row>'
    assert cells(raw_xlsx(tmp_path / "inline.xlsx", rows)) == {(1, 0): "Yohanes Benu"}


def test_rich_text_runs_are_joined_and_phonetic_runs_left_out(tmp_path):
    rich = ('<r><t>Yoh</t></r><r><rPr><b/></rPr><t xml:space="preserve">anes </t></r><r><t>Benu</t></r>'
            '<rPh sb="0" eb="1"><t>X</t></rPh>')
    path = raw_xlsx(tmp_path / "rich.xlsx", f'<row r="1">{cell_xml("A1", 0, "s")}</row>', shared=[rich])
    assert cells(path) == {(1, 0): "Yohanes Benu"}


def test_time_only_date_cell_is_a_time_and_the_file_is_read(tmp_path):
    rows = ('<row r="1"><c r="A1" t="d"><v>10:10:10</v></c>' + inline_xml("B1", "Maria") + "</row>"
            '<row r="2"><c r="A2" t="d"><v>1990-03-12T00:00:00</v></c><c r="B2" t="d"><v>1991-01-02</v></c></row>')
    got = cells(raw_xlsx(tmp_path / "time.xlsx", rows))
    assert got == {(1, 0): time(10, 10, 10), (1, 1): "Maria", (2, 0): datetime(1990, 3, 12),
                   (2, 1): datetime(1991, 1, 2)}
    with pytest.raises(ValueProblem, match="jam saja"):
        parse_date(time(10, 10, 10), TODAY)


def test_shared_strings_part_named_in_another_case_is_found(tmp_path):
    path = raw_xlsx(tmp_path / "case.xlsx", f'<row r="1">{cell_xml("A1", 0, "s")}</row>', shared=["<t>Yohanes</t>"],
                    sst_name="xl/SharedStrings.xml", sst_target="sharedStrings.xml")
    assert cells(path) == {(1, 0): "Yohanes"}


def test_shared_string_index_out_of_range_is_a_clear_message(tmp_path):
    path = raw_xlsx(tmp_path / "range.xlsx", f'<row r="5">{cell_xml("C5", 12, "s")}</row>', shared=["<t>a</t>"])
    with pytest.raises(ImportFileError, match=r"sel C5 merujuk teks bersama nomor 12, padahal berkas hanya berisi 1"):
        cells(path)


def test_values_hidden_under_merged_cells_are_blank(tmp_path):
    rows = (f'<row r="1">{inline_xml("A1", "DATA PENDUDUK RT 003")}{inline_xml("B1", "Nama")}'
            f'{inline_xml("C1", "NIK")}</row><row r="2">{inline_xml("A2", "Nama")}</row>')
    path = raw_xlsx(tmp_path / "merged.xlsx", rows, merge='<mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>')
    assert cells(path) == {(1, 0): "DATA PENDUDUK RT 003", (2, 0): "Nama"}


def test_a_merged_title_hiding_header_words_does_not_become_the_header(app, tmp_path):
    title = "".join(inline_xml(f"{c}1", t) for c, t in zip("ABC", ["DATA RT 3", "Nama", "NIK"], strict=True))
    title += inline_xml("D1", "Jenis Kelamin")
    header = "".join(inline_xml(f"{c}2", t) for c, t in zip("ABCD", ["NIK", "Nama", "Jenis Kelamin", "Agama"],
                                                              strict=True))
    data = inline_xml("A3", "5371051203900001") + inline_xml("B3", "YOHANES BENU") + inline_xml("C3", "L")
    path = raw_xlsx(tmp_path / "judul.xlsx", f'<row r="1">{title}</row><row r="2">{header}</row>'
                    f'<row r="3">{data}</row>', merge='<mergeCells count="1"><mergeCell ref="A1:D1"/></mergeCells>')
    with app.app_context():
        job = check_file(path)
        assert job.status == "ready", job.error
        assert job.summary_data["header_row"] == 2 and job.count_new == 1


def test_prefixed_main_namespace_is_read_like_the_default_one(tmp_path):
    rows = f'<row r="1">{inline_xml("A1", "Nama")}{cell_xml("B1", 7)}</row>'
    path = raw_xlsx(tmp_path / "plain.xlsx", rows)

    def prefix(data):
        text = data.decode()
        for tag in ("worksheet", "sheetData", "row", "c", "v", "is", "t"):
            text = text.replace(f"<{tag}>", f"<x:{tag}>").replace(f"<{tag} ", f"<x:{tag} ")
            text = text.replace(f"</{tag}>", f"</x:{tag}>")
        return text.replace('xmlns="', 'xmlns:x="', 1).encode()

    prefixed = rewrite_member(path, "xl/worksheets/sheet1.xml", prefix, out=tmp_path / "x.xlsx")
    assert b"<x:c " in __import__("zipfile").ZipFile(prefixed).read("xl/worksheets/sheet1.xml")
    assert cells(prefixed) == cells(path) == {(1, 0): "Nama", (1, 1): 7}


def test_other_namespaces_elements_named_like_cells_are_ignored(tmp_path):
    """An extension element called <x14:c> (another namespace) is not a cell of the sheet."""
    rows = f'<row r="1">{inline_xml("A1", "Nama")}</row>'
    path = raw_xlsx(tmp_path / "ext.xlsx", rows)
    extension = ('<extLst><ext xmlns:x14="urn:example:x14"><x14:c r="B1"><x14:v>99</x14:v></x14:c></ext></extLst>'
                 "</worksheet>")
    changed = rewrite_member(path, "xl/worksheets/sheet1.xml", lambda d: d.replace(b"</worksheet>", extension.encode()))
    assert cells(changed) == {(1, 0): "Nama"}


@pytest.mark.parametrize(("name", "head", "message"), [
    ("data.xlsb", b"PK\x03\x04", r"\.xlsb"),
    ("data.pdf", b"%PDF", "Hanya berkas Excel"),
    ("siak.xls", b"<html>", "bukan buku kerja Excel 97-2003"),
])
def test_formats_that_cannot_be_read_get_a_clear_message(name, head, message):
    with pytest.raises(ImportFileError, match=message):
        detect_format(name, head)


def test_format_detection_of_the_formats_that_are_read():
    assert detect_format("Data Penduduk.XLSX", b"PK\x03\x04") == "xlsx"
    assert detect_format("templat.xlsm", b"PK\x03\x04") == "xlsx"
    assert detect_format("lama.xls", b"\xd0\xcf\x11\xe0") == "xls"
    assert detect_format("salah-nama.xls", b"PK\x03\x04") == "xlsx"
    assert detect_format("calc.ods", b"PK\x03\x04") == "ods"
    assert detect_format("data.csv", b"NIK;") == "csv"


def test_an_xlsb_named_xlsx_is_refused_by_name_of_its_parts(tmp_path):
    path = tmp_path / "biner.xlsx"
    import zipfile

    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(ImportFileError, match=r"\.xlsb"):
        open_source(str(path), "xlsx")


@pytest.mark.parametrize(("table", "spelling", "code"), [
    ("education", "Tidak/Blm Sekolah", 1), ("education", "Tidak Tamat SD/Sederajat", 2),
    ("education", "AKADEMI/ DIPLOMA III/S. MUDA", 7), ("education", "Akademi/Diploma III/Sarjana Muda", 7),
    ("education", "Strata-II", 9), ("education", "DIPLOMA I / II", 6), ("education", "diplomaiv/stratai", 8),
    ("blood_type", "Tdk Th", 13), ("life_status", "PINDAH DALAM NEGERI", "pindah"),
    ("life_status", "PINDAH LUAR NEGERI", "pindah"), ("life_status", 6, "pergi"), ("life_status", "9", "tdk_valid"),
    ("life_status", "TIDAK VALID", "tdk_valid"), ("citizenship", 3, 3), ("citizenship", "DUA KEWARGANEGARAAN", 3),
    ("religion", "Kepercayaan Terhadap Tuhan YME / Lainnya", 7), ("occupation_code", "PEGAWAI NEGERI SIPIL (PNS)", 5),
    ("occupation_code", "TENTARA NASIONAL INDONESIA (TNI)", 6), ("occupation_code", "KEPOLISIAN RI (POLRI)", 7),
    ("sex", "Pr", 2), ("sex", "LK", 1), ("marital_status", "CH", 3),
])
def test_spellings_opensid_accepts_map_to_the_same_code(table, spelling, code):
    assert CODE_TABLES[table].parse(spelling) == code


def test_diploma_one_two_and_three_stay_apart_without_spaces():
    assert CODE_TABLES["education"].parse("D I II") == 6
    assert CODE_TABLES["education"].parse("D III") == 7


def test_reasons_are_joined_as_sentences():
    row = RowData(5)
    row.reject("Jenis Kelamin", "Jenis kelamin \u201cX\u201d tidak dikenal.")
    row.reject("Agama", "Agama \u201cY\u201d tidak dikenal")
    row.reject(None, "Cocok dengan dua penduduk.")
    assert row.reasons() == ("Jenis Kelamin: Jenis kelamin \u201cX\u201d tidak dikenal. Agama: Agama \u201cY\u201d "
                             "tidak dikenal. Cocok dengan dua penduduk.")
    assert ".;" not in row.reasons()
