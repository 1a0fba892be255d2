"""How complete the registry is, per RW and RT: residents, NIK recorded, warnings, duplicates, headless KKs."""
from dataclasses import dataclass, fields

from sqlalchemy import case, func, literal_column, select

from ..extensions import db
from . import codes
from .duplicates import count_by_area, suspected_pairs
from .models import Family, Resident

COUNT_FIELDS = ("residents", "with_nik", "without_nik", "with_warnings", "duplicates", "headless_families")


@dataclass
class AreaCounts:
    """The numbers of one RT (or an RW subtotal, or the kelurahan total)."""

    rw: str = ""
    rt: str = ""
    residents: int = 0
    with_nik: int = 0
    without_nik: int = 0
    with_warnings: int = 0
    duplicates: int = 0
    headless_families: int = 0

    @property
    def nik_percent(self):
        """Share of living residents with a NIK recorded, 0-100 (100 when there is nobody)."""
        return 100.0 if not self.residents else 100.0 * self.with_nik / self.residents

    def add(self, other):
        """Add another area's numbers to these."""
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Completeness:
    """The completeness report: RW groups of RT rows, and the kelurahan total."""

    groups: list  # [(rw subtotal AreaCounts, [rt AreaCounts ...])]
    total: AreaCounts
    duplicate_pairs: int


def counted_residents():
    """Conditions for a resident that counts: living and not merged into another record.

    'hidup' is inlined, not bound, so SQLite can match the partial indexes of migration 0005.
    """
    return (Resident.life_status == literal_column("'hidup'"), Resident.merged_into_id.is_(None))


def resident_counts(rw=None):
    """{(rw, rt): (residents, with NIK, with warnings)} in one grouped query (of one RW when given)."""
    stmt = (select(Resident.rw, Resident.rt, func.count(), func.count(Resident.nik),
                   func.sum(case((Resident.has_warnings, 1), else_=0)))
            .where(*counted_residents())
            .group_by(Resident.rw, Resident.rt))
    if rw:
        stmt = stmt.where(Resident.rw == rw)
    return {(rw, rt): (total, nik, warn or 0) for rw, rt, total, nik, warn in db.session.execute(stmt)}


def living_head():
    """EXISTS a living, non-merged member with SHDK kepala keluarga (answered from ix_resident_living_family)."""
    return (select(Resident.id).where(Resident.family_id == Family.id, Resident.shdk == codes.SHDK_HEAD,
                                      *counted_residents()).exists())


def headless_counts(rw=None):
    """{(rw, rt): families without a living head}, by the family's RW/RT (of one RW when given).

    Counted whatever the reason: the head died or moved, every member died or moved, nobody is left, or
    no member is recorded as kepala keluarga.
    """
    stmt = select(Family.rw, Family.rt, func.count()).where(~living_head()).group_by(Family.rw, Family.rt)
    if rw:
        stmt = stmt.where(Family.rw == rw)
    return {(rw, rt): n for rw, rt, n in db.session.execute(stmt)}


@dataclass
class HeadlessFamily:
    """A family without a living head, with why and what the clerk can do."""

    family: Family
    living: int
    members: int
    reason: str  # kepala_tidak_hidup, semua_tidak_hidup, tanpa_anggota, tanpa_kepala
    former_heads: list  # [(name, life status label)] of heads no longer living

    @property
    def explanation(self):
        """Why the family has no head, in Indonesian."""
        former = ", ".join(f"{name} ({status})" for name, status in self.former_heads)
        if self.reason == "tanpa_anggota":
            return "Tidak ada anggota lagi di KK ini (semua sudah pindah ke KK lain)."
        if self.reason == "semua_tidak_hidup":
            return ("Semua anggota sudah meninggal atau pindah"
                    + (f"; kepala keluarga tercatat: {former}." if former else "."))
        if self.reason == "kepala_tidak_hidup":
            return f"Kepala keluarga tercatat {former}; pilih kepala keluarga baru dari anggota yang masih hidup."
        return "Tidak ada anggota yang tercatat sebagai kepala keluarga; pilih salah satu anggota yang masih hidup."


