"""Every staff page at phone, small, laptop and full-HD size: screenshots that are checked, not only taken.

For each page, as the role that uses it, at 390x844, 1024x768, 1366x768 and 1920x1080: a screenshot in
test-output/screens/<size>/<page>.png, and the elements a person needs (heading, the main form's control
and button, the navigation or its menu button, Keluar) visible, inside the viewport, not covering each other,
and no sideways scrolling. Every navigation entry is reachable: on screen, or opened by the menu button (a
phone) and the heading of its group.
"""
import os
import shutil
from datetime import date

import pytest

from kupang.db import write_intent
from tests.conftest import OUTPUT_DIR, PASSWORD
from tests.layout import VIEWPORTS, box, boxes, inside_viewport, no_horizontal_scroll, no_overlap, reach_every_entry
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

pytestmark = pytest.mark.browser

SCREENS = os.path.abspath(os.path.join(OUTPUT_DIR, "screens"))
NAV_ENTRIES = "header nav.mainnav a"
NAV_TOP = "header nav.mainnav > a, header nav.mainnav summary"  # shown before any group is opened
LOGOUT = "header .userbox button[type=submit]"  # Keluar
# A menu button in the header: whatever opens the navigation on a small screen.
MENU_BUTTON = "header button[aria-controls], header button[aria-expanded], header .menu-toggle"

# (page name, role or None for the login page, path, what the person needs besides the heading)
PAGES = [
    ("login", None, "/masuk", ["#username", "#password", "main form button[type=submit]"]),
    ("home", "admin", "/", []),
    ("penduduk", "clerk", "/penduduk", ["#q", "form[role=search] button[type=submit]"]),
    ("resident", "clerk", "/penduduk/{resident}", [".page-head .actions a.primary"]),
    ("kelengkapan", "supervisor", "/kelengkapan", ["main form.filters button[type=submit]"]),
    ("impor", "clerk", "/penduduk/impor", ["main form.import-form input[type=file]",
                                           "main form.import-form button[type=submit]"]),
    ("ekspor", "supervisor", "/penduduk/ekspor", ["main form.export-form button[type=submit]"]),
    ("pengguna", "admin", "/pengguna", [".page-head a.button.primary"]),
    ("audit", "supervisor", "/audit", ["main form.filters button[type=submit]"]),
]


def cases():
    """Every page at every size."""
    for size, (width, height) in VIEWPORTS.items():
        for name, role, path, needed in PAGES:
            yield pytest.param(size, (width, height), name, role, path, needed, id=f"{size}-{name}")


@pytest.fixture
def db_url(tmp_path, sqlite_template):
    """SQLite only: what a page looks like does not depend on the database (the other tests run both)."""
    path = tmp_path / "kupang.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def resident(app):
    """A resident in a family, for the resident page."""
    with app.app_context(), write_intent():
        family = add_family("5371050101200001", rt="001", rw="001", address="Jl. El Tari No. 3")
        person = add_person("Yohanes Ndun", 1, date(1980, 3, 12), 1, family, nik_for(date(1980, 3, 12), 1))
        commit()
        return person.id


def log_in(page, make_user, role):
    """Log in through the form as a user of the role (LAN address: no second step)."""
    make_user(role, f"{role}1", full_name=f"{role.title()} Kelurahan Naikoten Dua")
    page.goto("/masuk")
    page.fill("#username", f"{role}1")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def assert_navigation_reachable(page):
    """The menu and Keluar are on screen, or a visible menu button opens them on screen; every entry of a
    group is reached by opening the group's heading."""
    top = page.locator(NAV_TOP)
    assert top.count() > 0, "no navigation entries"
    size = page.viewport_size
    off_screen = [name for name, b in boxes(page, NAV_TOP)
                  if b["x"] < 0 or b["x"] + b["width"] > size["width"] + 0.5 or b["y"] + b["height"] > size["height"]]
    hidden = top.count() - len(boxes(page, NAV_TOP)) + (0 if page.locator(LOGOUT).is_visible() else 1)
    if off_screen or hidden:
        inside_viewport(page, MENU_BUTTON)
        page.locator(MENU_BUTTON).first.click()
    inside_viewport(page, NAV_TOP)
    assert len(boxes(page, NAV_TOP)) == top.count(), "a navigation entry stays hidden"
    inside_viewport(page, LOGOUT)
    no_overlap(page, NAV_TOP, LOGOUT)
    reach_every_entry(page, NAV_ENTRIES, LOGOUT)


@pytest.mark.parametrize("size, viewport, name, role, path, needed", list(cases()))
def test_page_at_size(page, make_user, resident, size, viewport, name, role, path, needed):
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    if role:
        log_in(page, make_user, role)
    response = page.goto(path.format(resident=resident))
    assert response.status == 200, f"{path} answered {response.status}"
    folder = os.path.join(SCREENS, size)
    os.makedirs(folder, exist_ok=True)
    page.screenshot(path=os.path.join(folder, f"{name}.png"))

    no_horizontal_scroll(page)
    heading = box(page, "main h1")
    assert heading["height"] > 0
    inside_viewport(page, "main h1")
    for selector in needed:
        page.locator(selector).first.scroll_into_view_if_needed()
        inside_viewport(page, selector)
    no_overlap(page, "main h1", *needed)
    page.evaluate("window.scrollTo(0, 0)")
    assert not page.requests_outside
    if role:
        assert_navigation_reachable(page)
        no_overlap(page, "header .brand", "header .userbox", NAV_ENTRIES)
