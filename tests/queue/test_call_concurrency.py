"""Four clerks in four processes press Panggil berikutnya at once against a real gunicorn.

Each clerk is logged in at its own counter and double-clicks every call (two requests at the same
moment). Every ticket must be called exactly once, by one counter, with one Call row: none twice,
none lost, none skipped by a double click.
"""
import http.client
import multiprocessing
import re
import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from kupang.extensions import db
from kupang.queue.models import Call, Counter, Service, Ticket
from tests.conftest import PASSWORD
from tests.queue.calling_fixtures import add_ticket, make_queue

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CLERKS = 4
TICKETS_PER_SERVICE = 30
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
CODE = re.compile(r'<p class="current-code">([A-Z]-\d{3})</p>')
TICKET_ID = re.compile(r'name="ticket_id" value="(\d+)"')


class Browserless:
    """A tiny cookie-keeping HTTP client (one keep-alive connection)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, fields=None, headers=None):
        headers = dict(headers or {})
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, text


def csrf(page):
    """The CSRF token of a page's first form."""
    match = CSRF.search(page)
    assert match, page[:500]
    return match.group(1) or match.group(2)


def clerk_worker(port, username, counter_id, barrier, results):
    """One clerk process; any failure is reported as a result instead of leaving the test waiting."""
    try:
        results.put(clerk_session(port, username, counter_id, barrier))
    except BaseException as error:  # noqa: BLE001 - sent back to the test
        barrier.abort()
        results.put((username, counter_id, f"{type(error).__name__}: {error}", -1))


def press_next(client, headers, replies, slot):
    """One click on Panggil berikutnya; the fragment goes into replies[slot]."""
    replies[slot] = client.request("POST", "/loket/aksi/panggil", {}, headers)[1]


def clerk_session(port, username, counter_id, barrier):
    """Log in, open a counter, then call (double-click) and finish until nobody waits."""
    client = Browserless(port)
    _status, page = client.request("GET", "/masuk")
    token = csrf(page)
    status, _ = client.request("POST", "/masuk", {"csrf_token": token, "username": username, "password": PASSWORD})
    assert status == 302, status
    _status, page = client.request("GET", "/loket")
    token = csrf(page)
    status, _ = client.request("POST", "/loket/buka", {"csrf_token": token, "counter_id": counter_id})
    assert status == 303, status
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    second = Browserless(port)
    second.cookies = client.cookies
    barrier.wait(timeout=60)
    called, mismatches = [], 0
    while True:
        replies = [None, None]
        extra = threading.Thread(target=press_next, args=(second, headers, replies, 1))
        extra.start()
        press_next(client, headers, replies, 0)
        extra.join()
        codes = [CODE.search(reply) for reply in replies]
        if not codes[0] and not codes[1]:
            break
        if not (codes[0] and codes[1]) or codes[0].group(1) != codes[1].group(1):
            mismatches += 1
        reply = replies[0] if codes[0] else replies[1]
        code = (codes[0] or codes[1]).group(1)
        ticket_id = TICKET_ID.search(reply).group(1)
        called.append(code)
        status, _ = client.request("POST", "/loket/aksi/selesai", {"ticket_id": ticket_id}, headers)
        assert status == 200, status
    return username, counter_id, called, mismatches


@pytest.fixture
def four_clerks(app, make_user):
    """Four counters (3 shared services) and a clerk for each; 2 x 30 waiting tickets."""
    q = make_queue(app)
    with app.app_context():
        fourth = Counter(number=4, name="Loket 4", services=[db.session.get(Service, q.ktp),
                                                             db.session.get(Service, q.domisili)])
        db.session.add(fourth)
        for number in range(1, TICKETS_PER_SERVICE + 1):
            add_ticket(q.ktp, number, number, priority="lansia" if number % 7 == 0 else None)
            add_ticket(q.domisili, number, number)
        db.session.commit()
        counters = [q.counter1, q.counter2, q.counter3, fourth.id]
    for index in range(CLERKS):
        make_user("clerk", f"clerk{index + 1}")
    return [(f"clerk{index + 1}", counters[index]) for index in range(CLERKS)]


def test_four_clerks_calling_at_once_get_distinct_tickets_and_lose_none(app, gunicorn, four_clerks):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(CLERKS), context.Queue()
    workers = [context.Process(target=clerk_worker, args=(gunicorn.port, name, counter_id, barrier, results))
               for name, counter_id in four_clerks]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=240) for _ in workers]
    failures = [outcome for outcome in outcomes if isinstance(outcome[2], str)]
    assert not failures, failures
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    called = [code for _name, _counter, codes, _m in outcomes for code in codes]
    assert len(called) == len(set(called)) == 2 * TICKETS_PER_SERVICE
    assert all(mismatches == 0 for *_rest, mismatches in outcomes)  # both clicks got the same ticket
    assert sum(1 for _n, _c, codes, _m in outcomes if codes) >= 2  # the work really was shared
    with app.app_context():
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != "done")) == 0
        assert db.session.scalar(select(func.count()).select_from(Call)) == 2 * TICKETS_PER_SERVICE
        by_counter = dict(db.session.execute(select(Ticket.code, Ticket.counter_id)).all())
    for _name, counter_id, codes, _m in outcomes:
        assert all(by_counter[code] == counter_id for code in codes)
