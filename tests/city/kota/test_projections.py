"""Projectors: the feed's changes upsert and delete the city's report rows; the same change twice is once."""
from sqlalchemy import select

from kupang.city.kota.models import CityLetter, CityResident, CityResidentEvent, CitySurvey, CityTicket
from kupang.extensions import db
from tests.city.kota.fixtures import N1, A, B, event, feed, feed_delete, letter, resident, survey, ticket


def rows(app, model):
    """Every projected row of a table as plain tuples (sorted), to compare states."""
    with app.app_context():
        table = model.__table__
        return sorted(tuple(r) for r in db.session.execute(select(table)).all())


def test_resident_insert_update_delete(app):
    feed(app, A, "resident", [resident(1, A, N1, "Yakobus Tefa", "003")])
    with app.app_context():
        found = db.session.get(CityResident, (A, 1))
        assert (found.kecamatan_code, found.nik, found.name, found.rw, found.life_status, found.merged) == (
            "53.71.05", N1, "Yakobus Tefa", "003", "hidup", False)
        assert found.birth_date.isoformat() == "1990-03-12" and found.family_id == 11
        assert found.updated_at.isoformat() == "2026-11-30T02:00:00"
    feed(app, A, "resident", [resident(1, A, None, "Yakobus Tefa", "004", status="mati", merged_into=9)])
    with app.app_context():
        found = db.session.get(CityResident, (A, 1))
        assert (found.nik, found.rw, found.life_status, found.merged) == (None, "004", "mati", True)
    feed_delete(app, A, "resident", 1)
    assert rows(app, CityResident) == []


def test_same_row_id_in_two_offices_are_two_rows(app):
    feed(app, A, "resident", [resident(1, A, N1)])
    feed(app, B, "resident", [resident(1, B, None)])
    assert [(r[0], r[1]) for r in rows(app, CityResident)] == [(B, 1), (A, 1)]


def test_every_table_applied_twice_equals_once(app):
    from datetime import date, datetime

    day = date(2026, 11, 3)
    moment = datetime(2026, 11, 3, 1, 0)
    changes = [("resident", [resident(1, A, N1), resident(2, A, None)]),
               ("resident_event", [event(1, 1, "lahir", "2026-11-02")]),
               ("ticket", [ticket(1, A, day, "done", moment, moment.replace(minute=7), moment.replace(minute=8),
                                  moment.replace(minute=20), code="B-004")]),
               ("letter", [letter(1, A, "Surat Keterangan Usaha", "issued", moment)]),
               ("survey_response", [survey(1, A, day, 3)])]
    models = (CityResident, CityResidentEvent, CityTicket, CityLetter, CitySurvey)
    for table, batch in changes:
        feed(app, A, table, batch)
    once = [rows(app, m) for m in models]
    for table, batch in changes:
        feed(app, A, table, batch)
    assert [rows(app, m) for m in models] == once
    assert [len(r) for r in once] == [2, 1, 1, 1, 1]
    ticket_row = once[2][0]
    assert ticket_row[2:] == (day, "B", "done", 420.0, 720.0)
    assert once[3][0][2:] == ("Surat Keterangan Usaha", "issued", moment)
    assert once[4][0][2:] == (day, 3, 3, 3, 3, 3, 3, 3, 3, 3)


def test_deletes_of_every_table(app):
    from datetime import date, datetime

    day, moment = date(2026, 11, 3), datetime(2026, 11, 3, 1, 0)
    feed(app, A, "resident_event", [event(1, 1, "lahir", "2026-11-02")])
    feed(app, A, "ticket", [ticket(1, A, day, "waiting", moment)])
    feed(app, A, "letter", [letter(1, A, "Surat", "draft", None)])
    feed(app, A, "survey_response", [survey(1, A, day, 4)])
    for table in ("resident_event", "ticket", "letter", "survey_response"):
        feed_delete(app, A, table, 1)
        feed_delete(app, A, table, 1)  # deleting what is gone changes nothing
    assert [rows(app, m) for m in (CityResidentEvent, CityTicket, CityLetter, CitySurvey)] == [[], [], [], []]


