"""The real background path: a worker process checks and applies while the web app only reads the job row."""
import time

from sqlalchemy import func, select

from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.models import Family, Resident
from tests.registry.import_builders import kk_for, person, write_xlsx
from tests.registry.test_import_views import upload


def wait_for(app, job_id, statuses, limit=120):
    """Poll the job row until the worker moves it into one of the statuses (bounded, not a timing check)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(ImportJob, job_id)
            if job.status in statuses:
                return job.status, job.error, job.stage
            db.session.remove()
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {statuses}")


def test_worker_process_checks_and_applies(app, client, login_as, tmp_path):
    app.config["IMPORT_INLINE_MAX_BYTES"] = 0  # every upload goes to a worker process
    login_as("clerk")
    rows = [person(i, kk=kk_for(i // 4), shdk="Kepala Keluarga" if i % 4 == 0 else "Anak") for i in range(400)]
    rows[10]["Tanggal Lahir"] = "99/99/1999"
    job_url = upload(client, write_xlsx(tmp_path / "besar.xlsx", rows)).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    status, error, _stage = wait_for(app, job_id, {"ready", "failed"})
    assert status == "ready", error
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert (job.count_new, job.count_rejected) == (399, 1)
        assert job.worker_pid and job.heartbeat_at
        assert db.session.scalar(select(func.count()).select_from(Resident)) == 0
    assert client.post(job_url + "/konfirmasi").status_code == 303
    status, error, _stage = wait_for(app, job_id, {"done", "failed"})
    assert status == "done", error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resident)) == 399
        assert db.session.scalar(select(func.count()).select_from(Family).where(Family.head_id.is_not(None))) == 100
    assert "Impor selesai disimpan" in client.get(job_url).get_data(as_text=True)
