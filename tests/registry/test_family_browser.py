"""In Chromium at 1366x768: the family page (moving a member with htmx) and merging a duplicate pair."""
import os
from datetime import date

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family, Resident
from tests.conftest import PASSWORD
from tests.registry.family_fixtures import add_person, kk, nik_for, standard_family

pytestmark = pytest.mark.browser

BORN = date(1981, 8, 17)


def log_in(page, username):
    """Log in through the real form."""
    page.goto("/masuk")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def test_family_page_and_move_member(app, page, make_user, screenshot_dir):
    first, people = standard_family(app, 1)
    standard_family(app, 2, rt="002")
    with app.app_context(), write_intent():
        # a second head makes the consistency warning visible
        add_person("Markus Ndun", 1, date(1950, 1, 1), 1, db.session.get(Family, first))
        db.session.commit()
    make_user("clerk", "clerk1")
    log_in(page, "clerk1")
    page.goto(f"/keluarga/{first}")
    assert page.locator("h1").inner_text() == "Kartu Keluarga 537105******0001"
    assert "2 kepala keluarga" in page.locator(".family-warnings").inner_text()
    assert page.locator("table.members tbody tr").count() == 5
    page.screenshot(path=os.path.join(screenshot_dir, "family-page.png"), full_page=True)

    page.select_option("#move-member", str(people["child"]))
    page.fill("#move-kk", "5371 0501 0120 0002")
    page.select_option("#move-shdk", "4")
    page.click("#family-members button:has-text('Pindahkan')")
    page.wait_for_selector("#flashes .flash-success")
    assert "dipindahkan ke KK 537105******0002" in page.locator("#flashes").inner_text()
    assert page.locator("table.members tbody tr").count() == 4
    assert "Petrus Ndun 1" not in page.locator("table.members").inner_text()
    assert page.url.endswith(f"/keluarga/{first}")
    page.screenshot(path=os.path.join(screenshot_dir, "family-after-move.png"), full_page=True)

    page.select_option("#move-member", str(people["baby"]))
    page.fill("#move-kk", "12345")
    page.click("#family-members button:has-text('Pindahkan')")
    page.wait_for_selector("#family-members .error")
    assert "16 digit" in page.locator("#family-members .error").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "family-bad-kk.png"), full_page=True)
    with app.app_context():
        moved = db.session.get(Resident, people["child"])
        assert db.session.get(Family, moved.family_id).kk_number == kk(2)


def test_merge_a_duplicate_pair(app, page, make_user, screenshot_dir):
    with app.app_context(), write_intent():
        keep = add_person("Agustina Fanggidae", 2, BORN, 3, None, nik_for(BORN, 2), phone="")
        other = add_person("AGUSTINA FANGGIDAE", 2, BORN, None, None, None, phone="081339000111",
                           birth_place="Soe", address="Jl. Timor Raya 12")
        keep_id, other_id = keep.id, other.id
        db.session.commit()
    make_user("clerk", "clerk1")
    log_in(page, "clerk1")
    page.goto("/kelengkapan")
    page.screenshot(path=os.path.join(screenshot_dir, "completeness.png"), full_page=True)
    page.click(".summary a:has-text('Dugaan data ganda')")
    page.wait_for_selector("#duplicate-pairs")
    assert "1 pasang" in page.locator("#duplicate-pairs").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "duplicates.png"), full_page=True)
    page.click("#duplicate-pairs a.button:has-text('Gabungkan')")
    page.wait_for_selector("table.merge-table")
    assert "537105******0001" in page.locator("table.merge-table").inner_text()
    page.check("input[name=pilih_phone][value=b]")
    page.check("input[name=pilih_birth_place][value=b]")
    page.screenshot(path=os.path.join(screenshot_dir, "merge-page.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Gabungkan ke data A")
    page.wait_for_url(f"**/penduduk/{keep_id}")
    with app.app_context():
        kept = db.session.get(Resident, keep_id)
        # address: A's is empty, so B's was preselected
        assert (kept.phone, kept.birth_place, kept.address) == ("081339000111", "Soe", "Jl. Timor Raya 12")
        assert db.session.get(Resident, other_id).merged_into_id == keep_id
        assert db.session.scalars(select(Resident).where(Resident.merged_into_id.is_(None))).all() == [kept]
    page.goto("/duplikat")
    assert "0 pasang" in page.locator("#duplicate-pairs").inner_text()
