"""Person lists at the city: residents registered active in two kelurahan, and moves between kelurahan.

Both join records of different offices by NIK only: the city never merges two offices' records (each office
owns its rows). NIKs are shown masked; the views audit every list they show.
"""
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ..models import CityOffice
from ..projections import answer_part
from .completeness import counted
from .models import CityResident, CityResidentEvent, CitySharedNik

PAGE_SIZE = 50


@dataclass(frozen=True)
class Record:
    """One office's record of a person."""

    office_code: str
    row_id: int
    name: str
    rw: str
    life_status: str


@dataclass(frozen=True)
class SharedPair:
    """Two offices' living records of the same NIK, neither with a move out recorded."""

    nik: str
    first: Record
    second: Record


def _touches(column_a, column_b, kecamatan):
    return or_(column_a.like(f"{kecamatan}.%"), column_b.like(f"{kecamatan}.%"))


def shared_pairs(kecamatan=None, office=None):
    """Every SharedPair (of pairs touching the kecamatan, or the office, when given), ordered by NIK and office."""
    shared = select(CitySharedNik.nik)
    if office is not None:  # only the NIKs this office holds: one office's answer reads no other pair
        shared = shared.join(CityResident, CityResident.nik == CitySharedNik.nik).where(
            CityResident.office_code == office)
    rows = db.session.execute(
        select(CityResident.nik, CityResident.office_code, CityResident.row_id, CityResident.name, CityResident.rw,
               CityResident.life_status)
        .where(*counted(), CityResident.nik.in_(shared))
        .order_by(CityResident.nik, CityResident.office_code, CityResident.row_id)).all()
    moved = set()
    if rows:
        moved = set(db.session.execute(
            select(CityResidentEvent.office_code, CityResidentEvent.resident_row_id)
            .join(CityResident, (CityResident.office_code == CityResidentEvent.office_code)
                  & (CityResident.row_id == CityResidentEvent.resident_row_id))
            .where(CityResidentEvent.kind == "pindah_keluar", *counted(), CityResident.nik.in_(shared))).all())
    by_nik = {}
    for nik, office, row_id, name, rw, status in rows:
        if (office, row_id) not in moved:
            by_nik.setdefault(nik, []).append(Record(office, row_id, name, rw, status))
    pairs = []
    for nik, records in by_nik.items():
        for first, second in combinations(records, 2):
            if first.office_code == second.office_code:
                continue
            if kecamatan and not (first.office_code.startswith(kecamatan + ".")
                                  or second.office_code.startswith(kecamatan + ".")):
                continue
            if office is not None and office not in (first.office_code, second.office_code):
                continue
            pairs.append(SharedPair(nik, first, second))
    return pairs


@dataclass(frozen=True)
class Move:
    """A move out recorded in one office and the record of the same NIK in another office."""

    nik: str
    moved_on: object
    from_record: Record
    to_record: Record
    arrived_on: object  # the new office's pindah_datang date, when it recorded one


def moves(kecamatan=None, page=1):
    """(one page of Move rows, newest move first; their total) of moves touching the kecamatan when given."""
    out, into = aliased(CityResident), aliased(CityResident)
    arrival = aliased(CityResidentEvent)
    arrived = (select(func.min(arrival.event_date))
               .where(arrival.office_code == into.office_code, arrival.resident_row_id == into.row_id,
                      arrival.kind == "pindah_datang").scalar_subquery())
    conditions = [CityResidentEvent.kind == "pindah_keluar", out.nik.is_not(None), out.merged.is_(False),
                  into.merged.is_(False)]
    if kecamatan:
        conditions.append(_touches(out.office_code, into.office_code, kecamatan))
    joined = (select(CityResidentEvent.event_date, out.nik, out.office_code, out.row_id, out.name, out.rw,
                     out.life_status, into.office_code, into.row_id, into.name, into.rw, into.life_status,
                     arrived.label("arrived"))
              .join(out, (out.office_code == CityResidentEvent.office_code)
                    & (out.row_id == CityResidentEvent.resident_row_id))
              .join(into, (into.nik == out.nik) & (into.office_code != out.office_code))
              .where(*conditions))
    total = db.session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    rows = db.session.execute(joined.order_by(CityResidentEvent.event_date.desc(), out.office_code, out.row_id,
                                              into.office_code)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    found = [Move(r[1], r[0], Record(*r[2:7]), Record(*r[7:12]), r[12]) for r in rows]
    return found, total


TWINS_ANSWERED = 1000  # at most this many in one acknowledgement (an office has a few dozen at worst)


@answer_part
def twins_for_office(office_code):
    """For the office's acknowledgement: its residents the city finds living in another kelurahan too.

    Only what the office needs to act: the NIK it already holds, its own record's id, and the other kelurahan's
    code and name; never the other office's record of the person.
    """
    names = dict(db.session.execute(select(CityOffice.code, CityOffice.name)).all())
    found = []
    for pair in shared_pairs(office=office_code):
        mine, other = (pair.first, pair.second) if pair.first.office_code == office_code else (pair.second, pair.first)
        found.append({"nik": pair.nik, "row_id": mine.row_id, "kelurahan": other.office_code,
                      "nama_kelurahan": names.get(other.office_code) or other.office_code})
    return {"dua_kelurahan": found[:TWINS_ANSWERED]}
