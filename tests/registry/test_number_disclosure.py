"""Full NIK/KK numbers only with an audit row naming who received them: edit form, searches, counter, merge page."""
import re

import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.registry.models import Family, Resident
from tests.registry.family_fixtures import nik_for
from tests.registry.test_resident_pages import BORN, KK, MASKED, NIK, form_data, resident_id  # noqa: F401

KK_MASKED = "537105******0001"
SPOUSE_NIK = nik_for(__import__("datetime").date(1982, 1, 5), 2)


def audit_rows(app, action):
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()
        return [(r.username, r.object_type, r.object_id, r.detail_data) for r in rows]


def input_value(html, name):
    """The value attribute of the input with this name."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group()
    return re.search(r'\bvalue="([^"]*)"', tag).group(1)


def edit_data(**overrides):
    """The edit form as the browser sends it when the numbers were left masked."""
    values = {"nik": MASKED, "kk_number": KK_MASKED, "name": "Yohanes Ndun", "birth_date": "12-03-1980",
              "shdk": "1", "sex": "1", "version": "1", **overrides}
    return form_data(**values)


def stored(app, rid):
    with app.app_context():
        resident = db.session.get(Resident, rid)
        return resident.nik, resident.family.kk_number if resident.family else None, resident.name


def test_edit_form_shows_numbers_masked_and_audits_nothing(app, client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    html = client.get(f"/penduduk/{resident_id}/ubah").get_data(as_text=True)
    assert input_value(html, "nik") == MASKED and input_value(html, "kk_number") == KK_MASKED
    assert NIK not in html and KK not in html
    assert 'id="reveal-numbers"' in html and f'formaction="/penduduk/{resident_id}/ubah/tampilkan-nik"' in html
    assert audit_rows(app, "resident_nik_revealed") == []


def test_saving_with_masked_numbers_keeps_them(app, client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    response = client.post(f"/penduduk/{resident_id}/ubah", data=edit_data(name="Yohanes Ndun Baru"))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert stored(app, resident_id) == (NIK, KK, "Yohanes Ndun Baru")


def test_a_typed_number_replaces_the_masked_one(app, client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    new_nik = "5371051203800002"
    response = client.post(f"/penduduk/{resident_id}/ubah", data=edit_data(nik=new_nik))
    assert response.status_code == 303
    assert stored(app, resident_id)[:2] == (new_nik, KK)
    emptied = client.post(f"/penduduk/{resident_id}/ubah", data=edit_data(nik="", version="2"))
    assert emptied.status_code == 303  # clearing the field on purpose still records "NIK unknown"
    assert stored(app, resident_id)[0] is None


def test_reveal_in_the_form_is_audited_and_keeps_what_was_typed(app, client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    response = client.post(f"/penduduk/{resident_id}/ubah/tampilkan-nik", data=edit_data(phone="081299990000"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert input_value(html, "nik") == NIK and input_value(html, "kk_number") == KK
    assert input_value(html, "phone") == "081299990000"
    assert 'id="numbers-revealed"' in html and 'id="reveal-numbers"' not in html
    # the page now sits at the reveal address: Simpan must still go to the edit form's own address
    assert f'<form method="post" action="/penduduk/{resident_id}/ubah"' in html
    assert audit_rows(app, "resident_nik_revealed") == [
        ("clerk1", "resident", str(resident_id), {"where": "formulir ubah data"})]
    assert stored(app, resident_id)[2] == "Yohanes Ndun"  # revealing saves nothing


def test_a_refused_save_shows_the_stored_numbers_masked_again(app, client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    response = client.post(f"/penduduk/{resident_id}/ubah", data=edit_data(nik=NIK, kk_number=KK, name=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nama lengkap wajib diisi." in html
    assert NIK not in html and KK not in html and input_value(html, "nik") == MASKED


def test_supervisor_cannot_reveal_through_the_form(client, login_as, resident_id):  # noqa: F811
    login_as("supervisor")
    assert client.post(f"/penduduk/{resident_id}/ubah/tampilkan-nik", data=edit_data()).status_code == 403


def test_live_check_understands_the_masked_number(client, login_as, resident_id):  # noqa: F811
    login_as("clerk")
    html = client.post("/penduduk/periksa", data={"nik": MASKED, "kk_number": KK_MASKED, "sex": "1",
                                                   "birth_date": "12-03-1980", "resident_id": str(resident_id)}
                       ).get_data(as_text=True)
    assert 'class="error"' not in html and NIK not in html
    foreign = client.post("/penduduk/periksa", data={"nik": MASKED}).get_data(as_text=True)
    assert 'class="error"' in foreign  # without the resident a masked number is just not a NIK


@pytest.mark.parametrize("fragment", [False, True])
def test_search_by_whole_nik_or_kk_is_audited(app, client, login_as, resident_id, fragment):  # noqa: F811
    login_as("supervisor")
    headers = {"HX-Request": "true"} if fragment else None
    assert "Yohanes Ndun" in client.get(f"/penduduk?q={NIK}", headers=headers).get_data(as_text=True)
    client.get(f"/penduduk?q={KK}&rt=999", headers=headers)  # filtered out, but the number is still echoed
    client.get("/penduduk?q=yohanes", headers=headers)
    client.get("/penduduk?q=5371059999999999", headers=headers)  # nobody holds it: nothing to record
    with app.app_context():
        family_id = db.session.scalar(select(Family.id).where(Family.kk_number == KK))
    assert audit_rows(app, "resident_number_searched") == [
        ("supervisor1", "resident", str(resident_id), {"number": MASKED, "source": "pencarian penduduk"}),
        ("supervisor1", "family", str(family_id), {"number": KK_MASKED, "source": "pencarian penduduk"}),
    ]


def test_export_page_for_a_whole_number_is_audited(app, client, login_as, resident_id):  # noqa: F811
    login_as("admin")
    assert client.get(f"/penduduk/ekspor?q={NIK}").status_code == 200
    assert [row[:3] for row in audit_rows(app, "resident_number_searched")] == [
        ("admin1", "resident", str(resident_id))]


def test_counter_lookup_uses_the_registry_search_and_audits_a_whole_nik(app, client, login_as,
                                                                          resident_id):  # noqa: F811
    from kupang.queue.views_counter import find_residents

    login_as("clerk")
    html = client.get(f"/loket/penduduk?cari={NIK}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Yohanes Ndun" in html and NIK not in html and MASKED in html
    assert [row[:3] for row in audit_rows(app, "resident_number_searched")] == [
        ("clerk1", "resident", str(resident_id))]
    client.get("/loket/penduduk?cari=yohan", headers={"HX-Request": "true"})
    assert len(audit_rows(app, "resident_number_searched")) == 1  # a name search reveals no number
    with app.app_context():
        # the registry's rules: a NIK prefix finds the resident too; two letters or junk find nobody
        assert [r.id for r in find_residents(NIK[:8])] == [resident_id, *[r.id for r in find_residents(NIK[:8])][1:]]
        assert find_residents("yo") == [] and find_residents("%%%") == [] and find_residents("53710") == []


def test_merge_comparison_is_audited_for_both(app, client, login_as, resident_id):  # noqa: F811
    login_as("supervisor")
    with app.app_context():
        other = db.session.scalar(select(Resident.id).where(Resident.nik == SPOUSE_NIK))
    response = client.get(f"/duplikat/gabung?a={resident_id}&b={other}")
    assert response.status_code == 422  # two different NIKs: shown, not mergeable
    assert [row[:3] + (row[3]["compared_with"],) for row in audit_rows(app, "residents_compared")] == [
        ("supervisor1", "resident", str(resident_id), other), ("supervisor1", "resident", str(other), resident_id)]


@pytest.mark.browser
def test_reveal_then_save_in_the_browser(app, page, make_user, resident_id, screenshot_dir):  # noqa: F811
    import os

    make_user("clerk", "clerk1")
    page.goto("/masuk")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "Rahasia-Kuat-123")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    page.goto(f"/penduduk/{resident_id}/ubah")
    assert page.input_value("#nik") == MASKED and NIK not in page.content()
    page.fill("#phone", "081299990000")
    page.click("#reveal-numbers")
    page.wait_for_selector("#numbers-revealed")
    assert page.input_value("#nik") == NIK and page.input_value("#kk_number") == KK
    assert page.input_value("#phone") == "081299990000"  # what was typed survives the reveal
    page.screenshot(path=os.path.join(screenshot_dir, "revealed-form.png"), full_page=True)
    page.click("button[type=submit]:has-text('Simpan')")
    page.wait_for_url(f"**/penduduk/{resident_id}")
    assert "Perubahan data Yohanes Ndun disimpan" in page.locator("#flashes").inner_text()
    assert stored(app, resident_id)[:2] == (NIK, KK)
    with app.app_context():
        assert db.session.get(Resident, resident_id).phone == "081299990000"
