"""Family rules (consistency warnings, moving a member, changing the head) and the family page."""
from datetime import date

import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry import codes
from kupang.registry.families import (
    FamilyError,
    UnknownKK,
    change_head,
    clean_kk,
    family_warnings,
    move_member,
    target_family,
)
from kupang.registry.models import Family, Resident, ResidentChange, ResidentEvent
from tests.registry.family_fixtures import add_family, add_person, kk, standard_family


def member(name, sex, born, shdk, life_status="hidup", ident=None):
    """A resident object for the pure rules (not stored)."""
    return Resident(id=ident, name=name, sex=sex, birth_date=born, shdk=shdk, life_status=life_status)


def codes_of(warnings):
    return sorted(w.code for w in warnings)


# --- consistency warnings (no database) ---------------------------------------------------------

def test_consistent_family_has_no_warnings():
    members = [member("Ayah", 1, date(1970, 1, 1), 1), member("Ibu", 2, date(1972, 1, 1), 3),
               member("Anak", 1, date(2000, 1, 1), 4)]
    assert family_warnings(members) == []


def test_no_head_and_two_heads():
    assert codes_of(family_warnings([member("Ibu", 2, date(1972, 1, 1), 3)])) == ["tanpa_kepala"]
    two = family_warnings([member("Yohanes", 1, date(1970, 1, 1), 1, ident=1),
                           member("Markus", 1, date(1971, 1, 1), 1, ident=2)])
    assert codes_of(two) == ["kepala_ganda"]
    assert "2 kepala keluarga: Yohanes, Markus" in two[0].message
    assert two[0].resident_ids == [1, 2]


def test_dead_head_does_not_count_and_empty_family_has_no_warning():
    members = [member("Ayah", 1, date(1950, 1, 1), 1, life_status="mati"), member("Anak", 1, date(1980, 1, 1), 4)]
    assert codes_of(family_warnings(members)) == ["tanpa_kepala"]
    assert family_warnings([member("Ayah", 1, date(1950, 1, 1), 1, life_status="pindah")]) == []


def test_spouse_sex_warnings():
    warnings = family_warnings([member("Kepala", 1, date(1970, 1, 1), 1),
                                member("Sarlota", 2, date(1970, 1, 1), 2), member("Dominggus", 1, date(1970, 1, 1), 3)])
    assert codes_of(warnings) == ["istri_laki", "suami_perempuan"]
    messages = " ".join(w.message for w in warnings)
    assert "Sarlota tercatat sebagai Suami tetapi berjenis kelamin perempuan." in messages
    assert "Dominggus tercatat sebagai Istri tetapi berjenis kelamin laki-laki." in messages


def test_child_older_than_a_parent():
    warnings = family_warnings([member("Ayah", 1, date(1970, 1, 1), 1), member("Ibu", 2, date(1985, 1, 1), 3),
                                member("Sulung", 1, date(1980, 6, 1), 4), member("Bungsu", 2, date(2000, 1, 1), 4)])
    assert codes_of(warnings) == ["anak_lebih_tua"]
    assert warnings[0].message == "Sulung (Anak) lebih tua daripada Ibu (Istri)."


def test_child_born_same_day_or_without_date_is_not_older():
    warnings = family_warnings([member("Ayah", 1, date(1970, 1, 1), 1), member("Kembar", 1, date(1970, 1, 1), 4),
                                member("Tanpa tanggal", 1, None, 4)])
    assert warnings == []


@pytest.mark.parametrize("typed, message", [
    ("", "wajib diisi"),
    ("53710501012", "16 digit"),
    ("5.37105E+15", "Excel"),
    ("53710501012O0001", "hanya boleh berisi angka"),
])
def test_bad_kk_numbers_are_refused(typed, message):
    with pytest.raises(FamilyError, match=message):
        clean_kk(typed)


def test_kk_with_spaces_and_dots_is_accepted():
    assert clean_kk(" 5371.0501-0120 0001 ") == "5371050101200001"


# --- moving members and changing the head (database) ----------------------------------------------

def history(resident_id):
    rows = db.session.scalars(select(ResidentChange).where(ResidentChange.resident_id == resident_id)
                              .order_by(ResidentChange.id)).all()
    return {(r.field, r.old_value, r.new_value, r.source) for r in rows}


def test_move_member_keeps_history_and_records_event(app):
    standard_family(app, 1)
    standard_family(app, 2, rt="002", rw="003")
    with app.app_context(), write_intent():
        first, second = db.session.scalars(select(Family).order_by(Family.id)).all()
        child = db.session.scalar(select(Resident).where(Resident.name == "Petrus Ndun 1"))
        move_member(child, second, shdk=codes.SHDK_CHILD)
        db.session.commit()
        child = db.session.get(Resident, child.id)
        assert child.family_id == second.id and child.rt == "002" and child.rw == "003"
        assert history(child.id) == {("family_id", str(first.id), str(second.id), "family"),
                                     ("rt", "001", "002", "family"), ("rw", "001", "003", "family")}
        event = db.session.scalar(select(ResidentEvent).where(ResidentEvent.resident_id == child.id))
        assert event.kind == "pindah_kk"
        assert event.note == "Pindah dari KK 537105******0001 ke KK 537105******0002."
        assert first.kk_number not in event.note


