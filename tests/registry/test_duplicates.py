"""Suspected duplicates (detection) and merging a pair field by field, with history and audit."""
from datetime import date

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.duplicates import MergeError, StaleMerge, load_pair, merge_residents, suspected_pairs
from kupang.registry.models import Family, Resident, ResidentChange, ResidentEvent
from tests.registry.family_fixtures import add_family, add_person, kk, nik_for

BORN = date(1980, 2, 14)


def pair_names(pairs):
    return sorted((p.first.name, p.second.name, p.reason) for p in pairs)


def build(app, *people):
    """Add residents given as (name, sex, born, nik, extra fields) and return their ids."""
    with app.app_context(), write_intent():
        ids = [add_person(name, sex, born, nik=nik, **extra).id for name, sex, born, nik, extra in people]
        db.session.commit()
        return ids


# --- detection ---------------------------------------------------------------------------------

def test_same_name_birth_date_and_sex_ignoring_case_spaces_and_dots(app):
    build(app, ("Yohanes Ndun", 1, BORN, nik_for(BORN, 1), {}),
          ("YOHANES  NDUN", 1, BORN, None, {}),
          ("Yohanes Ndun.", 1, BORN, None, {"rw": "004"}),
          ("Yohanes Ndun", 2, BORN, None, {}),                  # other sex
          ("Yohanes Ndun", 1, date(1980, 2, 15), None, {}),     # other birth date
          ("Yohanes Nduni", 1, BORN, None, {}))                 # other name
    with app.app_context():
        pairs = suspected_pairs()
    assert pair_names(pairs) == [("Yohanes Ndun", "YOHANES  NDUN", "sama"), ("Yohanes Ndun", "Yohanes Ndun.", "sama")]
    assert all(p.first.nik for p in pairs)  # the record with a NIK comes first
    assert pairs[0].label == "Orang yang sama tercatat dengan dan tanpa NIK"


def test_record_without_nik_nor_birth_date_matches_record_with_nik_in_same_rw(app):
    build(app, ("Maria Goreti Bria", 2, BORN, nik_for(BORN, 2), {"rw": "002"}),
          ("maria goreti bria", 2, None, None, {"rw": "002"}),
          ("Maria Goreti Bria", 2, None, None, {"rw": "005"}),  # another RW: a different person
          ("Maria Goreti Bria", 1, None, None, {"rw": "002"}))  # other sex
    with app.app_context():
        pairs = suspected_pairs()
    assert pair_names(pairs) == [("Maria Goreti Bria", "maria goreti bria", "tanpa_nik")]


def test_merged_records_are_not_suspected_and_different_niks_are_flagged(app):
    keep, gone, other = build(app, ("Petrus Lay", 1, BORN, nik_for(BORN, 1, 1), {}),
                              ("Petrus Lay", 1, BORN, None, {}),
                              ("Petrus Lay", 1, BORN, nik_for(BORN, 1, 2), {}))
    with app.app_context(), write_intent():
        db.session.get(Resident, gone).merged_into_id = keep
        db.session.commit()
        pairs = suspected_pairs()
    assert [(p.first.id, p.second.id) for p in pairs] == [(keep, other)]
    assert pairs[0].conflicting_nik and "NIK berbeda" in pairs[0].label


# --- merging (rules) ---------------------------------------------------------------------------------

def two_records(app):
    """A record with NIK in a family and a later record without NIK holding a phone and another address."""
    with app.app_context(), write_intent():
        family = add_family(kk(1))
        keep = add_person("Yohanes Ndun", 1, BORN, 1, family, nik_for(BORN, 1), phone="")
        other = add_person("Yohanes Ndun", 1, BORN, None, None, None, phone="081234567890",
                           address="Jl. Cak Doko 9", birth_place="Soe")
        family.head_id = keep.id
        db.session.commit()
        return keep.id, other.id