def test_ticket_times_and_draft_letter_title(app):
    from datetime import date, datetime

    day, moment = date(2026, 11, 3), datetime(2026, 11, 3, 1, 0)
    # a called no-show has a wait but no service time; an offset is converted to UTC
    row = ticket(1, A, day, "no_show", moment, moment.replace(minute=9))
    row["called_at"] = "2026-11-03T09:09:00+08:00"
    feed(app, A, "ticket", [row])
    feed(app, A, "letter", [letter(1, A, "x", "draft", None)])
    with app.app_context():
        found = db.session.get(CityTicket, (A, 1))
        assert (found.wait_seconds, found.service_seconds, found.prefix) == (540.0, None, "A")
        assert db.session.get(CityLetter, (A, 1)).type_title == "Jenis surat #3"


def counts(app):
    """The pre-counts as sorted tuples."""
    from kupang.city.kota.models import CityAreaCount, CitySharedNik

    with app.app_context():
        areas = sorted((r.office_code, r.rw, r.sex, r.living, r.with_nik)
                       for r in db.session.scalars(select(CityAreaCount)) if r.living or r.with_nik)
        shared = sorted((r.nik, r.records) for r in db.session.scalars(select(CitySharedNik)))
    return areas, shared


def test_pre_counts_follow_changes_and_equal_a_recount(app):
    from kupang.city.kota import aggregates
    from kupang.db import write_intent
    from tests.city.kota.fixtures import N2, N8, build_city

    build_city(app)
    feed(app, B, "resident", [resident(2, B, N8, "Stefanus Ndun", status="pindah")])  # leaves the shared N8
    feed(app, B, "resident", [resident(2, B, N8, "Stefanus Ndun", status="pindah")])  # twice = once
    feed(app, A, "resident", [resident(1, A, None, "Yakobus Tefa", "009", sex=2)])  # NIK removed, RW and sex moved
    feed_delete(app, A, "resident", 2)
    feed_delete(app, A, "resident", 2)
    kept = counts(app)
    assert kept[1] == [(N2, 2)]
    with app.app_context(), write_intent():
        aggregates.recount()
        db.session.commit()
    assert counts(app) == kept
    assert (A, "009", 2, 1, 0) in kept[0]


def test_events_carry_their_residents_state_whichever_arrives_first(app):
    from kupang.city.kota.models import CityResidentEvent

    feed(app, A, "resident_event", [event(1, 5, "pindah_keluar", "2026-11-02")])  # before its resident
    with app.app_context():
        assert db.session.get(CityResidentEvent, (A, 1)).life_status is None
    feed(app, A, "resident", [resident(5, A, N1, status="pindah", sex=2)])
    feed(app, A, "resident_event", [event(2, 5, "pindah_datang", "2026-01-02")])  # after it
    with app.app_context():
        states = {e.row_id: (e.sex, e.life_status, e.merged) for e in db.session.scalars(select(CityResidentEvent))}
    assert states == {1: (2, "pindah", False), 2: (2, "pindah", False)}
    feed(app, A, "resident", [resident(5, A, N1, status="pindah", sex=2, merged_into=7)])
    feed_delete(app, A, "resident", 5)
    with app.app_context():
        assert {e.life_status for e in db.session.scalars(select(CityResidentEvent))} == {None}


def test_recount_command_repairs_the_pre_counts(app):
    from kupang.city.kota.models import CityAreaCount, CitySharedNik
    from kupang.db import write_intent
    from tests.city.kota.fixtures import build_city

    build_city(app)
    kept = counts(app)
    with app.app_context(), write_intent():  # a bulk load that bypassed the projector leaves them empty
        db.session.execute(CityAreaCount.__table__.delete())
        db.session.execute(CitySharedNik.__table__.delete())
        db.session.commit()
    assert counts(app) == ([], [])
    result = app.test_cli_runner().invoke(args=["kota-recount"])
    assert result.exit_code == 0 and "dibangun ulang" in result.output
    assert counts(app) == kept
