"""Every ticket carries the office's kelurahan code (the city view gathers tickets of 51 offices)."""
import sqlite3

from flask_migrate import upgrade
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.queue.models import Service, Ticket
from kupang.queue.numbering import issue_ticket
from tests.conftest import build_app

from .core_fixtures import add_service

OTHER_OFFICE = "53.71.01.1001"  # a kelurahan of Alak (the default is in Kota Raja)


def test_an_issued_ticket_and_the_demo_history_carry_the_offices_code(app, runner):
    app.config["KELURAHAN_CODE"] = OTHER_OFFICE
    with app.app_context(), write_intent():
        service = db.session.get(Service, add_service())
        ticket = issue_ticket(service)
        db.session.commit()
        assert ticket.kelurahan_code == OTHER_OFFICE
    assert runner.invoke(args=["seed-demo", "--residents", "30"]).exit_code == 0
    with app.app_context():
        codes = set(db.session.scalars(select(Ticket.kelurahan_code)))
    assert codes == {OTHER_OFFICE}


def test_the_migration_gives_earlier_tickets_the_offices_code(tmp_path, instance_dir):
    path = tmp_path / "lama.db"
    app = build_app(f"sqlite:///{path}", instance_dir, KELURAHAN_CODE=OTHER_OFFICE)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0200_merge_round2")
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO service (id, name, prefix, active, allow_priority, sort_order, opens_at, "
                           "closes_at, requirements, minutes_per_ticket) VALUES (1, 'Domisili', 'A', 1, 1, 0, "
                           "'00:00:00', '23:59:00', '', 5)")
        connection.execute("INSERT INTO ticket (id, numbered_service_id, service_id, day, number, code, status, "
                           "token, issued_at, call_count, note, version) VALUES (1, 1, 1, '2026-11-30', 1, 'A-001', "
                           "'done', 'tok', '2026-11-30 01:00:00', 1, '', 0)")
    with app.app_context():
        upgrade(directory=directory)
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT kelurahan_code FROM ticket").fetchall() == [(OTHER_OFFICE,)]
        notnull = {row[1]: row[3] for row in connection.execute("PRAGMA table_info(ticket)")}
    assert notnull["kelurahan_code"] == 1
