"""Import jobs: store the upload, check it and (once confirmed) apply it, in a worker process or inline.

A job moves queued -> checking -> ready -> confirmed -> applying -> done (or failed / cancelled).
Big files are handled by `flask import-residents --job ID` in a separate, lower-priority process that
reports progress on the job row in small commits, so the web workers keep answering lookups.
"""
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ... import audit
from ...config import ROOT
from ...db import write_intent, write_transaction
from ...extensions import db
from ...timeutil import now_utc, office_today
from ..import_models import ImportJob
from .apply import ImportConflict, apply_plan, prepare_plan
from .plan import Context, Plan, finish_plan, read_plan
from .readers import ImportFileError, detect_format, open_source, uncompressed_size
from .report import build_summary, rejected_extension, rejected_fingerprint, write_issues_csv, write_rejected
from .rowcache import load_rows, save_rows

log = logging.getLogger(__name__)
ROWS_FILE = "baris.jsonl"
CRASH_MESSAGE = "Terjadi kesalahan tak terduga saat memproses berkas. Coba lagi; bila berulang, hubungi admin."


def imports_root():
    """instance/imports/, where uploads and the files made from them are kept."""
    return Path(current_app.instance_path) / "imports"


def job_file(job, name):
    """Absolute path of one of a job's files (None for a missing name)."""
    return imports_root() / name if name else None


def private_folder(path):
    """A folder only the server's user can enter (0700): uploads hold every NIK of a kelurahan."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_file(path):
    """Create (or empty) a file readable by the server's user only (0600) before anything is written to it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)
    return path


def create_job(stream, filename, user=None, dry_run=False):
    """Store an upload (a binary stream) and add a queued job; raises ImportFileError. The caller commits.

    A package over the decompression limits is refused here, before anything is inflated.
    """
    head = stream.read(8)
    fmt = detect_format(filename, head)
    job = ImportJob(file_name=(filename or "berkas")[-255:], file_format=fmt, stored_path="",
                    user_id=getattr(user, "id", None), status="queued", stage="", dry_run=dry_run)
    db.session.add(job)
    db.session.flush()
    folder = f"job-{job.id}"
    private_folder(imports_root())
    private_folder(imports_root() / folder)
    job.stored_path = f"{folder}/unggahan.{fmt}"
    path = private_file(job_file(job, job.stored_path))
    with open(path, "wb") as out:
        out.write(head)
        shutil.copyfileobj(stream, out, 1024 * 1024)
    job.file_size = os.path.getsize(path)
    try:
        job.unpacked_size = uncompressed_size(path, fmt)
    except ImportFileError:
        shutil.rmtree(imports_root() / folder, ignore_errors=True)
        raise
    return job


class ProgressReporter:
    """Writes the stage and progress of a job in its own short transactions, at most every interval."""

    def __init__(self, job_id, interval=0.5):
        self.job_id, self.interval = job_id, interval
        self.stage, self.last = None, 0.0

    def __call__(self, stage, done, total):
        now = time.monotonic()
        if stage == self.stage and now - self.last < self.interval:
            return
        self.stage, self.last = stage, now
        values = {"stage": stage, "progress_done": done, "progress_total": total, "heartbeat_at": now_utc()}
        with write_intent(), db.engine.begin() as connection:
            connection.execute(update(ImportJob.__table__).where(ImportJob.__table__.c.id == self.job_id)
                               .values(**values))


def _no_progress(stage, done, total):
    """Inline jobs have nobody watching a progress bar."""


def _claim(job_id, before, after):
    """Move a job from one status to the next; False when another worker (or click) got there first."""
    with write_transaction():
        result = db.session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == before)
            .values(status=after, worker_pid=os.getpid(), heartbeat_at=now_utc(), stage="reading",
                    progress_done=0, progress_total=0))
    return result.rowcount == 1


def _fail(job_id, message):
    with write_transaction():
        job = db.session.get(ImportJob, job_id)
        job.status, job.error, job.finished_at = "failed", message, now_utc()


def _set_counts(job, counts):
    job.count_rows, job.count_new, job.count_updated = counts["rows"], counts["new"], counts["updated"]
    job.count_unchanged, job.count_rejected, job.count_warnings = (counts["unchanged"], counts["rejected"],
                                                                   counts["warnings"])


def _rows_path(job):
    return job_file(job, f"{Path(job.stored_path).parent}/{ROWS_FILE}")


def _read(job, progress):
    """Read and check every row of the stored upload (no database access)."""
    source = open_source(job_file(job, job.stored_path), job.file_format)
    try:
        return read_plan(source, Context(today=office_today()), progress)
    finally:
        source.close()


