"""Demo residents and families for the office's RT/RWs: NTT names, NIKs that match birth date and sex.

Fast enough for 450,000 residents: rows are built as plain tuples in batches and written with Core
executemany inside the seed-demo command's one IMMEDIATE transaction; on SQLite the FTS sync
triggers are paused and the new names indexed in one statement at the end.
Some residents are left without a NIK, some carry warnings (old region codes, sex or birth date
differing from the NIK) and some are recorded twice, so every page has something to show.
"""
import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, literal_column, select, text

from ..cli import demo_seeder
from ..db import SQLITE_PRAGMAS
from ..extensions import db
from ..timeutil import now_utc
from .models import Family, Resident, ResidentEvent
from .search import search_index_paused


def _words(text, separator=None):
    return text.split(separator)


MALE = _words("Yohanes Yohanis Fransiskus Dominggus Petrus Yakobus Imanuel Markus Paulus Simon Yosef Stefanus "
              "Agustinus Aleksander Benediktus Daniel Elias Gabriel Hendrik Isak Kornelis Lukas Matias Nikolaus "
              "Obed Samuel Thomas Viktor Wellem Yeremias Marthen Melkianus Nehemia Ruben Semuel Yunus Abraham "
              "Adrianus Arnoldus Karolus Roni Jefri Deni Rikardus Gerson")
FEMALE = _words("Maria Agustina Ester Sarlota Yuliana Magdalena Margaretha Martha Naomi Rut Susana Theresia "
                "Veronika Yohana Anastasia Beatrix Dorkas Elisabet Febronia Helena Imelda Katarina Lusia Mariana "
                "Novita Oktavia Paulina Rosalina Selfina Yosefina Adelina Blandina Ferderika Hana Lidia "
                "Marselina Orpa Priska Yunita Debora")
SURNAMES = _words("Ndun Bria Manafe Sabu Tefa Lay Fanggidae Haning Nalle Pello Benu Tanof Nenobais Ratu Kana "
                  "Dethan Riwu Lado Tapatab Mooy Messakh Adoe Ledo Bessie Foenay Amalo Lenggu Tallo Kore Neonane "
                  "Ottu Taopan Tualaka Nubatonis Selan Bolla Radja Ndoen Pah Boimau Nomleni Sinlae Kase Seran Mau "
                  "Nahak Klau Rihi Dara Huki Lomi Djami Wadu Henuk Manu Oematan Taneo Banunaek Tlonaen Mesah")
MUSLIM_MALE = _words("Muhammad Ahmad Abdul Budi Agus Andi Rahmat Syamsul Hasan Ismail Arif Hendra Joko Slamet "
                     "Sutrisno Wahyu Yusuf Ridwan Fadli Irfan")
MUSLIM_FEMALE = _words("Siti Nurhayati Aminah Fatimah Sri Dewi Rina Wulan Hasna Nurul Rahmawati Sumarni Endang")
MUSLIM_SURNAMES = _words("Hidayat Setiawan Saputra Wijaya Rahman Hamzah Baso Latif Pratama Susanto Kurniawan "
                         "Nugroho Syarifuddin Ramli Bakri Sulaiman Wahid Hasanuddin Mappa Tahir Daeng")
STREETS = _words("Jl. Frans Seda|Jl. Soeharto|Jl. El Tari|Jl. Adi Sucipto|Jl. Cak Doko|Jl. Timor Raya|"
                 "Jl. W.J. Lalamentik|Jl. Nangka|Jl. Sam Ratulangi|Jl. Kelimutu|Jl. Moh. Hatta|Jl. Herewila|"
                 "Jl. Perintis Kemerdekaan|Jl. Rantai Damai|Jl. Bundaran PU|Jl. Air Mata", "|")
PLACES = _words("Kupang Kupang Kupang Kupang Soe Kefamenanu Atambua Betun Ba'a Seba Kalabahi Larantuka Maumere "
                "Ende Bajawa Ruteng Waingapu Makassar Surabaya Bima")
