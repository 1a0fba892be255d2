"""Writing a checked plan: families and residents inserted in bulk, updates through the change history.

The caller runs apply_plan inside one write transaction (IMMEDIATE on SQLite), so an import is
applied whole or not at all. Everything is prepared before the first write to keep that short.
"""
from flask import current_app
from sqlalchemy import insert, select, update

from ...extensions import db
from ...timeutil import now_utc
from ..families import sync_family_head
from ..history import apply_changes
from ..models import Family, Resident
from ..search import search_index_paused
from .plan import CHUNK

BATCH = 2000
CONFLICT = ("Data penduduk berubah sejak berkas diperiksa ({what}). Tidak ada yang disimpan; "
            "unggah berkas itu lagi untuk memeriksa ulang.")


class ImportConflict(Exception):
    """The database changed between the check and the write; nothing was written."""


def _existing(column, values):
    found = set()
    values = list(values)
    for start in range(0, len(values), CHUNK):
        found.update(db.session.scalars(select(column).where(column.in_(values[start:start + CHUNK]))))
    return found


def verify_still_free(plan):
    """Refuse to write when a NIK or KK the plan would create was registered in the meantime."""
    new_niks = [row.nik for row in plan.rows if row.status == "new" and row.nik]
    if _existing(Resident.nik, new_niks):
        raise ImportConflict(CONFLICT.format(what="NIK yang akan ditambahkan sudah terdaftar"))
    if _existing(Family.kk_number, plan.new_families):
        raise ImportConflict(CONFLICT.format(what="nomor KK yang akan dibuat sudah terdaftar"))


def insert_families(plan, connection):
    """Create the new KKs (heads set later); returns {KK number: family id} for old and new ones."""
    family_ids = dict(plan.family_ids)
    drafts = list(plan.new_families.values())
    kelurahan, now = current_app.config["KELURAHAN_CODE"], now_utc()
    table = Family.__table__
    for start in range(0, len(drafts), BATCH):
        params = [{"kk_number": d.kk, "address": d.address, "rt": d.rt, "rw": d.rw, "kelurahan_code": kelurahan,
                   "head_id": None, "created_at": now, "updated_at": now} for d in drafts[start:start + BATCH]]
        result = connection.execute(insert(table).returning(table.c.id, table.c.kk_number,
                                                            sort_by_parameter_order=True), params)
        family_ids.update({kk: family_id for family_id, kk in result})
    return family_ids


def _new_resident(row, family_ids, kelurahan, user_id, now):
    return {
        "nik": row.nik, "name": row.name, "sex": row.sex, "birth_place": row.birth_place or "",
        "birth_date": row.birth_date, "religion": row.religion, "marital_status": row.marital_status,
        "shdk": row.shdk, "education": row.education, "occupation_code": row.occupation_code,
        "blood_type": row.blood_type, "citizenship": row.citizenship or 1, "father_name": row.father_name or "",
        "mother_name": row.mother_name or "", "address": row.address or "", "rt": row.rt or "", "rw": row.rw or "",
        "kelurahan_code": kelurahan, "life_status": row.life_status or "hidup", "phone": row.phone or "",
        "family_id": family_ids.get(row.kk), "merged_into_id": None, "has_warnings": row.has_warnings,
        "version": 1, "created_at": now, "created_by_id": user_id, "updated_at": now, "updated_by_id": user_id,
    }


def insert_residents(plan, connection, family_ids, user):
    """Insert the new residents in batches; each row learns its new id."""
    rows = [row for row in plan.rows if row.status == "new"]
    kelurahan, now, user_id = current_app.config["KELURAHAN_CODE"], now_utc(), getattr(user, "id", None)
    table = Resident.__table__
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        params = [_new_resident(row, family_ids, kelurahan, user_id, now) for row in batch]
        result = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), params)
        for row, (resident_id,) in zip(batch, result, strict=True):
            row.resident_id = resident_id


def _update_values(row, family_ids):
    values = {name: new for name, (_old, new) in row.changes.items() if name != "kk"}
    if "kk" in row.changes:
        values["family_id"] = family_ids[row.changes["kk"][1]]
    return values


def update_residents(plan, family_ids, user):
    """Apply the changed fields to stored residents through history.apply_changes (source 'import').

    Returns the ids of families whose membership or heads may have changed.
    """
    rows = [row for row in plan.rows if row.status == "updated"]
    touched = set()
    for start in range(0, len(rows), CHUNK):
        batch = {row.resident_id: row for row in rows[start:start + CHUNK]}
        residents = db.session.scalars(select(Resident).where(Resident.id.in_(batch))).all()
        for resident in residents:
            row = batch[resident.id]
            values = _update_values(row, family_ids)
            if "nik" in values and resident.nik not in (None, values["nik"]):
                raise ImportConflict(CONFLICT.format(what="NIK penduduk diubah petugas lain"))
            if "family_id" in values or "shdk" in values:
                touched.update(fid for fid in (resident.family_id, values.get("family_id")) if fid)
            apply_changes(resident, values, user=user, source="import")
        db.session.flush()
        for resident in residents:
            db.session.expunge(resident)
    return touched


def set_heads(plan, family_ids):
    """Point each new (or headless) family at the resident its SHDK 1 row became."""
    now = now_utc()
    params = [{"id": family_ids[kk], "head_id": row.resident_id, "updated_at": now}
              for kk, row in plan.heads.items() if row.resident_id]
    if params:
        db.session.execute(update(Family), params)


def sync_heads(family_ids, already_set):
    """Keep head_id right for existing families whose members moved or changed SHDK."""
    for family_id in sorted(family_ids - already_set):
        family = db.session.get(Family, family_id)
        if family is not None:
            sync_family_head(family)
    db.session.flush()


def apply_plan(plan, user=None):
    """Write the plan in the current transaction; returns the counts. Raises ImportConflict."""
    verify_still_free(plan)
    connection = db.session.connection()
    with search_index_paused(connection):
        family_ids = insert_families(plan, connection)
        insert_residents(plan, connection, family_ids, user)
    touched = update_residents(plan, family_ids, user)
    set_heads(plan, family_ids)
    sync_heads(touched, {family_ids[kk] for kk in plan.heads})
    return plan.counts()
