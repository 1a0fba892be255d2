"""The import pages over HTTP: upload, size limit, preview, progress fragment, confirm once, downloads, CLI."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.importer.jobs import imports_root
from kupang.registry.models import Resident
from tests.registry.import_builders import person, write_csv, write_xlsx


def upload(client, path, name=None):
    with open(path, "rb") as fh:
        return client.post("/penduduk/impor", data={"file": (io.BytesIO(fh.read()), name or path.name)},
                           content_type="multipart/form-data")


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def imports_root_of(app):
    with app.app_context():
        return imports_root()


def set_job(app, job_id, **values):
    with app.app_context(), write_intent():
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
        db.session.commit()


@pytest.mark.parametrize("role", ["clerk", "admin"])
def test_upload_page(client, login_as, role):
    login_as(role)
    text = client.get("/penduduk/impor").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in text and "Unggah dan periksa" in text
    assert "20 MB" in text and "Belum ada impor" in text


def test_supervisor_cannot_import(client, login_as):
    login_as("supervisor")
    assert client.get("/penduduk/impor").status_code == 403


def test_upload_preview_confirm_and_result(app, client, login_as, tmp_path):
    login_as("clerk")
    rows = [person(1), person(2, **{"Jenis Kelamin": "?"}), person(3)]
    response = upload(client, write_xlsx(tmp_path / "warga rt3.xlsx", rows))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "belum ada data yang disimpan" in page
    assert 'id="count-new">2<' in page and 'id="count-rejected">1<' in page
    assert "Jenis Kelamin" in page and "tidak dikenal" in page
    assert rows[0]["NIK"] not in page and rows[0]["NIK"][:6] + "******" in page  # masked in the preview
    assert count(app, Resident) == 0
    job_url = response.headers["Location"]
    confirm = client.post(job_url + "/konfirmasi")
    assert confirm.status_code == 303
    page = client.get(job_url).get_data(as_text=True)
    assert "Impor selesai disimpan" in page
    assert count(app, Resident) == 2
    again = client.post(job_url + "/konfirmasi", follow_redirects=True).get_data(as_text=True)
    assert "sudah dikonfirmasi" in again
    assert count(app, Resident) == 2
    assert count(app, AuditLog, AuditLog.action == "import_uploaded") == 1
    assert count(app, AuditLog, AuditLog.action == "residents_imported") == 1
    listing = client.get("/penduduk/impor").get_data(as_text=True)
    assert "warga rt3.xlsx" in listing and "Selesai" in listing


def test_size_limit_is_configurable_and_explained(app, client, login_as, tmp_path):
    login_as("clerk")
    big = tmp_path / "besar.csv"
    padding = "x" * 100_000
    write_csv(big, [[*person(i).values(), padding] for i in range(30)],
              header=[*person(0).keys(), "Keterangan"])
    assert big.stat().st_size > 2.5 * 1024 * 1024  # above the app-wide 2 MB form limit
    app.config["IMPORT_INLINE_MAX_BYTES"] = 10 * 1024 * 1024
    response = upload(client, big)
    assert response.status_code == 303  # the import view raises the limit to MAX_UPLOAD_MB
    app.config["MAX_UPLOAD_MB"] = 2
    response = upload(client, big)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in text and "2 MB" in text
    assert count(app, ImportJob) == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("data.pdf", b"%PDF-1.4", "Hanya berkas Excel (.xlsx, .xlsm, .xls)"),
    ("biner.xlsb", b"PK\x03\x04xxxx", "Format .xlsb"),
    ("siak.xls", b"<html><table>", "bukan buku kerja Excel 97-2003"),
])
def test_wrong_file_type_is_refused(app, client, login_as, name, content, message):
    login_as("clerk")
    response = client.post("/penduduk/impor", data={"file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, ImportJob) == 0


def test_no_file_chosen(client, login_as):
    login_as("clerk")
    response = client.post("/penduduk/impor", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Pilih berkas" in response.get_data(as_text=True)


def test_corrupt_xlsx_is_refused_at_upload_with_a_clear_message(app, client, login_as, tmp_path):
    app.instance_path = str(tmp_path / "instance")  # its own: the session's folder holds other tests' jobs
    login_as("clerk")
    path = write_xlsx(tmp_path / "rusak.xlsx", [person(1)])
    data = path.read_bytes()
    response = client.post("/penduduk/impor", data={"file": (io.BytesIO(data[:-200]), "rusak.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Berkas .xlsx rusak" in response.get_data(as_text=True)
    assert count(app, Resident) == 0 and count(app, ImportJob) == 0
    assert not list(imports_root_of(app).glob("job-*"))  # nothing of the refused upload is kept


def test_damaged_xls_job_fails_with_a_clear_message(app, client, login_as):
    login_as("clerk")
    response = client.post("/penduduk/impor", data={"file": (io.BytesIO(b"\xd0\xcf\x11\xe0" + b"x" * 600),
                                                             "lama.xls")}, content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Impor gagal" in page and "Berkas .xls rusak" in page
    assert count(app, Resident) == 0


def test_upload_checks_csrf_itself(app, client, login_as, tmp_path):
    login_as("clerk")
    app.config["WTF_CSRF_ENABLED"] = True
    path = write_csv(tmp_path / "a.csv", [person(1)])
    response = upload(client, path)
    assert response.status_code == 400
    assert "Formulir sudah tidak berlaku" in response.get_data(as_text=True)
    page = client.get("/penduduk/impor").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    with open(path, "rb") as fh:
        response = client.post("/penduduk/impor", data={"file": (fh, "a.csv"), "csrf_token": token},
                               content_type="multipart/form-data")
    assert response.status_code == 303


def test_progress_fragment_page_and_refresh(app, client, login_as, tmp_path):
    login_as("clerk")
    job_url = upload(client, write_csv(tmp_path / "a.csv", [person(1)])).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    set_job(app, job_id, status="checking", stage="reading", progress_done=400, progress_total=1000)
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="import-progress"' in page and 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    fragment = client.get(job_url + "/progres", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert 'value="400"' in text and "40%" in text and "Membaca dan memeriksa berkas" in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get(job_url + "/progres").status_code == 302
    set_job(app, job_id, status="ready")
    done = client.get(job_url + "/progres", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["HX-Refresh"] == "true"


def test_a_dead_worker_shows_as_stalled(app, client, login_as, tmp_path):
    login_as("clerk")
    job_url = upload(client, write_csv(tmp_path / "a.csv", [person(1)])).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    with app.app_context():
        old = db.session.get(ImportJob, job_id).created_at - timedelta(hours=1)
    set_job(app, job_id, status="applying", heartbeat_at=old)
    page = client.get(job_url).get_data(as_text=True)
    assert "Terhenti" in page and "berhenti tanpa selesai" in page
    assert 'id="import-progress"' not in page


def test_rejected_rows_and_issues_download(app, client, login_as, tmp_path):
    login_as("clerk")
    rows = [person(1), person(2, **{"Tanggal Lahir": "31/02/1990"})]
    job_url = upload(client, write_csv(tmp_path / "rt 5.csv", rows)).headers["Location"]
    response = client.get(job_url + "/ditolak")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="rt 5-ditolak.csv"' in response.headers["Content-Disposition"].replace("%20", " ")
    text = response.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith(";Alasan penolakan")
    assert rows[1]["Nama Lengkap"] in lines[1] and "kalender" in lines[1]
    assert count(app, AuditLog, AuditLog.action == "import_rejected_downloaded") == 1
    issues = client.get(job_url + "/masalah").get_data().decode("utf-8-sig")
    assert "Baris;Kolom;Jenis;Pesan" in issues and "3;Tanggal Lahir;Galat;" in issues


def test_no_rejected_file_is_404(client, login_as, tmp_path):
    login_as("clerk")
    job_url = upload(client, write_csv(tmp_path / "a.csv", [person(1)])).headers["Location"]
    assert client.get(job_url + "/ditolak").status_code == 404
    assert client.get("/penduduk/impor/999").status_code == 404


def test_cancel_writes_nothing(app, client, login_as, tmp_path):
    login_as("admin")
    job_url = upload(client, write_csv(tmp_path / "a.csv", [person(1)])).headers["Location"]
    page = client.post(job_url + "/batal", follow_redirects=True).get_data(as_text=True)
    assert "Impor dibatalkan" in page
    assert "sudah dikonfirmasi" in client.post(job_url + "/konfirmasi", follow_redirects=True).get_data(as_text=True)
    assert count(app, Resident) == 0
    with app.app_context():  # the upload (full NIKs) is gone once the import is cancelled
        folder = imports_root() / f"job-{job_url.rsplit('/', 1)[1]}"
    assert not (folder / "unggahan.csv").exists() and (folder / "masalah.csv").exists()


# --- command line ---------------------------------------------------------------------------

def test_cli_dry_run_then_import(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "warga.xlsx", [person(1), person(2), person(3, NIK="123")])
    result = runner.invoke(args=["import-residents", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Baru        : 2" in result.output and "Ditolak     : 1" in result.output
    assert "Baris 4, kolom NIK [GALAT]" in result.output and "Uji coba" in result.output
    assert count(app, Resident) == 0
    result = runner.invoke(args=["import-residents", str(path)])
    assert result.exit_code == 0, result.output
    assert "Tersimpan: 2 penduduk baru" in result.output
    assert count(app, Resident) == 2
    result = runner.invoke(args=["import-residents", str(path)])
    assert "Tersimpan: 0 penduduk baru, 0 diperbarui, 2 tidak berubah" in result.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("rusak.xlsx", b"PK\x03\x04 bukan zip", "rusak"),
    ("kosong.csv", b"", "Baris judul kolom"),
    ("data.ods", b"xx", "Berkas .ods rusak"),
    ("data.pdf", b"xx", "Hanya berkas"),
])
def test_cli_bad_file_exits_non_zero(app, runner, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import-residents", str(path)])
    assert result.exit_code == 2
    assert "Galat:" in result.output and message in result.output
    assert count(app, Resident) == 0


def test_cli_missing_file_or_user(runner, tmp_path):
    result = runner.invoke(args=["import-residents", str(tmp_path / "tidak-ada.xlsx")])
    assert result.exit_code == 2 and "tidak ditemukan" in result.output
    path = write_csv(tmp_path / "a.csv", [person(1)])
    result = runner.invoke(args=["import-residents", str(path), "--user", "siapa"])
    assert result.exit_code == 2 and "pengguna" in result.output