# Where people's NIKs were first issued: mostly here, some elsewhere in NTT, a few further away.
HOME_DISTRICTS = ["537105"] * 40 + ["537101", "537102", "537103", "537104", "537106"] * 2
NTT_DISTRICTS = ["530204", "530211", "530301", "530302", "530403", "530412", "532101", "532104",
                 "531401", "531405", "532001", "530108", "530120", "530801", "531101", "530501"]
FAR_DISTRICTS = ["357801", "357805", "737101", "737108", "527201"]
OLD_DISTRICTS = ["530101", "530102", "530103", "530406", "530407", "530408"]  # before the Malaka/Sabu splits
BATCH = 20_000
SEED_CACHE_KB = 64 * 1024  # page cache while seeding many residents, given back afterwards
BULK_MIN_ROWS = 20_000


class DemoNumbers:
    """Unique NIK and KK numbers for the demo, continuing after the serials already used."""

    def __init__(self, rng):
        self.rng = rng
        self.next_serial = {}
        for column in (Resident.nik, Family.kk_number):
            prefix = func.substr(column, literal_column("1"), literal_column("12"))
            rows = db.session.execute(select(prefix, func.max(func.substr(column, literal_column("13"))))
                                      .where(column.is_not(None)).group_by(prefix))
            for prefix, serial in rows:
                self.next_serial[prefix] = max(self.next_serial.get(prefix, 1), int(serial) + 1)

    def _number(self, prefix):
        serial = self.next_serial.get(prefix) or self.rng.randint(1, 40)
        self.next_serial[prefix] = serial + 1
        return f"{prefix}{serial:04d}"

    def nik(self, district, born, sex):
        """A NIK whose date and sex match (day + 40 for women)."""
        day = born.day + (40 if sex == 2 else 0)
        return self._number(f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}")

    def kk(self, issued):
        """A KK number issued in Kota Raja on the given date."""
        return self._number(f"537105{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}")


def _birth(rng, today, min_age, max_age):
    return today - timedelta(days=rng.randint(min_age * 365, max_age * 365 + 364))


def _occupation(rng, age, sex, shdk):
    if age < 5:
        return 1, 1
    if age < 23:
        return 3, rng.choice((2, 3, 4, 5))
    if age >= 60:
        return rng.choice((4, 1, 9, 2)), rng.choice((3, 4, 5, 8))
    if sex == 2 and shdk == 3 and rng.random() < 0.55:
        return 2, rng.choice((3, 4, 5, 8))
    occupation = rng.choice((88, 15, 5, 9, 11, 19, 65, 84, 81, 7, 6, 74, 72, 64, 14, 13))
    return occupation, rng.choice((4, 5, 5, 6, 7, 8, 8, 9))


