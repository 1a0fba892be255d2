"""Who saw my data (UU PDP): every audit row that touched one resident, over a date range.

Touching means: their page opened, their NIK revealed, their record added, changed, merged or given an
event; their family card (KK) opened; a queue ticket linked to them or any row naming them in its detail
(letters record the resident that way); an export whose filter includes them (judged on today's data);
an import that added or changed them.
"""
from datetime import timedelta

from sqlalchemy import and_, or_, select

from ..audit import AuditLog
from ..extensions import db
from ..registry.import_models import ImportJob
from ..registry.models import Resident, ResidentChange
from ..registry.search import SearchFilters, matching_ids
from ..timeutil import local_day_bounds

ACCESS_KINDS = {  # action -> what the access report calls it
    "resident_viewed": "Dilihat", "family_viewed": "Dilihat (kartu keluarga)",
    "resident_nik_revealed": "NIK/KK ditampilkan", "resident_created": "Ditambahkan",
    "resident_updated": "Diubah", "resident_event": "Diubah (peristiwa)", "resident_merged": "Diubah (penggabungan)",
    "residents_exported": "Diekspor", "residents_imported": "Diimpor", "import_confirmed": "Diimpor",
    "queue_resident_linked": "Dilayani di loket",
    "import_rejected_downloaded": "Diunduh (baris impor yang ditolak)",
    "resident_number_searched": "Dicari dengan NIK/KK", "residents_compared": "Dibandingkan (data ganda)",
    "access_report_viewed": "Riwayat aksesnya dibuka", "access_report_exported": "Riwayat aksesnya diekspor",
}
IMPORT_SLACK = timedelta(seconds=5)
MAX_ROWS = 5000


def _detail_mentions(key, ident):
    """LIKE patterns for '"key": id' in the JSON detail (keys are sorted, so it ends with ',' or '}')."""
    return or_(AuditLog.detail.like(f'%"{key}": {ident},%'), AuditLog.detail.like(f'%"{key}": {ident}}}%'))


def _family_ids(resident):
    ids = {resident.family_id} if resident.family_id else set()
    olds = db.session.scalars(select(ResidentChange.old_value).where(
        ResidentChange.resident_id == resident.id, ResidentChange.field == "family_id")).all()
    ids.update(int(v) for v in olds if v and v.isdigit() and len(v) <= 18)
    return ids


def _import_job_ids(resident):
    """Import jobs that added or changed this resident (their writes fall inside the job's apply window)."""
    times = list(db.session.scalars(select(ResidentChange.changed_at).where(
        ResidentChange.resident_id == resident.id, ResidentChange.source == "import")))
    jobs = db.session.scalars(select(ImportJob).where(ImportJob.status == "done",
                                                      ImportJob.confirmed_at.is_not(None))).all()
    found = set()
    for job in jobs:
        end = (job.finished_at or job.confirmed_at) + IMPORT_SLACK
        start = job.confirmed_at - IMPORT_SLACK
        if any(start <= t <= end for t in times) or (
                start <= resident.created_at <= end and resident.created_by_id in (job.user_id, job.confirmed_by_id)):
            found.add(job.id)
    return found


def _export_included(row, resident):
    """Whether an export row's filter includes the resident, judged on today's data."""
    filters_args = row.detail_data.get("filters") or {}
    filters = SearchFilters.from_args(filters_args)
    ids, params = matching_ids(filters_args.get("q", ""), filters)
    return db.session.execute(ids.where(Resident.id == resident.id).limit(1), params).first() is not None


def access_rows(resident, first=None, last=None):
    """Audit rows touching the resident between the local days first and last (both optional), newest first."""
    ident = resident.id
    touching = [
        and_(AuditLog.object_type == "resident", AuditLog.object_id == str(ident)),
        _detail_mentions("resident_id", ident),
        and_(AuditLog.action == "resident_merged", _detail_mentions("merged_id", ident)),
        AuditLog.action == "residents_exported",
        # a file that gave several residents' numbers back whole (the import's rejected rows) lists them all
        AuditLog.detail.like(f'%"resident_ids": [%{ident}%'),
    ]
    families = _family_ids(resident)
    if families:
        touching.append(and_(AuditLog.object_type == "family", AuditLog.object_id.in_([str(f) for f in families])))
    jobs = _import_job_ids(resident)
    if jobs:
        touching.append(and_(AuditLog.object_type == "import_job", AuditLog.object_id.in_([str(j) for j in jobs]),
                             AuditLog.action.in_(("residents_imported", "import_confirmed"))))
    stmt = select(AuditLog).where(or_(*touching))
    if first is not None:
        stmt = stmt.where(AuditLog.at >= local_day_bounds(first)[0])
    if last is not None:
        stmt = stmt.where(AuditLog.at < local_day_bounds(last)[1])
    rows = db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(MAX_ROWS)).all()
    return [row for row in rows if _really_touches(row, resident)]


def _really_touches(row, resident):
    """The precise check behind the coarse SQL filters (an export's filter, a list of resident ids)."""
    if row.action == "residents_exported":
        return _export_included(row, resident)
    listed = row.detail_data.get("resident_ids") if row.detail else None
    if isinstance(listed, list) and not (row.object_type == "resident" and row.object_id == str(resident.id)):
        return resident.id in listed or row.detail_data.get("resident_id") == resident.id
    return True


def kind_of(row):
    """How the access report names what happened (view, reveal, edit, export, letter, import ...)."""
    if row.action in ACCESS_KINDS:
        return ACCESS_KINDS[row.action]
    if row.object_type == "letter" or row.action.startswith("letter"):
        return "Surat"
    return "Lainnya"
