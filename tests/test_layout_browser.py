"""Chromium: the header and the home page at phone, small, laptop and full-HD sizes, for every role.

On a phone (390 px) the office name is whole, nothing scrolls sideways, and a Menu button opens the menu
(and the user box with Keluar); wider screens show the menu itself, on one row. Either way every entry is
reachable: shown, or under a group heading (Data penduduk, Laporan, Pengaturan) that opens it. The home
page's tiles and its statistics (a clerk) or panels (admin, lurah) fill balanced rows: never one alone on
the last one.
"""
import os

import pytest

from tests.conftest import PASSWORD
from tests.layout import (
    VIEWPORTS,
    box,
    boxes,
    click_menu_entry,
    inside_viewport,
    no_horizontal_scroll,
    no_overlap,
    not_clipped,
    reach_every_entry,
)

pytestmark = pytest.mark.browser

PHONE = VIEWPORTS["phone"]
WIDE = {name: size for name, size in VIEWPORTS.items() if name != "phone"}
OFFICE = "Kantor Kelurahan Naikoten Dua"
TOP_LEVEL = ".mainnav > a, .mainnav summary"  # what the menu shows before a group is opened
# The home page's blocks under the greeting: a clerk's seven statistics, the supervisor home's five panels
# (queue now, today against usual, SKM, NIK completeness, letters issued today).
HOME_BLOCKS = {"admin1": (".home-grid > .panel", 5), "lurah1": (".home-grid > .panel", 5),
               "petugas1": (".stats > div", 7)}


def log_in(page, username):
    """Log in through the form at the current viewport."""
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def menu_labels(page):
    """The menu's entries as the server rendered them (visible or not)."""
    return page.eval_on_selector_all(".mainnav a", "els => els.map(e => e.textContent.trim())")


def rows_of(page, selector):
    """How many blocks sit on each row of a grid."""
    tops = [round(b["y"]) for _name, b in boxes(page, selector)]
    return [tops.count(top) for top in sorted(set(tops))]


@pytest.fixture
def people(make_user):
    """One account per role, with full names as an office would enter them."""
    make_user("admin", "admin1", full_name="Admin Kelurahan Naikoten Dua")
    make_user("supervisor", "lurah1", full_name="Lurah Naikoten Dua")
    make_user("clerk", "petugas1", full_name="Maria Ndun")


@pytest.mark.parametrize("username", ["admin1", "lurah1", "petugas1"])
def test_phone_menu_button_opens_every_entry(page, people, screenshot_dir, username):
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    log_in(page, username)
    page.screenshot(path=os.path.join(screenshot_dir, "home-phone-closed.png"), full_page=True)
    no_horizontal_scroll(page)
    assert page.locator(".brand-name").inner_text() == OFFICE
    not_clipped(page, ".brand-name")
    inside_viewport(page, ".brand-name")
    assert box(page, ".brand-name")["height"] < 60  # whole, on at most two lines
    no_overlap(page, ".brand-name", ".menu-toggle")
    toggle = box(page, ".menu-toggle")
    assert toggle["height"] >= 44 and page.locator(".menu-toggle").inner_text().strip() == "Menu"
    inside_viewport(page, ".menu-toggle")
    labels = menu_labels(page)
    assert "Beranda" in labels and len(labels) >= 5
    assert not page.locator(".mainnav a").first.is_visible()  # closed: no half-hidden strip of links
    page.click(".menu-toggle")
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "true"
    page.screenshot(path=os.path.join(screenshot_dir, "home-phone-open.png"), full_page=False)
    assert len(boxes(page, TOP_LEVEL)) == page.locator(TOP_LEVEL).count()
    inside_viewport(page, TOP_LEVEL)
    for _name, b in boxes(page, TOP_LEVEL):
        assert b["height"] >= 40  # a thumb can hit it
    assert reach_every_entry(page, ".mainnav a", ".userbox .who", ".userbox button", ".menu-toggle",
                             min_height=40) == len(labels)
    page.screenshot(path=os.path.join(screenshot_dir, "home-phone-open-group.png"), full_page=False)
    for selector in (".userbox .who", ".userbox button"):
        page.locator(selector).scroll_into_view_if_needed()
        inside_viewport(page, selector)
    no_horizontal_scroll(page)
    page.keyboard.press("Escape")
    assert not page.locator(".mainnav a").first.is_visible()
    page.click(".menu-toggle")
    click_menu_entry(page, labels[-1])
    page.wait_for_load_state()
    assert page.locator(".menu-toggle").get_attribute("aria-expanded") == "false"