def test_merge_applies_chosen_fields_and_keeps_the_other_record(app):
    keep_id, other_id = two_records(app)
    with app.app_context(), write_intent():
        keep, other = load_pair(keep_id, other_id, lock=True)
        changed = merge_residents(keep, other, ["phone", "birth_place"],
                                  versions={keep_id: keep.version, other_id: other.version})
        db.session.commit()
        assert sorted(changed) == ["birth_place", "phone"]
        keep, other = db.session.get(Resident, keep_id), db.session.get(Resident, other_id)
        assert (keep.phone, keep.birth_place, keep.address) == ("081234567890", "Soe", "Jl. El Tari No. 1")
        assert other.merged_into_id == keep_id and other.name == "Yohanes Ndun" and other.phone == "081234567890"
        sources = db.session.execute(select(ResidentChange.resident_id, ResidentChange.field, ResidentChange.source)
                                     ).all()
        assert set(sources) == {(keep_id, "phone", "merge"), (keep_id, "birth_place", "merge"),
                                (other_id, "merged_into_id", "merge")}
        events = db.session.execute(select(ResidentEvent.resident_id, ResidentEvent.kind)).all()
        assert sorted(events) == [(keep_id, "gabung"), (other_id, "gabung")]
        audit_row = db.session.scalar(select(AuditLog).where(AuditLog.action == "resident_merged"))
        assert audit_row.object_id == str(keep_id) and audit_row.detail_data["merged_id"] == other_id
        assert db.session.scalar(select(Family)).head_id == keep_id


def test_merge_moves_the_only_nik_to_the_kept_record(app):
    keep_id, other_id = two_records(app)
    with app.app_context(), write_intent():
        nik = db.session.get(Resident, keep_id).nik
        other, keep = load_pair(other_id, keep_id)  # keep the record WITHOUT a NIK this time
        merge_residents(other, keep, ["family_id", "shdk"])
        db.session.commit()
        kept = db.session.get(Resident, other_id)
        assert kept.nik == nik and kept.family_id is not None and kept.shdk == 1
        assert db.session.get(Resident, keep_id).nik is None
        assert db.session.scalar(select(Family)).head_id == other_id
        nik_rows = db.session.execute(select(ResidentChange.resident_id, ResidentChange.old_value,
                                             ResidentChange.new_value).where(ResidentChange.field == "nik")).all()
        assert sorted(nik_rows) == sorted([(keep_id, nik, None), (other_id, None, nik)])


def test_bad_merges_are_refused_in_indonesian(app):
    a, b, c = build(app, ("Ester Sabu", 2, BORN, nik_for(BORN, 2, 1), {}), ("Ester Sabu", 2, BORN, None, {}),
                    ("Ester Sabu", 2, BORN, nik_for(BORN, 2, 2), {}))
    with app.app_context(), write_intent():
        first, _ = load_pair(a, b)
        with pytest.raises(MergeError, match="dengan dirinya sendiri"):
            merge_residents(first, first)
        first, third = load_pair(a, c)
        with pytest.raises(MergeError, match="NIK yang berbeda"):
            merge_residents(first, third)
        with pytest.raises(MergeError, match="tidak ditemukan"):
            load_pair(a, 999999)
        first, second = load_pair(a, b)
        merge_residents(first, second)
        db.session.commit()
        first, second = load_pair(a, b)
        with pytest.raises(MergeError, match="sudah digabungkan ke data"):
            merge_residents(first, second)
        _, third = load_pair(b, c)
        with pytest.raises(MergeError, match="sudah digabungkan"):
            merge_residents(third, second)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "resident_merged")) == 1


def test_merge_rejects_unknown_field_choice(app):
    keep_id, other_id = two_records(app)
    with app.app_context(), write_intent():
        keep, other = load_pair(keep_id, other_id)
        with pytest.raises(MergeError, match="tidak dikenal"):
            merge_residents(keep, other, ["version"])
        assert db.session.get(Resident, other_id).merged_into_id is None


