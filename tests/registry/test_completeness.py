"""The completeness report against hand-built data, its list pages, fragment and access by role."""
from datetime import date

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.completeness import as_dict, completeness_report, headless_families
from kupang.registry.models import Family
from tests.registry.family_fixtures import add_family, add_person, kk, nik_for, standard_family

BORN = date(1990, 4, 2)


def build_kelurahan(app):
    """Four RTs in two RWs with known numbers (see the expectations in the tests)."""
    standard_family(app, 1, rt="001", rw="001")  # 4 living, 3 with NIK, head present
    with app.app_context(), write_intent():
        home = db.session.scalar(select(Family))
        add_person("Almarhum", 1, date(1940, 1, 1), 7, home, nik_for(date(1940, 1, 1), 1, 99), life_status="mati")
        gone = add_person("Salah Input", 1, BORN, None, home)
        gone.merged_into_id = home.head_id
        empty = add_family(kk(5), rt="001", rw="001")
        add_person("Satu-satunya", 1, date(1930, 1, 1), 1, empty, life_status="mati")
        headless = add_family(kk(2), rt="002", rw="001")
        add_person("Ibu Tanpa Suami", 2, date(1970, 1, 1), 3, headless, nik_for(date(1970, 1, 1), 2, 50),
                   has_warnings=True)
        add_person("Anak Tanpa Ayah", 1, date(2000, 1, 1), 4, headless)
        add_person("Dominggus Pello", 1, BORN, None, None, nik_for(BORN, 1, 60), rt="001", rw="002")
        add_person("Dominggus Pello", 1, BORN, None, None, None, rt="003", rw="002")
        add_person("Naomi Benu", 2, BORN, None, None, None, rt="001", rw="002")
        add_person("Naomi  Benu", 2, BORN, None, None, None, rt="001", rw="002")
        add_person("Rut Nalle", 2, BORN, None, None, nik_for(BORN, 2, 61), rt="001", rw="002", has_warnings=True)
        db.session.commit()


def rows_by_area(report):
    return {(row.rw, row.rt): as_dict(row) for _, rows in report.groups for row in rows}


def counts(row):
    return tuple(row[k] for k in ("residents", "with_nik", "without_nik", "with_warnings", "duplicates",
                                  "headless_families"))


def test_numbers_per_rt_rw_and_total(app):
    build_kelurahan(app)
    with app.app_context():
        report = completeness_report()
    rows = rows_by_area(report)
    # kk(5), whose only member (the head) died, has no living head either: it counts as headless
    assert counts(rows[("001", "001")]) == (4, 3, 1, 0, 0, 1)
    assert counts(rows[("001", "002")]) == (2, 1, 1, 1, 0, 1)
    assert counts(rows[("002", "001")]) == (4, 2, 2, 1, 2, 0)
    assert counts(rows[("002", "003")]) == (1, 0, 1, 0, 1, 0)
    assert set(rows) == {("001", "001"), ("001", "002"), ("002", "001"), ("002", "003")}
    subtotals = {sub.rw: counts(as_dict(sub)) for sub, _ in report.groups}
    # the Dominggus pair spans RT 001 and RT 003 of RW 002: counted once in the RW and the total
    assert subtotals == {"001": (6, 4, 2, 1, 0, 2), "002": (5, 2, 3, 1, 2, 0)}
    assert counts(as_dict(report.total)) == (11, 6, 5, 2, 2, 2)
    assert report.duplicate_pairs == 2
    assert round(report.total.nik_percent, 1) == 54.5


def test_one_rw_only(app):
    build_kelurahan(app)
    with app.app_context():
        report = completeness_report("002")
    assert [sub.rw for sub, _ in report.groups] == ["002"]
    assert counts(as_dict(report.total)) == (5, 2, 3, 1, 2, 0)


def test_empty_registry(app):
    with app.app_context():
        report = completeness_report()
    assert report.groups == [] and report.total.residents == 0 and report.total.nik_percent == 100.0


