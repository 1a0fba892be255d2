"""Resident rules without HTTP: create, edit with history, version conflicts, NIK checks, life events."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family, Resident, ResidentChange, ResidentEvent
from kupang.registry.residents import (
    ResidentError,
    VersionConflict,
    check_numbers,
    create_resident,
    record_event,
    update_resident,
)
from kupang.timeutil import office_today
from tests.registry.family_fixtures import KELURAHAN, nik_for

BORN = date(1990, 3, 12)
NIK = nik_for(BORN, 1)  # 5371051203900001
KK = "5371050101200001"


def values(**overrides):
    base = {"nik": NIK, "name": "Yohanes Ndun", "sex": 1, "birth_place": "Kupang", "birth_date": BORN,
            "religion": 2, "marital_status": 2, "shdk": 1, "education": 5, "occupation_code": 88,
            "blood_type": None, "citizenship": 1, "father_name": "", "mother_name": "", "address": "Jl. El Tari 3",
            "rt": "3", "rw": "1", "phone": ""}
    base.update(overrides)
    return base


def create(app, kk="", **overrides):
    with app.app_context(), write_intent():
        resident, report = create_resident(values(**overrides), kk, kelurahan_code=KELURAHAN)
        db.session.commit()
        return resident.id, report


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_resident_with_family(app):
    resident_id, report = create(app, kk="5371 0501 0120 0001")
    assert report.warnings == {}
    with app.app_context():
        resident = db.session.get(Resident, resident_id)
        assert (resident.nik, resident.rt, resident.rw, resident.version) == (NIK, "003", "001", 1)
        assert not resident.has_warnings and resident.life_status == "hidup"
        assert resident.family.kk_number == KK and resident.family.head_id == resident.id
        assert count(ResidentChange) == 0  # initial values are not "changes"
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == str(resident_id))) == \
            "resident_created"


def test_resident_without_nik_is_saved_as_incomplete(app):
    resident_id, _ = create(app, nik="")
    with app.app_context():
        assert db.session.get(Resident, resident_id).nik is None


def test_warnings_never_block(app):
    resident_id, report = create(app, nik="5399051203900001", sex=2)
    assert "kode lama" in report.warnings["nik"][0]
    assert "Jenis kelamin" in report.warnings["nik"][1]
    with app.app_context():
        assert db.session.get(Resident, resident_id).has_warnings


@pytest.mark.parametrize("overrides, kk, field, text", [
    ({"nik": "537105120390001"}, "", "nik", "16 digit"),
    ({"nik": "5.37105E+15"}, "", "nik", "Excel"),
    ({"nik": "5371053202900001"}, "", "nik", "Tanggal lahir di NIK"),
    ({"birth_date": date.today() + timedelta(days=3)}, "", "birth_date", "masa depan"),
    ({}, "53710501O1200001", "kk_number", "hanya boleh berisi angka"),
    ({"name": "  "}, "", "name", "wajib"),
    ({"sex": None}, "", "sex", "jenis kelamin"),
    ({"rt": "12a"}, "", "rt", "angka"),
])
def test_bad_input_is_refused_and_nothing_is_saved(app, overrides, kk, field, text):
    with app.app_context(), write_intent():
        with pytest.raises(ResidentError) as caught:
            create_resident(values(**overrides), kk, kelurahan_code=KELURAHAN)
        db.session.rollback()
        assert text.lower() in " ".join(caught.value.errors[field]).lower()
        assert count(Resident) == 0 and count(Family) == 0


def test_duplicate_nik_is_refused_without_saying_who(app):
    create(app)
    with app.app_context(), write_intent():
        with pytest.raises(ResidentError) as caught:
            create_resident(values(name="Yohanis Bria"), kelurahan_code=KELURAHAN)
        message = caught.value.errors["nik"][0]
        assert "sudah dipakai penduduk lain" in message
        assert "537105******0001" in message and NIK not in message and "Yohanes" not in message


def test_check_numbers_for_the_inline_messages(app):
    create(app)
    with app.app_context():
        mine = db.session.scalar(select(Resident.id))
        assert check_numbers(NIK, "", resident_id=mine).errors == {}
        assert "sudah dipakai" in check_numbers(NIK, "").errors["nik"][0]
        report = check_numbers("5371055203900002", "5399010101200001", sex=1, birth_date=date(1990, 3, 13))
        assert len(report.warnings["nik"]) == 2 and "kode lama" in report.warnings["kk_number"][0]


def test_edit_records_history_and_bumps_the_version(app, make_user):
    user_id = make_user("clerk", "petugas")
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        from kupang.auth.models import User

        user = db.session.get(User, user_id)
        resident = db.session.get(Resident, resident_id)
        changed, _ = update_resident(resident, values(name="Yohanes Ndun Manafe", nik="5371051203900002",
                                                      rw="002"), 1, user=user)
        db.session.commit()
        assert set(changed) == {"name", "nik", "rw"}
        assert resident.version == 2 and resident.updated_by_id == user_id
        rows = {c.field: (c.old_value, c.new_value, c.user_id) for c in db.session.scalars(select(ResidentChange))}
        assert rows == {"name": ("Yohanes Ndun", "Yohanes Ndun Manafe", user_id),
                        "nik": (NIK, "5371051203900002", user_id), "rw": ("001", "002", user_id)}


def test_an_unchanged_save_changes_nothing(app):
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        changed, _ = update_resident(resident, values(rt="003", rw="001"), 1)
        db.session.commit()
        assert changed == [] and resident.version == 1


def test_a_save_based_on_an_old_version_is_refused(app):
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        update_resident(resident, values(name="Yohanes Ndoen"), 1)
        db.session.commit()
        with pytest.raises(VersionConflict) as caught:
            update_resident(resident, values(name="Yohanes Nduun"), 1)
        db.session.rollback()
        assert caught.value.current.name == "Yohanes Ndoen"
        assert db.session.get(Resident, resident_id).name == "Yohanes Ndoen"


def test_a_save_racing_another_writer_is_refused_at_flush(app):
    """The other clerk commits after we loaded the row: the versioned UPDATE catches what the check cannot see."""
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        db.session().expire_on_commit = False
        db.session.commit()  # keep the loaded (soon outdated) state; SQLite lets the other writer in now
        with db.engine.begin() as other:  # another connection, as another worker would
            other.execute(update(Resident).where(Resident.id == resident_id)
                          .values(name="Maria Ndun", version=Resident.version + 1))
        with pytest.raises(VersionConflict) as caught:
            update_resident(resident, values(name="Yohanes Nduun"), 1)
        assert caught.value.current.name == "Maria Ndun"
        db.session.rollback()
        assert db.session.scalar(select(Resident.name)) == "Maria Ndun"
        assert count(ResidentChange) == 0


def test_moving_to_another_kk(app):
    resident_id, _ = create(app, kk=KK)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        changed, _ = update_resident(resident, values(shdk=4), 1, kk_text="5371050202210002")
        db.session.commit()
        assert "family_id" in changed and resident.family.kk_number == "5371050202210002"
        assert count(Family) == 2
        assert db.session.scalar(select(ResidentEvent.kind)) == "pindah_kk"


def test_death_is_an_event_and_a_status_change_never_a_deletion(app):
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        record_event(resident, "mati", office_today() - timedelta(days=2), "Meninggal di RSUD W.Z. Johannes")
        db.session.commit()
        assert resident.life_status == "mati" and count(Resident) == 1
        change = db.session.scalar(select(ResidentChange))
        assert (change.field, change.old_value, change.new_value, change.source) == (
            "life_status", "hidup", "mati", "event")
        assert [e.kind for e in resident.events] == ["mati"]
        record_event(resident, "pindah_datang", office_today())
        db.session.commit()
        assert resident.life_status == "hidup"


@pytest.mark.parametrize("kind, when, field", [
    ("mati", date.today() + timedelta(days=2), "event_date"),
    ("mati", date(1980, 1, 1), "event_date"),
    ("mati", None, "event_date"),
    ("hapus", date(2020, 1, 1), "kind"),
])
def test_bad_events_are_refused(app, kind, when, field):
    resident_id, _ = create(app)
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, resident_id)
        with pytest.raises(ResidentError) as caught:
            record_event(resident, kind, when)
        assert field in caught.value.errors
        db.session.rollback()
        assert count(ResidentEvent) == 0 and db.session.get(Resident, resident_id).life_status == "hidup"


def test_display_values():
    from kupang.registry.residents import display_value

    assert display_value("sex", "2") == "Perempuan"
    assert display_value("occupation_code", 88) == "Wiraswasta"
    assert display_value("life_status", "mati") == "Meninggal"
    assert display_value("has_warnings", "1") == "Ya" and display_value("has_warnings", False) == "Tidak"
    assert display_value("birth_date", date(1990, 3, 12)) == "12 Maret 1990"
    assert display_value("phone", "") == "-"
