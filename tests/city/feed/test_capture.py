"""The capture triggers: every insert, update and delete of a fed table writes its outbox row, in its own
transaction (ORM, Core bulk and raw SQL alike); a rolled-back change leaves none."""
from datetime import date

import pytest
from sqlalchemy import insert, text

from kupang.city.models import FED_TABLES, FeedOutbox
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from tests.city.feed.helpers import OFFICE, clear_outbox, fill_office, outbox


def test_inserts_of_every_fed_table_are_captured(app):
    ids = fill_office(app)
    captured = outbox(app)
    for table in FED_TABLES:
        assert {(t, i) for t, i, op in captured if t == table and op == "u"} >= {(table, i) for i in ids[table]}
    assert {t for t, _i, _op in captured} == set(FED_TABLES)  # nothing else is fed (users, audit, services)


@pytest.mark.parametrize("table", FED_TABLES)
def test_update_and_delete_of_each_fed_table_are_captured(app, table):
    ids = fill_office(app)
    row_id = ids[table][-1]
    clear_outbox(app)
    column = {"family": "address", "resident": "phone", "resident_event": "note", "ticket": "note",
              "letter": "values_json", "survey_response": "comment"}[table]
    with app.app_context(), write_intent():
        db.session.execute(text(f"UPDATE {table} SET {column} = '{{}}' WHERE id = :id"), {"id": row_id})  # raw SQL
        db.session.commit()
    assert outbox(app) == [(table, row_id, "u")]
    clear_outbox(app)
    with app.app_context(), write_intent():
        _delete_with_dependants(table, row_id)
        db.session.commit()
    assert (table, row_id, "d") in outbox(app)
    assert (table, row_id, "u") not in outbox(app)


def _delete_with_dependants(table, row_id):
    """Delete one row (and what points at it, so foreign keys hold)."""
    if table == "resident":
        for dependant in ("letter", "resident_event"):
            db.session.execute(text(f"DELETE FROM {dependant} WHERE resident_id = :id"), {"id": row_id})
        db.session.execute(text("UPDATE ticket SET resident_id = NULL WHERE resident_id = :id"), {"id": row_id})
        db.session.execute(text("UPDATE family SET head_id = NULL WHERE head_id = :id"), {"id": row_id})
    if table == "family":
        db.session.execute(text("UPDATE resident SET family_id = NULL WHERE family_id = :id"), {"id": row_id})
    if table == "ticket":
        for dependant in ("letter", "survey_response"):
            db.session.execute(text(f"UPDATE {dependant} SET ticket_id = NULL WHERE ticket_id = :id"), {"id": row_id})
        db.session.execute(text("DELETE FROM queue_call WHERE ticket_id = :id"), {"id": row_id})
    db.session.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": row_id})


def test_a_core_bulk_insert_is_captured_row_by_row(app):
    rows = [{"name": f"Warga {n}", "sex": 1, "kelurahan_code": OFFICE, "birth_date": date(1990, 1, 1),
             "nik": None, "citizenship": 1, "life_status": "hidup", "version": 1, "has_warnings": False}
            for n in range(50)]
    with app.app_context(), write_intent():
        db.session.execute(insert(Resident.__table__), rows)  # the importer's form: executemany, no ORM
        db.session.commit()
        ids = [i for (i,) in db.session.execute(text("SELECT id FROM resident ORDER BY id"))]
        db.session.rollback()
    assert outbox(app) == [("resident", i, "u") for i in ids]
    assert len(ids) == 50


def test_a_rolled_back_change_leaves_no_outbox_row(app):
    fill_office(app)
    clear_outbox(app)
    with app.app_context(), write_intent():
        db.session.execute(text("UPDATE resident SET phone = '0812'"))
        db.session.add(Resident(name="Batal", sex=2, kelurahan_code=OFFICE))
        db.session.flush()
        assert db.session.query(FeedOutbox).count() == 5  # four updated, one inserted: inside the transaction
        db.session.rollback()
    assert outbox(app) == []


def test_outbox_seq_is_never_reused_after_acknowledged_rows_are_deleted(app):
    fill_office(app)
    with app.app_context():
        top = db.session.scalar(text("SELECT max(seq) FROM feed_outbox"))
        db.session.rollback()
    clear_outbox(app)
    with app.app_context(), write_intent():
        db.session.execute(text("UPDATE resident SET phone = '1' WHERE id = (SELECT min(id) FROM resident)"))
        db.session.commit()
        seq = db.session.scalar(text("SELECT seq FROM feed_outbox"))
        db.session.rollback()
    assert seq == top + 1