def test_moving_the_head_out_clears_head_and_warns(app):
    standard_family(app, 1)
    standard_family(app, 2)
    with app.app_context(), write_intent():
        first, second = db.session.scalars(select(Family).order_by(Family.id)).all()
        head = db.session.get(Resident, first.head_id)
        move_member(head, second, shdk=9)  # famili lain
        db.session.commit()
        assert db.session.get(Family, first.id).head_id is None
        from kupang.registry.families import active_members

        assert "tanpa_kepala" in codes_of(family_warnings(active_members(first.id)))
        assert db.session.get(Family, second.id).head_id != head.id
        assert ("shdk", "1", "9", "family") in history(head.id)


def test_move_to_unknown_kk_needs_confirmation_then_creates_family(app):
    standard_family(app, 1, rt="004", rw="002")
    with app.app_context(), write_intent():
        family = db.session.scalar(select(Family))
        child = db.session.scalar(select(Resident).where(Resident.name == "Petrus Ndun 1"))
        with pytest.raises(UnknownKK, match="belum terdaftar"):
            target_family("5371059999990001", template=family)
        assert db.session.scalar(select(Family).where(Family.kk_number == "5371059999990001")) is None
        new = target_family("5371 0599 9999 0001", create=True, template=family)
        move_member(child, new, shdk=codes.SHDK_HEAD)
        db.session.commit()
        new = db.session.get(Family, new.id)
        assert (new.rt, new.rw, new.address) == ("004", "002", family.address)
        assert new.head_id == child.id


def test_move_refusals(app):
    standard_family(app, 1)
    standard_family(app, 2)
    with app.app_context(), write_intent():
        first, second = db.session.scalars(select(Family).order_by(Family.id)).all()
        child = db.session.scalar(select(Resident).where(Resident.name == "Petrus Ndun 1"))
        with pytest.raises(FamilyError, match="sudah menjadi anggota KK"):
            move_member(child, first)
        with pytest.raises(FamilyError, match="telah diubah oleh petugas lain"):
            move_member(child, second, expected_version=child.version + 1)
        child.merged_into_id = first.head_id
        with pytest.raises(FamilyError, match="sudah digabungkan"):
            move_member(child, second)
        db.session.rollback()


def test_change_head_asks_for_the_former_heads_relationship(app):
    standard_family(app, 1)
    with app.app_context(), write_intent():
        family = db.session.scalar(select(Family))
        wife = db.session.scalar(select(Resident).where(Resident.name == "Maria Bria 1"))
        old_head = family.head_id
        with pytest.raises(FamilyError, match="hubungan baru"):
            change_head(family, wife)
        change_head(family, wife, old_head_shdk=codes.SHDK_HUSBAND)
        db.session.commit()
        assert db.session.get(Family, family.id).head_id == wife.id
        assert ("shdk", "3", "1", "family") in history(wife.id)
        assert ("shdk", "1", "2", "family") in history(old_head)


# --- the family page over HTTP ---------------------------------------------------------------------

def family_ids(app):
    with app.app_context():
        return db.session.scalars(select(Family.id).order_by(Family.id)).all()


def test_family_page_masks_numbers_and_is_audited(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    response = client.get(f"/keluarga/{fid}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert "537105******0001" in body and "5371050101200001" not in body
    assert "Yohanes Ndun 1" in body and "Kepala keluarga" in body
    assert "537105" + "1203750011" not in body  # the head's NIK never in full
    assert body.index("Yohanes Ndun 1") < body.index("Petrus Ndun 1")
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "family_viewed"))
        assert row.object_id == str(fid) and row.username == "clerk1"


def test_family_page_shows_consistency_warnings(app, client, login_as):
    with app.app_context(), write_intent():
        family = add_family(kk(7))
        add_person("Sarlota", 2, date(1980, 1, 1), codes.SHDK_HUSBAND, family)
        add_person("Anak Tua", 1, date(1970, 1, 1), codes.SHDK_CHILD, family)
        db.session.commit()
    login_as("supervisor")
    body = client.get(f"/keluarga/{family_ids(app)[0]}").get_data(as_text=True)
    assert "Keluarga ini belum memiliki kepala keluarga." in body
    assert "Sarlota tercatat sebagai Suami tetapi berjenis kelamin perempuan." in body
    assert "Anak Tua (Anak) lebih tua daripada Sarlota (Suami)." in body
    assert "Pindahkan anggota" not in body  # supervisors only read