def test_concurrent_change_is_detected(app):
    keep_id, other_id = two_records(app)
    with app.app_context(), write_intent():
        keep, other = load_pair(keep_id, other_id)
        seen = {keep_id: keep.version, other_id: other.version}
        other.phone = "0811111111"  # another clerk saves the record meanwhile
        db.session.commit()
        keep, other = load_pair(keep_id, other_id, lock=True)
        with pytest.raises(StaleMerge, match="telah diubah oleh petugas lain"):
            merge_residents(keep, other, ["phone"], versions=seen)
        db.session.rollback()
        assert db.session.get(Resident, other_id).merged_into_id is None


# --- over HTTP ---------------------------------------------------------------------------------------

def test_duplicates_page_and_fragment(app, client, login_as):
    build(app, ("Yohanes Ndun", 1, BORN, nik_for(BORN, 1), {"rw": "002", "rt": "003"}),
          ("Yohanes Ndun", 1, BORN, None, {"rw": "002", "rt": "003"}),
          ("Sarlota Tefa", 2, BORN, None, {"rw": "001"}), ("Sarlota Tefa", 2, BORN, None, {"rw": "001"}))
    login_as("supervisor")
    page = client.get("/duplikat")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in body and "2 pasang" in body
    assert "537105" + "1402800001" not in body and "537105******0001" in body
    fragment = client.get("/duplikat?rw=2&rt=3", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="duplicate-pairs"' in text
    assert "Yohanes Ndun" in text and "Sarlota Tefa" not in text and "1 pasang" in text


def test_merge_page_side_by_side_then_merge(app, client, login_as):
    keep_id, other_id = two_records(app)
    login_as("clerk")
    page = client.get(f"/duplikat/gabung?a={keep_id}&b={other_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Jl. Cak Doko 9" in body and 'name="pilih_phone"' in body
    assert "537105******0001" in body and nik_for(BORN, 1) not in body
    assert 'name="pilih_name"' not in body  # same value: nothing to choose
    with app.app_context():
        versions = {r.id: r.version for r in db.session.scalars(select(Resident))}
    response = client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}",
                           data={"pilih_phone": "b", "pilih_address": "a", "versi_a": versions[keep_id],
                                 "versi_b": versions[other_id]})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/penduduk/{keep_id}")
    with app.app_context():
        assert db.session.get(Resident, keep_id).phone == "081234567890"
        assert db.session.get(Resident, other_id).merged_into_id == keep_id
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "resident_merged")).username == "clerk1"


def test_merge_post_refusals_change_nothing(app, client, login_as):
    keep_id, other_id = two_records(app)
    login_as("admin")
    same = client.post(f"/duplikat/gabung?a={keep_id}&b={keep_id}", data={})
    assert same.status_code == 422 and "dirinya sendiri" in same.get_data(as_text=True)
    bad = client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}", data={"pilih_phone": "c"})
    assert bad.status_code == 422 and "Pilihan data tidak sah" in bad.get_data(as_text=True)
    stale = client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}", data={"versi_a": 1, "versi_b": 7})
    assert stale.status_code == 409 and "telah diubah oleh petugas lain" in stale.get_data(as_text=True)
    missing = client.post("/duplikat/gabung", data={})
    assert missing.status_code == 400 and "Pilih dua data" in missing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Resident, other_id).merged_into_id is None
        assert db.session.scalar(select(ResidentChange)) is None


def test_merge_page_refuses_different_niks_on_get(app, client, login_as):
    a, c = build(app, ("Ester Sabu", 2, BORN, nik_for(BORN, 2, 1), {}),
                 ("Ester Sabu", 2, BORN, nik_for(BORN, 2, 2), {}))
    login_as("clerk")
    page = client.get(f"/duplikat/gabung?a={a}&b={c}")
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "NIK yang berbeda" in body and "Gabungkan ke data A" not in body


