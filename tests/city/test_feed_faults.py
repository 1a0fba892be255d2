"""The feed under faults (tests/city/harness.py): a real city gunicorn on PostgreSQL, offices on SQLite, a
proxy that drops, delays, duplicates, replays and cuts, and kill -9 of a pusher and of the city mid-apply.

Every scenario ends in harness.verify(): the city's copy equals each office row for row, nothing was
applied twice, the offices' ticket and letter numbers are unchanged.
"""
import json
import os
import signal
import time

import psycopg
import pytest
from sqlalchemy import select, text

from kupang.city.feed import push as pushing
from kupang.city.models import FeedState
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from tests import skip_policy
from tests.city.harness import DEADLINE, City, Office, Proxy, verify
from tests.conftest import POSTGRES_URL

NAIKOTEN_DUA, OEBOBO = "53.71.05.1005", "53.71.04.1001"


@pytest.fixture
def city(tmp_path):
    """A city gunicorn on a PostgreSQL database of its own, dropped after the test."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not set up: KUPANG_TEST_POSTGRES_URL not set")
    problem = skip_policy.postgres_problem(POSTGRES_URL)
    if problem:
        pytest.skip(f"PostgreSQL at {skip_policy.shown_url(POSTGRES_URL)} does not answer: {problem}")
    city = City(POSTGRES_URL, tmp_path).create()
    yield city
    city.drop()


@pytest.fixture
def proxy(city):
    """The proxy in front of the city."""
    proxy = Proxy(city.server.port)
    yield proxy
    proxy.release()
    proxy.close()


@pytest.fixture
def make_office(city, proxy, sqlite_template, tmp_path):
    """make_office(code): a paired office with a few hundred rows, pushing through the proxy."""
    offices = []

    def make(code=NAIKOTEN_DUA, **fill):
        office = Office(code, sqlite_template, tmp_path, proxy.url, city.pair(code))
        office.fill(**fill)
        offices.append(office)
        return office

    yield make
    for office in offices:
        office.close()


def answer_json(raw):
    """The JSON body of raw HTTP response bytes."""
    return json.loads(raw.partition(b"\r\n\r\n")[2])


def test_a_connection_dropped_mid_request_applies_nothing_and_is_sent_again(city, proxy, make_office):
    office = make_office()
    numbers = {office.code: office.numbers()}
    proxy.plan(("drop_request",), ("drop_request",))
    assert office.push().status == "failed"
    assert office.push().status == "failed"
    assert city.applied(office.code) == 0
    verify(city, proxy, [office], numbers)


def test_a_connection_dropped_mid_response_is_a_lost_ack_adopted_without_applying_twice(city, proxy, make_office):
    office = make_office()
    numbers = {office.code: office.numbers()}
    proxy.plan(("drop_response",))
    assert office.push().status == "failed"
    assert city.applied(office.code) > office.acked() == 0  # the city applied it; the office did not hear
    verify(city, proxy, [office], numbers)


def test_a_batch_delivered_twice_at_once_is_applied_once(city, proxy, make_office):
    office = make_office()
    numbers = {office.code: office.numbers()}
    proxy.plan(("duplicate",), ("duplicate",))
    assert office.push().status == "sent"
    office.edit()
    numbers[office.code] = office.numbers()
    assert office.push().status == "sent"
    proxy.idle()
    verify(city, proxy, [office], numbers)


def test_an_old_batch_replayed_after_a_newer_one_changes_nothing(city, proxy, make_office):
    office = make_office()
    with office.app.app_context():
        assert pushing.push_once(limit=50).status == "sent"
    office.edit()
    numbers = {office.code: office.numbers()}
    office.drain()
    applied, before = city.applied(office.code), city.checksums(office.code)
    answer = answer_json(proxy.replay(0))
    assert answer == {"applied": applied, "duplicate": True, "dua_kelurahan": []}
    assert city.checksums(office.code) == before and city.applied(office.code) == applied
    verify(city, proxy, [office], numbers)


def test_a_slow_link_past_the_office_timeout_is_applied_once(city, proxy, make_office):
    office = make_office()
    numbers = {office.code: office.numbers()}
    office.app.config["FEED_TIMEOUT"] = 1
    proxy.plan(("delay", 2.5))
    result = office.push()
    assert result.status == "failed" and "tidak dapat dihubungi" in result.message
    proxy.idle()  # the delayed request reaches the city after the office gave up
    assert city.applied(office.code) > office.acked()
    verify(city, proxy, [office], numbers)


def test_a_link_cut_for_a_while_backs_off_and_catches_up(city, proxy, make_office):
    office = make_office()
    proxy.cut = True
    failures = []
    for _ in range(3):
        failures.append(office.push().status)
        office.edit()
    with office.app.app_context():
        state = db.session.get(FeedState, 1)
        assert (state.failures, state.next_attempt_at > state.last_attempt_at) == (3, True)
        db.session.rollback()
    assert failures == ["failed"] * 3 and city.applied(office.code) == 0
    numbers = {office.code: office.numbers()}
    verify(city, proxy, [office], numbers)


def test_a_pusher_killed_mid_push_loses_nothing(city, proxy, make_office):
    office = make_office()
    numbers = {office.code: office.numbers()}
    proxy.plan(("hold",))
    pusher = office.pusher_process()
    try:
        assert proxy.received.wait(DEADLINE)  # the batch is on the wire
        os.killpg(pusher.pid, signal.SIGKILL)
    finally:
        pusher.wait(DEADLINE)
    assert pusher.returncode == -signal.SIGKILL
    proxy.release()  # the city applies what the dead pusher sent
    proxy.idle()
    assert city.applied(office.code) > office.acked() == 0
    pusher = office.pusher_process()  # the service starts again
    assert pusher.wait(DEADLINE * 2) == 0
    verify(city, proxy, [office], numbers)


def test_the_city_killed_mid_apply_applies_nothing_of_that_batch(city, proxy, make_office):
    office = make_office()
    office.drain()
    with office.app.app_context(), write_intent():
        ids = db.session.scalars(select(Resident.id).order_by(Resident.id).limit(4)).all()
        for n, resident_id in enumerate(ids):  # seq order: ids[0], ids[1], ids[2] (locked below), ids[3]
            db.session.execute(text("UPDATE resident SET phone = :p WHERE id = :id"),
                               {"p": f"0899{n}", "id": resident_id})
        db.session.commit()
    numbers = {office.code: office.numbers()}
    applied = city.applied(office.code)
    with psycopg.connect(city.psycopg_dsn()) as blocker:
        blocker.execute("SELECT 1 FROM feed_row WHERE office_code = %s AND table_name = 'resident' AND row_id = %s "
                        "FOR UPDATE", (office.code, ids[2]))
        pusher = office.pusher_process()
        deadline = time.monotonic() + DEADLINE
        with psycopg.connect(city.psycopg_dsn(), autocommit=True) as watcher:
            while not watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND query LIKE 'INSERT INTO feed_row%%'").fetchone()[0]:
                assert time.monotonic() < deadline, "the city never reached the locked row"
                time.sleep(0.05)
            city.server.kill9()  # mid-apply: two rows upserted, the third waiting for its lock
        blocker.rollback()
    pusher.wait(DEADLINE * 2)
    assert city.applied(office.code) == applied  # the killed transaction left nothing
    city.start()
    proxy.upstream_port = city.server.port
    verify(city, proxy, [office], numbers)


def test_two_offices_through_a_bad_link_each_get_their_own_exact_copy(city, proxy, make_office):
    first, second = make_office(NAIKOTEN_DUA), make_office(OEBOBO, families=10, tickets=20)
    faults = [("drop_request",), ("pass",), ("duplicate",), ("drop_response",), ("delay", 0.3), ("pass",)]
    for round_number in range(4):
        for office in (first, second):
            proxy.plan(faults[(round_number * 2 + (office is second)) % len(faults)])
            office.push()
            office.edit()
    proxy.idle()
    numbers = {first.code: first.numbers(), second.code: second.numbers()}
    verify(city, proxy, [first, second], numbers)
    assert first.checksums() != second.checksums()