def _write_files(job, plan):
    """The issue list and the rejected-rows file next to the upload; returns their relative paths."""
    folder = Path(job.stored_path).parent
    issues = f"{folder}/masalah.csv"
    write_issues_csv(plan, private_file(job_file(job, issues)))
    rejected = None
    if any(row.rejected for row in plan.rows):
        rejected = f"{folder}/ditolak.{rejected_extension(job.file_format)}"
        source = open_source(job_file(job, job.stored_path), job.file_format)
        try:
            write_rejected(source, plan, private_file(job_file(job, rejected)))
        finally:
            source.close()
    return issues, rejected


def rejected_holders(plan):
    """Ids of registry residents whose NIK, or whose family's KK, stands in a rejected row.

    The rejected-rows file gives those numbers back whole, so the audit row of its download names these people
    (their "who saw my data" report shows it).
    """
    from ..models import Family, Resident

    rows = [row for row in plan.rows if row.rejected]
    niks = sorted({row.nik for row in rows if row.nik})
    kks = sorted({row.kk for row in rows if row.kk})
    found = set()
    for start in range(0, max(len(niks), len(kks)), 500):
        nik_part, kk_part = niks[start:start + 500], kks[start:start + 500]
        if nik_part:
            found.update(db.session.scalars(select(Resident.id).where(Resident.nik.in_(nik_part))))
        if kk_part:
            families = select(Family.id).where(Family.kk_number.in_(kk_part))
            found.update(db.session.scalars(select(Resident.id).where(Resident.family_id.in_(families))))
    return sorted(found)


def check_job(job_id, progress=_no_progress):
    """Check a queued job: read, validate and match every row, store the preview. Writes no resident."""
    if not _claim(job_id, "queued", "checking"):
        return
    job = db.session.get(ImportJob, job_id)
    try:
        plan = _read(job, progress)
        save_rows(plan, private_file(_rows_path(job)))
        finish_plan(plan, progress)
        issues, rejected = _write_files(job, plan)
        summary = build_summary(plan)
        summary["rejected_holders"] = rejected_holders(plan)
    except ImportFileError as error:
        db.session.rollback()
        _fail(job_id, str(error))
        return
    except Exception:
        log.exception("import check of job %s failed", job_id)
        db.session.rollback()
        _fail(job_id, CRASH_MESSAGE)
        return
    with write_transaction():
        job = db.session.get(ImportJob, job_id)
        _set_counts(job, summary["counts"])
        job.summary = json.dumps(summary, ensure_ascii=False)
        job.issues_path, job.rejected_path = issues, rejected
        job.status, job.stage, job.checked_at = "ready", "", now_utc()


def confirm_job(job_id, user):
    """Confirm a checked job once; a second confirmation (double click, second tab) returns False."""
    with write_transaction():
        result = db.session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "ready")
            .values(status="confirmed", confirmed_at=now_utc(), confirmed_by_id=getattr(user, "id", None),
                    heartbeat_at=now_utc(), stage=""))
        confirmed = result.rowcount == 1
        if confirmed:
            audit.record("import_confirmed", "import_job", job_id, user=user)
    return confirmed


def cancel_job(job_id, user):
    """Drop a checked job that was not confirmed; False when it is no longer waiting."""
    with write_transaction():
        result = db.session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "ready")
            .values(status="cancelled", finished_at=now_utc()))
        cancelled = result.rowcount == 1
        if cancelled:
            audit.record("import_cancelled", "import_job", job_id, user=user)
    if cancelled:
        discard_working_files(db.session.get(ImportJob, job_id))
    return cancelled


def _refresh_files(job, plan, summary_before):
    """After a re-check at confirmation, rewrite the rejected file when the rejections changed."""
    if summary_before.get("rejected_fingerprint") == rejected_fingerprint(plan):
        return job.issues_path, job.rejected_path
    return _write_files(job, plan)


def _plan_again(job, progress):
    """The rows saved by the check (or the file read again when they are gone), checked against today's data."""
    try:
        plan = load_rows(_rows_path(job), Plan)
    except (OSError, ValueError, KeyError, TypeError):
        plan = _read(job, progress)
    return finish_plan(plan, progress)


def apply_job(job_id, progress=_no_progress):
    """Apply a confirmed job: re-check against today's data, then write it all in one transaction."""
    if not _claim(job_id, "confirmed", "applying"):
        return
    job = db.session.get(ImportJob, job_id)
    try:
        plan = _plan_again(job, progress)
        issues, rejected = _refresh_files(job, plan, job.summary_data)
        user = job.confirmed_by
        prepared = prepare_plan(plan, user)
        db.session.commit()  # end the read; the write below takes the lock only for the writing itself
        progress("writing", 0, 0)
        started = time.monotonic()
        with write_transaction():
            counts = apply_plan(plan, user=user, prepared=prepared)
            _finish(job_id, counts, issues, rejected, user, time.monotonic() - started, rejected_holders(plan))
    except (ImportFileError, ImportConflict) as error:
        db.session.rollback()
        _fail(job_id, str(error))
        return
    except Exception:
        log.exception("import apply of job %s failed", job_id)
        db.session.rollback()
        _fail(job_id, CRASH_MESSAGE + " Tidak ada data yang disimpan.")
        return
    discard_working_files(job)