def _member_rows(family_ids):
    """{family id: [(name, shdk, life status)]} of the non-merged members of these families."""
    found = {family_id: [] for family_id in family_ids}
    stmt = (select(Resident.family_id, Resident.name, Resident.shdk, Resident.life_status)
            .where(Resident.family_id.in_(family_ids), Resident.merged_into_id.is_(None))
            .order_by(Resident.shdk, Resident.birth_date, Resident.id))
    for family_id, name, shdk, status in db.session.execute(stmt):
        found[family_id].append((name, shdk, status))
    return found


def describe_headless(family, members):
    """A HeadlessFamily from the family and its (name, shdk, life status) members."""
    living = [m for m in members if m[2] == "hidup"]
    former = [(name, codes.LIFE_STATUS.get(status, status)) for name, shdk, status in members
              if shdk == codes.SHDK_HEAD and status != "hidup"]
    if not members:
        reason = "tanpa_anggota"
    elif not living:
        reason = "semua_tidak_hidup"
    elif former:
        reason = "kepala_tidak_hidup"
    else:
        reason = "tanpa_kepala"
    return HeadlessFamily(family, len(living), len(members), reason, former)


def headless_families(rw=None, rt=None, offset=0, limit=50):
    """One page of families without a living head in an area (HeadlessFamily rows), and the total.

    One indexed query lists every such family id (a few thousand small rows at most), then only the
    page's families and members are loaded.
    """
    stmt = select(Family.id).where(~living_head()).order_by(Family.rw, Family.rt, Family.kk_number)
    if rw:
        stmt = stmt.where(Family.rw == rw)
    if rt:
        stmt = stmt.where(Family.rt == rt)
    listed = db.session.scalars(stmt).all()
    page = listed[offset:offset + limit]
    families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(page)))}
    members = _member_rows(page)
    return [describe_headless(families[i], members[i]) for i in page], len(listed)


def completeness_report(rw=None):
    """The whole report (or one RW of it): grouped queries only, a handful in all."""
    people = resident_counts(rw)
    headless = headless_counts(rw)
    pairs = suspected_pairs()
    dupes = count_by_area(pairs)
    areas = {}
    for key in set(people) | set(headless) | set(dupes):
        if rw and key[0] != rw:
            continue
        total, nik, warn = people.get(key, (0, 0, 0))
        areas[key] = AreaCounts(rw=key[0], rt=key[1], residents=total, with_nik=nik, without_nik=total - nik,
                                with_warnings=warn, duplicates=dupes.get(key, 0),
                                headless_families=headless.get(key, 0))
    groups, total = group_by_rw(areas, pairs)
    pair_count = len(pairs) if not rw else sum(1 for p in pairs if p.touches(rw))
    total.duplicates = pair_count
    return Completeness(groups=groups, total=total, duplicate_pairs=pair_count)


def group_by_rw(areas, pairs):
    """RT rows under their RW subtotal, both sorted; and the grand total.

    A pair spanning two RTs counts once in each RT but once in the RW subtotal and the total.
    """
    groups, total = [], AreaCounts()
    for rw in sorted({key[0] for key in areas}):
        rows = [areas[key] for key in sorted(areas) if key[0] == rw]
        subtotal = AreaCounts(rw=rw)
        for row in rows:
            subtotal.add(row)
        subtotal.duplicates = sum(1 for pair in pairs if pair.touches(rw))
        groups.append((subtotal, rows))
        total.add(subtotal)
    return groups, total


def rw_list():
    """The RWs that have residents or families, for the filter."""
    stmt = select(Resident.rw).where(*counted_residents()).group_by(Resident.rw).order_by(Resident.rw)
    return [rw for rw in db.session.scalars(stmt)]


def rt_list(rw=None):
    """The RTs that have living residents (in one RW when given), for the filter."""
    stmt = select(Resident.rt).where(*counted_residents()).group_by(Resident.rt).order_by(Resident.rt)
    if rw:
        stmt = stmt.where(Resident.rw == rw)
    return [rt for rt in db.session.scalars(stmt)]


def as_dict(counts):
    """An AreaCounts as a plain dict (for JSON and tests)."""
    data = {f.name: getattr(counts, f.name) for f in fields(counts)}
    data["nik_percent"] = round(counts.nik_percent, 1)
    return data
