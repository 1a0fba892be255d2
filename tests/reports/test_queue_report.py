"""Queue statistics against hand-computed figures: counts, median and p90 times, standard kept, arrivals."""
from datetime import date

import pytest

from kupang.reports import queue_report
from kupang.reports.periods import Period
from kupang.reports.queue_tables import service_table, tables
from tests.queue.core_fixtures import add_counter, add_service, wita

from .builders import add_ticket

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "rentang", "November 2026")


@pytest.fixture
def office(app, make_user):
    """Service A (standard 30 min), B (none); counters 1, 2; clerks; six tickets on Monday 2 November 2026."""
    u1, u2 = make_user("clerk", "maria", full_name="Maria Ndun"), make_user("clerk", "yohanes")
    with app.app_context():
        a = add_service("Domisili", "A", standard_minutes=30)
        b = add_service("Usaha", "B")
        c1, c2 = add_counter(1, [a, b]), add_counter(2, [a])
        add_ticket(a, wita(2026, 11, 2, 8, 0), wait=10, service=5, counter_id=c1, clerk_id=u1)
        add_ticket(a, wita(2026, 11, 2, 8, 10), wait=20, service=15, counter_id=c1, clerk_id=u1)
        add_ticket(a, wita(2026, 11, 2, 8, 20), wait=30, service=10, counter_id=c2, clerk_id=u2)
        add_ticket(a, wita(2026, 11, 2, 8, 30), wait=40, status="no_show", counter_id=c2, clerk_id=u2)
        add_ticket(a, wita(2026, 11, 2, 8, 40), status="expired")
        add_ticket(b, wita(2026, 11, 2, 9, 0), wait=5, service=5, counter_id=c1, clerk_id=u1, numbered_service_id=a)
        add_ticket(a, wita(2026, 10, 30, 8, 0), wait=99, service=99)  # October: outside the period
    return {"a": a, "b": b}


def test_overall_figures_by_hand(app, office):
    with app.app_context():
        report = queue_report.build(NOVEMBER)
    o = report.overall
    assert (o.issued, o.served, o.no_show, o.expired, o.transferred, o.open) == (6, 4, 1, 1, 1, 0)
    # waits 5, 10, 20, 30, 40 minutes: median 20; p90 at rank 3,6 -> 30 + 0,6 x 10 = 36
    assert o.wait_median == pytest.approx(20) and o.wait_p90 == pytest.approx(36)
    # service 5, 5, 10, 15: median 7,5; p90 at rank 2,7 -> 10 + 0,7 x 5 = 13,5
    assert o.service_median == pytest.approx(7.5) and o.service_p90 == pytest.approx(13.5)
    # A has a 30-minute standard: visits of 15, 35 and 40 minutes -> 1 of 3 within
    assert o.within_standard == 1 and o.with_standard == 3 and o.within_percent == pytest.approx(100 / 3)


def test_breakdowns_by_service_counter_clerk(app, office):
    with app.app_context():
        report = queue_report.build(NOVEMBER)
    by_service = {s.prefix: g for s, g in report.by_service}
    assert by_service["A"].issued == 5 and by_service["B"].issued == 1 and by_service["B"].transferred == 1
    by_counter = {c.number: g for c, g in report.by_counter}
    assert by_counter[1].served == 3 and by_counter[2].served == 1 and by_counter[2].no_show == 1
    by_clerk = {u.display_name: g for u, g in report.by_clerk}
    assert by_clerk["Maria Ndun"].served == 3 and by_clerk["yohanes"].wait_median == pytest.approx(35)


def test_arrivals_heat_map_is_in_local_time(app, office):
    with app.app_context():
        report = queue_report.build(NOVEMBER)
    assert report.heat[0][8] == 5 and report.heat[0][9] == 1  # Monday 08.00 and 09.00 WITA
    assert sum(map(sum, report.heat)) == 6 and report.hours == [8, 9]
    assert report.daily == [(date(2026, 11, 2), 6)]


def test_tables_carry_the_same_numbers(app, office):
    with app.app_context():
        report = queue_report.build(NOVEMBER)
        table = service_table(report)
        all_tables = tables(report)
    assert table.rows[0][:6] == ["A · Domisili", 5, 4 - 1, 1, 0, 1]
    assert table.total[:6] == ["Jumlah", 6, 4, 1, 1, 1]
    assert [t.title for t in all_tables][0] == "Ringkasan"
    heat = next(t for t in all_tables if t.title.startswith("Kedatangan"))
    assert heat.columns == ["Hari", "08.00", "09.00", "Jumlah"] and heat.rows[0] == ["Senin", 5, 1, 6]


def test_a_cached_day_is_refreshed_when_its_tickets_change(app, office):
    from sqlalchemy import select

    from kupang.db import write_intent
    from kupang.extensions import db
    from kupang.queue.models import Ticket

    with app.app_context():
        first = queue_report.build(NOVEMBER)
        again = queue_report.build(NOVEMBER)  # from the per-day cache
        assert again.overall.served == first.overall.served == 4
        with write_intent():
            ticket = db.session.scalar(select(Ticket).where(Ticket.status == "expired"))
            ticket.status = "no_show"  # a late correction of a finished day
            db.session.commit()
        changed = queue_report.build(NOVEMBER)
    assert changed.overall.expired == 0 and changed.overall.no_show == 2
