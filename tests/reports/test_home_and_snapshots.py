"""The supervisor's home figures (the usual queue at this hour, today against the same weekday), the daily
NIK snapshot (CLI, once a day, with the office's code) and the history seeder."""
from datetime import timedelta

from sqlalchemy import func, select

from kupang.extensions import db
from kupang.reports import home
from kupang.reports.models import NikSnapshot
from kupang.reports.snapshots import take_snapshot
from tests.queue.core_fixtures import add_service, wita

from .builders import add_resident, add_ticket

NOW = wita(2026, 11, 30, 10, 0)  # a Monday, 10.00 WITA


def test_usual_waiting_at_this_hour(app):
    with app.app_context():
        a = add_service("Domisili", "A")
        # Monday a week ago: at 10.00 two were waiting (issued before, called after), one already called.
        add_ticket(a, wita(2026, 11, 23, 9, 30), wait=45)
        add_ticket(a, wita(2026, 11, 23, 9, 50), wait=30)
        add_ticket(a, wita(2026, 11, 23, 9, 0), wait=10, service=20)  # done at 09.30
        # Monday two weeks ago: none waiting at 10.00 (one later ticket)
        add_ticket(a, wita(2026, 11, 16, 11, 0), wait=5)
        # today: three waiting now
        for minute in (10, 20, 30):
            add_ticket(a, wita(2026, 11, 30, 9, minute), status="waiting")
        rows = home.queue_now(now=NOW)
        day = home.today_against_usual(now=NOW)
    assert rows[0].waiting == 3 and rows[0].usual == 1.0  # (2 + 0) / 2 open Mondays
    assert day.issued == 3 and day.weekdays == 2
    assert day.usual_issued == 1.5  # 3 by 10.00 a week ago, 0 two weeks ago
    assert day.usual_whole_day == 2.0 and day.usual_served == 0.5


def test_snapshot_is_taken_once_a_day_with_the_office_code(app, runner):
    with app.app_context():
        add_resident("A", nik="5371051203900001")
        add_resident("B")
    result = runner.invoke(args=["snapshot-nik"])
    assert result.exit_code == 0 and "1 dari 2 penduduk (50,0%)" in result.output
    with app.app_context():
        add_resident("C", nik="5371051203900003")
        take_snapshot()  # the same day again: refreshed, not doubled
        rows = db.session.scalars(select(NikSnapshot)).all()
    assert len(rows) == 1 and (rows[0].residents, rows[0].with_nik) == (3, 2)
    assert rows[0].kelurahan_code == "53.71.05.1005"


def test_history_seeder_adds_a_year_once(app, runner):
    result = runner.invoke(args=["seed-demo", "--residents", "300"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from kupang.queue.models import Ticket
        from kupang.survey.models import SurveyResponse

        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        days = db.session.scalar(select(func.count(func.distinct(Ticket.day))).select_from(Ticket))
        answers = db.session.scalar(select(func.count()).select_from(SurveyResponse))
        snapshots = db.session.scalar(select(func.count()).select_from(NikSnapshot))
        first = db.session.scalar(select(func.min(Ticket.day)))
        last = db.session.scalar(select(func.max(Ticket.day)))
    assert 1500 < tickets < 2600 and days > 200 and (last - first) > timedelta(days=330)
    assert answers > 100 and snapshots == 366
    again = runner.invoke(args=["seed-demo", "--residents", "300"])
    assert "Riwayat laporan sudah ada" in again.output