@pytest.mark.parametrize("size", list(WIDE), ids=list(WIDE))
def test_wider_screens_show_the_menu_itself(page, people, screenshot_dir, size):
    width, height = WIDE[size]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, "admin1")
    page.screenshot(path=os.path.join(screenshot_dir, f"home-admin-{size}.png"), full_page=True)
    assert not page.locator(".menu-toggle").is_visible()
    no_horizontal_scroll(page)
    top = boxes(page, TOP_LEVEL)
    assert len(top) == page.locator(TOP_LEVEL).count()
    assert len({round(b["y"]) for _name, b in top}) == 1, f"the menu wraps at {size}: {top}"
    inside_viewport(page, TOP_LEVEL)
    inside_viewport(page, ".brand-name")
    not_clipped(page, ".brand-name")
    assert reach_every_entry(page, ".mainnav a", ".brand", ".userbox .who", ".userbox button") \
        == len(menu_labels(page)) >= 10
    page.screenshot(path=os.path.join(screenshot_dir, f"home-admin-{size}-group-open.png"))
    page.keyboard.press("Escape")
    assert not page.locator(".navgroup[open]").count()


@pytest.mark.parametrize("username", ["admin1", "lurah1", "petugas1"])
@pytest.mark.parametrize("size", list(WIDE), ids=list(WIDE))
def test_home_tiles_never_leave_one_alone(page, people, screenshot_dir, username, size):
    width, height = WIDE[size]
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, username)
    page.screenshot(path=os.path.join(screenshot_dir, f"home-{username}-{size}.png"), full_page=True)
    rows = rows_of(page, ".tiles .tile")
    assert sum(rows) == len(menu_labels(page))  # every entry but Beranda, plus "Akun saya"
    blocks, count = HOME_BLOCKS[username]
    found_blocks = rows_of(page, blocks)
    assert sum(found_blocks) == count
    for name, found in (("tiles", rows), (blocks, found_blocks)):
        assert len(found) == 1 or found[-1] >= 2, f"{name} per row at {size}: {found}"
        assert max(found) - min(found) <= 1, f"unbalanced {name} at {size}: {found}"
    no_horizontal_scroll(page)
    no_overlap(page, ".tiles .tile", blocks)


def test_phone_menu_works_without_javascript(browser, live_server, people, screenshot_dir):
    """No script: the menu is shown whole (wrapped), not hidden behind a button that cannot open."""
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, java_script_enabled=False,
                                  base_url=live_server, locale="id-ID")
    page = context.new_page()
    try:
        log_in(page, "admin1")
        page.screenshot(path=os.path.join(screenshot_dir, "home-phone-nojs.png"), full_page=True)
        assert not page.locator(".menu-toggle").is_visible()
        assert len(boxes(page, TOP_LEVEL)) == page.locator(TOP_LEVEL).count()
        no_horizontal_scroll(page)
        inside_viewport(page, TOP_LEVEL)
        not_clipped(page, ".brand-name")
        brand = box(page, ".brand-name")
        assert brand["height"] < 60 and brand["width"] > PHONE[0] / 2  # the name on at most two lines
        top_of_menu = min(b["y"] for _name, b in boxes(page, TOP_LEVEL))
        assert top_of_menu >= brand["y"] + brand["height"]  # the menu under the name, not beside it
        for _name, b in boxes(page, TOP_LEVEL):
            assert b["height"] >= 40
        assert reach_every_entry(page, ".mainnav a", ".brand-name", ".userbox .who", ".userbox button",
                                 min_height=40) == len(menu_labels(page))
        no_horizontal_scroll(page)
        page.screenshot(path=os.path.join(screenshot_dir, "home-phone-nojs-group-open.png"), full_page=True)
    finally:
        context.close()
