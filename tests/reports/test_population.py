"""The monthly mutation report against hand-counted moves, the balance start + in - out = end, the pyramid."""
from datetime import date

from kupang.reports import population
from kupang.reports.population_tables import mutation_table

from .builders import add_event, add_resident


def build_village(app):
    """RW 001: 3 steady residents (2 men, 1 woman), 1 born in March, 1 died in March, 1 moved in in February
    and out in March; RW 002: a woman moved in during March, a man who left before (January); a merged duplicate."""
    with app.app_context():
        add_resident("A", 1, "001")
        add_resident("B", 1, "001")
        add_resident("C", 2, "001")
        baby = add_resident("Bayi", 2, "001", birth_date=date(2026, 3, 10))
        add_event(baby, "lahir", date(2026, 3, 10))
        old = add_resident("Tua", 1, "001", life_status="mati")
        add_event(old, "mati", date(2026, 3, 20))
        mover = add_resident("Pindah", 1, "001", life_status="pindah")
        add_event(mover, "pindah_datang", date(2026, 2, 1))
        add_event(mover, "pindah_keluar", date(2026, 3, 25))
        new = add_resident("Datang", 2, "002")
        add_event(new, "pindah_datang", date(2026, 3, 5))
        gone = add_resident("Pergi", 1, "002", life_status="pergi")
        add_event(gone, "pergi", date(2026, 1, 15))
        add_event(gone, "pergi", date(2026, 3, 1))  # recorded twice: no second move
        add_resident("Ganda", 2, "002", merged_into_id=new)


def test_march_by_hand(app):
    build_village(app)
    with app.app_context():
        lines, total = population.monthly_balance(date(2026, 3, 1), date(2026, 3, 31))
        rw1, rw2 = lines["001"], lines["002"]
        # start of March, RW 001: A, B, C, Tua, Pindah (4 men, 1 woman); end: A, B, C, Bayi
        assert rw1.start == {1: 4, 2: 1} and rw1.end == {1: 2, 2: 2}
        assert rw1.births == {1: 0, 2: 1} and rw1.deaths == {1: 1, 2: 0} and rw1.moved_out == {1: 1, 2: 0}
        assert rw2.start == {1: 0, 2: 0} and rw2.moved_in == {1: 0, 2: 1} and rw2.end == {1: 0, 2: 1}
        assert rw2.others_out == {1: 0, 2: 0}  # the second 'pergi' of someone already gone moves nobody
        assert total.total("start") == 5 and total.total("end") == 5
        assert rw1.balanced() and rw2.balanced() and total.balanced()


def test_each_month_balances_and_chains(app):
    build_village(app)
    with app.app_context():
        _l, january = population.monthly_balance(date(2026, 1, 1), date(2026, 1, 31))
        _l, february = population.monthly_balance(date(2026, 2, 1), date(2026, 2, 28))
        _l, march = population.monthly_balance(date(2026, 3, 1), date(2026, 3, 31))
        assert january.others_out == {1: 1, 2: 0} and february.moved_in == {1: 1, 2: 0}
        for month in (january, february, march):
            assert month.balanced()
        assert january.end == february.start and february.end == march.start


def test_mutation_table_layout(app):
    build_village(app)
    with app.app_context():
        lines, total = population.monthly_balance(date(2026, 3, 1), date(2026, 3, 31))
        table = mutation_table(lines, total, "Maret 2026")
    assert table.columns[:4] == ["RW", "Awal bulan L", "Awal bulan P", "Awal bulan L+P"]
    assert table.columns[-3:] == ["Akhir bulan L", "Akhir bulan P", "Akhir bulan L+P"]
    assert table.rows[0][0] == "RW 001" and table.total[0] == "Jumlah"
    assert table.total[1:4] == [4, 1, 5] and table.total[-3:] == [2, 3, 5]


def test_pyramid_bands(app):
    with app.app_context():
        add_resident("Anak", 1, birth_date=date(2022, 6, 1))  # 4 on 1 June 2026 -> 0-4
        add_resident("Lima", 2, birth_date=date(2021, 6, 1))  # exactly 5 -> 5-9
        add_resident("Hampir", 2, birth_date=date(2021, 6, 2))  # 4 years 364 days -> 0-4
        add_resident("Lansia", 1, birth_date=date(1940, 1, 1))  # 86 -> 75+
        add_resident("Mati", 1, birth_date=date(2000, 1, 1), life_status="mati")
        add_resident("Tanpa", 2, birth_date=None)
        bands, men, women, unknown = population.pyramid(date(2026, 6, 1))
    assert bands[0] == "0–4" and bands[-1] == "75+"
    assert men[0] == 1 and women[0] == 1 and women[1] == 1 and men[-1] == 1
    assert sum(men) + sum(women) == 4 and unknown == 1
