"""Issuing through a real gunicorn (SQLite and PostgreSQL): double clicks apply once; 4 clerks, no gap or duplicate."""
import threading

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.letters.models import Letter, LetterSequence
from tests.concurrency import double_submit, page_csrf
from tests.conftest import PASSWORD

from .fixtures import DOMISILI, draft, letters_office, person

TOTAL = 500
CLERKS = 4


def audit_count(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_terbitkan_and_batalkan_double_clicked_apply_once(app, gunicorn, make_user):
    _types, signatory = letters_office(app)
    make_user("clerk", "clerk1")
    letter_id = draft(app, DOMISILI, person(app))
    client = gunicorn.logged_in("clerk1", PASSWORD)
    csrf = page_csrf(client, f"/surat/{letter_id}")
    results = double_submit(client, f"/surat/{letter_id}/terbitkan",
                            {"csrf_token": csrf, "version": 0, "signatory_id": signatory})
    statuses = sorted(status for status, _body in results)
    assert statuses == [303, 409], results
    refused = next(body for status, body in results if status == 409)
    assert "sudah diterbitkan dengan nomor" in refused or "baru saja diubah" in refused, refused[-1500:]
    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        assert letter.status == "issued" and letter.seq_value == 1 and letter.version == 1
        assert db.session.scalar(select(LetterSequence.last_value)) == 1
    assert audit_count(app, "letter_issued") == 1
    results = double_submit(client, f"/surat/{letter_id}/batalkan",
                            {"csrf_token": csrf, "version": 1, "reason": "Salah ketik alamat"})
    assert sorted(status for status, _body in results) == [303, 409], results
    assert audit_count(app, "letter_voided") == 1
    with app.app_context():
        assert db.session.get(Letter, letter_id).status == "void"


@pytest.mark.slow
def test_four_clerks_issue_500_letters_at_once_gap_free(app, gunicorn, make_user):
    _types, signatory = letters_office(app)
    resident = person(app)
    drafts = [draft(app, DOMISILI, resident) for _ in range(TOTAL)]
    clients = []
    for index in range(1, CLERKS + 1):
        make_user("clerk", f"clerk{index}")
        client = gunicorn.logged_in(f"clerk{index}", PASSWORD)
        clients.append((client, page_csrf(client, "/surat")))
    barrier = threading.Barrier(CLERKS)
    statuses = [dict() for _ in range(CLERKS)]

    def clerk(index):
        client, csrf = clients[index]
        barrier.wait()
        for letter_id in drafts[index::CLERKS]:
            status, _h, _b, _w = client.post_form(f"/surat/{letter_id}/terbitkan",
                                                  {"csrf_token": csrf, "version": 0, "signatory_id": signatory})
            statuses[index][status] = statuses[index].get(status, 0) + 1

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert all(s == {303: TOTAL // CLERKS} for s in statuses), statuses
    with app.app_context():
        values = db.session.scalars(select(Letter.seq_value).where(Letter.status == "issued")).all()
        assert sorted(values) == list(range(1, TOTAL + 1))  # exactly 1..N: no gap, no duplicate
        numbers = db.session.scalars(select(Letter.number)).all()
        assert len(set(numbers)) == TOTAL
        assert db.session.scalar(select(LetterSequence.last_value)) == TOTAL
        clerks = db.session.scalar(select(func.count(func.distinct(Letter.issued_by_id))))
        assert clerks == CLERKS
