"""The office learns from the city which of its residents another kelurahan also records as living there."""
import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.city.feed import push as pushing
from kupang.city.feed.twins import parse_twins
from kupang.city.models import FeedTwin
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from tests.city.feed.helpers import fill_office, pair
from tests.city.kota.fixtures import feed, resident

OTHER = "53.71.04.1001"  # another kelurahan: Oebobo, in kecamatan Oebobo


def push(app):
    with app.app_context():
        return pushing.push_until_drained()


def touch(app, resident_id):
    """An edit at the office, so the next push has something to send."""
    with app.app_context(), write_intent():
        db.session.get(Resident, resident_id).phone = "081234567890"
        db.session.commit()


def head_of(app, ids):
    with app.app_context():
        person = db.session.get(Resident, ids["resident"][0])
        return person.id, person.nik, person.name


def test_a_resident_living_in_another_kelurahan_too_is_listed_at_the_office(office, city_app, client, login_as):
    ids = fill_office(office)
    push(office)
    head_id, nik, name = head_of(office, ids)
    pair(city_app, OTHER)  # the other office, so the city knows its name
    feed(city_app, OTHER, "resident", [resident(900, OTHER, nik=nik, name="Orang Yang Sama")])
    touch(office, head_id)
    push(office)
    with office.app_context():
        twins = db.session.scalars(select(FeedTwin)).all()
        assert [(t.nik, t.other_code, t.resident_id) for t in twins] == [(nik, OTHER, head_id)]
        assert twins[0].other_name and twins[0].other_name != OTHER  # the kelurahan's name from the pairing
    login_as("clerk")
    page = client.get("/penduduk-dua-kelurahan").get_data(as_text=True)
    assert name in page and f"Kelurahan {twins[0].other_name}" in page
    assert nik not in page and f"{nik[:6]}******{nik[-4:]}" in page  # masked
    assert "Orang Yang Sama" not in page  # never the other office's record
    with office.app_context():
        row = db.session.scalars(select(AuditLog).where(AuditLog.action == "city_twins_viewed")).one()
        assert head_id in row.detail_data["resident_ids"]


def test_the_list_follows_the_city_and_the_home_page_warns(office, city_app, client, login_as):
    ids = fill_office(office)
    push(office)
    head_id, nik, _name = head_of(office, ids)
    pair(city_app, OTHER)
    feed(city_app, OTHER, "resident", [resident(900, OTHER, nik=nik)])
    touch(office, head_id)
    push(office)
    login_as("supervisor")
    assert "tercatat hidup juga di kelurahan lain" in client.get("/").get_data(as_text=True)
    # The other office records the move out: the next answer no longer lists the person, nor does the home.
    feed(city_app, OTHER, "resident", [resident(900, OTHER, nik=nik, status="pindah")])
    touch(office, ids["resident"][1])
    push(office)
    with office.app_context():
        assert db.session.scalars(select(FeedTwin)).all() == []
    assert "tercatat hidup juga di kelurahan lain" not in client.get("/").get_data(as_text=True)
    assert "Tidak ada penduduk kelurahan ini" in client.get("/penduduk-dua-kelurahan").get_data(as_text=True)


def test_the_page_is_for_an_office_only(city_app, make_user):
    from tests.conftest import AuthActions

    make_user("supervisor", "kota1")  # one database holds both sides here: the city knows this user too
    client = city_app.test_client()
    assert AuthActions(client).login("kota1").status_code == 302
    assert client.get("/penduduk-dua-kelurahan").status_code == 404


@pytest.mark.parametrize("answer", [
    {},
    {"dua_kelurahan": "x"},
    {"dua_kelurahan": [{"nik": "123", "kelurahan": OTHER}]},
    {"dua_kelurahan": [{"nik": "5371051203900001", "kelurahan": "53.71"}]},
    {"dua_kelurahan": [{"nik": "5371051203900001", "kelurahan": OTHER, "row_id": True}]},
    {"dua_kelurahan": [{"nik": "5371051203900001", "kelurahan": OTHER, "nama_kelurahan": 5}]},
    {"dua_kelurahan": [{"nik": "5371051203900001", "kelurahan": OTHER}] * 1001},
])
def test_a_list_that_does_not_look_right_is_ignored_whole(answer):
    assert parse_twins(answer) is None


def test_a_good_list_is_read_and_repeats_collapse():
    item = {"nik": "5371051203900001", "kelurahan": OTHER, "nama_kelurahan": " Oebobo ", "row_id": 7}
    assert parse_twins({"dua_kelurahan": [item, item]}) == [("5371051203900001", OTHER, "Oebobo", 7)]


def test_a_full_list_of_a_thousand_comes_through_whole(office, city_app):
    """The answer's largest list (1,000 twins, about 120 KB of JSON) is read whole over real HTTP."""
    from kupang.registry.seed import seed_residents

    with office.app_context(), write_intent():
        seed_residents(1400)
        db.session.commit()
    push(office)
    with office.app_context():
        people = db.session.execute(select(Resident.id, Resident.nik).where(
            Resident.nik.is_not(None), Resident.life_status == "hidup", Resident.merged_into_id.is_(None))
            .order_by(Resident.id).limit(1001)).all()
    assert len(people) == 1001
    pair(city_app, OTHER)
    feed(city_app, OTHER, "resident", [resident(5000 + n, OTHER, nik=nik) for n, (_id, nik) in enumerate(people)])
    touch(office, people[0].id)
    push(office)
    with office.app_context():
        kept = db.session.scalars(select(FeedTwin.nik)).all()
    assert len(kept) == 1000 and set(kept) <= {nik for _id, nik in people}  # the city's cap, all of it kept
