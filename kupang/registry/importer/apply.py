"""Writing a checked plan: families and residents inserted in bulk, updates through the change history.

The caller runs apply_plan inside one write transaction (IMMEDIATE on SQLite), so an import is
applied whole or not at all. prepare_plan builds every row to insert before that transaction, so
the write lock is held only for the writing itself.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import bindparam, func, select, text, update

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
RESIDENT_TABLE = Resident.__table__
# Inserted columns: id and family_id first (known only inside the transaction), then the rest.
TAIL_COLUMNS = [c for c in RESIDENT_TABLE.columns if c.name not in ("id", "family_id")]


class ImportConflict(Exception):
    """The database changed between the check and the write; nothing was written."""


@dataclass
class Prepared:
    """What the write needs, built before the transaction starts."""

    new_rows: list = field(default_factory=list)
    new_values: list = field(default_factory=list)  # per new row: DB-ready values of TAIL_COLUMNS
    now: object = None
    user_id: int | None = None


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


def _new_resident(row, kelurahan, user_id, now):
    return {
        "nik": row.nik, "name": row.name, "sex": row.sex, "birth_place": row.birth_place or "",
        "birth_date": row.birth_date, "religion": row.religion, "marital_status": row.marital_status,
        "shdk": row.shdk, "education": row.education, "occupation_code": row.occupation_code,
        "blood_type": row.blood_type, "citizenship": row.citizenship or 1, "father_name": row.father_name or "",
        "mother_name": row.mother_name or "", "address": row.address or "", "rt": row.rt or "", "rw": row.rw or "",
        "kelurahan_code": kelurahan, "life_status": row.life_status or "hidup", "phone": row.phone or "",
        "merged_into_id": None, "has_warnings": row.has_warnings, "version": 1, "created_at": now,
        "created_by_id": user_id, "updated_at": now, "updated_by_id": user_id,
    }


def prepare_plan(plan, user=None):
    """Build the new residents' values, converted for the database driver, outside any transaction."""
    prepared = Prepared(now=now_utc(), user_id=getattr(user, "id", None))
    prepared.new_rows = [row for row in plan.rows if row.status == "new"]
    kelurahan = current_app.config["KELURAHAN_CODE"]
    dialect = db.engine.dialect
    processors = [c.type.bind_processor(dialect) for c in TAIL_COLUMNS]
    for row in prepared.new_rows:
        values = _new_resident(row, kelurahan, prepared.user_id, prepared.now)
        prepared.new_values.append(tuple(
            process(values[c.name]) if process and values[c.name] is not None else values[c.name]
            for c, process in zip(TAIL_COLUMNS, processors, strict=True)))
    return prepared


def take_ids(connection, table, count):
    """Ids for `count` new rows: continuing the table on SQLite (inside the IMMEDIATE transaction nobody else
    can take them), drawn from the id sequence on PostgreSQL (which stays in charge)."""
    if not count:
        return []
    if connection.dialect.name == "sqlite":
        first = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        return list(range(first, first + count))
    return list(connection.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
        {"table": table.name, "count": count}).scalars())


def _insert_rows(connection, table, names, rows):
    """A plain executemany with the driver's placeholders: short SQL, no per-row statement building."""
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, rows[start:start + BATCH])


def insert_families(plan, connection):
    """Create the new KKs (heads set later); returns {KK number: family id} for old and new ones."""
    family_ids = dict(plan.family_ids)
    drafts = list(plan.new_families.values())
    table = Family.__table__
    kelurahan, now = current_app.config["KELURAHAN_CODE"], now_utc()
    stamp = table.c.created_at.type.bind_processor(connection.dialect)
    now = stamp(now) if stamp else now
    ids = take_ids(connection, table, len(drafts))
    rows = [(family_id, d.kk, d.address, d.rt, d.rw, kelurahan, now, now) for family_id, d in zip(ids, drafts,
                                                                                                strict=True)]
    _insert_rows(connection, table, ["id", "kk_number", "address", "rt", "rw", "kelurahan_code", "created_at",
                                     "updated_at"], rows)
    family_ids.update(zip((d.kk for d in drafts), ids, strict=True))
    return family_ids


def insert_residents(prepared, connection, family_ids):
    """Insert the new residents in batches; each row learns its new id."""
    rows = prepared.new_rows
    for row, resident_id in zip(rows, take_ids(connection, RESIDENT_TABLE, len(rows)), strict=True):
        row.resident_id = resident_id
    values = [(row.resident_id, family_ids.get(row.kk), *tail) for row, tail in zip(rows, prepared.new_values,
                                                                                    strict=True)]
    _insert_rows(connection, RESIDENT_TABLE, ["id", "family_id", *(c.name for c in TAIL_COLUMNS)], values)


class StoredResident:
    """A matched resident's stored values as the check read them: what apply_changes compares and records."""

    def __init__(self, row):
        self.id = row.resident_id
        self.updated_by_id = None
        self.family_id = row.stored_family_id
        for name, (old, _new) in row.changes.items():
            if name != "kk":
                setattr(self, name, old)


def _update_values(row, family_ids):
    values = {name: new for name, (_old, new) in row.changes.items() if name != "kk"}
    if "kk" in row.changes:
        values["family_id"] = family_ids[row.changes["kk"][1]]
    return values


def update_residents(plan, family_ids, user, now):
    """Record every changed field through history.apply_changes (source 'import'), then write the new values
    in bulk, guarded by each resident's version (a resident edited meanwhile makes the import fail whole).

    Returns the ids of families whose membership or heads may have changed.
    """
    groups, touched = {}, set()
    for row in plan.rows:
        if row.status != "updated":
            continue
        stored, values = StoredResident(row), _update_values(row, family_ids)
        changed = apply_changes(stored, values, user=user, source="import")
        if "family_id" in values or "shdk" in values:
            touched.update(fid for fid in (row.stored_family_id, values.get("family_id")) if fid)
        params = {name: getattr(stored, name) for name in changed}
        params.update(b_id=row.resident_id, b_version=row.stored_version, version=row.stored_version + 1,
                      updated_at=now)
        if user is not None:
            params["updated_by_id"] = user.id
        groups.setdefault(frozenset(params), []).append(params)
    db.session.flush()  # the history rows
    statement = update(RESIDENT_TABLE).where(RESIDENT_TABLE.c.id == bindparam("b_id"),
                                             RESIDENT_TABLE.c.version == bindparam("b_version"))
    connection = db.session.connection()
    for params in groups.values():
        for start in range(0, len(params), BATCH):
            batch = params[start:start + BATCH]
            result = connection.execute(statement, batch)
            if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(batch):
                raise ImportConflict(CONFLICT.format(what="data penduduk diubah petugas lain"))
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


def apply_plan(plan, user=None, prepared=None):
    """Write the plan in the current transaction; returns the counts. Raises ImportConflict."""
    prepared = prepared or prepare_plan(plan, user)
    verify_still_free(plan)
    connection = db.session.connection()
    with search_index_paused(connection):
        family_ids = insert_families(plan, connection)
        insert_residents(prepared, connection, family_ids)
    touched = update_residents(plan, family_ids, user, prepared.now)
    set_heads(plan, family_ids)
    sync_heads(touched, {family_ids[kk] for kk in plan.heads})
    return plan.counts()
