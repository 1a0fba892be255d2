"""POST /kota/api/feed on the city: exactly once, in order, only the paired office's own rows."""
import gzip
import json

import pytest
from sqlalchemy import select

from kupang.city import projections
from kupang.city.feed.pairing import revoke_office
from kupang.city.models import CityOffice, FeedRow
from kupang.db import write_intent
from kupang.extensions import db
from tests.city.feed.helpers import OFFICE, pair

OTHER = "53.71.04.1001"  # another kelurahan of Kota Kupang


@pytest.fixture
def city(city_app):
    """(client, token) for the city app with the test office paired."""
    return city_app.test_client(), pair(city_app)


@pytest.fixture
def projected(monkeypatch):
    """Every projector call for the resident table, in order."""
    calls = []
    monkeypatch.setitem(projections.PROJECTORS, "resident", [lambda *args: calls.append(args)])
    return calls


def resident(row_id, name="Maria Ndun", code=OFFICE):
    """A resident row as an office sends it."""
    return {"id": row_id, "name": name, "kelurahan_code": code, "birth_date": "1990-03-12", "sex": 2}


def batch(after, upto, changes, office=OFFICE, waiting=0):
    """A batch document."""
    return {"office": office, "after": after, "upto": upto, "waiting": waiting, "changes": changes}


def post(client, token, body, raw=None, headers=None):
    """POST a batch; (status, JSON answer)."""
    data = raw if raw is not None else json.dumps(body)
    response = client.post("/kota/api/feed", data=data, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}", **(headers or {})})
    return response.status_code, response.get_json(silent=True), response


def city_rows(city_app):
    """{(table, id): (data, deleted, seq)} of the city's copy."""
    with city_app.app_context():
        rows = db.session.execute(select(FeedRow)).scalars().all()
        found = {(r.table_name, r.row_id): (r.data, r.deleted, r.seq) for r in rows}
        db.session.rollback()
    return found


def applied_seq(city_app, code=OFFICE):
    """The office's applied_seq at the city."""
    with city_app.app_context():
        value = db.session.scalar(select(CityOffice.applied_seq).where(CityOffice.code == code))
        db.session.rollback()
    return value


def test_a_batch_is_stored_and_projected_and_the_answer_is_its_upto(city_app, city, projected):
    client, token = city
    changes = [{"seq": 3, "table": "resident", "id": 7, "data": resident(7)},
               {"seq": 5, "table": "resident", "id": 8, "deleted": True}]
    status, answer, response = post(client, token, batch(0, 5, changes, waiting=12))
    assert (status, answer) == (200, {"applied": 5, "dua_kelurahan": []})
    assert "Set-Cookie" not in response.headers  # no session for an office's push
    assert city_rows(city_app) == {("resident", 7): (resident(7), False, 3), ("resident", 8): (None, True, 5)}
    assert projected == [(OFFICE, 7, resident(7)), (OFFICE, 8, None)]
    with city_app.app_context():
        office = db.session.get(CityOffice, OFFICE)
        assert (office.applied_seq, office.waiting, office.last_push_at is not None) == (5, 12, True)


def test_the_same_batch_twice_is_applied_once(city_app, city, projected):
    client, token = city
    first = batch(0, 2, [{"seq": 2, "table": "resident", "id": 7, "data": resident(7)}])
    assert post(client, token, first)[:2] == (200, {"applied": 2, "dua_kelurahan": []})
    second = batch(2, 4, [{"seq": 4, "table": "resident", "id": 7, "data": resident(7, "Maria Bria")}])
    assert post(client, token, second)[:2] == (200, {"applied": 4, "dua_kelurahan": []})
    replayed = (200, {"applied": 4, "duplicate": True, "dua_kelurahan": []})
    assert post(client, token, first)[:2] == replayed  # an old one replayed
    assert post(client, token, second)[:2] == (200, {"applied": 4, "duplicate": True, "dua_kelurahan": []})
    assert city_rows(city_app)[("resident", 7)] == (resident(7, "Maria Bria"), False, 4)
    assert len(projected) == 2


def test_a_batch_after_a_gap_is_refused_with_the_applied_seq(city_app, city, projected):
    client, token = city
    assert post(client, token, batch(0, 2, [{"seq": 2, "table": "resident", "id": 1, "data": resident(1)}]))[0] == 200
    status, answer, _ = post(client, token, batch(5, 9, [{"seq": 9, "table": "resident", "id": 2,
                                                           "data": resident(2)}]))
    assert status == 409 and answer["applied"] == 2
    assert ("resident", 2) not in city_rows(city_app) and applied_seq(city_app) == 2
    assert len(projected) == 1