def discard_working_files(job):
    """Once a job is saved or cancelled, drop the upload and the saved rows (full NIKs, not needed any more).

    The rejected-rows file and the issue list stay: the clerk fixes and re-uploads from them.
    """
    for path in (_rows_path(job), job_file(job, job.stored_path)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", path)


def _finish(job_id, counts, issues, rejected, user, write_seconds, holders):
    job = db.session.get(ImportJob, job_id)
    summary = job.summary_data
    summary["rejected_holders"] = holders
    preview = summary.get("counts", {})
    # How long the write transaction ran before its commit (the bench reports it: the SQLite write lock).
    summary["write_seconds"] = round(write_seconds, 2)
    job.summary = json.dumps(summary, ensure_ascii=False)
    _set_counts(job, counts)
    job.issues_path, job.rejected_path = issues, rejected
    job.status, job.stage, job.finished_at = "done", "", now_utc()
    if preview and any(preview.get(key) != counts[key] for key in ("new", "updated", "unchanged", "rejected")):
        job.error = ("Hasil berbeda dari pratinjau karena data penduduk berubah sejak pemeriksaan; "
                     "angka di atas adalah yang benar-benar disimpan.")
    audit.record("residents_imported", "import_job", job_id, user=user, file=job.file_name,
                 uploaded_by=job.user.username if job.user else None, rows=counts["rows"], new=counts["new"],
                 updated=counts["updated"], unchanged=counts["unchanged"], rejected=counts["rejected"])


def run_job(job_id, progress=_no_progress):
    """Do whatever the job waits for: its check, or its application once confirmed."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return None
    status = job.status
    db.session.commit()
    if status == "queued":
        check_job(job_id, progress)
    elif status == "confirmed":
        apply_job(job_id, progress)
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def unpacked_size(job):
    """What reading the job's upload takes: its uncompressed size (a zip package's declared members)."""
    known = getattr(job, "unpacked_size", None)
    if known is None:
        try:
            known = uncompressed_size(job_file(job, job.stored_path), job.file_format)
        except (ImportFileError, OSError):
            known = job.file_size
    return known


def runs_inline(job):
    """Small files are checked and applied within the request; big ones go to a worker process.

    Decided on the uncompressed size: a 45 KB .xlsx can hold a 300 MB sheet.
    """
    return unpacked_size(job) <= current_app.config.get("IMPORT_INLINE_MAX_BYTES", 1024 * 1024)


def worker_environment(app):
    """The environment a worker needs to open the same database and instance folder as this app."""
    env = dict(os.environ)
    env["KUPANG_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    env["KUPANG_INSTANCE_PATH"] = app.instance_path
    env["KUPANG_KELURAHAN"] = app.config["KELURAHAN_CODE"]
    env["KUPANG_TIMEZONE"] = app.config["TIMEZONE"]
    return env


def spawn_worker(job):
    """Start `flask import-residents --job ID` for the job in its own process (reaped by a thread)."""
    app = current_app._get_current_object()  # noqa: SLF001 - the real app, for its config
    folder = imports_root() / Path(job.stored_path).parent
    log_path = folder / "worker.log"
    if not log_path.exists():
        private_file(log_path)
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-m", "flask", "--app", "app", "import-residents", "--job", str(job.id)],
            cwd=str(ROOT), env=worker_environment(app), stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True)
    threading.Thread(target=proc.wait, daemon=True, name=f"import-{job.id}-reaper").start()
    return proc


def start_job(job):
    """Run the job's next step now (small file) or in a worker process (big file)."""
    if runs_inline(job):
        return run_job(job.id)
    try:
        spawn_worker(job)
    except OSError:
        log.exception("could not start the import worker for job %s", job.id)
        _fail(job.id, "Proses impor tidak dapat dijalankan di server. Hubungi admin.")
    return job


def is_stalled(job, now=None):
    """True when a running job has shown no sign of life for IMPORT_STALL_SECONDS (its worker died)."""
    if not job.is_running:
        return False
    last = job.heartbeat_at or job.created_at
    limit = current_app.config.get("IMPORT_STALL_SECONDS", 180)
    return ((now or now_utc()) - last).total_seconds() > limit
