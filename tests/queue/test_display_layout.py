"""The TV board at 1920x1080, 1366x768 and 1280x720: every part on screen, apart, nothing cut off.

Eight services with people waiting, four counters (one closed), recalls: one entry per ticket marked
"dipanggil ulang", a closed counter reads "tutup —", the next numbers fill the right column when wide.
"""
import os

import pytest

from kupang.auth.models import User
from kupang.extensions import db
from kupang.queue import calling
from kupang.queue.models import Counter, Service
from tests.layout import console_problems, contained, inside_viewport, no_overlap, not_clipped
from tests.queue.calling_fixtures import add_ticket, at
from tests.queue.core_fixtures import add_counter, add_service, paired_device
from tests.queue.test_queue_browser import device_context, wait_until

pytestmark = pytest.mark.browser
TV_SIZES = [(1920, 1080), (1366, 768), (1280, 720)]
NAMES = ["Pengantar KTP-el / Kartu Keluarga", "Surat Keterangan Domisili", "Surat Keterangan Tidak Mampu",
         "Surat Keterangan Usaha", "Kelahiran", "Kematian", "Surat Pindah / Datang", "Pengaduan dan Informasi"]
SECTIONS = (".display-head", ".latest", ".counters", ".recent", ".waiting", ".ticker")


@pytest.fixture
def busy_board(app, make_user):
    """A morning in progress: calls, a recall, a finished ticket, a closed counter, people waiting."""
    clerks = [make_user("clerk", f"clerk{i}") for i in (1, 2, 3)]
    with app.app_context():
        services = [add_service(name, chr(ord("A") + i), sort_order=i) for i, name in enumerate(NAMES)]
        counters = [add_counter(n, services[:4] if n < 4 else services[4:]) for n in (1, 2, 3, 4)]
        for i, service_id in enumerate(services):
            for number in range(1, 7 - i % 3):
                add_ticket(service_id, number, number + i)
        db.session.commit()
        for index in range(3):
            counter, user = db.session.get(Counter, counters[index]), db.session.get(User, clerks[index])
            calling.open_counter(counter, user, at=at(0))
            ticket = calling.call_next_ticket(counter, user, at=at(10 + index))
            if index == 0:
                calling.finish(ticket, counter=counter, at=at(12))
                calling.call_next_ticket(counter, user, at=at(13))
            if index == 1:
                calling.recall(ticket, counter=counter, at=at(14))
        db.session.commit()
        _device, token = paired_device("display", "TV ruang tunggu")
        return token, [db.session.get(Service, s).prefix for s in services]


@pytest.mark.parametrize("width,height", TV_SIZES)
def test_board_fits_the_tv(app, browser, live_server, busy_board, screenshot_dir, width, height):
    token, prefixes = busy_board
    context = device_context(browser, live_server, token, width, height)
    try:
        display = context.new_page()
        problems = console_problems(display)
        display.goto("/layar")
        wait_until(display, "window.KupangDisplay && window.KupangDisplay.token !== ''")
        display.wait_for_timeout(300)
        display.screenshot(path=os.path.join(screenshot_dir, f"layar-{width}x{height}.png"))
        for section in SECTIONS:
            inside_viewport(display, section)
        no_overlap(display, *SECTIONS)
        contained(display, ".counter-row", ".counters")
        contained(display, ".waiting li", ".waiting")
        contained(display, "#recent-calls li", ".recent")
        not_clipped(display, "#recent-calls li, .recent-where, .counter-row, .waiting-next, .latest")
        # One entry per ticket: B-001 was called then recalled, it appears once, marked.
        codes = display.locator("#recent-calls .recent-code").all_inner_texts()
        assert len(codes) == len(set(codes)) == 4, codes
        recalled = display.locator("#recent-calls li", has_text="dipanggil ulang")
        assert recalled.count() == 1 and recalled.locator(".recent-code").inner_text() == "B-001"
        closed = display.locator(".counter-row[data-counter='4']")
        assert closed.locator(".counter-state").inner_text().lower() == "tutup"
        assert closed.locator(".counter-code").inner_text() == "—"
        assert display.locator(".waiting li").count() == len(prefixes)
        shown = display.locator(".waiting-next[data-service='D'] .next-code:visible").count()  # 6 waiting
        assert shown == (4 if width >= 1600 else 2)
        # The right column is used: the next numbers reach its right edge, the names start at its left.
        waiting = display.locator(".waiting").bounding_box()
        nexts = display.locator(".waiting-next[data-service='D']").bounding_box()
        assert waiting["x"] + waiting["width"] - (nexts["x"] + nexts["width"]) < 0.05 * waiting["width"]
        assert not problems, problems
    finally:
        context.close()
