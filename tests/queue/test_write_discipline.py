"""The one write discipline (kupang/db.py) and its guard, then a crawl of the whole app with the guard on.

The guard (on in tests) raises when a request writes inside a read transaction: on SQLite a transaction
not begun IMMEDIATE, on PostgreSQL a GET write outside write_transaction()/begin_write(). The crawl
visits every GET route and the links it finds, as each role, as a kiosk and a TV, and as a visitor.
"""
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import func, select, text

from kupang.audit import AuditLog
from kupang.db import begin_write, write_intent, write_transaction
from kupang.extensions import db
from kupang.queue.devices import COOKIE_NAME
from kupang.queue.models import Device, Ticket
from kupang.timeutil import now_utc
from tests.queue.calling_fixtures import add_ticket, make_queue
from tests.queue.core_fixtures import paired_device
from tests.registry.family_fixtures import standard_family

HREF = re.compile(r'(?:href|hx-get)="([^"#]+)"')
PAGES_PER_VISITOR = 160


def add_probe_routes(app):
    """Three GET views that write: without discipline, in write_transaction(), after begin_write()."""

    def raw():
        db.session.execute(text("UPDATE queue_marker SET version = version + 1"))
        db.session.commit()
        return "raw"

    def block():
        with write_transaction() as session:
            session.execute(text("UPDATE queue_marker SET version = version + 1"))
        return "block"

    def statement_form():
        db.session.execute(text("SELECT 1"))
        begin_write()
        db.session.execute(text("UPDATE queue_marker SET version = version + 1"))
        db.session.commit()
        # begin_write() covers one transaction: a second write would need its own.
        db.session.execute(text("UPDATE queue_marker SET version = version + 1"))
        db.session.commit()
        return "statement"

    for name, view in (("raw", raw), ("block", block), ("statement", statement_form)):
        app.add_url_rule(f"/_probe/{name}", f"probe_{name}", view)


def test_guard_refuses_a_write_in_a_read_transaction_and_accepts_the_discipline(app, client):
    make_queue(app)
    add_probe_routes(app)
    assert client.get("/_probe/raw").status_code == 500
    violations = app.extensions["kupang_write_violations"]
    assert len(violations) == 1 and "GET /_probe/raw" in violations[0] and "UPDATE queue_marker" in violations[0]
    response = client.get("/_probe/block")
    assert response.status_code == 200 and response.get_data(as_text=True) == "block"
    assert client.get("/_probe/statement").status_code == 500  # the second, undeclared write
    assert len(violations) == 2 and "GET /_probe/statement" in violations[1]
    with app.app_context():
        # raw: refused; block: 1; statement: its first write only.
        assert db.session.scalar(text("SELECT version FROM queue_marker WHERE id = 1")) == 2


def test_old_device_touch_pattern_is_caught(app, client):
    """What touch() used to do (write elsewhere, then set the attribute) trips the guard on every backend."""
    from flask import g

    from kupang.queue.devices import current_device

    with app.app_context():
        _device_id, token = paired_device("kiosk", "Kiosk")

    def old_touch():
        device = current_device()
        with write_intent(), db.engine.begin() as conn:
            conn.execute(text("UPDATE device SET last_seen_at = CURRENT_TIMESTAMP WHERE id = :id"),
                         {"id": device.id})
        device.last_seen_at = now_utc()
        db.session.scalar(select(Ticket.id))  # autoflush inside the read transaction
        return str(g.device.id)

    app.add_url_rule("/_probe/old-touch", "probe_old_touch", old_touch)
    client.set_cookie(COOKIE_NAME, token)
    assert client.get("/_probe/old-touch").status_code == 500
    assert "UPDATE device" in app.extensions["kupang_write_violations"][0]


# --- the crawl -------------------------------------------------------------------------------


