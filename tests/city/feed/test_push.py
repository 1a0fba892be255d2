"""The office's push: batches in seq order over real HTTP, resumed after the acknowledged seq, a lost
acknowledgement adopted, a city restored from an old backup (or an office restored from one) rebuilt."""
import pytest
from sqlalchemy import select, text

from kupang.city.feed import push as pushing
from kupang.city.feed.outbox import take_batch
from kupang.city.feed.rows import city_checksums, office_checksums
from kupang.city.feed.transport import post_batch
from kupang.city.models import CityOffice, FeedRow, FeedState
from kupang.db import write_intent
from kupang.extensions import db
from tests.city.feed.helpers import OFFICE, fill_office, outbox
from tests.concurrency import free_port


def push(app, **kwargs):
    """push_once in the office app."""
    with app.app_context():
        return pushing.push_once(**kwargs)


def drain(app):
    """push_until_drained in the office app."""
    with app.app_context():
        return pushing.push_until_drained()


def state(app):
    """The office's FeedState as a dict."""
    with app.app_context():
        row = db.session.get(FeedState, 1)
        values = {c: getattr(row, c) for c in ("acked_seq", "failures", "last_error", "last_push_at",
                                                "next_attempt_at", "last_attempt_at")}
        db.session.rollback()
    return values


def same_copy(office_app, city_app):
    """The office's fed tables and the city's copy, as per-table (count, digest)."""
    with office_app.app_context():
        mine = office_checksums()
        db.session.rollback()
    with city_app.app_context():
        theirs = city_checksums(OFFICE)
        db.session.rollback()
    return mine, theirs


def office_write(app, sql, **params):
    """One raw SQL write at the office."""
    with app.app_context(), write_intent():
        db.session.execute(text(sql), params)
        db.session.commit()


def test_push_sends_every_change_and_the_city_holds_the_same_rows(office, city_app):
    fill_office(office, families=2)
    # Office and city share this test's database: the city's apply takes SQLite's write lock itself, so the
    # push would fail with "database is locked" if the office held it during the request.
    result = drain(office)
    assert result.status == "sent" and result.waiting == 0
    mine, theirs = same_copy(office, city_app)
    assert mine == theirs and mine["resident"][0] == 8
    assert outbox(office) == []
    after = state(office)
    assert after["failures"] == 0 and after["last_error"] == "" and after["last_push_at"] is not None
    with city_app.app_context():
        assert db.session.get(CityOffice, OFFICE).applied_seq == after["acked_seq"] > 0
    assert push(office).status == "idle"


def test_private_columns_stay_at_the_office(office, city_app):
    ids = fill_office(office)
    drain(office)
    with city_app.app_context():
        ticket = db.session.get(FeedRow, (OFFICE, "ticket", ids["ticket"][0])).data
        letter = db.session.get(FeedRow, (OFFICE, "letter", ids["letter"][0])).data
    assert "token" not in ticket and "issue_nonce" not in ticket and "verify_token" not in letter
    assert ticket["kelurahan_code"] == OFFICE and len(ticket["day"]) == 10  # a date as YYYY-MM-DD


def test_push_resumes_exactly_after_the_acknowledged_seq(office, city_app):
    fill_office(office)
    with office.app_context():
        seqs = [s for (s,) in db.session.execute(text("SELECT seq FROM feed_outbox ORDER BY seq"))]
        db.session.rollback()
    acked = []
    for _ in range(len(seqs)):
        if push(office, limit=4).status != "sent":
            break
        acked.append(state(office)["acked_seq"])
        with office.app_context():
            left = [s for (s,) in db.session.execute(text("SELECT seq FROM feed_outbox ORDER BY seq"))]
            db.session.rollback()
        assert left == [s for s in seqs if s > acked[-1]]
    assert acked == seqs[3::4] + ([seqs[-1]] if len(seqs) % 4 else [])
    mine, theirs = same_copy(office, city_app)
    assert mine == theirs


def test_repeats_of_one_row_go_as_one_change_with_its_last_seq(office, city_app):
    ids = fill_office(office)
    drain(office)
    for n in range(5):
        office_write(office, "UPDATE resident SET phone = :p WHERE id = :id", p=f"081{n}", id=ids["resident"][0])
    with office.app_context():
        batch = take_batch(100)
    assert [(c["table"], c["id"]) for c in batch.changes] == [("resident", ids["resident"][0])]
    assert batch.changes[0]["seq"] == batch.upto and batch.changes[0]["data"]["phone"] == "0814"


