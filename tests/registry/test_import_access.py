"""Only the clerk who uploaded an import (or an admin) may see, confirm, cancel or download it; by role."""
import pytest
from sqlalchemy import func, select

from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.models import Resident
from tests.registry.import_builders import person, write_csv
from tests.registry.test_import_views import upload

READS = ["", "/progres", "/ditolak", "/masalah"]


@pytest.fixture
def job_url(app, client, make_user, auth, tmp_path):
    """An import checked and waiting for confirmation, uploaded by clerk 'pemilik'; the client is logged out."""
    make_user("clerk", "pemilik")
    auth.login("pemilik")
    rows = [person(1), person(2, **{"Jenis Kelamin": "?"})]
    url = upload(client, write_csv(tmp_path / "rt1.csv", rows)).headers["Location"]
    auth.logout()
    return url


def status_of(app, url):
    with app.app_context():
        return db.session.get(ImportJob, int(url.rsplit("/", 1)[1])).status


def residents(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resident))


@pytest.mark.parametrize("action", ["/konfirmasi", "/batal"])
def test_another_clerk_can_neither_read_nor_change_it(app, client, make_user, auth, job_url, action):
    make_user("clerk", "tetangga")
    auth.login("tetangga")
    for suffix in READS:
        assert client.get(job_url + suffix, headers={"HX-Request": "true"}).status_code == 403, suffix
    assert client.post(job_url + action).status_code == 403
    assert status_of(app, job_url) == "ready" and residents(app) == 0
    listing = client.get("/penduduk/impor").get_data(as_text=True)
    assert "rt1.csv" not in listing and "Belum ada impor" in listing


def test_supervisor_sees_no_import_at_all(app, client, make_user, auth, job_url):
    make_user("supervisor", "lurah")
    auth.login("lurah")
    for suffix in READS:
        assert client.get(job_url + suffix).status_code == 403, suffix
    assert client.post(job_url + "/konfirmasi").status_code == 403
    assert client.get("/penduduk/impor").status_code == 403
    assert status_of(app, job_url) == "ready"


def test_the_owner_reads_downloads_and_confirms(app, client, auth, job_url):
    auth.login("pemilik")
    for suffix in ["", "/ditolak", "/masalah"]:
        assert client.get(job_url + suffix).status_code == 200, suffix
    assert "rt1.csv" in client.get("/penduduk/impor").get_data(as_text=True)
    assert client.post(job_url + "/konfirmasi").status_code == 303
    assert status_of(app, job_url) == "done" and residents(app) == 1


def test_an_admin_may_handle_anyones_import(app, client, make_user, auth, job_url):
    make_user("admin", "admin1")
    auth.login("admin1")
    for suffix in ["", "/ditolak", "/masalah"]:
        assert client.get(job_url + suffix).status_code == 200, suffix
    assert "rt1.csv" in client.get("/penduduk/impor").get_data(as_text=True)
    assert client.post(job_url + "/batal").status_code == 303
    assert status_of(app, job_url) == "cancelled"
