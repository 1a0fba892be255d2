"""The registry pages changed for the trust and first-use issues, at a phone, a 1024 panel, a laptop and full HD:
what a person needs is on screen and nothing makes the page scroll sideways. Screenshots into test-output/."""
import os
from datetime import date

import pytest

from kupang.db import write_intent
from kupang.extensions import db
from tests.conftest import PASSWORD
from tests.layout import VIEWPORTS, inside_viewport, no_horizontal_scroll
from tests.registry.family_fixtures import add_family, add_person, nik_for

pytestmark = pytest.mark.browser
BORN = date(1980, 3, 12)


@pytest.fixture
def data(app):
    with app.app_context(), write_intent():
        family = add_family("5371050101200001")
        head = add_person("Yohanes Ndun", 1, BORN, 1, family, nik_for(BORN, 1), life_status="mati")
        widow = add_person("Maria Bria", 2, date(1982, 1, 5), 3, family, nik_for(date(1982, 1, 5), 2))
        add_person("Maria Bria", 2, date(1982, 1, 5), None, None, nik_for(date(1982, 1, 5), 2, 9))
        db.session.commit()
        return {"family": family.id, "head": head.id, "widow": widow.id}


SCREENS = [
    ("edit", "/penduduk/{widow}/ubah", ["#nik", "#reveal-numbers", "#birth_date"]),
    ("family", "/keluarga/{family}", ["#family-head", "a[href='#ganti-kepala']"]),
    ("duplicates", "/duplikat", ["select[name=rw]", "select[name=rt]", "table.pairs button"]),
    ("completeness", "/kelengkapan", ["button[data-print]", "#nik-percent"]),
    ("headless", "/kelengkapan/keluarga-tanpa-kepala", [".table-wrap", "table.headless-families a"]),
    ("export", "/penduduk/ekspor", ["#export-facts"]),
]


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_registry_screens_fit(browser, live_server, make_user, data, screenshot_dir, size):
    make_user("admin", "admin1")
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID", base_url=live_server)
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.fill("input[name=username]", "admin1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/masuk" not in url)
        for name, path, needed in SCREENS:
            page.goto(path.format(**data))
            no_horizontal_scroll(page)
            for selector in needed:
                page.locator(selector).first.scroll_into_view_if_needed()
                inside_viewport(page, selector)
            page.screenshot(path=os.path.join(screenshot_dir, f"{name}-{width}x{height}.png"), full_page=True)
    finally:
        context.close()
