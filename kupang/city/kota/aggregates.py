"""The resident projector's pre-counts: living residents per office, RW and sex, and NIKs living twice.

A change moves the counts by the difference between the record's old and new state, read in the same
transaction, so the same change applied twice moves nothing. A NIK's shared state is recounted from the
records themselves (under a per-NIK advisory lock on PostgreSQL, so two offices applying the same NIK at once
cannot both miss the other). `recount()` rebuilds both tables from city_resident (bulk loads, repairs).
"""
from sqlalchemy import delete, func, select, text

from ...db import dialect_insert, is_sqlite
from ...extensions import db
from .models import CityAreaCount, CityResident, CitySharedNik


def is_counted(state):
    """Whether a record state (a dict or None) is a counted resident: hidup and not merged."""
    return state is not None and state["life_status"] == "hidup" and not state["merged"]


def old_state(office_code, row_id):
    """The record's projected state before the change ({nik, rw, sex, life_status, merged}) or None."""
    row = db.session.execute(
        select(CityResident.nik, CityResident.rw, CityResident.sex, CityResident.life_status, CityResident.merged)
        .where(CityResident.office_code == office_code, CityResident.row_id == row_id)).first()
    return None if row is None else row._asdict()


def _bucket(office_code, state):
    return office_code, state["rw"] or "", state["sex"] or 0


def apply_change(office_code, old, new):
    """Move the counts from the old state to the new one (each a state dict or None), then refresh shared NIKs."""
    deltas = {}
    for state, sign in ((old, -1), (new, 1)):
        if is_counted(state):
            living, with_nik = deltas.get(_bucket(office_code, state), (0, 0))
            deltas[_bucket(office_code, state)] = (living + sign, with_nik + (sign if state["nik"] else 0))
    table = CityAreaCount.__table__
    for (office, rw, sex), (living, with_nik) in deltas.items():
        if living or with_nik:
            stmt = dialect_insert(table).values(office_code=office, rw=rw, sex=sex, living=living, with_nik=with_nik)
            db.session.execute(stmt.on_conflict_do_update(
                index_elements=[table.c.office_code, table.c.rw, table.c.sex],
                set_={"living": table.c.living + stmt.excluded.living,
                      "with_nik": table.c.with_nik + stmt.excluded.with_nik}))
    for nik in {s["nik"] for s in (old, new) if s is not None and s["nik"]}:
        refresh_shared(nik)


def refresh_shared(nik):
    """Recount the living records of one NIK: listed in city_shared_nik when two or more, else not."""
    if not is_sqlite():
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:nik))"), {"nik": nik})
    from .completeness import counted

    records = db.session.scalar(select(func.count()).select_from(CityResident)
                                .where(CityResident.nik == nik, *counted())) or 0
    table = CitySharedNik.__table__
    if records >= 2:
        stmt = dialect_insert(table).values(nik=nik, records=records)
        db.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.nik], set_={"records": records}))
    else:
        db.session.execute(delete(CitySharedNik).where(CitySharedNik.nik == nik))


def recount():
    """Rebuild city_area_count and city_shared_nik from city_resident (in the caller's write transaction)."""
    from .completeness import counted

    db.session.execute(delete(CityAreaCount))
    db.session.execute(delete(CitySharedNik))
    sex = func.coalesce(CityResident.sex, 0)
    rw = func.coalesce(CityResident.rw, "")
    db.session.execute(CityAreaCount.__table__.insert().from_select(
        ["office_code", "rw", "sex", "living", "with_nik"],
        select(CityResident.office_code, rw, sex, func.count(), func.count(CityResident.nik))
        .where(*counted()).group_by(CityResident.office_code, rw, sex)))
    db.session.execute(CitySharedNik.__table__.insert().from_select(
        ["nik", "records"],
        select(CityResident.nik, func.count()).where(*counted(), CityResident.nik.is_not(None))
        .group_by(CityResident.nik).having(func.count() > 1)))
