"""Take a backup: a consistent copy, checked, compressed and encrypted into the backup folder, then rotated.

One backup at a time (a lock file in instance/ that the kernel releases if the process dies). The copy is
written as `.<name>.partial` and renamed only once complete and on disk, so `kill -9` or a power cut leaves
the previous backups intact and no half file under a backup's name; leftovers are removed by the next run.
"""
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..db import write_intent
from ..extensions import db
from ..migrations_state import applied_heads
from ..timeutil import now_utc, to_local
from . import archive, keys, snapshot
from .config import backup_folder
from .models import BackupRun
from .rotation import backup_name, backup_time, names_to_delete

PARTIAL_SUFFIX = ".partial"


class BackupError(RuntimeError):
    """A backup that could not be made; the message is Indonesian and shown to the admin."""


def database_kind():
    """'sqlite' or 'postgresql'."""
    return db.engine.dialect.name


def payload_member():
    """The name of the database inside a backup of this kind of database."""
    return "kupang.db" if database_kind() == "sqlite" else "kupang.dump"


def check_folder(folder):
    """Raise BackupError unless backups can be written to `folder` (a USB default path must be mounted)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"Folder cadangan {folder} tidak ada. Colokkan flashdisk cadangan atau pilih folder lain.")
    parts = folder.resolve().parts
    if len(parts) > 1 and parts[1] in ("media", "mnt") and not _on_own_mount(folder):
        raise BackupError(f"Flashdisk cadangan belum terpasang di {folder}: cadangan tidak ditulis ke disk utama.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"Folder cadangan {folder} tidak dapat ditulisi oleh aplikasi.")


def _on_own_mount(folder):
    """True when the folder lies on a file system mounted below / (a USB drive), not on the root disk."""
    path = Path(folder).resolve()
    while path != path.parent:
        if os.path.ismount(path):
            return True
        path = path.parent
    return False


def work_folder():
    """instance/backup-work/ (0700): the plain copy lives here, on the server's own disk, only while encrypting."""
    folder = Path(current_app.instance_path) / "backup-work"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


@contextmanager
def backup_lock():
    """Hold instance/backup.lock; BackupError when another backup is running."""
    path = Path(current_app.instance_path) / "backup.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("Pencadangan lain sedang berjalan; tunggu sampai selesai.") from None
        yield
    finally:
        os.close(fd)


class Progress:
    """Writes a run's stage and progress in its own short transactions (at most twice a second)."""

    def __init__(self, run_id, echo=None):
        self.run_id, self.echo, self.stage, self.last = run_id, echo, None, 0.0

    def __call__(self, stage, done=0, total=0):
        """Report a step and how far it is."""
        now = time.monotonic()
        if stage == self.stage and now - self.last < 0.5:
            return
        self.stage, self.last = stage, now
        if self.echo:
            self.echo(stage, done, total)
        if self.run_id is not None:
            _update_run(self.run_id, stage=stage, progress_done=done, progress_total=total, heartbeat_at=now_utc())


def _update_run(run_id, **values):
    try:
        with write_intent(), db.engine.begin() as conn:
            conn.execute(update(BackupRun.__table__).where(BackupRun.__table__.c.id == run_id).values(**values))
    except Exception:  # noqa: BLE001 - a full or locked database must not stop the backup itself
        current_app.logger.warning("backup run %s: progress not recorded", run_id)


def start_run(trigger, user=None, run_id=None):
    """Claim a queued run (from the backup page) or record a new one; returns its id, or None if not recordable."""
    values = {"status": "running", "started_at": now_utc(), "heartbeat_at": now_utc(), "pid": os.getpid(),
              "stage": "", "progress_done": 0, "progress_total": 0, "error": None}
    try:
        with write_intent(), db.engine.begin() as conn:
            table = BackupRun.__table__
            # The lock is ours: any other run still marked running or long queued died without a word.
            conn.execute(update(table).where(table.c.status.in_(("running", "queued")),
                                             table.c.id != (run_id or 0))
                         .values(status="failed", finished_at=now_utc(),
                                 error="Terhenti sebelum selesai (komputer mati atau proses dihentikan)."))
            if run_id is not None:
                conn.execute(update(table).where(table.c.id == run_id).values(**values))
                return run_id
            insert = table.insert().values(created_at=now_utc(), trigger=trigger, folder="",
                                           user_id=getattr(user, "id", None), **values)
            return conn.execute(insert).inserted_primary_key[0]
    except Exception:  # noqa: BLE001 - see _update_run
        current_app.logger.warning("backup run not recorded (database not writable)")
        return None


def finish_run(run_id, **values):
    """Record how a run ended."""
    if run_id is not None:
        _update_run(run_id, finished_at=now_utc(), heartbeat_at=now_utc(), **values)