def test_headless_family_list(app):
    build_kelurahan(app)
    with app.app_context():
        rows, total = headless_families()
        assert total == 2
        assert [(r.family.kk_number, r.living, r.members, r.reason) for r in rows] == [
            (kk(5), 0, 1, "semua_tidak_hidup"), (kk(2), 2, 2, "tanpa_kepala")]
        assert "Satu-satunya" in rows[0].explanation and "Meninggal" in rows[0].explanation
        assert headless_families(rw="002") == ([], 0)


def test_every_way_a_family_loses_its_head(app):
    """Dead head with living members, everyone moved away, nobody left, and a family that is fine."""
    with app.app_context(), write_intent():
        widow = add_family(kk(11))
        add_person("Bapak Almarhum", 1, date(1950, 1, 1), 1, widow, life_status="mati")
        add_person("Ibu Janda", 2, date(1955, 1, 1), 3, widow)
        moved = add_family(kk(12))
        add_person("Kepala Pindah", 1, date(1960, 1, 1), 1, moved, life_status="pindah")
        add_person("Anak Pindah", 1, date(1990, 1, 1), 4, moved, life_status="pindah")
        add_family(kk(13))  # its members all moved to other KKs
        fine = add_family(kk(14))
        add_person("Kepala Hidup", 1, date(1960, 1, 1), 1, fine)
        db.session.commit()
        rows, total = headless_families()
        found = {r.family.kk_number: (r.reason, r.living, r.members) for r in rows}
        assert total == 3 and kk(14) not in found
        assert found == {kk(11): ("kepala_tidak_hidup", 1, 2), kk(12): ("semua_tidak_hidup", 0, 2),
                         kk(13): ("tanpa_anggota", 0, 0)}
        explanation = {r.family.kk_number: r.explanation for r in rows}
        assert "Bapak Almarhum" in explanation[kk(11)] and "Meninggal" in explanation[kk(11)]
        assert "Pindah" in explanation[kk(12)] and "tidak ada anggota" in explanation[kk(13)].lower()
        assert as_dict(completeness_report().total)["headless_families"] == 3


def test_completeness_page_links_every_number(app, client, login_as):
    build_kelurahan(app)
    login_as("clerk")
    response = client.get("/kelengkapan")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert "54,5%" in body and "NIK tercatat" in body
    assert "/duplikat?rw=002&amp;rt=003" in body
    assert "/kelengkapan/keluarga-tanpa-kepala?rw=001&amp;rt=002" in body
    assert "tanpa_nik=1" in body and "peringatan=1" in body and "kategori=ber_nik" in body
    assert kk(2) not in body


def test_completeness_fragment_for_htmx(app, client, login_as):
    build_kelurahan(app)
    login_as("supervisor")
    response = client.get("/kelengkapan?rw=2", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="completeness"' in body
    assert "RW 002" in body and "RT 001 / RW 001" not in body and "40,0%" in body


def test_list_pages_behind_the_numbers(app, client, login_as):
    build_kelurahan(app)
    login_as("supervisor")
    body = client.get("/kelengkapan/keluarga-tanpa-kepala?rw=001&rt=002").get_data(as_text=True)
    assert "537105******0002" in body and kk(2) not in body and "Buka KK" in body  # supervisors only read
    body = client.get("/kelengkapan/penduduk?kategori=ber_nik&rw=002&rt=001").get_data(as_text=True)
    assert "Dominggus Pello" in body and "Rut Nalle" in body and "Naomi" not in body
    assert nik_for(BORN, 1, 60) not in body and "537105******0060" in body
    body = client.get("/kelengkapan/penduduk?tanpa_nik=1&rw=002").get_data(as_text=True)
    assert "Naomi Benu" in body and "Rut Nalle" not in body and "Penduduk tanpa NIK" in body
    body = client.get("/kelengkapan/penduduk?rw=001&rt=001").get_data(as_text=True)
    assert "Almarhum" not in body and "Salah Input" not in body and "4 penduduk" in body


PAGES = ["/kelengkapan", "/kelengkapan/penduduk", "/kelengkapan/keluarga-tanpa-kepala", "/duplikat"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_pages_open_for_every_staff_role(app, client, login_as, role):
    standard_family(app, 1)
    login_as(role)
    for path in [*PAGES, "/keluarga/1"]:
        assert client.get(path).status_code == 200, path
    assert "Kelengkapan NIK" in client.get("/kelengkapan").get_data(as_text=True)
