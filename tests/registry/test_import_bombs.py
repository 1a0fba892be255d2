"""Decompression and parsing bombs, for every format read: refused with a clear Indonesian message, in bounded
memory (each read runs in a process of its own and reports its peak above its idle size)."""
import io
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kupang.registry.importer import xlsx as xlsx_module
from kupang.registry.importer.plan import Context, read_plan
from kupang.registry.importer.readers import ImportFileError, open_source
from kupang.registry.importer.xls import XlsSource
from tests.registry import import_bombs as bombs
from tests.registry.import_builders import as_lists, person, write_xlsx
from tests.registry.libreoffice import convert
from tests.registry.test_import_views import count, upload

ROOT = Path(__file__).resolve().parents[2]
BOUND_MB = 100


def probe(path, fmt):
    """Read a file as a check does, in its own process; returns its report."""
    done = subprocess.run([sys.executable, "-m", "tests.registry.bomb_probe", str(path), fmt], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("bombs")


XLSX_CASES = {
    "lzma": (bombs.lzma_sheet, "LZMA"),
    "shared-string-1gb": (bombs.huge_shared_string, "terlalu besar setelah dibuka (1.024 MB; batasnya 200 MB)"),
    "deflate-bomb": (bombs.deflate_bomb, "terlalu besar setelah dibuka"),
    "lying-sizes": (bombs.lying_sizes, "rusak"),
    "laughs-shared": (lambda p: bombs.laughs_in(p, bombs.SST), "DTD"),
    "laughs-sheet": (lambda p: bombs.laughs_in(p, bombs.SHEET), "DTD"),
    "laughs-workbook": (lambda p: bombs.laughs_in(p, "xl/workbook.xml"), "DTD"),
    "long-shared-cell": (lambda p: bombs.long_cell_xlsx(p, shared=True), "lebih dari 32.767 karakter"),
    "long-inline-cell": (lambda p: bombs.long_cell_xlsx(p, shared=False), "Sel B2 berisi teks lebih dari 32.767"),
}


@pytest.mark.parametrize("case", list(XLSX_CASES))
def test_xlsx_bombs_are_refused_in_bounded_memory(folder, case):
    build, message = XLSX_CASES[case]
    path = build(folder / f"{case}.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024  # small uploads, every one
    report = probe(path, "xlsx")
    assert report["message"] is not None and message in report["message"], report
    assert report["above_idle_mb"] < BOUND_MB, report


def repeated_cells(rows_repeat, columns_repeat):
    cell = (f'<table:table-cell table:number-columns-repeated="{columns_repeat}" office:value-type="string">'
            "<text:p>YOHANES</text:p></table:table-cell>")
    return f'<table:table-row table:number-rows-repeated="{rows_repeat}">{cell}</table:table-row>'


ODS_CASES = {
    "lzma": (lambda p: bombs.ods(p, [bombs.ods_document(bombs.ODS_HEADER)], compression=zipfile.ZIP_LZMA), "LZMA"),
    "content-1gb": (lambda p: bombs.ods(p, [b"<x>", *(b"A" * bombs.MB for _ in range(1024)), b"</x>"]),
                    "terlalu besar setelah dibuka"),
    "laughs": (lambda p: bombs.ods(p, [bombs.ods_document(bombs.ODS_HEADER + bombs.ods_row("1", "&lol9;", "L"),
                                                          prolog=bombs.LAUGHS)]), "DTD"),
    "repeats": (lambda p: bombs.ods(p, [bombs.ods_document(bombs.ODS_HEADER + repeated_cells(10**9, 10**9))]),
                "lebih dari 1.048.576 baris"),
    "repeated-rows": (lambda p: bombs.ods(p, [bombs.ods_document(bombs.ODS_HEADER + repeated_cells(200_000, 10**9))]),
                      "lebih dari 100.000 baris data"),
    "long-cell": (lambda p: bombs.ods(p, [bombs.ods_document(bombs.ODS_HEADER + bombs.ods_row("1", "A" * 40_000))]),
                  "lebih dari 32.767 karakter"),
    "encrypted": (lambda p: bombs.ods(p, [b"\x00garbage"], manifest=(
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry>'
        "</manifest:manifest>")), "dilindungi kata sandi"),
}


@pytest.mark.parametrize("case", list(ODS_CASES))
def test_ods_bombs_are_refused_in_bounded_memory(folder, case):
    build, message = ODS_CASES[case]
    path = build(folder / f"{case}.ods")
    assert path.stat().st_size < 2 * 1024 * 1024
    report = probe(path, "ods")
    assert report["message"] is not None and message in report["message"], report
    assert report["above_idle_mb"] < BOUND_MB, report


@pytest.fixture(scope="module")
def lo_xls(folder):
    """A real .xls (LibreOffice) of a few residents."""
    return convert([write_xlsx(folder / "warga.xlsx", as_lists([person(i) for i in range(3)]))], "xls",
                   folder / "xls")[0]


def test_xls_shared_string_table_claiming_billions_of_strings(folder, lo_xls):
    """BIFF has no compression: the hostile part is a count. An SST that claims 2**31 strings is refused."""
    data = bytearray(lo_xls.read_bytes())
    sst = data.find(b"\xfc\x00")
    while sst >= 0:
        length, total, unique = struct.unpack_from("<HII", data, sst + 2)
        if length > 8 and 0 < unique <= total < 10_000:
            break
        sst = data.find(b"\xfc\x00", sst + 1)
    assert sst >= 0
    struct.pack_into("<II", data, sst + 4, 2**31, 2**31)
    path = folder / "sst.xls"
    path.write_bytes(bytes(data))
    report = probe(path, "xls")
    assert report["message"] is not None and "Berkas .xls rusak" in report["message"], report
    assert report["above_idle_mb"] < BOUND_MB, report


def test_xls_far_away_cell_costs_nothing(folder):
    """A cell at IV65536 next to A1 (a dense 16-million-cell grid for some readers) is read row by row."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"], book.active["IV65536"] = "Nama", 1
    book.save(folder / "far.xlsx")
    path = convert([folder / "far.xlsx"], "xls", folder / "far")[0]
    report = probe(path, "xls")
    assert report["message"] is not None and "Baris judul kolom tidak ditemukan" in report["message"], report
    assert report["above_idle_mb"] < BOUND_MB, report


def test_xls_cell_past_excel_limit_is_refused():
    import xlrd

    source = object.__new__(XlsSource)
    source.date1904 = False
    with pytest.raises(ImportFileError, match="Sel C7 berisi teks lebih dari 32.767"):
        source.value(xlrd.sheet.Cell(xlrd.XL_CELL_TEXT, "A" * 40_000), 6, 2)


def test_too_many_shared_strings_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_module, "MAX_SHARED_STRINGS", 5)
    path = bombs.raw_xlsx(tmp_path / "many.xlsx", bombs.HEADER_ROW, shared=[f"<t>{i}</t>" for i in range(6)])
    with pytest.raises(ImportFileError, match="terlalu banyak teks"):
        open_source(str(path), "xlsx")


def test_data_rows_are_capped(tmp_path):
    path = write_xlsx(tmp_path / "banyak.xlsx", as_lists([person(i) for i in range(12)]))
    source = open_source(str(path), "xlsx")
    try:
        with pytest.raises(ImportFileError, match="lebih dari 10 baris data"):
            read_plan(source, Context(today=__import__("datetime").date.today(), max_rows=10))
    finally:
        source.close()


def test_upload_of_a_bomb_is_refused_at_once_and_nothing_kept(app, client, login_as, folder):
    """Inline or background is decided on the uncompressed size; a bomb never gets that far."""
    from kupang.registry.import_models import ImportJob

    login_as("clerk")
    data = bombs.huge_shared_string(folder / "upload.xlsx").read_bytes()
    response = client.post("/penduduk/impor", data={"file": (io.BytesIO(data), "warga.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Isi berkas terlalu besar setelah dibuka" in response.get_data(as_text=True)
    assert count(app, ImportJob) == 0


def test_a_small_file_that_unpacks_big_goes_to_the_worker(app, client, login_as, tmp_path, monkeypatch):
    from kupang.registry.importer import jobs

    login_as("clerk")
    spawned = []
    monkeypatch.setattr(jobs, "spawn_worker", lambda job: spawned.append(job.id))
    path = write_xlsx(tmp_path / "kecil.xlsx", as_lists([person(i) for i in range(1500)]))
    assert path.stat().st_size < 1024 * 1024  # small on the wire ...
    with zipfile.ZipFile(path) as package:
        assert sum(info.file_size for info in package.infolist()) > 1024 * 1024  # ... big unpacked
    upload(client, path)
    assert len(spawned) == 1
