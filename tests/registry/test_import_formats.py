""".xlsx/.xlsm, .xls and .ods go through the same upload, preview, checks and confirmation; .xlsb and
password-protected files get a clear message."""
import io
import struct

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from sqlalchemy import select

from kupang.extensions import db
from kupang.registry.models import Resident
from tests.registry.import_builders import as_lists, kk_for, person, write_xlsx
from tests.registry.libreoffice import convert
from tests.registry.test_import_views import count, upload

PEOPLE = [person(i, kk=kk_for(i // 3), shdk="Kepala Keluarga" if i % 3 == 0 else "Anak") for i in range(6)]
PEOPLE[4]["Jenis Kelamin"] = "?"  # one rejected row in every format


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The same sheet as .xlsx (openpyxl) and as .xls and .ods written by LibreOffice."""
    folder = tmp_path_factory.mktemp("formats")
    source = write_xlsx(folder / "warga.xlsx", as_lists(PEOPLE))
    return {"xlsx": source, "xls": convert([source], "xls", folder / "xls")[0],
            "ods": convert([source], "ods", folder / "ods")[0]}


def stored_people(app):
    with app.app_context():
        return sorted((r.nik, r.name, r.sex, r.birth_date, r.religion, r.rt) for r in
                      db.session.scalars(select(Resident)))


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_each_format_previews_checks_and_confirms_alike(app, client, login_as, converted, fmt):
    login_as("clerk")
    response = upload(client, converted[fmt])
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="count-new">5<' in page and 'id="count-rejected">1<' in page
    assert "belum ada data yang disimpan" in page and count(app, Resident) == 0
    rejected = client.get(response.headers["Location"] + "/ditolak")
    assert rejected.status_code == 200 and rejected.headers["Content-Disposition"].endswith("ditolak.xlsx")
    assert client.post(response.headers["Location"] + "/konfirmasi").status_code == 303
    assert count(app, Resident) == 5
    people = stored_people(app)
    assert [p[0] for p in people] == sorted(row["NIK"] for i, row in enumerate(PEOPLE) if i != 4)
    assert {p[2] for p in people} == {1, 2} and {p[4] for p in people} == {2} and {p[5] for p in people} == {"003"}


def test_xlsm_is_read_like_xlsx(app, client, login_as, converted, tmp_path):
    login_as("clerk")
    path = tmp_path / "templat.xlsm"
    path.write_bytes(converted["xlsx"].read_bytes())
    page = client.get(upload(client, path).headers["Location"]).get_data(as_text=True)
    assert 'id="count-new">5<' in page


def test_xlsb_is_refused_with_a_clear_message(app, client, login_as):
    login_as("clerk")
    response = client.post("/penduduk/impor", data={"file": (io.BytesIO(b"PK\x03\x04rest"), "Data.xlsb")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Format .xlsb (Buku Kerja Biner Excel) tidak dapat dibaca" in response.get_data(as_text=True)


def test_password_protected_xlsx_is_refused_with_a_clear_message(app, client, login_as, converted, tmp_path):
    login_as("clerk")
    encrypted = tmp_path / "rahasia.xlsx"
    with open(converted["xlsx"], "rb") as plain, open(encrypted, "wb") as out:
        OOXMLFile(plain).encrypt("sandi", out)
    response = upload(client, encrypted)
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "dilindungi kata sandi" in text and count(app, Resident) == 0


def test_password_protected_xls_is_refused_with_a_clear_message(app, client, login_as, converted, tmp_path):
    """A FILEPASS record in the workbook globals is how BIFF8 marks an encrypted workbook."""
    login_as("clerk")
    data = bytearray(converted["xls"].read_bytes())
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # BOF of the workbook globals, BIFF8
    after = bof + 4 + 16
    _record_type, length = struct.unpack_from("<HH", data, after)
    struct.pack_into("<HH", data, after, 0x002F, length)  # the next record becomes FILEPASS
    path = tmp_path / "rahasia.xls"
    path.write_bytes(bytes(data))
    text = client.get(upload(client, path).headers["Location"]).get_data(as_text=True)
    assert "dilindungi kata sandi" in text and count(app, Resident) == 0


def test_the_import_page_says_which_formats_are_read(client, login_as):
    login_as("clerk")
    text = client.get("/penduduk/impor").get_data(as_text=True)
    formats = text[text.index('id="import-formats"'):]
    for shown in (".xlsx", ".xlsm", ".xls Excel 97-2003", "LibreOffice Calc (.ods)", "CSV", "FormatImporExcel.xlsm",
                  ".xlsb", "dilindungi kata sandi"):
        assert shown in formats[:800], shown
    assert 'accept=".xlsx,.xlsm,.xls,.ods,.csv"' in text
