"""Registry state changes clicked twice at the same instant through a real gunicorn (SQLite and PostgreSQL):
the edit saved with masked numbers, a merge, a life event. Each is applied once; the second gets a clear answer."""
from datetime import date

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident, ResidentEvent
from tests.concurrency import double_submit, page_csrf
from tests.conftest import PASSWORD
from tests.registry.family_fixtures import add_family, add_person, nik_for

BORN = date(1980, 3, 12)
NIK = nik_for(BORN, 1)
KK = "5371050101200001"


@pytest.fixture
def people(app, make_user):
    make_user("clerk", "clerk1")
    with app.app_context(), write_intent():
        family = add_family(KK)
        kept = add_person("Yohanes Ndun", 1, BORN, 1, family, NIK)
        twin = add_person("Yohanes Ndun", 1, BORN, None, None, None, phone="081234567890")
        family.head_id = kept.id
        db.session.commit()
        return kept.id, twin.id


def audit_count(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditLog.action == action))


def test_double_save_of_the_masked_edit_form(app, gunicorn, people):
    kept, _twin = people
    client = gunicorn.logged_in("clerk1", PASSWORD)
    fields = {"csrf_token": page_csrf(client, f"/penduduk/{kept}/ubah"), "version": "1",
              "nik": "537105******0001", "kk_number": "537105******0001", "name": "Yohanes Ndun", "sex": "1",
              "birth_date": "12-03-1980", "shdk": "1", "citizenship": "1", "phone": "085200001111"}
    results = double_submit(client, f"/penduduk/{kept}/ubah", fields)
    statuses = sorted(status for status, _body in results)
    assert statuses == [303, 409], results
    loser = next(body for status, body in results if status == 409)
    assert "telah diubah oleh petugas lain" in loser and NIK not in loser and KK not in loser
    with app.app_context():
        resident = db.session.get(Resident, kept)
        assert (resident.nik, resident.family.kk_number, resident.phone, resident.version) == (
            NIK, KK, "085200001111", 2)
    assert audit_count(app, "resident_updated") == 1


def test_double_merge(app, gunicorn, people):
    kept, twin = people
    client = gunicorn.logged_in("clerk1", PASSWORD)
    path = f"/duplikat/gabung?a={kept}&b={twin}"
    fields = {"csrf_token": page_csrf(client, path), "versi_a": "1", "versi_b": "1", "pilih_phone": "b"}
    results = double_submit(client, path, fields)
    statuses = sorted(status for status, _body in results)
    assert statuses[0] == 303 and statuses[1] in (409, 422), results
    assert audit_count(app, "resident_merged") == 1
    with app.app_context():
        assert db.session.get(Resident, twin).merged_into_id == kept
        assert db.session.scalar(select(func.count()).select_from(ResidentEvent)) == 2


def test_double_life_event(app, gunicorn, people):
    kept, _twin = people
    client = gunicorn.logged_in("clerk1", PASSWORD)
    path = f"/penduduk/{kept}/peristiwa"
    fields = {"csrf_token": page_csrf(client, path), "version": "1", "kind": "pindah_keluar",
              "event_date": "02-01-2026", "note": "Ke Soe"}
    results = double_submit(client, path, fields)
    assert sorted(status for status, _body in results) == [303, 303], results  # the loser is told on the page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(ResidentEvent.resident_id == kept)) == 1
        assert db.session.get(Resident, kept).life_status == "pindah"
    assert audit_count(app, "resident_event") == 1