def test_family_page_fragment_for_htmx(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    response = client.get(f"/keluarga/{family_ids(app)[0]}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'id="family-members"' in body and "HX-Request" in response.headers.get("Vary", "")


def child_of(app, name="Petrus Ndun 1"):
    with app.app_context():
        resident = db.session.scalar(select(Resident).where(Resident.name == name))
        return resident.id, resident.version


def test_move_form_moves_member_and_redirects(app, client, login_as):
    standard_family(app, 1)
    standard_family(app, 2)
    login_as("clerk")
    first, second = family_ids(app)
    rid, version = child_of(app)
    response = client.post(f"/keluarga/{first}/pindah", data={"anggota": rid, "kk_tujuan": kk(2), "shdk": "6",
                                                             "versi": version})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/keluarga/{first}")
    page = client.get(f"/keluarga/{second}").get_data(as_text=True)
    assert "Petrus Ndun 1" in page and "Cucu" in page
    with app.app_context():
        assert db.session.get(Resident, rid).family_id == second


def test_move_form_htmx_returns_fragment_with_flash(app, client, login_as):
    standard_family(app, 1)
    standard_family(app, 2)
    login_as("admin")
    first, second = family_ids(app)
    rid, _ = child_of(app)
    response = client.post(f"/keluarga/{first}/pindah", data={"anggota": rid, "kk_tujuan": kk(2)},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'hx-swap-oob="true"' in body and "dipindahkan ke KK 537105******0002" in body
    assert "Petrus Ndun 1" not in body.split('id="flashes"')[0]


@pytest.mark.parametrize("typed, message", [
    ("12345", "16 digit"),
    ("5.37105E+15", "Excel"),
    ("", "wajib diisi"),
])
def test_move_form_bad_kk_changes_nothing(app, client, login_as, typed, message):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    rid, _ = child_of(app)
    response = client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": typed})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Resident, rid).family_id == fid
        assert db.session.scalar(select(ResidentChange)) is None


def test_move_form_unknown_kk_offers_new_family(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    rid, _ = child_of(app)
    response = client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": "5371059999990001"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "belum terdaftar" in body and 'name="buat_baru"' in body
    assert len(family_ids(app)) == 1
    response = client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": "5371059999990001",
                                                           "buat_baru": "1", "shdk": "1"})
    assert response.status_code == 303
    new_id = family_ids(app)[1]
    with app.app_context():
        assert db.session.get(Family, new_id).head_id == rid


def test_move_form_stale_version_is_refused(app, client, login_as):
    standard_family(app, 1)
    standard_family(app, 2)
    login_as("clerk")
    first, _ = family_ids(app)
    rid, version = child_of(app)
    response = client.post(f"/keluarga/{first}/pindah", data={"anggota": rid, "kk_tujuan": kk(2),
                                                             "versi": version + 1})
    assert response.status_code == 422 and "telah diubah oleh petugas lain" in response.get_data(as_text=True)


def test_head_form(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    wife, _ = child_of(app, "Maria Bria 1")
    response = client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": wife})
    assert response.status_code == 422 and "hubungan baru" in response.get_data(as_text=True)
    response = client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": wife, "shdk_lama": "2"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Family, fid).head_id == wife


def test_family_access_by_role(app, client, login_as, auth):
    standard_family(app, 1)
    fid = family_ids(app)[0]
    rid, _ = child_of(app)
    response = client.get(f"/keluarga/{fid}")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": kk(2)}).status_code == 302
    login_as("supervisor")
    assert client.get(f"/keluarga/{fid}").status_code == 200
    assert client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": kk(2)}).status_code == 403
    assert client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": rid}).status_code == 403
    assert client.get("/keluarga/999999").status_code == 404


def test_head_form_htmx_returns_fragment(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    wife, _ = child_of(app, "Maria Bria 1")
    response = client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": wife, "shdk_lama": "2"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="family-members"' in body
    assert "Maria Bria 1 sekarang kepala keluarga." in body
    error = client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": ""}, headers={"HX-Request": "true"})
    assert error.status_code == 200 and "Pilih anggota keluarga yang menjadi kepala keluarga." in error.get_data(
        as_text=True)


def test_head_change_fragment_updates_the_head_shown(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    wife, _ = child_of(app, "Maria Bria 1")
    body = client.post(f"/keluarga/{fid}/kepala", data={"kepala_baru": wife, "shdk_lama": "2"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    facts = body.split("<dt>Kepala keluarga</dt>")[1].split("</dd>")[0]
    assert "Maria Bria 1" in facts and "Yohanes Ndun 1" not in facts


def test_new_kk_with_unknown_region_is_created_with_a_warning(app, client, login_as):
    standard_family(app, 1)
    login_as("clerk")
    fid = family_ids(app)[0]
    rid, _ = child_of(app)
    response = client.post(f"/keluarga/{fid}/pindah", data={"anggota": rid, "kk_tujuan": "9999050101200001",
                                                            "buat_baru": "1"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "tidak ada di data Kemendagri" in body and "boleh disimpan" in body
    assert "9999050101200001" not in body and len(family_ids(app)) == 2
