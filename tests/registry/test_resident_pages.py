"""Resident pages over HTTP: access by role, masking everywhere, audit, form errors, conflicts, demo data."""
import logging
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family, Resident, ResidentChange
from kupang.registry.nik import check_nik
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

BORN = date(1980, 3, 12)
NIK = nik_for(BORN, 1)  # 5371051203800001
MASKED = "537105******0001"
KK = "5371050101200001"
FULL_NUMBER = re.compile(r"\d{16}")


@pytest.fixture
def resident_id(app):
    with app.app_context(), write_intent():
        family = add_family(KK)
        resident = add_person("Yohanes Ndun", 1, BORN, 1, family, NIK)
        add_person("Maria Ndun", 2, date(1982, 1, 5), 3, family, nik_for(date(1982, 1, 5), 2))
        commit()
        return resident.id


def form_data(**overrides):
    data = {"nik": "5371 0512 0390 0002", "kk_number": "", "name": "Imanuel Lay", "sex": "1", "birth_place": "Kupang",
            "birth_date": "1990-03-12", "religion": "2", "marital_status": "1", "shdk": "", "education": "",
            "occupation_code": "", "blood_type": "", "citizenship": "1", "father_name": "", "mother_name": "",
            "address": "Jl. Cak Doko 7", "rt": "2", "rw": "1", "phone": ""}
    data.update(overrides)
    return data


def audit_actions(app, resident_id):
    with app.app_context():
        return db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "resident",
                                                                AuditLog.object_id == str(resident_id))).all()


def count_residents(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Resident))


PAGES = ["/penduduk", "/penduduk?q=ndun", "/penduduk/{id}"]
EDIT_PAGES = ["/penduduk/baru", "/penduduk/{id}/ubah", "/penduduk/{id}/peristiwa"]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_staff_see_residents(client, login_as, resident_id, role):
    login_as(role)
    for url in PAGES:
        assert client.get(url.format(id=resident_id)).status_code == 200
    for url in EDIT_PAGES:
        expected = 403 if role == "supervisor" else 200
        assert client.get(url.format(id=resident_id)).status_code == expected, url


def test_supervisors_cannot_change_residents(client, login_as, resident_id):
    login_as("supervisor")
    assert client.post(f"/penduduk/{resident_id}/ubah", data=form_data(version="1")).status_code == 403
    assert client.post("/penduduk/baru", data=form_data()).status_code == 403
    assert client.post(f"/penduduk/{resident_id}/peristiwa", data={"kind": "mati"}).status_code == 403


def test_visitors_are_sent_to_login(client, resident_id):
    for url in PAGES + EDIT_PAGES:
        response = client.get(url.format(id=resident_id))
        assert response.status_code == 302 and response.headers["Location"].startswith("/masuk"), url
    response = client.post(f"/penduduk/{resident_id}/tampilkan-nik")
    assert response.status_code == 302
    assert client.post("/penduduk/periksa", data={"nik": NIK}).status_code == 302


