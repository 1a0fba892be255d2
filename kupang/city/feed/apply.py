"""The city applies an office's batch: exactly once, in the office's order, only the office's own rows.

A batch is {"office", "after", "upto", "waiting", "changes": [{"seq", "table", "id", "data"} | {"seq",
"table", "id", "deleted": true} | {"seq", "table": "*", "reset": true}]}. The office numbers its changes;
the city remembers the last number applied (city_office.applied_seq) and applies a batch only when it
starts right there. A reset (the office rebuilding the city's copy) forgets every row of the office first.
"""
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select

from ...db import dialect_insert, lock_for_update
from ...extensions import db
from ...timeutil import now_utc
from .. import projections
from ..models import FED_TABLES, CityOffice, FeedRow

RESET = "*"


class BatchError(ValueError):
    """A batch the city refuses as a whole; `status` is the HTTP answer, the message Indonesian."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclass
class Change:
    """One change of a batch, checked."""

    seq: int
    table: str
    row_id: int
    data: dict | None  # None: deleted (or a reset)


def token_hash(token):
    """The stored form of an office's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _int(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BatchError(400, f"{what} harus bilangan bulat tidak negatif.")
    return value


def parse_batch(payload):
    """(office, after, upto, waiting, [Change]) from a decoded batch, or BatchError(400)."""
    if not isinstance(payload, dict):
        raise BatchError(400, "Kiriman harus berupa objek JSON.")
    office = payload.get("office")
    if not isinstance(office, str):
        raise BatchError(400, "Kode kantor (office) tidak ada.")
    after, upto = _int(payload.get("after"), "after"), _int(payload.get("upto"), "upto")
    waiting = _int(payload.get("waiting", 0), "waiting")
    if upto < after:
        raise BatchError(400, "upto tidak boleh lebih kecil dari after.")
    raw = payload.get("changes")
    if not isinstance(raw, list):
        raise BatchError(400, "Daftar perubahan (changes) tidak ada.")
    changes = [parse_change(item, after, upto) for item in raw]
    return office, after, upto, waiting, sorted(changes, key=lambda change: change.seq)


def parse_change(item, after, upto):
    """One Change, checked against the batch's range, or BatchError(400)."""
    if not isinstance(item, dict):
        raise BatchError(400, "Setiap perubahan harus berupa objek JSON.")
    seq = _int(item.get("seq"), "seq")
    if not after < seq <= upto:
        raise BatchError(400, f"Nomor perubahan {seq} di luar rentang kiriman.")
    table = item.get("table")
    if table == RESET and item.get("reset") is True:
        return Change(seq, RESET, 0, None)
    if table not in FED_TABLES:
        raise BatchError(400, f"Tabel {str(table)[:40]!r} tidak dikirim ke server kota.")
    row_id = _int(item.get("id"), "id")
    data = item.get("data")
    if item.get("deleted") is True:
        return Change(seq, table, row_id, None)
    if not isinstance(data, dict):
        raise BatchError(400, f"Data baris {table} {row_id} tidak ada.")
    if data.get("id", row_id) != row_id:
        raise BatchError(400, f"Data baris {table} {row_id} memuat id lain.")
    return Change(seq, table, row_id, data)


def authenticate(token):
    """The paired, not revoked office of a bearer token, locked for this transaction; BatchError(401)."""
    if not token:
        raise BatchError(401, "Token kantor tidak ada.")
    office = db.session.scalar(lock_for_update(select(CityOffice).where(
        CityOffice.token_hash == token_hash(token), CityOffice.revoked_at.is_(None))))
    if office is None:
        raise BatchError(401, "Token kantor tidak dikenal atau sudah dicabut.")
    return office


def apply_batch(token, payload):
    """Apply one batch in the caller's write transaction; (status, answer dict). BatchError when refused."""
    office = authenticate(token)  # a stranger learns nothing about what a batch should look like
    office_code, after, upto, waiting, changes = parse_batch(payload)
    if office_code != office.code:
        raise BatchError(403, f"Token ini milik kantor {office.code}, bukan {office_code[:20]}.")
    for change in changes:
        code = (change.data or {}).get("kelurahan_code", office.code)
        if code != office.code:
            raise BatchError(403, f"Baris {change.table} {change.row_id} milik kelurahan {str(code)[:20]}, "
                                  f"bukan {office.code}.")
    if upto <= office.applied_seq:
        return 200, {"applied": office.applied_seq, "duplicate": True, **projections.answer_parts(office.code)}
    if after != office.applied_seq:
        return 409, {"applied": office.applied_seq, "error": "Urutan kiriman terputus; kirim ulang."}
    pending = {}  # (table, id) -> its last change, until a reset or the end of the batch
    for change in changes:
        if change.table == RESET:
            store_changes(office.code, pending.values())
            pending.clear()
            forget_office_rows(office.code)
        else:
            pending.pop((change.table, change.row_id), None)
            pending[(change.table, change.row_id)] = change
    store_changes(office.code, pending.values())
    office.applied_seq = upto
    office.last_push_at = now_utc()
    office.waiting = waiting
    db.session.flush()
    return 200, {"applied": upto, **projections.answer_parts(office.code)}


def store_changes(office_code, changes):
    """Upsert changes (one per row) into feed_row in one statement, then run the projectors in seq order."""
    changes = list(changes)
    if not changes:
        return
    table = FeedRow.__table__
    stmt = dialect_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["office_code", "table_name", "row_id"],
        set_={"data": stmt.excluded.data, "deleted": stmt.excluded.deleted, "seq": stmt.excluded.seq})
    db.session.execute(stmt, [{"office_code": office_code, "table_name": c.table, "row_id": c.row_id,
                               "data": c.data, "deleted": c.data is None, "seq": c.seq} for c in changes])
    for change in changes:
        projections.project(office_code, change.table, change.row_id, change.data)


def forget_office_rows(office_code):
    """A reset: every row of the office leaves the copy and the projections (the office sends them again)."""
    rows = db.session.execute(select(FeedRow.table_name, FeedRow.row_id).where(
        FeedRow.office_code == office_code, FeedRow.deleted.is_(False))).all()
    for table_name, row_id in rows:
        projections.project(office_code, table_name, row_id, None)
    db.session.execute(delete(FeedRow).where(FeedRow.office_code == office_code))
