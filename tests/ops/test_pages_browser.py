"""The backup and system pages in Chromium at four screen sizes: warnings and buttons on screen, no sideways scroll."""
import pytest

from tests.conftest import PASSWORD
from tests.layout import inside_viewport, no_horizontal_scroll
from tests.ops.pages_helpers import add_run_for

SIZES = [(390, 844), (1024, 768), (1366, 768), (1920, 1080)]


@pytest.mark.browser
def test_backup_and_system_pages_fit_every_screen(app, page, make_user, screenshot_dir):
    make_user("admin", "kepala")
    add_run_for(app, "failed", hours_ago=2, error="Flashdisk cadangan belum terpasang di /media/kupang-cadangan.")
    page.goto("/masuk")
    page.fill("input[name=username]", "kepala")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/admin/cadangan")
        assert page.locator("text=Kata sandi cadangan belum diatur").first.is_visible()
        assert page.locator("text=Gagal").first.is_visible()
        no_horizontal_scroll(page)
        page.screenshot(path=f"{screenshot_dir}/cadangan-{width}x{height}.png", full_page=True)
        page.goto("/admin/sistem")
        assert page.locator("h2:has-text('Penyimpanan')").is_visible()
        no_horizontal_scroll(page)
        page.screenshot(path=f"{screenshot_dir}/sistem-{width}x{height}.png", full_page=True)
        page.goto("/")
        inside_viewport(page, ".flash-error")
    page.screenshot(path=f"{screenshot_dir}/beranda-peringatan.png", full_page=True)
