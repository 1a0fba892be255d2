"""Each /kota figure against the hand counts of tests/city/kota/fixtures.py (3 offices, 2 kecamatan)."""
import re

import pytest

from kupang.city.kota import completeness, persons, population, services
from kupang.timeutil import office_today
from tests.city.kota.fixtures import N2, N6, N8, A, B, C, build_city, build_services


@pytest.fixture
def city(app):
    """The fed fixture city."""
    build_city(app)
    return app


def test_completeness_per_kecamatan_and_city_counts_a_person_once(city):
    with city.app_context():
        figures, total = completeness.city_figures(list(completeness.KECAMATAN_CODES))
        by_code = {f.code: (f.residents, f.with_nik, f.without_nik) for f in figures}
        assert by_code["53.71.05"] == (8, 5, 3)  # N8 in A and B counted once
        assert by_code["53.71.04"] == (3, 2, 1)
        assert by_code["53.71.01"] == (0, 0, 0)
        assert (total.residents, total.with_nik, total.without_nik, round(total.percent, 1)) == (10, 6, 4, 60.0)


def test_completeness_per_kelurahan_and_rw(city):
    with city.app_context():
        lines, total = completeness.kelurahan_figures("53.71.05")
        assert [(f.code, f.label, f.residents, f.with_nik) for f in lines] == [
            (B, "Naikoten Satu", 4, 3), (A, "Naikoten Dua", 5, 3)]
        assert (total.residents, total.with_nik) == (8, 5)
        rws, kelurahan = completeness.rw_figures(A)
        assert [(f.code, f.residents, f.with_nik) for f in rws] == [("001", 3, 1), ("002", 2, 2)]
        assert (kelurahan.residents, kelurahan.with_nik) == (5, 3)


def test_sync_states_warn_after_a_day_or_never(city):
    with city.app_context():
        states = {s.code: (s.waiting, s.stale) for s in completeness.sync_states(["53.71.04", "53.71.05"])}
    assert states == {A: (0, False), B: (17, True), C: (0, True)}


def test_two_kelurahan_pairs_and_their_scope(city):
    with city.app_context():
        pairs = [(p.nik, p.first.office_code, p.second.office_code) for p in persons.shared_pairs()]
        assert sorted(pairs) == sorted([(N8, B, A), (N2, C, A)])
        oebobo = [(p.nik, p.first.office_code, p.second.office_code) for p in persons.shared_pairs("53.71.04")]
        assert oebobo == [(N2, C, A)]
        assert len(persons.shared_pairs("53.71.05")) == 2
        assert persons.shared_pairs("53.71.01") == []


def test_moves_join_by_nik_and_are_not_double_counted(city):
    with city.app_context():
        found, total = persons.moves()
        assert total == 1
        move = found[0]
        assert (move.nik, move.from_record.office_code, move.to_record.office_code) == (N6, A, B)
        assert (move.moved_on.isoformat(), move.arrived_on.isoformat()) == ("2026-11-10", "2026-11-12")
        assert move.from_record.life_status == "pindah" and move.to_record.life_status == "hidup"
        assert persons.moves("53.71.04") == ([], 0)
        assert persons.moves("53.71.05")[1] == 1
        # N6 is living once (in B): the moved-out record is not counted
        assert N6 not in {p.nik for p in persons.shared_pairs()}


def test_monthly_population_by_kecamatan_and_city(city):
    with city.app_context():
        today = office_today()
        lines, total, trend = population.monthly_report(2026, 11, today)
        figures = {k: [line.total(n) for n in ("start", "births", "deaths", "moved_in", "moved_out", "end")]
                   for k, line in lines.items()}
        assert figures == {"53.71.04": [4, 0, 1, 0, 0, 3], "53.71.05": [8, 1, 0, 1, 1, 9]}
        assert [total.total(n) for n in ("start", "births", "deaths", "moved_in", "moved_out", "end")] == [
            12, 1, 1, 1, 1, 12]
        assert total.balanced()
        october = dict(trend)["Oktober 2026"]
        assert (october.total("deaths"), october.total("end")) == (1, 12)
        assert trend[-1][0] == "November 2026" and len(trend) == 12
        per_kelurahan, kecamatan, _trend = population.monthly_report(2026, 11, today, "53.71.05")
        assert {k: v.total("end") for k, v in per_kelurahan.items()} == {A: 5, B: 4}
        assert kecamatan.total("end") == 9


def test_queue_skm_and_letters_per_office(city):
    today = build_services(city)
    first = today.replace(day=1)
    codes = list(completeness.KECAMATAN_CODES)
    with city.app_context():
        offices, total = services.queue_by_office(first, today, codes)
        a = offices[A]
        assert (a.issued, a.no_show, a.wait_minutes, a.service_minutes, a.no_show_percent) == (
            4, 1, 800 / 60, 15.0, 25.0)
        assert (offices[C].issued, offices[C].wait_minutes, offices[C].service_minutes) == (1, 5.0, 5.0)
        assert (total.issued, total.wait_minutes, total.service_minutes, total.no_show_percent) == (
            5, 675 / 60, 700 / 60, 20.0)
        assert set(services.queue_by_office(first, today, ["53.71.04"])[0]) == {C}

        skm_offices, skm_total = services.skm_by_office(first, today, codes)
        assert skm_offices[A].respondents == 2 and round(skm_offices[A].converted, 2) == 87.5
        assert skm_offices[A].grade.letter == "B"
        assert skm_offices[C].converted == 100.0 and skm_offices[C].grade.letter == "A"
        assert skm_total.respondents == 3 and round(skm_total.converted, 2) == round(11 / 3 * 25, 2)

        letters = services.letters_by_office(first, today, codes)
        assert letters == [(C, "Surat Keterangan Tidak Mampu", 1, 0), (A, "Surat Keterangan Domisili", 2, 1)]


def test_figures_follow_a_changed_and_a_deleted_resident(city):
    from tests.city.kota.fixtures import feed, feed_delete, resident

    feed(city, B, "resident", [resident(2, B, N8, "Stefanus Ndun", status="pindah")])  # B records the move
    feed_delete(city, C, "resident", 3)  # C deletes its record without NIK
    with city.app_context():
        figures, total = completeness.city_figures(list(completeness.KECAMATAN_CODES))
        by_code = {f.code: (f.residents, f.with_nik) for f in figures}
        # Kota Raja: A 5 (3 with NIK) + B 3 (2); N8 now living once. Oebobo: C 2 (2). City: 10 less N2's extra.
        assert by_code["53.71.05"] == (8, 5) and by_code["53.71.04"] == (2, 2)
        assert (total.residents, total.with_nik) == (9, 6)
        assert [p.nik for p in persons.shared_pairs()] == [N2]


def test_masked_nik_shape():
    from kupang.registry.masking import mask_nik

    assert re.fullmatch(r"\d{6}\*{6}\d{4}", mask_nik(N2))
