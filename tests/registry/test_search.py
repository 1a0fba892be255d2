"""Search semantics on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm): numbers, names, filters, pages."""
from datetime import date

import pytest
from sqlalchemy import insert, select, text, update

from kupang.db import SQLITE_PRAGMAS, write_intent
from kupang.extensions import db
from kupang.registry.models import Resident
from kupang.registry.search import COUNT_CAP, PER_PAGE, SearchFilters, classify, search_index_paused, search_residents
from tests.registry.family_fixtures import KELURAHAN, add_family, add_person, commit, nik_for


def names(result):
    return [row.name for row in result.rows]


@pytest.fixture
def people(app):
    """A handful of residents with NTT names, NIKs and KKs."""
    with app.app_context(), write_intent():
        ndun = add_family("5371050101200001", rt="001", rw="001")
        bria = add_family("5371050202210002", rt="002", rw="001")
        ids = {
            "yohanes": add_person("Yohanes Ndun", 1, date(1980, 3, 12), 1, ndun, nik_for(date(1980, 3, 12), 1)).id,
            "maria": add_person("Maria Ndun", 2, date(1983, 5, 1), 3, ndun, nik_for(date(1983, 5, 1), 2)).id,
            "yohanis": add_person("Yohanis Bria", 1, date(1975, 7, 9), 1, bria, nik_for(date(1975, 7, 9), 1)).id,
            "anna": add_person("Anna Maria Bria", 2, date(2001, 1, 2), 4, bria, None).id,
            "petrus": add_person("Petrus  Fanggidae", 1, date(1990, 2, 3), None, None,
                                 nik_for(date(1990, 2, 3), 1, region="530104"), rt="003", rw="002",
                                 has_warnings=True, life_status="mati").id,
        }
        commit()
    return ids


def search(app, query, **filters):
    with app.app_context():
        return search_residents(query, SearchFilters(**filters))


@pytest.mark.parametrize("query, kind, value", [
    ("5371051203800001", "nik", "5371051203800001"),
    ("5371 0512 0380 0001", "nik", "5371051203800001"),
    ("5371.05", "number", "537105"),
    ("53710", "short_number", "53710"),
    ("  Yohanes   NDUN ", "name", "yohanes ndun"),
    ("", "all", ""),
    ("%%", "all", ""),
])
def test_classify(query, kind, value):
    assert classify(query) == (kind, value)


def test_partial_words_find_yohanes_and_yohanis(app, people):
    assert set(names(search(app, "yohan"))) == {"Yohanes Ndun", "Yohanis Bria"}


def test_case_and_spacing_do_not_matter(app, people):
    assert set(names(search(app, "NDUN"))) == {"Yohanes Ndun", "Maria Ndun"}
    assert names(search(app, "  yohanes    ndun ")) == ["Yohanes Ndun"]
    assert names(search(app, "ndun yohanes")) == ["Yohanes Ndun"]
    assert names(search(app, "fanggidae")) == ["Petrus  Fanggidae"]


def test_names_starting_with_the_query_come_first(app, people):
    assert names(search(app, "maria")) == ["Maria Ndun", "Anna Maria Bria"]


def test_short_queries_fall_back_to_word_starts(app, people):
    assert set(names(search(app, "yo"))) == {"Yohanes Ndun", "Yohanis Bria"}
    assert names(search(app, "ma n")) == ["Maria Ndun"]
    assert names(search(app, "a")) == ["Anna Maria Bria"]


def test_exact_nik_and_kk(app, people):
    nik = nik_for(date(1980, 3, 12), 1)
    result = search(app, nik[:4] + " " + nik[4:8] + "-" + nik[8:])
    assert result.kind == "nik" and names(result) == ["Yohanes Ndun"]
    # A whole KK number lists the family, head first.
    assert names(search(app, "5371050101200001")) == ["Yohanes Ndun", "Maria Ndun"]
    assert search(app, "5371059999990001").rows == []


def test_number_prefixes_search_nik_and_kk(app, people):
    result = search(app, nik_for(date(1980, 3, 12), 1)[:10])
    assert names(result) == ["Yohanes Ndun"]
    # The KK prefix finds Anna, who has no NIK yet.
    assert "Anna Maria Bria" in names(search(app, "5371050202"))
    assert names(search(app, "530104")) == ["Petrus  Fanggidae"]
    short = search(app, "53710")
    assert short.kind == "short_number" and short.rows == []


