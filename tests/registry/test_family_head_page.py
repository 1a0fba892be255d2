"""The family page tells the truth about its head and address, and offers the next step (11.13)."""
import os
import re
from datetime import date

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family
from tests.conftest import PASSWORD
from tests.registry.family_fixtures import add_family, add_person, kk
from tests.registry.test_resident_pages import form_data


def facts(html):
    """{label: text} of the family facts list."""
    block = html[html.index('class="facts panel family-facts"'):html.index("</dl>")]
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.S)
    return {label: re.sub(r"<[^>]+>", "", value).strip() for label, value in pairs}


def test_a_new_kk_takes_the_heads_address_even_when_a_member_came_first(app, client, login_as):
    login_as("clerk")
    number = "5371050101209999"
    child = form_data(nik="", kk_number=number, name="Anak Pertama", shdk="4", address="", rt="", rw="")
    assert client.post("/penduduk/baru", data=child).status_code == 303
    head = form_data(nik="", kk_number=number, name="Kepala Keluarga Baru", shdk="1", address="Jl. Nangka 5",
                     rt="2", rw="3")
    assert client.post("/penduduk/baru", data=head).status_code == 303
    with app.app_context():
        family = db.session.scalar(select(Family).where(Family.kk_number == number))
        assert (family.address, family.rt, family.rw) == ("Jl. Nangka 5", "002", "003")
        family_id = family.id
    shown = facts(client.get(f"/keluarga/{family_id}").get_data(as_text=True))
    assert shown["Alamat"] == "Jl. Nangka 5" and shown["RT / RW"] == "002 / 003"
    assert shown["Kepala keluarga"] == "Kepala Keluarga Baru"


def test_an_old_kk_without_address_shows_the_heads_address(app, client, login_as):
    with app.app_context(), write_intent():
        family = add_family(kk(7), address="", rt="", rw="")
        head = add_person("Kepala Lama", 1, date(1960, 1, 1), 1, family, address="Jl. Kenari 2", rt="004", rw="001")
        family.head_id = head.id
        db.session.commit()
        family_id = family.id
    login_as("supervisor")
    shown = facts(client.get(f"/keluarga/{family_id}").get_data(as_text=True))
    assert shown["Alamat"].startswith("Jl. Kenari 2") and "alamat kepala keluarga" in shown["Alamat"]


@pytest.fixture
def widow_family(app):
    """A family whose head died: the widow and a child live on."""
    with app.app_context(), write_intent():
        family = add_family(kk(8))
        add_person("Bapak Almarhum", 1, date(1950, 1, 1), 1, family, life_status="mati")
        widow = add_person("Ibu Janda", 2, date(1955, 1, 1), 3, family)
        add_person("Anak Tunggal", 1, date(1990, 1, 1), 4, family)
        db.session.commit()
        return family.id, widow.id


def test_a_dead_head_is_explained_with_the_next_step(client, login_as, widow_family):
    family_id, _widow = widow_family
    login_as("clerk")
    html = client.get(f"/keluarga/{family_id}").get_data(as_text=True)
    head = facts(html)["Kepala keluarga"]
    assert "Belum ada kepala keluarga yang masih hidup" in head
    assert "Bapak Almarhum" in head and "Meninggal" in head
    assert 'href="#ganti-kepala"' in html and 'id="ganti-kepala"' in html
    members = html[html.index('<table class="table members">'):]
    assert "tidak dihitung" in members[members.index("Bapak Almarhum"):members.index("Ibu Janda")]


def test_supervisors_read_the_explanation_without_a_form(client, login_as, widow_family):
    family_id, _widow = widow_family
    login_as("supervisor")
    html = client.get(f"/keluarga/{family_id}").get_data(as_text=True)
    assert "Bapak Almarhum" in facts(html)["Kepala keluarga"] and 'id="ganti-kepala"' not in html
    assert "petugas loket atau admin" in facts(html)["Kepala keluarga"]


@pytest.mark.browser
def test_choosing_a_new_head_from_the_explanation(app, page, make_user, widow_family, screenshot_dir):
    family_id, widow = widow_family
    make_user("clerk", "clerk1")
    page.goto("/masuk")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    page.goto(f"/keluarga/{family_id}")
    page.screenshot(path=os.path.join(screenshot_dir, "dead-head.png"), full_page=True)
    page.click("a[href='#ganti-kepala']")
    assert page.evaluate("location.hash") == "#ganti-kepala"
    form = page.locator("#ganti-kepala")
    box = form.bounding_box()
    assert box and 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    page.select_option("#head-member", str(widow))
    page.click("#ganti-kepala button[type=submit]")
    page.wait_for_selector("#flashes .flash-success")
    assert "Ibu Janda sekarang kepala keluarga" in page.locator("#flashes").inner_text()
    assert "Ibu Janda" in page.locator(".family-facts").inner_text()
    assert "Belum ada" not in page.locator(".family-facts").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "new-head.png"), full_page=True)
    with app.app_context():
        assert db.session.get(Family, family_id).head_id == widow


def test_the_kk_address_follows_its_head(app, client, login_as):
    """Editing the head's address moves the KK's address with it; editing another member's does not."""
    login_as("clerk")
    number = "5371050101208888"
    assert client.post("/penduduk/baru", data=form_data(nik="", kk_number=number, name="Kepala", shdk="1",
                                                        address="Jl. Lama 1", rt="1", rw="1")).status_code == 303
    assert client.post("/penduduk/baru", data=form_data(nik="", kk_number=number, name="Anak", shdk="4",
                                                        address="Jl. Lama 1", rt="1", rw="1")).status_code == 303
    with app.app_context():
        family = db.session.scalar(select(Family).where(Family.kk_number == number))
        head_id, child_id = family.head_id, next(m.id for m in family.members if m.shdk == 4)
    child = form_data(nik="", kk_number=number, name="Anak", shdk="4", address="Kos Jl. Kampus 3", version="1")
    assert client.post(f"/penduduk/{child_id}/ubah", data=child).status_code == 303
    head = form_data(nik="", kk_number=number, name="Kepala", shdk="1", address="Jl. Baru 2", rt="5", rw="2",
                     version="1")
    assert client.post(f"/penduduk/{head_id}/ubah", data=head).status_code == 303
    with app.app_context():
        family = db.session.scalar(select(Family).where(Family.kk_number == number))
        assert (family.address, family.rt, family.rw) == ("Jl. Baru 2", "005", "002")
