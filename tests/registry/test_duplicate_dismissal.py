"""'Bukan data ganda': a suspected pair marked as two people is recorded once, audited and leaves the counts;
the duplicates page filters by RT/RW dropdowns and is in the navigation."""
import os
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.completeness import completeness_report
from kupang.registry.dismissals import DismissError, dismiss_pair
from kupang.registry.duplicates import suspected_pairs
from kupang.registry.models import DuplicateDismissal
from tests.concurrency import double_submit, page_csrf
from tests.conftest import PASSWORD
from tests.layout import click_menu_entry
from tests.registry.family_fixtures import add_person, nik_for

BORN = date(1985, 5, 5)


@pytest.fixture
def twins(app):
    """Two men with the same name and birth date but different NIKs (RW 001), and a no-NIK pair in RW 002."""
    with app.app_context(), write_intent():
        first = add_person("Yakobus Tefa", 1, BORN, nik=nik_for(BORN, 1, 1), rt="001", rw="001")
        second = add_person("Yakobus Tefa", 1, BORN, nik=nik_for(BORN, 1, 2), rt="002", rw="001")
        add_person("Naomi Benu", 2, BORN, nik=nik_for(BORN, 2, 3), rt="004", rw="002")
        add_person("Naomi Benu", 2, BORN, rt="004", rw="002")
        db.session.commit()
        return first.id, second.id


def pair_ids(app):
    with app.app_context():
        return sorted((p.first.id, p.second.id) for p in suspected_pairs())


def test_marking_records_once_and_the_pair_leaves_the_counts(app, twins):
    first, second = twins
    assert (first, second) in pair_ids(app)
    with app.app_context(), write_intent():
        assert completeness_report().duplicate_pairs == 2
        assert dismiss_pair(second, first, note="  saudara   kembar ") is True
        db.session.commit()
        assert dismiss_pair(first, second) is False  # the same pair, either order
        db.session.commit()
        row = db.session.scalar(select(DuplicateDismissal))
        assert (row.first_id, row.second_id, row.note, row.kelurahan_code) == (first, second, "saudara kembar",
                                                                             "53.71.05.1005")
        assert completeness_report().duplicate_pairs == 1
        audits = db.session.execute(select(AuditLog.object_id, AuditLog.detail).where(
            AuditLog.action == "duplicate_dismissed")).all()
        assert sorted(a[0] for a in audits) == sorted([str(first), str(second)])
    assert (first, second) not in pair_ids(app) and len(pair_ids(app)) == 1


def test_refusals_in_indonesian_change_nothing(app, twins):
    first, second = twins
    with app.app_context(), write_intent():
        for a, b, message in ((first, first, "berbeda"), (first, 999999, "tidak ditemukan"),
                              (None, second, "berbeda")):
            with pytest.raises(DismissError, match=message):
                dismiss_pair(a, b)
        with pytest.raises(DismissError, match="paling banyak 300"):
            dismiss_pair(first, second, note="x" * 301)
        assert db.session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 0


def test_clerk_marks_a_pair_on_the_page(app, client, login_as, twins):
    first, second = twins
    login_as("clerk")
    page = client.get("/duplikat?rw=001").get_data(as_text=True)
    assert "Bukan data ganda" in page and "NIK berbeda: periksa dokumen" in page
    response = client.post("/duplikat/bukan-ganda", data={"a": first, "b": second, "rw": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/duplikat?rw=001"
    page = client.get("/duplikat?rw=001").get_data(as_text=True)
    assert "ditandai bukan data ganda" in page and "Yakobus Tefa" not in page
    again = client.post("/duplikat/bukan-ganda", data={"a": first, "b": second}, follow_redirects=True)
    assert "sudah ditandai bukan data ganda sebelumnya" in again.get_data(as_text=True)
    bad = client.post("/duplikat/bukan-ganda", data={"a": first, "b": "9" * 30})
    assert bad.status_code == 422 and "Pilih dua data penduduk yang berbeda." in bad.get_data(as_text=True)


def test_supervisor_sees_no_button_and_cannot_post(app, client, login_as, twins):
    first, second = twins
    login_as("supervisor")
    assert "Bukan data ganda" not in client.get("/duplikat").get_data(as_text=True)
    assert client.post("/duplikat/bukan-ganda", data={"a": first, "b": second}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 0


def test_two_identical_clicks_at_the_same_instant_record_it_once(app, gunicorn, make_user, twins):
    first, second = twins
    make_user("clerk", "clerk1")
    client = gunicorn.logged_in("clerk1", PASSWORD)
    token = page_csrf(client, "/duplikat")
    results = double_submit(client, "/duplikat/bukan-ganda", {"csrf_token": token, "a": first, "b": second})
    assert [status for status, _body in results] == [303, 303], results
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DuplicateDismissal)) == 1
        assert db.session.scalar(select(func.count()).where(AuditLog.action == "duplicate_dismissed")) == 2


def test_rt_rw_filters_are_dropdowns_of_the_areas_that_exist(app, client, login_as, twins):
    login_as("clerk")
    page = client.get("/duplikat?rw=001").get_data(as_text=True)
    rw_options = re.findall(r'<option value="(\d+)"[^>]*>RW', page)
    rt_options = re.findall(r'<option value="(\d+)"[^>]*>RT', page)
    assert rw_options == ["001", "002"] and rt_options == ["001", "002"]  # the RTs of the chosen RW
    assert '<option value="001" selected>RW 001' in page
    only_rt = client.get("/duplikat?rw=001&rt=002").get_data(as_text=True)
    assert "Yakobus Tefa" in only_rt and "Naomi Benu" not in only_rt
    fragment = client.get("/duplikat?rw=002", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="filter-rt" hx-swap-oob="true"' in fragment
    assert re.findall(r'<option value="(\d+)"[^>]*>RT', fragment) == ["004"]  # the RT list follows the RW


@pytest.mark.parametrize("role", ["clerk", "supervisor", "admin"])
def test_duplicates_are_in_the_navigation(client, login_as, role):
    login_as(role)
    nav = client.get("/").get_data(as_text=True)
    nav = nav[nav.index('class="mainnav"'):nav.index("</nav>", nav.index('class="mainnav"'))]
    assert '<a href="/duplikat"' in nav and "Dugaan data ganda" in nav


@pytest.mark.browser
def test_marking_in_the_browser(app, page, make_user, twins, screenshot_dir):
    make_user("clerk", "clerk1")
    page.goto("/masuk")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    click_menu_entry(page, "Dugaan data ganda")  # under the "Data penduduk" heading
    page.wait_for_url("**/duplikat")
    assert page.locator("table.pairs tbody tr").count() == 2
    page.select_option("select[name=rw]", "001")
    page.wait_for_url("**/duplikat?rw=001*")
    assert page.locator("table.pairs tbody tr").count() == 1
    page.wait_for_function("document.querySelectorAll('#filter-rt option').length === 3")  # Semua, 001, 002
    page.screenshot(path=os.path.join(screenshot_dir, "pairs.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("table.pairs button:has-text('Bukan data ganda')")
    page.wait_for_selector("#flashes .flash-success")
    assert "ditandai bukan data ganda" in page.locator("#flashes").inner_text()
    assert "Tidak ada dugaan data ganda" in page.locator("#duplicate-pairs").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "after-mark.png"), full_page=True)