@pytest.fixture
def world(app, make_user):
    """Something on every page: services, counters, tickets, a family, devices, users of each role."""
    q = make_queue(app)
    family_id, people = standard_family(app)
    for role in ("admin", "supervisor", "clerk"):
        make_user(role, f"{role}1")
    with app.app_context(), write_intent():
        called = add_ticket(q.ktp, 1, 1, status="called")
        called.counter_id = q.counter1
        add_ticket(q.ktp, 2, 2)
        token = called.token
        db.session.commit()
    with app.app_context():
        kiosk = paired_device("kiosk", "Kiosk depan")
        display = paired_device("display", "TV ruang tunggu")
        with write_intent():
            for device_id, _token in (kiosk, display):
                db.session.get(Device, device_id).last_seen_at = now_utc() - timedelta(hours=2)
            db.session.commit()
    return {"q": q, "family": family_id, "resident": people["head"], "token": token,
            "kiosk": kiosk[1], "display": display[1]}


def seed_urls(app, world):
    """Every GET route built with ids and tokens that exist."""
    values = {"resident_id": world["resident"], "family_id": world["family"], "token": world["token"]}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith("probe_"):
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        urls.append(rule.build(args)[1])
    return sorted(set(urls)) + ["/penduduk?q=ndun", "/loket?cari=yoh", "/loket/penduduk?cari=maria",
                                "/antrian/" + world["token"] + "/status", "/tiket/" + world["token"] + "/cetak"]


def crawl(client, start):
    """Visit the start URLs and the same-site links they lead to; {url: status}."""
    seen, queue = {}, list(start)
    while queue and len(seen) < PAGES_PER_VISITOR:
        url = queue.pop(0)
        if url in seen or url.startswith("/static/"):
            continue
        response = client.get(url, headers={"HX-Request": "true"} if "/status" in url else None)
        seen[url] = response.status_code
        if response.mimetype != "text/html":
            continue
        for link in HREF.findall(response.get_data(as_text=True)):
            target = urljoin(url, link.replace("&amp;", "&"))
            parts = urlsplit(target)
            if not parts.netloc and parts.path not in ("/keluar",):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def visitors(client, auth, world):
    """Log the client in (or give it a device cookie) for each visitor in turn."""
    yield "tamu", None
    for role in ("admin", "supervisor", "clerk"):
        auth.login(f"{role}1")
        if role == "clerk":
            client.post("/loket/buka", data={"counter_id": world["q"].counter2})
        yield role, None
        auth.logout()
    for kind in ("kiosk", "display"):
        client.set_cookie(COOKIE_NAME, world[kind])
        yield kind, None
        client.delete_cookie(COOKIE_NAME)


def test_crawl_every_page_as_everyone_with_the_write_guard_on(app, client, auth, world):
    visited = {}
    for name, _ in visitors(client, auth, world):
        visited[name] = crawl(client, seed_urls(app, world))
    errors = {name: [url for url, status in pages.items() if status >= 500] for name, pages in visited.items()}
    assert not any(errors.values()), (errors, app.extensions.get("kupang_write_violations"))
    assert not app.extensions.get("kupang_write_violations")
    assert all(len(pages) >= 30 for pages in visited.values()), {k: len(v) for k, v in visited.items()}
    # The crawl did reach the GETs that write: audited page views and the devices' last-seen times.
    with app.app_context():
        actions = set(db.session.scalars(select(AuditLog.action)))
        assert {"resident_viewed", "family_viewed"} <= actions
        stale = db.session.scalar(select(func.count()).select_from(Device)
                                  .where(Device.last_seen_at < now_utc() - timedelta(minutes=5)))
        assert stale == 0


def test_a_post_renders_its_answer_without_the_write_lock(app, client, login_as):
    """After the commit, the counter's fragment is read in a plain transaction: a kiosk can issue meanwhile."""
    q = make_queue(app)
    login_as("clerk", "clerk1")
    client.post("/loket/buka", data={"counter_id": q.counter1})
    with app.app_context(), write_intent():
        add_ticket(q.ktp, 1, 1)
        db.session.commit()
    begun = []

    def record(conn):
        begun.append(conn.info.get("kupang_write_transaction"))

    with app.app_context():
        from sqlalchemy import event

        event.listen(db.engine, "begin", record)
        try:
            response = client.post("/loket/aksi/panggil", headers={"HX-Request": "true"})
        finally:
            event.remove(db.engine, "begin", record)
    assert response.status_code == 200 and "A-001" in response.get_data(as_text=True)
    assert begun[0] is True and begun[-1] is False, begun  # the action wrote; the fragment only read
