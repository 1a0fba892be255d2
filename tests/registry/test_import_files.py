"""The files an import hands back: rejected rows as they were held, with reasons; the issue list; both formula-safe."""
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.extensions import db
from tests.registry.import_builders import HEADER, person, write_csv
from tests.registry.test_import_views import upload

FORMULA = '=HYPERLINK("http://x","y")'


def workbook_upload(tmp_path):
    """An .xlsx with a rounded NIK number, an intact NIK number on a bad row, and a formula-like name."""
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER[:3], "=Jenis Kelamin", *HEADER[4:]])
    mangled, intact, formula = person(1), person(2, **{"Tanggal Lahir": "31/02/1990"}), person(3)
    formula["Nama Lengkap"], formula["Jenis Kelamin"] = FORMULA, "?"
    for row in (mangled, intact, formula, person(4)):
        sheet.append(list(row.values()))
    sheet["D1"].data_type = "s"  # text that looks like a formula (openpyxl would store a formula)
    sheet["C4"].data_type = "s"
    sheet["A2"] = 5371050000000000.0  # what Excel keeps of a 16-digit NIK typed into a number cell
    sheet["A3"] = int(intact["NIK"])  # an intact number cell
    path = tmp_path / "warga.xlsx"
    book.save(path)
    return path, intact


def test_rejected_xlsx_writes_cells_as_held_as_text_with_reasons(app, client, login_as, tmp_path):
    login_as("clerk", "clerk1")
    path, intact = workbook_upload(tmp_path)
    job_url = upload(client, path).headers["Location"]
    response = client.get(job_url + "/ditolak")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]][-1] == "Alasan penolakan" and rows[0][3].value == "=Jenis Kelamin"
    assert rows[0][3].data_type == "s"  # the header text stays text
    nik_cells = [row[0] for row in rows[1:]]
    assert [c.value for c in nik_cells] == ["5.37105E+15", intact["NIK"], rows[3][0].value]
    assert all(c.data_type == "s" for c in nik_cells)
    assert "5371050000000000" not in [c.value for c in nik_cells]
    name = rows[3][2]
    assert name.value == FORMULA and name.data_type == "s"  # shown as text, never evaluated
    reasons = [row[-1].value for row in rows[1:]]
    assert "diubah oleh Excel" in reasons[0] and "kalender" in reasons[1] and "tidak dikenal" in reasons[2]
    assert all(".;" not in reason for reason in reasons)
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "import_rejected_downloaded"))
        assert entry.username == "clerk1" and entry.detail_data["received_by"] == "clerk1"


def test_rejected_csv_and_issue_list_neutralise_formulas(app, client, login_as, tmp_path):
    login_as("clerk")
    bad = person(2, **{"Nama Lengkap": FORMULA, "Jenis Kelamin": "?", "Alamat": "@SUM(A1)"})
    header = ["=NIK" if column == "NIK" else column for column in HEADER]
    header[HEADER.index("Agama")] = "+Agama"
    bad["Agama"] = "Sunda Wiwitan X"
    job_url = upload(client, write_csv(tmp_path / "a.csv", [person(1), bad], header=header)).headers["Location"]
    text = client.get(job_url + "/ditolak").get_data().decode("utf-8-sig")
    assert f"'{FORMULA}" in text.replace('""', '"') and ";'@SUM(A1);" in text and "'=NIK;" in text
    issues = client.get(job_url + "/masalah").get_data().decode("utf-8-sig")
    assert ";'+Agama;Galat;" in issues
    for line in issues.splitlines()[1:]:
        assert not re.match(r"^[=+\-@\t\r]", line.split(";")[1] if ";" in line else "")
    assert not re.search(r"\d{16}", issues)  # the issue list names rows, never a full NIK


def test_reasons_in_the_preview_read_as_sentences(app, client, login_as, tmp_path):
    login_as("clerk")
    bad = person(2, **{"Jenis Kelamin": "X", "Agama": "Y"})
    page = client.get(upload(client, write_csv(tmp_path / "a.csv", [bad])).headers["Location"]).get_data(as_text=True)
    assert "tidak dikenal. Agama: Agama" in page.replace("&#34;", '"') and ".;" not in page