def test_a_lost_acknowledgement_is_adopted_and_nothing_is_applied_twice(office, city_app):
    fill_office(office)
    with office.app_context():
        batch = take_batch(1000)
        config = office.config
        payload = {"office": OFFICE, "after": batch.after, "upto": batch.upto, "waiting": 0,
                   "changes": batch.changes}
        answer = post_batch(config["CITY_URL"], config["CITY_TOKEN"], payload)  # the answer "never arrives"
    assert answer.status == 200
    office_write(office, "UPDATE resident SET phone = 'baru' WHERE id = (SELECT min(id) FROM resident)")
    with city_app.app_context():
        seqs_before = dict(db.session.execute(select(FeedRow.row_id, FeedRow.seq).where(
            FeedRow.table_name == "ticket")).all())
        db.session.rollback()
    assert push(office).status == "sent"  # the city: "I have applied up to N already"
    assert state(office)["acked_seq"] == batch.upto
    drain(office)
    with city_app.app_context():
        seqs_after = dict(db.session.execute(select(FeedRow.row_id, FeedRow.seq).where(
            FeedRow.table_name == "ticket")).all())
    assert seqs_after == seqs_before  # the tickets were not applied again
    mine, theirs = same_copy(office, city_app)
    assert mine == theirs


def test_a_city_restored_from_an_old_backup_is_rebuilt(office, city_app):
    ids = fill_office(office)
    push(office, limit=3)
    with city_app.app_context(), write_intent():
        old = db.session.get(CityOffice, OFFICE).applied_seq
        copy = [(r.table_name, r.row_id, dict(r.data) if r.data else None, r.deleted, r.seq)
                for r in db.session.scalars(select(FeedRow))]
        db.session.rollback()
    drain(office)
    office_write(office, "DELETE FROM resident_event WHERE id = :id", id=ids["resident_event"][0])
    drain(office)
    with city_app.app_context(), write_intent():  # the city restores its backup from after the first batch
        db.session.execute(text("DELETE FROM feed_row"))
        for table_name, row_id, data, deleted, seq in copy:
            db.session.add(FeedRow(office_code=OFFICE, table_name=table_name, row_id=row_id, data=data,
                                   deleted=deleted, seq=seq))
        db.session.get(CityOffice, OFFICE).applied_seq = old
        db.session.commit()
    office_write(office, "UPDATE resident SET phone = '0813' WHERE id = :id", id=ids["resident"][1])
    result = drain(office)
    assert result.status == "sent" and result.waiting == 0
    mine, theirs = same_copy(office, city_app)
    assert mine == theirs and mine["resident_event"][0] == 0


def test_an_office_restored_from_an_old_backup_numbers_past_the_city(office, city_app):
    ids = fill_office(office)
    drain(office)
    top = state(office)["acked_seq"]
    with office.app_context(), write_intent():  # an office backup from before its last pushes
        db.session.execute(text("UPDATE feed_state SET acked_seq = 2"))
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("UPDATE sqlite_sequence SET seq = 2 WHERE name = 'feed_outbox'"))
        else:
            db.session.execute(text("SELECT setval('feed_outbox_seq_seq', 2)"))
        db.session.commit()
    office_write(office, "UPDATE resident SET phone = '0819' WHERE id = :id", id=ids["resident"][2])
    drain(office)
    assert state(office)["acked_seq"] > top
    mine, theirs = same_copy(office, city_app)
    assert mine == theirs
    office_write(office, "UPDATE resident SET phone = '0820' WHERE id = :id", id=ids["resident"][2])
    drain(office)
    assert same_copy(office, city_app)[0] == same_copy(office, city_app)[1]


def test_an_unreachable_city_is_recorded_with_backoff(app):
    fill_office(app)
    app.config.update(CITY_URL=f"http://127.0.0.1:{free_port()}", CITY_TOKEN="x")
    first = push(app)
    assert first.status == "failed" and first.waiting > 0
    after = state(app)
    assert after["failures"] == 1 and after["last_error"].startswith("Server kota tidak dapat dihubungi")
    gap = (after["next_attempt_at"] - after["last_attempt_at"]).total_seconds()
    assert 4 <= gap <= 6
    assert push(app, honour_backoff=True).status == "wait"
    push(app)
    after = state(app)
    assert after["failures"] == 2 and 8 <= (after["next_attempt_at"] - after["last_attempt_at"]).total_seconds() <= 12
    assert len(outbox(app)) == first.waiting  # nothing forgotten


def test_a_revoked_office_is_told_so(office, city_app):
    fill_office(office)
    office.config["CITY_TOKEN"] = "dicabut"
    result = push(office)
    assert result.status == "failed"
    assert state(office)["last_error"].startswith("Ditolak server kota (401): Token kantor tidak dikenal")


@pytest.mark.parametrize(("failures", "low", "high"), [(1, 4, 6), (2, 8, 12), (3, 16, 24), (8, 480, 600),
                                                        (30, 480, 600)])
def test_backoff_doubles_from_five_seconds_to_ten_minutes(failures, low, high):
    assert low <= pushing.backoff_seconds(failures, rand=lambda: 0.0) <= high
    assert low <= pushing.backoff_seconds(failures, rand=lambda: 0.999) <= high


def test_the_feed_is_off_without_url_and_token(app):
    fill_office(app)
    assert push(app).status == "off"
    app.config.update(CITY_URL="http://127.0.0.1:1", CITY_TOKEN="t", ROLE="city")
    assert push(app).status == "off"  # a city pushes nowhere
