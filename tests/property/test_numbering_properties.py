"""Properties of ticket numbering over WITA day boundaries: gap-free from 001 each local day, old days expired."""
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import DailySequence, Service, Ticket
from kupang.queue.numbering import QueueError, issue_ticket
from kupang.timeutil import office_today
from tests.conftest import build_app
from tests.queue.core_fixtures import add_service, wita

# 20:00 WITA on 27 November: three local midnights (16:00 UTC) fall inside the next three days.
START = wita(2026, 11, 27, 20, 0)
WINDOW_MINUTES = 3 * 24 * 60
WITA = timedelta(hours=8)
# Each example writes to the database: a third of the profile's examples (20 in CI).
DB_EXAMPLES = settings(max_examples=max(5, settings.default.max_examples // 3),
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


def fresh_service(prefix="A"):
    """An empty queue: no tickets, sequences or services left from the previous example."""
    with write_intent():
        for model in (Ticket, DailySequence, Service):
            db.session.execute(delete(model))
        db.session.commit()
    return add_service("Domisili", prefix)


def issue(service_id, at):
    """Issue one ticket at a UTC instant in its own write transaction; (code, number, day)."""
    with write_intent():
        try:
            ticket = issue_ticket(db.session.get(Service, service_id), at=at)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return ticket.code, ticket.number, ticket.day


instants = st.lists(st.integers(min_value=0, max_value=WINDOW_MINUTES), min_size=1, max_size=12).map(
    lambda minutes: [START + timedelta(minutes=m) for m in sorted(minutes)])


@DB_EXAMPLES
@given(times=instants)
def test_numbers_restart_at_each_wita_midnight_and_never_skip(app, times):
    with app.app_context():
        service = fresh_service()
        issued = [issue(service, at) for at in times]
        expected, per_day = [], {}
        for at in times:
            day = (at + WITA).date()  # the office day, computed here without the app's clock helpers
            per_day[day] = per_day.get(day, 0) + 1
            expected.append((f"A-{per_day[day]:03d}", per_day[day], day))
        assert issued == expected
        last_day = expected[-1][2]
        statuses = dict(db.session.execute(select(Ticket.id, Ticket.status)).all())
        days = dict(db.session.execute(select(Ticket.id, Ticket.day)).all())
        # Issuing the first ticket of a day closes every ticket still open from the days before.
        assert {ticket: "expired" if days[ticket] < last_day else "waiting" for ticket in days} == statuses
        assert db.session.scalar(select(DailySequence.last_number).where(DailySequence.day == last_day)) == \
            per_day[last_day]


MINUTES = st.integers(min_value=1, max_value=WINDOW_MINUTES)


@DB_EXAMPLES
@given(later=MINUTES, back=MINUTES)
def test_a_clock_set_back_never_repeats_a_number(app, later, back):
    with app.app_context():
        service = fresh_service()
        first = issue(service, START + timedelta(minutes=later))
        with pytest.raises(QueueError) as refused:
            issue(service, START + timedelta(minutes=later) - timedelta(minutes=back))
        assert refused.value.reason == "clock"
        codes = db.session.scalars(select(Ticket.code)).all()
        assert codes == [first[0]]


@pytest.fixture(scope="module")
def clock_app(instance_dir):
    """An app for the pure clock property (office_today reads the configured zone)."""
    return build_app("sqlite://", instance_dir)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)))
def test_the_office_day_is_the_wita_date(clock_app, at):
    with clock_app.app_context():
        assert office_today(at) == (at + WITA).date()
