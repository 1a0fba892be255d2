"""Uploads, saved rows and rejected-rows files hold full NIKs: they are deleted after a retention period.

`purge_imports()` runs when the app starts, then once a day in a background thread, and as
`flask --app app purge-imports`. A job whose files are gone keeps its row (counts, who, when) for the record.
"""
import logging
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ...config import env_int
from ...db import write_transaction
from ...extensions import db
from ...timeutil import now_utc
from ..import_models import RUNNING, ImportJob
from .jobs import imports_root

log = logging.getLogger(__name__)
DEFAULT_DAYS = 7
DAY_SECONDS = 24 * 3600
FOLDER = re.compile(r"^job-(\d{1,12})$")
EXPIRED = "Berkas impor dihapus otomatis setelah {days} hari tanpa konfirmasi; unggah ulang bila masih diperlukan."


def retention_days():
    """KUPANG_IMPORT_RETENTION_DAYS (default 7): how long an import's files are kept."""
    configured = current_app.config.get("IMPORT_RETENTION_DAYS")
    days = configured if configured is not None else env_int("IMPORT_RETENTION_DAYS", DEFAULT_DAYS)
    return max(int(days), 0)


def purge_imports(now=None, days=None):
    """Delete the files of every import older than the retention period; returns the number of folders removed."""
    days = retention_days() if days is None else days
    cutoff = (now or now_utc()) - timedelta(days=days)
    root = imports_root()
    if not root.is_dir():
        return 0
    folders = {int(m.group(1)): path for path in root.iterdir() if (m := FOLDER.match(path.name)) and path.is_dir()}
    if not folders:
        return 0
    jobs = {job.id: job for job in db.session.scalars(select(ImportJob).where(ImportJob.id.in_(list(folders))))}
    expired = [job_id for job_id, path in folders.items()
               if (jobs[job_id].created_at < cutoff if job_id in jobs else _older(path, cutoff))]
    db.session.commit()
    if not expired:
        return 0
    with write_transaction():
        for job_id in expired:
            job = db.session.get(ImportJob, job_id)
            if job is None:
                continue
            job.rejected_path = job.issues_path = None
            if job.status == "ready" or job.status in RUNNING:
                job.status, job.error, job.finished_at = "cancelled", EXPIRED.format(days=days), now_utc()
    for job_id in expired:
        shutil.rmtree(folders[job_id], ignore_errors=True)
    log.info("purged the files of %d import(s) older than %d days", len(expired), days)
    return len(expired)


def _older(path, cutoff):
    """A folder without a job row (its upload may still be being saved): judged by its own age."""
    try:
        changed = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    except OSError:
        return False
    return changed < cutoff


def _purge_daily(app, first_delay):
    """The background loop: once shortly after start, then every 24 hours."""
    delay = first_delay
    while not _stop.wait(delay):
        try:
            with app.app_context():
                purge_imports()
        except Exception:  # a locked or not yet migrated database: try again tomorrow
            log.exception("purging old import files failed")
        delay = DAY_SECONDS


_stop = threading.Event()


def start_retention(app):
    """Start the daily purge thread for this process (not in tests unless IMPORT_PURGE_ON_START is set)."""
    if not app.config.get("IMPORT_PURGE_ON_START", not app.testing):
        return None
    first_delay = app.config.get("IMPORT_PURGE_FIRST_DELAY", 5.0)  # let the app finish starting first
    thread = threading.Thread(target=_purge_daily, args=(app, first_delay), daemon=True, name="import-retention")
    thread.start()
    return thread