def test_supervisor_sees_merge_read_only_and_cannot_post(app, client, login_as):
    keep_id, other_id = two_records(app)
    login_as("supervisor")
    body = client.get(f"/duplikat/gabung?a={keep_id}&b={other_id}").get_data(as_text=True)
    assert "hanya dapat melihat" in body and "Gabungkan ke data A" not in body and "disabled" in body
    assert client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}", data={}).status_code == 403
    with app.app_context():
        assert db.session.get(Resident, other_id).merged_into_id is None


@pytest.mark.parametrize("path", ["/duplikat", "/duplikat/gabung?a=1&b=2"])
def test_duplicates_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_scan_is_reused_until_the_registry_changes(app):
    a, b = build(app, ("Simon Haning", 1, BORN, nik_for(BORN, 1), {}), ("Simon Haning", 1, BORN, None, {}))
    with app.app_context(), write_intent():
        first = suspected_pairs()
        assert len(first) == 1 and suspected_pairs() is not first  # callers get their own list
        add_person("SIMON HANING", 1, BORN)  # a new resident: newest id changes
        db.session.commit()
        assert len(suspected_pairs()) == 2
        merge_residents(*load_pair(a, b))  # recorded as history rows
        db.session.commit()
        assert [(p.first.id, p.second.id) for p in suspected_pairs()] == [(a, a + 2)]


def test_merge_after_another_clerk_saved_shows_fresh_values(app, client, login_as):
    import re

    from kupang.registry.history import apply_changes

    keep_id, other_id = two_records(app)
    login_as("clerk")
    page = client.get(f"/duplikat/gabung?a={keep_id}&b={other_id}").get_data(as_text=True)
    seen = {name: re.search(rf'name="{name}" value="(\d+)"', page).group(1) for name in ("versi_a", "versi_b")}
    with app.app_context(), write_intent():  # meanwhile another clerk corrects the phone number
        apply_changes(db.session.get(Resident, other_id), {"phone": "085200000001"})
        db.session.commit()
    response = client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}", data={"pilih_phone": "b", **seen})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "telah diubah oleh petugas lain" in body
    assert "085200000001" in body  # the page now shows what was saved meanwhile
    with app.app_context():
        assert db.session.get(Resident, other_id).merged_into_id is None
        assert db.session.get(Resident, keep_id).phone == ""


def test_two_clerks_merging_the_same_pair_at_once(app, make_user):
    import threading

    from tests.conftest import PASSWORD

    keep_id, other_id = two_records(app)
    clients = []
    for name in ("clerk1", "clerk2"):
        make_user("clerk", name)
        client = app.test_client()
        assert client.post("/masuk", data={"username": name, "password": PASSWORD}).status_code == 302
        clients.append(client)
    start, results = threading.Barrier(2), []

    def merge(client):
        start.wait()
        response = client.post(f"/duplikat/gabung?a={keep_id}&b={other_id}",
                               data={"pilih_phone": "b", "versi_a": 1, "versi_b": 1})
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=merge, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    codes = sorted(code for code, _ in results)
    assert codes[0] == 303 and codes[1] in (409, 422), codes
    loser = next(body for code, body in results if code != 303)
    assert "sudah digabungkan" in loser or "telah diubah oleh petugas lain" in loser
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResidentEvent)) == 2
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "resident_merged")) == 1


def test_bad_area_filter_is_explained(app, client, login_as):
    login_as("clerk")
    body = client.get("/duplikat?rw=abc&rt=1234").get_data(as_text=True)
    assert "RW dan RT harus berupa angka 1 sampai 3 digit" in body
    assert "harus berupa angka" not in client.get("/duplikat?rw=2").get_data(as_text=True)


def test_three_records_of_one_person_give_two_pairs_to_the_nik_holder(app):
    ids = build(app, ("Imanuel Tefa", 1, BORN, None, {}), ("Imanuel Tefa", 1, BORN, nik_for(BORN, 1), {}),
                ("imanuel tefa", 1, BORN, None, {}))
    with app.app_context():
        pairs = suspected_pairs()
    assert sorted((p.first.id, p.second.id) for p in pairs) == [(ids[1], ids[0]), (ids[1], ids[2])]