class DemoFamilies:
    """Builds families and their members as rows ready for bulk insert."""

    def __init__(self, rng, numbers, kelurahan_code, first_resident_id, first_family_id):
        self.rng, self.numbers, self.kelurahan = rng, numbers, kelurahan_code
        self.today, self.now = date.today(), now_utc()
        self.next_resident, self.next_family = first_resident_id, first_family_id
        self.residents, self.families, self.events = [], [], []

    def person(self, family, first, surname, sex, born, shdk, religion):
        """Add one resident to a family; its NIK matches, with the odd gap or warning."""
        rng, age = self.rng, (self.today - born).days // 365
        district = rng.choice(HOME_DISTRICTS) if rng.random() < 0.86 else rng.choice(
            NTT_DISTRICTS if rng.random() < 0.8 else FAR_DISTRICTS)
        warning, recorded_sex, recorded_born = False, sex, born
        roll = rng.random()
        if roll < 0.006:
            district, warning = rng.choice(OLD_DISTRICTS), True
        elif roll < 0.010:
            recorded_sex, warning = 3 - sex, True
        elif roll < 0.014:
            recorded_born, warning = born + timedelta(days=rng.choice((-1, 1, 30))), True
        missing = rng.random() < (0.10 if age < 2 else 0.025)
        nik = None if missing else self.numbers.nik(district, born, sex)
        occupation, education = _occupation(rng, age, sex, shdk)
        marital = 1 if age < 19 else (4 if age > 65 and rng.random() < 0.3 else 2)
        row = dict(id=self.next_resident, nik=nik, name=f"{first} {surname}", sex=recorded_sex,
                   birth_place=rng.choice(PLACES), birth_date=recorded_born, religion=religion,
                   marital_status=marital, shdk=shdk, education=education, occupation_code=occupation,
                   blood_type=rng.choice((None, 1, 2, 3, 4, 13)), citizenship=1, father_name="",
                   mother_name="", address=family["address"], rt=family["rt"], rw=family["rw"],
                   kelurahan_code=self.kelurahan, life_status="hidup", phone="", family_id=family["id"],
                   merged_into_id=None, has_warnings=warning and not missing, version=1, created_at=self.now,
                   created_by_id=None, updated_at=self.now, updated_by_id=None)
        self.next_resident += 1
        self.residents.append(row)
        return row

    def family(self, rt, rw):
        """One family (KK) with a head, usually a spouse, children and sometimes a parent."""
        rng = self.rng
        muslim = rng.random() < 0.12
        religion = 1 if muslim else rng.choice((2, 2, 2, 3))
        males, females, surnames = (MUSLIM_MALE, MUSLIM_FEMALE, MUSLIM_SURNAMES) if muslim else (
            MALE, FEMALE, SURNAMES)
        surname = rng.choice(surnames)
        issued = _birth(rng, self.today, 0, 15)
        family = dict(id=self.next_family, kk_number=self.numbers.kk(issued), head_id=None,
                      address=f"{rng.choice(STREETS)} No. {rng.randint(1, 180)}", rt=rt, rw=rw,
                      kelurahan_code=self.kelurahan, created_at=self.now, updated_at=self.now)
        self.next_family += 1
        self.families.append(family)
        head_born = _birth(rng, self.today, 24, 75)
        head_female = rng.random() < 0.12
        head_first = rng.choice(females if head_female else males)
        self.person(family, head_first, surname, 2 if head_female else 1, head_born, 1, religion)
        if not head_female and rng.random() < 0.85:
            wife_born = head_born + timedelta(days=rng.randint(-800, 3000))
            self.person(family, rng.choice(females), rng.choice(surnames), 2, min(wife_born, self.today), 3,
                        religion)
        self._children(family, surname, head_born, religion, males, females)
        if rng.random() < 0.06:
            self.person(family, rng.choice(females), rng.choice(surnames), 2,
                        _birth(rng, self.today, 68, 90), 7, religion)
        return family

    def _children(self, family, surname, parent_born, religion, males, females):
        rng = self.rng
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5))):
            start = parent_born + timedelta(days=20 * 365)
            if start >= self.today:
                break
            born = start + timedelta(days=rng.randint(0, min(25 * 365, (self.today - start).days)))
            sex = rng.choice((1, 2))
            first = rng.choice(males if sex == 1 else females)
            second = rng.choice(males if sex == 1 else females)
            if rng.random() < 0.25 and second != first:
                first = f"{first} {second}"
            self.person(family, first, surname, sex, born, 4, religion)


def _life_events(builder, residents):
    """Mark a few residents dead, moved away, missing or gone, each with its event (never deleted)."""
    rng = builder.rng
    kinds = (("mati", "mati", 0.02), ("pindah", "pindah_keluar", 0.015), ("hilang", "hilang", 0.001),
             ("pergi", "pergi", 0.002))
    for row in residents:
        roll = rng.random()
        for status, kind, share in kinds:
            if roll < share:
                row["life_status"] = status
                builder.events.append(dict(resident_id=row["id"], kind=kind, event_date=builder.today - timedelta(
                    days=rng.randint(5, 2000)), note="Data contoh", created_at=builder.now, created_by_id=None))
                break
            roll -= share