def test_search_page_and_fragment(client, login_as, resident_id):
    login_as("clerk")
    page = client.get("/penduduk?q=yohan")
    html = page.get_data(as_text=True)
    assert "<html" in html and 'hx-trigger="search, keyup delay:200ms changed"' in html
    assert "Yohanes Ndun" in html and MASKED in html and not FULL_NUMBER.search(html)
    fragment = client.get("/penduduk?q=yohan", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and text.lstrip().startswith('<section id="results"')
    assert "Yohanes Ndun" in text and MASKED in text and not FULL_NUMBER.search(text)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "HX-Push-Url" not in fragment.headers


def test_number_searches_stay_out_of_the_history(client, login_as, resident_id):
    login_as("clerk")
    response = client.get(f"/penduduk?q={NIK}", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert "Yohanes Ndun" in text and NIK not in text
    assert response.headers["HX-Push-Url"] == "false"


def test_search_hints_and_filters_without_javascript(client, login_as, resident_id):
    login_as("clerk")
    assert "minimal 6 angka" in client.get("/penduduk?q=5371").get_data(as_text=True)
    assert "Tidak ada penduduk" in client.get("/penduduk?q=zzzz").get_data(as_text=True)
    html = client.get("/penduduk?q=ndun&rt=001&tanpa_nik=1").get_data(as_text=True)
    assert "Tidak ada penduduk" in html and 'value="1" class="search-filter" checked' in html


def test_resident_page_is_masked_and_audited(app, client, login_as, resident_id):
    login_as("clerk")
    html = client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    assert "Yohanes Ndun" in html and "Maria Ndun" in html and MASKED in html
    assert "537105******0001" in html and not FULL_NUMBER.search(html)
    assert "Kepala keluarga" in html and "Laki-laki" in html and "Tampilkan NIK" in html
    assert audit_actions(app, resident_id) == ["resident_viewed"]


def test_reveal_shows_the_numbers_once_and_is_audited(app, client, login_as, resident_id):
    login_as("supervisor")
    fragment = client.post(f"/penduduk/{resident_id}/tampilkan-nik", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert NIK in text and KK in text
    assert audit_actions(app, resident_id) == ["resident_nik_revealed"]
    page = client.post(f"/penduduk/{resident_id}/tampilkan-nik")  # without JavaScript: the whole page
    assert "<html" in page.get_data(as_text=True) and NIK in page.get_data(as_text=True)
    # The next view is masked again.
    assert NIK not in client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    assert audit_actions(app, resident_id).count("resident_nik_revealed") == 2


def test_add_resident_with_warning(app, client, login_as):
    login_as("clerk")
    response = client.post("/penduduk/baru", data=form_data(nik="5399051203900002", kk_number=KK, shdk="1"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Data Imanuel Lay disimpan" in page and "Tersimpan dengan peringatan" in page and "kode lama" in page
    with app.app_context():
        resident = db.session.scalar(select(Resident).where(Resident.name == "Imanuel Lay"))
        assert resident.has_warnings and resident.rt == "002" and resident.family.kk_number == KK
        assert resident.created_by_id is not None


@pytest.mark.parametrize("overrides, message", [
    ({"nik": "537105120390002"}, "NIK harus 16 digit angka; yang diisi 15 digit."),
    ({"kk_number": "5371O50101200001"}, "Nomor KK hanya boleh berisi angka"),
    ({"birth_date": (date.today() + timedelta(days=3)).isoformat()}, "Tanggal lahir tidak boleh di masa depan."),
    ({"birth_date": "31-02-1990"}, "Tanggal tidak valid"),
    ({"birth_date": "03/12/90"}, "tulis tanggal-bulan-tahun"),
    ({"nik": "5.37105E+15"}, "sudah diubah oleh Excel"),
    ({"name": ""}, "Nama lengkap wajib diisi."),
])
def test_bad_input_keeps_what_was_typed(app, client, login_as, overrides, message):
    login_as("clerk")
    response = client.post("/penduduk/baru", data=form_data(address="Jl. Frans Seda 12", **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="Jl. Frans Seda 12"' in html and 'value="Kupang"' in html
    assert count_residents(app) == 0


def test_duplicate_nik_gets_a_masked_message(app, client, login_as, resident_id):
    login_as("clerk")
    response = client.post("/penduduk/baru", data=form_data(nik=NIK))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"NIK {MASKED} sudah dipakai penduduk lain" in html
    assert "Yohanes" not in html
    assert count_residents(app) == 2


def test_inline_check_fragment(client, login_as, resident_id):
    login_as("clerk")
    response = client.post("/penduduk/periksa", data={"nik": "5399055203900002", "kk_number": "12345",
                                                      "sex": "1", "birth_date": "1990-03-12"},
                           headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert text.count('hx-swap-oob="true"') == 2
    assert "kode lama" in text and "Jenis kelamin menurut NIK (perempuan)" in text
    assert "Nomor KK harus 16 digit angka" in text
    taken = client.post("/penduduk/periksa", data={"nik": NIK}).get_data(as_text=True)
    assert MASKED in taken and NIK not in taken and "Yohanes" not in taken
    mine = client.post("/penduduk/periksa", data={"nik": NIK, "resident_id": str(resident_id)}).get_data(as_text=True)
    assert "sudah dipakai" not in mine


def test_edit_records_history_shown_masked(app, client, login_as, resident_id):
    login_as("clerk")
    form = client.get(f"/penduduk/{resident_id}/ubah").get_data(as_text=True)
    assert f'value="{MASKED}"' in form and NIK not in form  # masked until revealed (test_number_disclosure)
    response = client.post(f"/penduduk/{resident_id}/ubah", data=form_data(
        nik="5371051203800002", kk_number=KK, name="Yohanes Ndun", birth_date="1980-03-12", shdk="1", version="1"))
    assert response.status_code == 303
    html = client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    assert "Riwayat perubahan" in html and "clerk1" in html
    assert MASKED in html and "537105******0002" in html and not FULL_NUMBER.search(html)
    with app.app_context():
        fields = set(db.session.scalars(select(ResidentChange.field)).all())
        assert {"nik", "address", "rt"} <= fields
    assert "resident_updated" in audit_actions(app, resident_id)


def test_concurrent_edit_shows_both_versions_and_overwrites_nothing(app, client, login_as, resident_id):
    login_as("clerk")
    first = form_data(nik=NIK, kk_number=KK, name="Yohanes Ndun", birth_date="1980-03-12", shdk="1", version="1",
                      phone="081234567890")
    second = dict(first, phone="085200001111", address="Jl. Timor Raya 99")
    assert client.post(f"/penduduk/{resident_id}/ubah", data=first).status_code == 303
    response = client.post(f"/penduduk/{resident_id}/ubah", data=second)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "telah diubah oleh petugas lain" in html and "belum disimpan" in html
    assert "085200001111" in html and "081234567890" in html  # both versions, side by side
    assert 'value="Jl. Timor Raya 99"' in html  # what was typed is kept
    assert 'name="version" type="hidden" value="2"' in html
    with app.app_context():
        resident = db.session.get(Resident, resident_id)
        assert resident.phone == "081234567890" and resident.address != "Jl. Timor Raya 99"
    # Having seen both, the clerk can save on purpose.
    assert client.post(f"/penduduk/{resident_id}/ubah", data=dict(second, version="2")).status_code == 303


def test_life_event_over_http(app, client, login_as, resident_id):
    login_as("admin")
    bad = client.post(f"/penduduk/{resident_id}/peristiwa",
                      data={"kind": "mati", "event_date": (date.today() + timedelta(days=5)).isoformat(),
                            "version": "1"})
    assert bad.status_code == 422 and "masa depan" in bad.get_data(as_text=True)
    ok = client.post(f"/penduduk/{resident_id}/peristiwa",
                     data={"kind": "mati", "event_date": "2026-01-02", "note": "Sakit", "version": "1"})
    assert ok.status_code == 303
    html = client.get(f"/penduduk/{resident_id}").get_data(as_text=True)
    assert "Kematian" in html and "Meninggal" in html
    assert "Yohanes Ndun" not in client.get("/penduduk?q=yohanes&status=hidup").get_data(as_text=True)


def test_no_nik_in_logs(app, client, login_as, resident_id, caplog):
    caplog.set_level(logging.DEBUG)
    login_as("clerk")
    client.get(f"/penduduk?q={NIK}")
    client.post("/penduduk/baru", data=form_data(nik=NIK))
    client.post("/penduduk/periksa", data={"nik": NIK})
    client.get(f"/penduduk/{resident_id}")
    assert NIK not in caplog.text


def test_missing_resident_is_404(client, login_as):
    login_as("clerk")
    assert client.get("/penduduk/99999").status_code == 404


def test_seed_demo_builds_consistent_residents(app, runner):
    result = runner.invoke(args=["seed-demo", "--residents", "400"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        residents = db.session.scalars(select(Resident)).all()
        assert 400 <= len(residents) < 420
        missing = [r for r in residents if r.nik is None]
        assert 0 < len(missing) < len(residents) * 0.15
        for resident in residents:
            if resident.nik is None:
                continue
            check = check_nik(resident.nik, sex=resident.sex, birth_date=resident.birth_date)
            assert check.ok, resident.nik
            assert bool(check.warnings) == resident.has_warnings, (resident.nik, check.warnings)
        heads = db.session.scalar(select(func.count()).select_from(Family).where(Family.head_id.is_(None)))
        assert heads == 0
        twins = db.session.execute(select(Resident.name, Resident.birth_date, Resident.sex)
                                   .group_by(Resident.name, Resident.birth_date, Resident.sex)
                                   .having(func.count() > 1)).all()
        assert twins
        from kupang.registry.search import search_residents

        assert search_residents(residents[0].name).rows
    again = runner.invoke(args=["seed-demo", "--residents", "100"])  # more demo data: numbers stay unique
    assert again.exit_code == 0, again.output


def test_garbled_version_is_treated_as_outdated(app, client, login_as, resident_id):
    login_as("clerk")
    data = form_data(nik=NIK, kk_number=KK, name="Yohanes Ndun", birth_date="1980-03-12", shdk="1", version="x1")
    response = client.post(f"/penduduk/{resident_id}/ubah", data=data)
    assert response.status_code == 409 and "telah diubah oleh petugas lain" in response.get_data(as_text=True)
    event = client.post(f"/penduduk/{resident_id}/peristiwa", data={"kind": "mati", "event_date": "2026-01-02"})
    assert event.status_code == 303
    with app.app_context():
        assert db.session.get(Resident, resident_id).life_status == "hidup"
