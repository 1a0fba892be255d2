"""Double clicks through a real gunicorn: confirming or cancelling an import twice at the same instant acts once."""
import uuid

from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.models import Resident
from tests.concurrency import at_once, double_submit, page_csrf, twin
from tests.conftest import PASSWORD
from tests.registry.import_builders import person, write_csv


def upload(client, path):
    """POST the upload form through the real server; returns the job's path."""
    token = page_csrf(client, "/penduduk/impor")
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    status, headers, _body, _wire = client.request("POST", "/penduduk/impor", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 303
    return headers["Location"]


def counts(app, job_path):
    with app.app_context():
        job = db.session.get(ImportJob, int(job_path.rsplit("/", 1)[1]))
        audits = dict(db.session.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
        return job.status, db.session.scalar(select(func.count()).select_from(Resident)), audits


def test_double_confirm_imports_once(app, gunicorn, make_user, tmp_path):
    make_user("clerk", "pemilik")
    client = gunicorn.logged_in("pemilik", PASSWORD)
    job_path = upload(client, write_csv(tmp_path / "a.csv", [person(i) for i in range(5)]))
    token = page_csrf(client, job_path)
    results = double_submit(client, job_path + "/konfirmasi", {"csrf_token": token})
    assert [status for status, _body in results] == [303, 303]
    status, residents, audits = counts(app, job_path)
    assert status == "done" and residents == 5
    assert audits["import_confirmed"] == 1 and audits["residents_imported"] == 1


def test_double_cancel_and_confirm_against_cancel_act_once(app, gunicorn, make_user, tmp_path):
    make_user("clerk", "pemilik")
    client = gunicorn.logged_in("pemilik", PASSWORD)
    first = upload(client, write_csv(tmp_path / "a.csv", [person(1)]))
    token = page_csrf(client, first)
    assert [s for s, _b in double_submit(client, first + "/batal", {"csrf_token": token})] == [303, 303]
    assert counts(app, first)[2]["import_cancelled"] == 1
    second = upload(client, write_csv(tmp_path / "b.csv", [person(2)]))
    other = twin(client)
    token = page_csrf(client, second)
    at_once([lambda: client.post_form(second + "/konfirmasi", {"csrf_token": token}),
             lambda: other.post_form(second + "/batal", {"csrf_token": token})])
    status, residents, audits = counts(app, second)
    assert (status, residents) in {("done", 1), ("cancelled", 0)}
    assert audits.get("import_confirmed", 0) + audits["import_cancelled"] == 2  # one per job, never both for one
