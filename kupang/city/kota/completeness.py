"""NIK completeness at the city: per kecamatan, kelurahan and RW, each person counted once per level.

Counted like the office (registry/completeness.py): living residents (life status hidup) that are not
merged duplicates. A person registered active in two kelurahan (the same NIK hidup in both) counts in each
kelurahan, but once in a kecamatan that holds both and once in the city: the extra records of a NIK are
taken off the level's living residents and off its residents with a NIK.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, literal_column, select

from ...extensions import db
from ...timeutil import now_utc
from ..models import CityOffice
from .models import CityAreaCount, CityResident, CitySharedNik
from .scope import KECAMATAN, kecamatan_name, kecamatan_of

STALE_AFTER = timedelta(hours=24)
KECAMATAN_CODES = tuple(KECAMATAN)


@dataclass
class NikFigure:
    """One line of the completeness table: an area's living residents and how many have a NIK."""

    code: str
    label: str
    residents: int = 0
    with_nik: int = 0

    @property
    def without_nik(self):
        """Living residents without a NIK recorded."""
        return self.residents - self.with_nik

    @property
    def percent(self):
        """Share with a NIK, 0-100 (100 when there is nobody, as the office's report says)."""
        return 100.0 if not self.residents else 100.0 * self.with_nik / self.residents


def counted():
    """Conditions for a counted city resident: hidup and not merged ('hidup' inlined for the planner)."""
    return (CityResident.life_status == literal_column("'hidup'"), CityResident.merged.is_(False))


def office_names():
    """{office code: name} of the paired offices."""
    return dict(db.session.execute(select(CityOffice.code, CityOffice.name)).all())


def office_label(code, names):
    """The office's name, or its code when it has none."""
    return names.get(code) or code


def in_kecamatan(column, kecamatan):
    """office_code (or kelurahan code) column within one kecamatan."""
    return column.like(f"{kecamatan}.%")


def office_counts(kecamatan=None):
    """{office code: (living, with NIK)} from the pre-counts (of one kecamatan when given)."""
    stmt = select(CityAreaCount.office_code, func.sum(CityAreaCount.living), func.sum(CityAreaCount.with_nik))
    if kecamatan:
        stmt = stmt.where(in_kecamatan(CityAreaCount.office_code, kecamatan))
    stmt = stmt.group_by(CityAreaCount.office_code).having(func.sum(CityAreaCount.living) > 0)
    return {code: (int(total), int(nik)) for code, total, nik in db.session.execute(stmt)}


def shared_nik_rows(kecamatan=None):
    """(nik, office code, kecamatan code) of every counted record whose NIK another counted record holds too.

    With a kecamatan: the NIKs of which at least one record lies in it (the other records anywhere).
    """
    stmt = (select(CityResident.nik, CityResident.office_code, CityResident.kecamatan_code)
            .join(CitySharedNik, CitySharedNik.nik == CityResident.nik).where(*counted()))
    rows = db.session.execute(stmt).all()
    if kecamatan:
        touching = {row.nik for row in rows if row.kecamatan_code == kecamatan}
        rows = [row for row in rows if row.nik in touching]
    return rows


def extra_records(rows, level):
    """{area: records beyond the first of each NIK in it}; level(row) gives the area ('city' or a kecamatan)."""
    per_area = defaultdict(Counter)
    for row in rows:
        per_area[level(row)][row.nik] += 1
    return {area: sum(n - 1 for n in niks.values()) for area, niks in per_area.items()}


def _less(figure, extra):
    figure.residents -= extra
    figure.with_nik -= extra
    return figure


def city_figures(kecamatan_codes):
    """([NikFigure per kecamatan], city NikFigure): each person once per kecamatan and once in the city."""
    counts = office_counts(kecamatan_codes[0] if len(kecamatan_codes) == 1 else None)
    rows = shared_nik_rows(kecamatan_codes[0] if len(kecamatan_codes) == 1 else None)
    per_kecamatan = {code: NikFigure(code, f"Kecamatan {kecamatan_name(code)}") for code in kecamatan_codes}
    city = NikFigure("53.71", "Kota Kupang")
    for office, (total, nik) in counts.items():
        figure = per_kecamatan.get(kecamatan_of(office))
        if figure is None:
            continue  # an office outside the city's six kecamatan (a test pairing, say) counts nowhere here
        figure.residents += total
        figure.with_nik += nik
        city.residents += total
        city.with_nik += nik
    inside = [row for row in rows if row.kecamatan_code in per_kecamatan]
    for code, extra in extra_records(inside, lambda row: row.kecamatan_code).items():
        _less(per_kecamatan[code], extra)
    _less(city, extra_records(inside, lambda row: "city").get("city", 0))
    return list(per_kecamatan.values()), city


def kelurahan_figures(kecamatan):
    """([NikFigure per kelurahan of the kecamatan], kecamatan NikFigure) with the kecamatan deduplicated."""
    names = office_names()
    offices = {code for code in names if kecamatan_of(code) == kecamatan}
    counts = office_counts(kecamatan)
    lines = []
    for code in sorted(offices | set(counts)):
        total, nik = counts.get(code, (0, 0))
        lines.append(NikFigure(code, office_label(code, names), total, nik))
    figures, _city = city_figures([kecamatan])
    return lines, figures[0]


def rw_figures(office_code):
    """([NikFigure per RW of the kelurahan], kelurahan NikFigure)."""
    stmt = (select(CityAreaCount.rw, func.sum(CityAreaCount.living), func.sum(CityAreaCount.with_nik))
            .where(CityAreaCount.office_code == office_code)
            .group_by(CityAreaCount.rw).having(func.sum(CityAreaCount.living) > 0).order_by(CityAreaCount.rw))
    lines = [NikFigure(rw or "", f"RW {rw}" if rw else "RW belum diisi", int(total), int(nik))
             for rw, total, nik in db.session.execute(stmt)]
    total = NikFigure(office_code, "Jumlah", sum(f.residents for f in lines), sum(f.with_nik for f in lines))
    return lines, total


@dataclass
class SyncState:
    """When an office last pushed its changes and how many it still held; stale after 24 hours or never."""

    code: str
    name: str
    last_push_at: object
    waiting: int
    stale: bool


def sync_states(kecamatan_codes):
    """SyncState of every paired, unrevoked office in the kecamatan, by code."""
    now = now_utc()
    stmt = (select(CityOffice).where(CityOffice.revoked_at.is_(None), CityOffice.kecamatan_code.in_(kecamatan_codes))
            .order_by(CityOffice.code))
    return [SyncState(o.code, o.name or o.code, o.last_push_at, o.waiting or 0,
                      o.last_push_at is None or now - o.last_push_at > STALE_AFTER)
            for o in db.session.scalars(stmt)]