def test_filters(app, people):
    assert set(names(search(app, "", rt="001"))) == {"Yohanes Ndun", "Maria Ndun"}
    assert names(search(app, "", rw="002")) == ["Petrus  Fanggidae"]
    assert names(search(app, "", life_status="mati")) == ["Petrus  Fanggidae"]
    assert names(search(app, "", missing_nik=True)) == ["Anna Maria Bria"]
    assert names(search(app, "", with_warnings=True)) == ["Petrus  Fanggidae"]
    assert names(search(app, "bria", rt="002", missing_nik=True)) == ["Anna Maria Bria"]


def test_filters_from_query_string_ignore_garbage():
    filters = SearchFilters.from_args({"rt": "3", "rw": "x1", "status": "bogus", "tanpa_nik": "1"})
    assert (filters.rt, filters.rw, filters.life_status, filters.missing_nik) == ("003", "", "", True)


def test_merged_records_are_hidden_unless_asked(app, people):
    with app.app_context(), write_intent():
        db.session.execute(update(Resident).where(Resident.id == people["anna"])
                           .values(merged_into_id=people["maria"]))
        db.session.commit()
    assert names(search(app, "maria")) == ["Maria Ndun"]
    assert names(search(app, "maria", include_merged=True)) == ["Maria Ndun", "Anna Maria Bria"]


def test_index_follows_renames_and_core_inserts(app, people):
    with app.app_context(), write_intent():
        db.session.get(Resident, people["petrus"]).name = "Petrus Manafe"
        db.session.execute(insert(Resident.__table__), [
            {"name": "Dominggus Sabu", "sex": 1, "kelurahan_code": KELURAHAN, "birth_place": "", "citizenship": 1,
             "father_name": "", "mother_name": "", "address": "", "rt": "001", "rw": "001",
             "life_status": "hidup", "phone": "", "has_warnings": False, "version": 1,
             "created_at": date(2026, 1, 1), "updated_at": date(2026, 1, 1)}])
        db.session.commit()
    assert search(app, "fanggidae").rows == []
    assert names(search(app, "manafe")) == ["Petrus Manafe"]
    assert names(search(app, "dominggus")) == ["Dominggus Sabu"]


def bulk_rows(count, start=1, surname="Tefa"):
    return [{"name": f"Agustina {surname} {i:04d}", "sex": 2, "kelurahan_code": KELURAHAN, "birth_place": "",
             "citizenship": 1, "father_name": "", "mother_name": "", "address": "", "rt": "001", "rw": "001",
             "life_status": "hidup", "phone": "", "has_warnings": False, "version": 1,
             "created_at": date(2026, 1, 1), "updated_at": date(2026, 1, 1)} for i in range(start, start + count)]


def test_pages_and_the_count_cap(app):
    with app.app_context(), write_intent():
        with search_index_paused(db.session.connection()):
            db.session.execute(insert(Resident.__table__), bulk_rows(COUNT_CAP + 5))
        db.session.commit()
        first = search_residents("tefa")
        assert first.capped and first.pages == COUNT_CAP // PER_PAGE
        assert len(first.rows) == PER_PAGE and first.rows[0].name == "Agustina Tefa 0001"
        second = search_residents("tefa", page=2)
        assert second.rows[0].name == f"Agustina Tefa {PER_PAGE + 1:04d}"
        assert search_residents("tefa", page=999).page == first.pages
        narrow = search_residents("tefa 000")
        assert narrow.total == 10 and not narrow.capped and narrow.pages == 1


def test_paused_index_catches_up_and_triggers_return(app):
    with app.app_context(), write_intent():
        with search_index_paused(db.session.connection()):
            db.session.execute(insert(Resident.__table__), bulk_rows(3, surname="Haning"))
        db.session.commit()
        add_person("Ester Haning")
        commit()
        assert len(search_residents("haning").rows) == 4


def test_large_seed_rebuilds_indexes_and_search(app, monkeypatch):
    """The bulk path of the seeder (indexes dropped and rebuilt, triggers paused) leaves the schema whole."""
    from kupang.registry import seed

    monkeypatch.setattr(seed, "BULK_MIN_ROWS", 10)
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('resident', 'family') ORDER BY name"
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    with app.app_context(), write_intent():
        before = db.session.execute(text(schema)).all() if sqlite else None
        seed.seed_residents(300, seed=3)
        db.session.commit()
        if sqlite:
            assert db.session.execute(text(schema)).all() == before
            assert db.session.execute(text("PRAGMA cache_size")).scalar() == int(dict(SQLITE_PRAGMAS)["cache_size"])
        name = db.session.scalar(select(Resident.name).order_by(Resident.id.desc()).limit(1))
        assert name in names(search_residents(name))
        add_person("Sarlota Pello Baru")
        commit()
        assert names(search_residents("pello baru")) == ["Sarlota Pello Baru"]