def test_a_batch_naming_another_office_is_refused_and_changes_nothing(city_app, city, projected):
    client, token = city
    pair(city_app, OTHER)
    status, answer, _ = post(client, token, batch(0, 1, [{"seq": 1, "table": "resident", "id": 1,
                                                           "data": resident(1, code=OTHER)}], office=OTHER))
    assert status == 403 and "bukan" in answer["error"]
    assert city_rows(city_app) == {} and applied_seq(city_app) == 0 and applied_seq(city_app, OTHER) == 0
    assert projected == []


def test_a_row_of_another_kelurahan_is_refused_and_nothing_of_the_batch_applies(city_app, city, projected):
    client, token = city
    changes = [{"seq": 1, "table": "resident", "id": 1, "data": resident(1)},
               {"seq": 2, "table": "resident", "id": 2, "data": resident(2, code=OTHER)}]
    status, answer, _ = post(client, token, batch(0, 2, changes))
    assert status == 403 and OTHER in answer["error"]
    assert city_rows(city_app) == {} and applied_seq(city_app) == 0 and projected == []


@pytest.mark.parametrize("token", ["", "tidak-dikenal", "revoked"])
def test_unknown_or_revoked_tokens_get_401(city_app, city, token):
    client, good = city
    if token == "revoked":
        with city_app.app_context(), write_intent():
            revoke_office(OFFICE)
            db.session.commit()
        token = good
    status, answer, response = post(client, token, batch(0, 1, [{"seq": 1, "table": "resident", "id": 1,
                                                                  "data": resident(1)}]))
    assert status == 401 and answer["error"] and response.headers["WWW-Authenticate"] == "Bearer"
    assert city_rows(city_app) == {}


@pytest.mark.parametrize(("raw", "needle"), [
    ("{not json", "JSON"),
    (json.dumps(batch(0, 1, [{"seq": 1, "table": "user", "id": 1, "data": {"id": 1}}])), "Tabel"),
    (json.dumps(batch(0, 1, [{"seq": 1, "table": "resident", "id": "1", "data": resident(1)}])), "bulat"),
    (json.dumps(batch(0, 1, [{"seq": 1, "table": "resident", "id": 1.5, "data": resident(1)}])), "bulat"),
    (json.dumps(batch(0, 1, [{"seq": 7, "table": "resident", "id": 1, "data": resident(1)}])), "rentang"),
    (json.dumps(batch(0, 1, [{"seq": 1, "table": "resident", "id": 2, "data": resident(1)}])), "id lain"),
    (json.dumps(batch(0, 2, [{"seq": 1, "table": "resident", "id": 1, "data": resident(1)},
                             {"seq": 2, "table": "resident", "id": 2}])), "tidak ada"),
    (json.dumps([1, 2]), "objek"),
])
def test_malformed_batches_get_400_and_apply_nothing(city_app, city, raw, needle):
    client, token = city
    status, answer, _ = post(client, token, None, raw=raw)
    assert status == 400 and needle in answer["error"]
    assert city_rows(city_app) == {} and applied_seq(city_app) == 0


def test_gzip_bodies_are_read_and_oversized_ones_refused(city_app, city):
    client, token = city
    body = gzip.compress(json.dumps(batch(0, 1, [{"seq": 1, "table": "resident", "id": 1,
                                                  "data": resident(1)}])).encode())
    answer = post(client, token, None, raw=body, headers={"Content-Encoding": "gzip"})[:2]
    assert answer == (200, {"applied": 1, "dua_kelurahan": []})
    bomb = gzip.compress(b" " * (17 * 1024 * 1024))  # 17 MB of spaces in 17 kB
    status, answer, _ = post(client, token, None, raw=bomb, headers={"Content-Encoding": "gzip"})
    assert status == 413 and answer["error"]
    assert applied_seq(city_app) == 1


def test_only_json_is_taken(city):
    client, token = city
    response = client.post("/kota/api/feed", data={"office": OFFICE}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 415


def test_a_reset_forgets_the_office_rows_before_the_rest_of_the_batch(city_app, city, projected):
    client, token = city
    post(client, token, batch(0, 2, [{"seq": 1, "table": "resident", "id": 1, "data": resident(1)},
                                     {"seq": 2, "table": "resident", "id": 2, "data": resident(2)}]))
    post(client, token, batch(2, 4, [{"seq": 3, "table": "*", "reset": True},
                                     {"seq": 4, "table": "resident", "id": 2, "data": resident(2, "Baru")}]))
    assert city_rows(city_app) == {("resident", 2): (resident(2, "Baru"), False, 4)}
    assert (OFFICE, 1, None) in projected


def test_the_feed_api_is_404_on_an_office(client, app):
    response = client.post("/kota/api/feed", data="{}", content_type="application/json")
    assert response.status_code == 404


def test_a_stranger_gets_401_before_any_check_of_the_batch(city):
    client, _token = city
    status, answer, _ = post(client, "tidak-dikenal", None, raw=json.dumps([1, 2]))
    assert status == 401 and "Token" in answer["error"]