def _duplicates(builder, count):
    """Record some people twice: once without a NIK, or with the same name, birth date and sex."""
    rng = builder.rng
    adults = [row for row in builder.residents if row["nik"] and row["shdk"] in (1, 3)]
    for original in rng.sample(adults, min(count, len(adults))):
        copy = dict(original, id=builder.next_resident, family_id=None, shdk=None, has_warnings=False)
        builder.next_resident += 1
        if rng.random() < 0.7:
            copy["nik"] = None
        else:
            born, sex = original["birth_date"], original["sex"]
            copy["nik"] = builder.numbers.nik(original["nik"][:6], born, sex)
        builder.residents.append(copy)


def _sqlite_value(value):
    """A Python value as SQLAlchemy stores it in SQLite (dates as ISO text, booleans as 0/1)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _insert(connection, table, rows):
    """Bulk insert: plain executemany on SQLite (no per-value type processing), Core elsewhere."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.exec_driver_sql(sql, [tuple(_sqlite_value(row[c]) for c in columns) for row in rows])


def _flush(connection, builder):
    _insert(connection, Family.__table__, builder.families)
    _insert(connection, Resident.__table__, builder.residents)
    _insert(connection, ResidentEvent.__table__, builder.events)
    builder.families, builder.residents, builder.events = [], [], []


def rt_rw_units(total):
    """The office's RW/RT pairs: RW 001-006 with RT 001-005 each (fewer for a tiny demo)."""
    units = [(f"{rt:03d}", f"{rw:03d}") for rw in range(1, 7) for rt in range(1, 6)]
    return units[:max(1, min(len(units), total // 40))]


def seed_residents(total, seed=2026):
    """Add about `total` demo residents in families, in the current (write) transaction."""
    rng = random.Random(seed)
    connection = db.session.connection()
    first_resident = (db.session.scalar(select(func.max(Resident.id))) or 0) + 1
    first_family = (db.session.scalar(select(func.max(Family.id))) or 0) + 1
    builder = DemoFamilies(rng, DemoNumbers(rng), current_app.config["KELURAHAN_CODE"], first_resident, first_family)
    units = rt_rw_units(total)
    with bulk_load(connection, total, first_resident - 1), search_index_paused(connection):
        while builder.next_resident - first_resident < total:
            rt, rw = units[builder.next_family % len(units)]
            builder.family(rt, rw)
            if len(builder.residents) >= BATCH:
                _finish_batch(connection, builder)
        _finish_batch(connection, builder)
    _set_heads(connection, first_family)
    return builder.next_resident - first_resident


@contextmanager
def bulk_load(connection, adding, existing):
    """SQLite, many rows: a big page cache, and the resident indexes rebuilt once at the end by sorting
    (much faster than growing them row by row). Inside the caller's transaction, so a rollback restores them.
    """
    if connection.dialect.name != "sqlite" or adding < BULK_MIN_ROWS:
        yield
        return
    cache = dict(SQLITE_PRAGMAS)["cache_size"]
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SEED_CACHE_KB}")
    indexes = []
    if adding > existing:
        indexes = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('resident', 'family') "
            "AND sql IS NOT NULL").all()
    for name, _sql in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        connection.exec_driver_sql(sql)
    connection.exec_driver_sql(f"PRAGMA cache_size={cache}")


def _finish_batch(connection, builder):
    _life_events(builder, builder.residents)
    _duplicates(builder, len(builder.residents) // 250)
    _flush(connection, builder)


def _set_heads(connection, first_family):
    connection.execute(text(
        "UPDATE family SET head_id = (SELECT r.id FROM resident r WHERE r.family_id = family.id AND r.shdk = 1 "
        "ORDER BY r.id LIMIT 1) WHERE id >= :first"), {"first": first_family})
    if connection.dialect.name == "postgresql":
        for table in ("resident", "family", "resident_event"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))


@demo_seeder(20)
def seed_registry(options):
    """seed-demo: residents and families (options['residents'] of them)."""
    total = int(options.get("residents") or 0)
    if total <= 0:
        return
    seed_residents(total)
    db.session.commit()
    # Fresh statistics let the query planner pick the NIK/KK and name indexes over the RT/RW one.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
