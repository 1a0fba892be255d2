"""Export of residents: masked by default, unmasked only with a reason, always audited; round trip changes nothing."""
import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.registry.importer.columns import FIELD_LABELS
from kupang.registry.models import Resident, ResidentChange
from tests.registry.import_builders import kk_for, person, write_xlsx
from tests.registry.test_import_plan import add_resident, check_file, import_file


def seed(app, tmp_path):
    rows = [person(i, kk=kk_for(i // 3), shdk="Kepala Keluarga" if i % 3 == 0 else "Anak") for i in range(9)]
    rows[4]["RT"] = rows[3]["RT"] = rows[5]["RT"] = "007"
    rows[8]["Pekerjaan"] = "Pelajar/Mahasiswa"
    with app.app_context():
        import_file(write_xlsx(tmp_path / "seed.xlsx", rows))
        add_resident("ADRIANA KOLO", date(2001, 6, 1), 2, kk=kk_for(0), shdk=4, rt="003", rw="001",
                     address=rows[0]["Alamat"], religion=3, life_status="pindah", blood_type=10)
    return rows


def export(client, fmt="xlsx", unmasked=False, reason="", **filters):
    data = {"file_format": fmt, **filters}
    if unmasked:
        data["unmasked"] = "y"
        data["reason"] = reason
    return client.post("/penduduk/ekspor", data=data)


def sheet_rows(response):
    if response.mimetype == "text/csv":
        text = response.get_data().decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    book = load_workbook(io.BytesIO(response.get_data()))
    return [[("" if v is None else v) for v in row] for row in book.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_export_page_counts_the_current_filter(app, client, login_as, tmp_path, role):
    seed(app, tmp_path)
    login_as(role)
    page = client.get("/penduduk/ekspor?rt=7").get_data(as_text=True)
    assert 'id="export-total">3<' in page
    assert 'name="rt" value="007"' in page


def test_clerk_cannot_export(client, login_as):
    login_as("clerk")
    assert client.get("/penduduk/ekspor").status_code == 403
    assert client.post("/penduduk/ekspor", data={"file_format": "csv"}).status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_masked_export_by_default_and_audited(app, client, login_as, tmp_path, fmt):
    rows = seed(app, tmp_path)
    login_as("supervisor")
    response = export(client, fmt)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    table = sheet_rows(response)
    assert table[0] == list(FIELD_LABELS.values())
    assert len(table) == 11
    niks = [r[0] for r in table[1:]]
    assert rows[0]["NIK"][:6] + "******" + rows[0]["NIK"][12:] in niks
    assert not any(row["NIK"] in niks for row in rows)
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "residents_exported"))
        assert entry.detail_data["masked"] is True and entry.detail_data["rows"] == 10
        assert entry.detail_data["format"] == fmt and entry.username == "supervisor1"


def test_unmasked_export_needs_a_reason(app, client, login_as, tmp_path):
    rows = seed(app, tmp_path)
    login_as("admin")
    response = export(client, "csv", unmasked=True, reason="")
    assert response.status_code == 400
    assert "Tuliskan alasan" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(select(func.count()).where(AuditLog.action == "residents_exported"))
    response = export(client, "csv", unmasked=True, reason="Pemutakhiran data untuk Dukcapil")
    table = sheet_rows(response)
    assert rows[0]["NIK"] in [r[0] for r in table]
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "residents_exported"))
        assert entry.detail_data["masked"] is False
        assert entry.detail_data["reason"] == "Pemutakhiran data untuk Dukcapil"


def test_export_follows_the_search_filters(app, client, login_as, tmp_path):
    rows = seed(app, tmp_path)
    login_as("supervisor")
    by_rt = sheet_rows(export(client, "csv", rt="007"))
    assert sorted(r[2] for r in by_rt[1:]) == sorted(rows[i]["Nama Lengkap"] for i in (3, 4, 5))
    by_status = sheet_rows(export(client, "csv", status="pindah"))
    assert [r[2] for r in by_status[1:]] == ["ADRIANA KOLO"]
    by_nik = sheet_rows(export(client, "csv", tanpa_nik="1"))
    assert [r[2] for r in by_nik[1:]] == ["ADRIANA KOLO"]
    by_name = sheet_rows(export(client, "csv", q="adriana"))
    assert [r[2] for r in by_name[1:]] == ["ADRIANA KOLO"]
    by_kk = sheet_rows(export(client, "csv", q=kk_for(1)))
    assert len(by_kk) == 4


def test_codes_and_dates_are_written_as_labels(app, client, login_as, tmp_path):
    seed(app, tmp_path)
    login_as("admin")
    table = sheet_rows(export(client, "csv", unmasked=True, reason="uji label dan tanggal"))
    adriana = next(r for r in table if r[2] == "ADRIANA KOLO")
    record = dict(zip(table[0], adriana, strict=True))
    assert record["Jenis Kelamin"] == "Perempuan" and record["Agama"] == "Katolik"
    assert record["Tanggal Lahir"] == "01/06/2001" and record["Status Penduduk"] == "Pindah"
    assert record["Golongan Darah"] == "AB-" and record["NIK"] == "" and record["SHDK"] == "Anak"
    xlsx = sheet_rows(export(client, "xlsx", unmasked=True, reason="uji label dan tanggal"))
    assert isinstance(xlsx[1][5], datetime)  # a real date cell, not text


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_export_then_import_changes_nothing(app, client, login_as, tmp_path, fmt):
    seed(app, tmp_path)
    login_as("admin")
    response = export(client, fmt, unmasked=True, reason="uji impor ulang hasil ekspor")
    path = tmp_path / f"ekspor.{fmt}"
    path.write_bytes(response.get_data())
    with app.app_context():
        changes = db.session.scalar(select(func.count()).select_from(ResidentChange))
        versions = dict(db.session.execute(select(Resident.id, Resident.version)).all())
        job = check_file(path)
        assert (job.count_new, job.count_updated, job.count_rejected) == (0, 0, 0), job.summary_data["issues"]
        assert job.count_unchanged == 10
        assert job.summary_data["notes"] == []  # every exported column is recognised
        job = import_file(path)
        assert db.session.scalar(select(func.count()).select_from(ResidentChange)) == changes
        assert dict(db.session.execute(select(Resident.id, Resident.version)).all()) == versions


def test_masked_export_cannot_be_imported_by_mistake(app, client, login_as, tmp_path):
    seed(app, tmp_path)
    login_as("admin")
    path = tmp_path / "tersamar.xlsx"
    path.write_bytes(export(client, "xlsx").get_data())
    with app.app_context():
        job = check_file(path)
        assert job.count_rejected == 10 and job.count_unchanged == 0
        assert any("tersamarkan" in issue[3] for issue in job.summary_data["issues"])


def test_search_results_offer_an_export_of_the_same_filter_to_supervisors(app, client, login_as):
    """Supervisors get 'Ekspor hasil ini' carrying the search's filters; clerks do not."""
    from tests.registry.family_fixtures import add_person, commit

    with app.app_context():
        add_person("Yohanes Ndun", rt="001", rw="002")
        commit()
    login_as("supervisor", "lurah1")
    body = client.get("/penduduk?q=yohan&rw=002").get_data(as_text=True)
    assert "Ekspor hasil ini" in body
    assert "/penduduk/ekspor?q=yohan&amp;rw=002" in body
    client.post("/keluar")
    login_as("clerk", "petugas9")
    assert "Ekspor hasil ini" not in client.get("/penduduk?q=yohan&rw=002").get_data(as_text=True)