def remove_leftovers(folder, work):
    """Delete partial files of runs that died (the caller holds the backup lock) and stale plain copies."""
    for path in Path(folder).glob(f".kupang-cadangan-*{PARTIAL_SUFFIX}"):
        path.unlink(missing_ok=True)
    for path in Path(work).iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def make_copy(target, progress):
    """The database copy for this backup in `target`; returns table fingerprints."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if database_kind() == "sqlite":
        source = snapshot.sqlite_file(url)
        total = os.path.getsize(source) if os.path.exists(source) else 0
        progress("copy", 0, total)
        fingerprints = snapshot.copy_sqlite(url, target)
    else:
        progress("copy", 0, 0)
        fingerprints = snapshot.dump_postgres(url, target)
    progress("check", 1, 1)
    return fingerprints


def build_manifest(fingerprints, member, payload):
    """What a restore checks: schema revisions, every table's row count and checksum, the payload's hash."""
    return {"format": 1, "created_at": now_utc().isoformat(timespec="seconds") + "Z",
            "app_version": current_app.config["APP_VERSION"], "database": database_kind(),
            "kelurahan": current_app.config["KELURAHAN_CODE"], "schema": sorted(applied_heads()),
            "payload": member, "payload_sha256": _sha256(payload), "tables": fingerprints}


def build_header(recipient, salt):
    """The plain header: nothing personal, only what a restore needs to derive the key."""
    return {"format": 1, "created_at": now_utc().isoformat(timespec="seconds") + "Z",
            "app_version": current_app.config["APP_VERSION"], "database": database_kind(),
            "kelurahan": current_app.config["KELURAHAN_CODE"], "recipient": recipient,
            "kdf": {**keys.KDF, "salt": keys.encode_salt(salt)}}


def _fsync_dir(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_encrypted(folder, header, manifest, payload, member, recipient, progress):
    """Write the backup under its partial name, fsync, then rename it into place; returns the final path."""
    name = backup_name(to_local(now_utc()).replace(tzinfo=None))
    final = Path(folder) / name
    if final.exists():
        raise BackupError("Cadangan dengan waktu yang sama sudah ada; coba lagi sebentar lagi.")
    partial = Path(folder) / f".{name}{PARTIAL_SUFFIX}"
    total = os.path.getsize(payload)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            archive.write_backup(out, header, manifest, payload, member, recipient,
                                 on_progress=lambda done: progress("encrypt", done, total))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        _fsync_dir(folder)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final


def rotate(folder):
    """Delete the backups the 7/4/12 rotation no longer keeps; returns their names."""
    names = [p.name for p in Path(folder).iterdir() if backup_time(p.name)]
    removed = names_to_delete(names)
    for name in removed:
        (Path(folder) / name).unlink(missing_ok=True)
    return removed


def run_backup(folder=None, trigger="cli", user=None, run_id=None, echo=None):
    """Take one backup now; returns the BackupRun id and the file path. Raises BackupError (recorded as failed)."""
    folder = Path(folder or backup_folder())
    with backup_lock():
        run_id = start_run(trigger, user=user, run_id=run_id)
        progress = Progress(run_id, echo)
        work = None
        try:
            recipient, salt = keys.current_recipient(), keys.current_salt()
            db.session.rollback()  # end the settings read: nothing holds a snapshot during the copy
            if not recipient or salt is None:
                raise BackupError("Kata sandi cadangan belum diatur. Admin mengaturnya di halaman Cadangan.")
            check_folder(folder)
            if run_id is not None:
                _update_run(run_id, folder=str(folder))
            work = work_folder() / f"run-{os.getpid()}-{secrets.token_hex(4)}"
            remove_leftovers(folder, work.parent)
            work.mkdir(mode=0o700)
            member = payload_member()
            payload = work / member
            fingerprints = make_copy(payload, progress)
            manifest = build_manifest(fingerprints, member, payload)
            final = write_encrypted(folder, build_header(recipient, salt), manifest, payload, member, recipient,
                                    progress)
            progress("rotate", 0, 0)
            rotate(folder)
        except (BackupError, snapshot.SnapshotError, OSError) as error:
            message = describe(error)
            finish_run(run_id, status="failed", error=message)
            raise BackupError(message) from error
        except BaseException:
            finish_run(run_id, status="failed", error="Terjadi kesalahan tak terduga saat mencadangkan.")
            raise
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
        size = final.stat().st_size
        finish_run(run_id, status="ok", stage="", file_name=final.name, size_bytes=size, folder=str(folder))
        return run_id, final


def describe(error):
    """An Indonesian message for a backup failure."""
    import errno

    if isinstance(error, BackupError | snapshot.SnapshotError):
        return str(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ("Penyimpanan penuh: cadangan tidak dapat ditulis. Kosongkan flashdisk atau ganti dengan yang "
                "lebih besar.")
    if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"Folder cadangan tidak dapat ditulisi ({error.strerror})."
    if isinstance(error, OSError) and error.errno == errno.EIO:
        return "Flashdisk cadangan bermasalah (galat baca/tulis). Ganti flashdisk."
    return f"Gagal mencadangkan: {error.strerror or error}" if isinstance(error, OSError) else str(error)


# --- reading the record ------------------------------------------------------------------------------


def last_run():
    """The newest backup run, or None."""
    return db.session.scalar(select(BackupRun).order_by(BackupRun.id.desc()).limit(1))


def last_good_run():
    """The newest successful backup run, or None."""
    return db.session.scalar(select(BackupRun).where(BackupRun.status == "ok")
                             .order_by(BackupRun.finished_at.desc()).limit(1))


def run_is_alive(run, now=None):
    """True while a queued or running run still shows signs of life (heartbeat within two minutes)."""
    if run is None or run.status not in ("queued", "running"):
        return False
    seen = run.heartbeat_at or run.created_at
    return (now or now_utc()) - seen < timedelta(minutes=2)


def list_backups(folder=None):
    """[(name, size, local time)] of the backups in the folder, newest first ([] when the folder is missing)."""
    folder = Path(folder or backup_folder())
    try:
        entries = [(p.name, p.stat().st_size, backup_time(p.name)) for p in folder.iterdir() if backup_time(p.name)]
    except OSError:
        return []
    return sorted(entries, key=lambda e: e[2], reverse=True)


def manifest_json(manifest):
    """A manifest as stable JSON text (tests compare it)."""
    return json.dumps(manifest, sort_keys=True)
