"""Backups in the background: the "Cadangkan sekarang" button and the start-up backup run `flask backup` as a
separate, low-priority process, so the web workers keep answering and stay small."""
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, text

from ..config import ROOT
from ..extensions import db
from ..timeutil import now_utc
from . import keys
from .backup import last_good_run, run_is_alive
from .config import backup_max_age_hours, setting
from .models import BackupRun


def backup_command(*args):
    """argv of `flask --app app backup ...` with this interpreter, at low CPU and I/O priority."""
    argv = [sys.executable, "-m", "flask", "--app", "app", "backup", *args]
    nice = ["nice", "-n", "10"] if os.path.exists("/usr/bin/nice") else []
    ionice = ["ionice", "-c", "3"] if os.path.exists("/usr/bin/ionice") else []
    return nice + ionice + argv


def child_environment():
    """The environment the backup process needs to open the same database and instance folder."""
    app = current_app
    return {**os.environ, "KUPANG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "KUPANG_INSTANCE_PATH": app.instance_path, "KUPANG_SECRET_KEY": app.config["SECRET_KEY"],
            "KUPANG_KELURAHAN": app.config["KELURAHAN_CODE"],
            **({"KUPANG_BACKUP_DIR": str(setting("BACKUP_DIR"))} if setting("BACKUP_DIR") else {})}


def spawn(args):
    """Start a detached backup process; its output goes to instance/backup.log. Returns the Popen."""
    log_path = Path(current_app.instance_path) / "backup.log"
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as log:
        proc = subprocess.Popen(backup_command(*args), cwd=str(ROOT), env=child_environment(),  # noqa: S603
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    threading.Thread(target=proc.wait, daemon=True, name="backup-reaper").start()
    return proc


def serialize(key):
    """Within the current write transaction, make concurrent requests doing the same thing wait for each other.

    SQLite's BEGIN IMMEDIATE already does; PostgreSQL takes a transaction-scoped advisory lock.
    """
    if db.engine.dialect.name != "sqlite":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


BACKUP_LOCK_KEY, PASSPHRASE_LOCK_KEY = 0x6B750120, 0x6B750121


def running_run():
    """The queued or running backup that is still alive, or None."""
    run = db.session.scalar(select(BackupRun).where(BackupRun.status.in_(("queued", "running")))
                            .order_by(BackupRun.id.desc()).limit(1))
    return run if run_is_alive(run) else None


def queue_backup(user):
    """Record a queued run for "Cadangkan sekarang" (the caller commits, then calls start_queued)."""
    run = BackupRun(created_at=now_utc(), heartbeat_at=now_utc(), status="queued", trigger="manual", stage="",
                    progress_done=0, progress_total=0, folder="", user_id=getattr(user, "id", None))
    db.session.add(run)
    db.session.flush()
    return run


def start_queued(run_id):
    """Start the process that carries out a queued run."""
    return spawn(["--trigger", "manual", "--run-id", str(run_id)])


def backup_is_stale():
    """True when a passphrase is set and the last good backup is older than the limit (or there is none)."""
    if not keys.current_recipient():
        return False
    good = last_good_run()
    return good is None or now_utc() - good.finished_at > timedelta(hours=backup_max_age_hours())


def backup_if_stale(app):
    """At start (gunicorn's when_ready): spawn a backup when the last good one is too old. Never raises."""
    if os.environ.get("KUPANG_BACKUP_ON_START", "1") == "0":
        return None
    try:
        with app.app_context():
            stale = backup_is_stale() and running_run() is None
            proc = spawn(["--trigger", "start", "--if-stale"]) if stale else None
            db.session.remove()
            db.engine.dispose()
            return proc
    except Exception:  # noqa: BLE001 - a start-up backup must never keep the office app from starting
        app.logger.exception("start-up backup check failed")
        return None
