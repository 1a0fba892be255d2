"""Search rules at their edges: filters from the query string, names starting with the query first, the cap."""
from datetime import date

import pytest
from sqlalchemy import insert
from werkzeug.datastructures import MultiDict

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family, Resident
from kupang.registry.search import COUNT_CAP, PER_PAGE, SearchFilters, SearchResult, search_residents
from tests.registry.family_fixtures import KELURAHAN, add_family, add_person, commit, nik_for


def names(result):
    return [row.name for row in result.rows]


def test_filters_are_read_from_the_query_string():
    args = MultiDict({"rt": " 3 ", "rw": "12", "status": "mati", "tanpa_nik": "1", "peringatan": "1",
                      "digabung": "1"})
    assert SearchFilters.from_args(args) == SearchFilters(rt="003", rw="012", life_status="mati", missing_nik=True,
                                                          with_warnings=True, include_merged=True)
    assert SearchFilters.from_args(MultiDict()) == SearchFilters()
    odd = MultiDict({"rt": "1234", "rw": "x", "status": "zombie", "tanpa_nik": "0", "peringatan": "yes",
                     "digabung": "true"})
    assert SearchFilters.from_args(odd) == SearchFilters()
    assert SearchFilters.from_args(MultiDict({"rw": "7"})) == SearchFilters(rw="007")


@pytest.mark.parametrize("filters, active", [
    (SearchFilters(), False), (SearchFilters(include_merged=True), False), (SearchFilters(rt="001"), True),
    (SearchFilters(rw="001"), True), (SearchFilters(life_status="mati"), True), (SearchFilters(missing_nik=True), True),
    (SearchFilters(with_warnings=True), True)])
def test_filters_active(filters, active):
    assert filters.active is active


@pytest.mark.parametrize("total, pages, capped", [(0, 1, False), (1, 1, False), (PER_PAGE, 1, False),
                                                  (PER_PAGE + 1, 2, False), (COUNT_CAP, COUNT_CAP // PER_PAGE, False),
                                                  (COUNT_CAP + 1, COUNT_CAP // PER_PAGE, True)])
def test_pages_and_cap(total, pages, capped):
    result = SearchResult(kind="name", total=total)
    assert (result.pages, result.capped) == (pages, capped)


@pytest.fixture
def benus(app):
    """Names around the prefix 'benu': exactly it, starting with it, containing it, and just past it."""
    with app.app_context(), write_intent():
        for name in ("Zakaria Benu", "Benu Ana", "Ana Benu", "Benu", "Benv", "Maria Xy", "Maria X_y", "X_y Maria",
                     "Xzy Maria", "Mariana Benu"):
            add_person(name, 1, date(1980, 1, 1))
        commit()


def test_names_starting_with_the_query_come_first_in_name_order(app, benus):
    with app.app_context():
        assert names(search_residents("benu")) == ["Benu", "Benu Ana", "Ana Benu", "Mariana Benu", "Zakaria Benu"]
        # Three letters are a trigram: found inside a word, not only at its start.
        assert names(search_residents("ana benu")) == ["Ana Benu", "Benu Ana", "Mariana Benu"]
        assert names(search_residents("BENU ana")) == ["Benu Ana", "Ana Benu", "Mariana Benu"]


def test_a_short_word_beside_a_long_one_must_start_a_word_literally(app, benus):
    with app.app_context():
        # "_" is a letter here, not a LIKE wildcard.
        assert names(search_residents("maria x_")) == ["Maria X_y", "X_y Maria"]
        assert names(search_residents("maria xy")) == ["Maria Xy"]


def test_filters_narrow_a_name_search(app):
    with app.app_context(), write_intent():
        family = add_family("5371050101200001", rt="002", rw="003")
        add_person("Benu Satu", 1, date(1980, 1, 1), 1, family, nik_for(date(1980, 1, 1), 1))
        add_person("Benu Dua", 1, date(1981, 1, 1), 4, family, None, has_warnings=True)
        add_person("Benu Tiga", 1, date(1982, 1, 1), None, None, nik_for(date(1982, 1, 1), 1, serial=3),
                   rt="001", rw="001", life_status="mati")
        commit()
        assert names(search_residents("benu", SearchFilters(rt="002"))) == ["Benu Dua", "Benu Satu"]
        assert names(search_residents("benu", SearchFilters(rw="001"))) == ["Benu Tiga"]
        assert names(search_residents("benu", SearchFilters(life_status="mati"))) == ["Benu Tiga"]
        assert names(search_residents("benu", SearchFilters(missing_nik=True))) == ["Benu Dua"]
        assert names(search_residents("benu", SearchFilters(with_warnings=True))) == ["Benu Dua"]
        assert search_residents("5371050101200001").total == 2  # the KK's members
        assert names(search_residents("5371050101200001", SearchFilters(missing_nik=True))) == ["Benu Dua"]


def test_a_prefix_matching_more_than_the_cap_is_cut_there(app):
    half = COUNT_CAP // 2 + 100
    with app.app_context(), write_intent():
        family = db.session.execute(insert(Family).values(kk_number="5371050101209999", kelurahan_code=KELURAHAN,
                                                          rt="001", rw="001", address="")
                                    .returning(Family.id)).scalar()
        # Half with a NIK starting 5371050101, half without a NIK in a family whose KK starts so.
        rows = [{"name": f"Warga {i:04d}", "nik": f"537105010180{i:04d}" if i < half else None, "sex": 1,
                 "birth_date": date(1980, 1, 1), "kelurahan_code": KELURAHAN, "rt": "001", "rw": "001",
                 "life_status": "hidup", "address": "", "birth_place": "", "family_id": None if i < half else family}
                for i in range(2 * half)]
        db.session.execute(insert(Resident), rows)
        commit()
        found = search_residents("5371050101")
        assert (found.kind, found.total, found.capped) == ("number", COUNT_CAP + 1, True)
        assert names(found)[:2] == ["Warga 0000", "Warga 0001"]  # NIKs first, in NIK order
        last = search_residents("5371050101", page=10_000)
        assert last.page == COUNT_CAP // PER_PAGE
        assert len(last.rows) == PER_PAGE
        assert search_residents("537105010180").total == half
        assert search_residents("5371050101", page=0).page == 1
