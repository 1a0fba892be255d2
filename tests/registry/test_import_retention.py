"""Import files hold full NIKs: created 0600 in 0700 folders, deleted after the retention period."""
import os
import stat
import time
from datetime import timedelta

import pytest

from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.importer.jobs import imports_root
from kupang.registry.importer.retention import purge_imports
from kupang.timeutil import now_utc
from tests.conftest import build_app
from tests.registry.import_builders import person, write_csv
from tests.registry.test_import_plan import check_file
from tests.registry.test_import_views import set_job


@pytest.fixture(autouse=True)
def own_instance(app, tmp_path):
    """A private instance folder: the session's shared one holds other tests' job folders."""
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def checked_job(app, tmp_path, name="a.csv"):
    """A checked job with a rejected row (so every kind of file exists); returns (id, folder)."""
    with app.app_context():
        job = check_file(write_csv(tmp_path / name, [person(1), person(2, **{"Jenis Kelamin": "?"})]))
        return job.id, imports_root() / f"job-{job.id}"


def age(app, job_id, days):
    with app.app_context():
        created = db.session.get(ImportJob, job_id).created_at
    set_job(app, job_id, created_at=created - timedelta(days=days))


def test_every_import_file_is_private(app, tmp_path):
    job_id, folder = checked_job(app, tmp_path)
    names = sorted(path.name for path in folder.iterdir())
    assert names == ["baris.jsonl", "ditolak.csv", "masalah.csv", "unggahan.csv"]
    assert all(mode(folder / name) == 0o600 for name in names)
    assert mode(folder) == 0o700 and mode(folder.parent) == 0o700


def test_purge_removes_old_files_keeps_new_ones_and_the_record(app, tmp_path):
    old_id, old_folder = checked_job(app, tmp_path, "lama.csv")
    new_id, new_folder = checked_job(app, tmp_path, "baru.csv")
    age(app, old_id, 8)
    with app.app_context():
        orphan, arriving = imports_root() / "job-999999", imports_root() / "job-999998"
        for folder in (orphan, arriving):
            folder.mkdir()
            (folder / "unggahan.xlsx").write_bytes(b"x")
        week_ago = time.time() - 8 * 24 * 3600
        os.utime(orphan, (week_ago, week_ago))  # an old folder left without its job row
        assert purge_imports() == 2
        old, new = db.session.get(ImportJob, old_id), db.session.get(ImportJob, new_id)
        assert old.status == "cancelled" and "dihapus otomatis setelah 7 hari" in old.error
        assert old.rejected_path is None and old.issues_path is None and old.count_rows == 2
        assert new.status == "ready" and new.rejected_path
    assert not old_folder.exists() and not orphan.exists() and new_folder.is_dir()
    assert arriving.is_dir()  # an upload being saved right now (no committed job row yet) is left alone


def test_retention_days_come_from_the_environment(app, tmp_path, monkeypatch):
    job_id, folder = checked_job(app, tmp_path)
    age(app, job_id, 2)
    with app.app_context():
        assert purge_imports() == 0
        monkeypatch.setenv("KUPANG_IMPORT_RETENTION_DAYS", "1")
        assert purge_imports() == 1
    assert not folder.exists()


def test_purge_imports_command(app, runner, tmp_path):
    job_id, folder = checked_job(app, tmp_path)
    age(app, job_id, 3)
    result = runner.invoke(args=["purge-imports"])
    assert result.exit_code == 0 and "7 hari dihapus: 0 impor" in result.output and folder.is_dir()
    result = runner.invoke(args=["purge-imports", "--days", "2"])
    assert result.exit_code == 0 and "2 hari dihapus: 1 impor" in result.output and not folder.exists()
    assert runner.invoke(args=["purge-imports", "--days", "-1"]).exit_code == 2


def test_purge_runs_when_the_app_starts(app, db_url, tmp_path):
    job_id, folder = checked_job(app, tmp_path)
    age(app, job_id, 30)
    build_app(db_url, app.instance_path, IMPORT_PURGE_ON_START=True, IMPORT_PURGE_FIRST_DELAY=0)
    deadline = time.monotonic() + 20
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not folder.exists()
    with app.app_context():
        assert db.session.get(ImportJob, job_id).status == "cancelled"
    assert now_utc()  # the record stays
